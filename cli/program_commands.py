"""`advocacy programs ...`, `advocacy rewards ...`, `advocacy pilot ...` (issue 12): programs
with their participation and capacity, the rewards ledger, and pilots against the seeds'
thresholds. The CLI is the operator's tool on the server: it acts as an admin."""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING, Annotated, Any

import typer
from pydantic import BaseModel
from rich.console import Console
from rich.table import Table

from cli.context import exits_on_domain_errors, services
from cli.render import id_column, words
from cli.workflow_commands import parse_time
from domain.actors import Actor

if TYPE_CHECKING:  # the use-cases load langchain/langgraph: only inside a command (fast --help)
    from agent.usecases.pilots import PilotReport
    from agent.usecases.programs import ProgramOut

console = Console()
err = Console(stderr=True)
OPERATOR = Actor(id="cli", role="admin")
programs_app = typer.Typer(
    help="Programs: what they run for whom, participation and capacity.", no_args_is_help=True
)
rewards_app = typer.Typer(
    help="The rewards ledger: proposed -> approved -> fulfilled | cancelled.", no_args_is_help=True
)
pilot_app = typer.Typer(
    help="Pilots: a cohort over a period against the seeds' thresholds.", no_args_is_help=True
)


def _json(value: BaseModel | list[Any]) -> None:
    if isinstance(value, BaseModel):
        sys.stdout.write(value.model_dump_json() + "\n")
    else:
        sys.stdout.write(json.dumps([v.model_dump(mode="json") for v in value]) + "\n")


def _program_table(reports: list[ProgramOut]) -> Table:
    """One row per program; its id stays whole and the counts fold under one column."""
    table = Table()
    id_column(table, "program", [r.program["id"] for r in reports])
    for header in ("name: runs", "for", "asks", "capacity"):
        table.add_column(header)
    for r in reports:
        p, part = r.program, r.participation
        who = ", ".join(p["segments"] + p["industries"]) or "any"
        if p.get("min_tier"):
            who += f"; tier >= {p['min_tier']}"
        table.add_row(
            p["id"],
            f"{p['name']}: {', '.join(words(t) for t in [*p['ask_types'], *p['activities']])}",
            who,
            f"{part.asks_approved} approved, {part.asks_completed} completed,"
            f" {part.advocates} advocates",
            "; ".join(_capacity_line(c) for c in r.capacity) or "-",
        )
    return table


def _capacity_line(c: Any) -> str:
    scope = words(c.ask_type) if c.ask_type else "all"
    per = f"{'contact per ' if c.per_contact else ''}{c.per}"
    return f"{scope} {c.used}/{c.max} per {per}"


@programs_app.command("list")
def list_programs(
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON list.")] = False,
) -> None:
    """Every program with its participation and this period's capacity.

    Programs come from the bundle's `programs` key (advocacy import) or PUT /v1/programs.

    Examples:
      advocacy programs list
      advocacy programs list --json
    """
    from agent.usecases.programs import program_reports

    with services() as built, built.deps.session_factory() as session:
        reports = program_reports(session=session, now=built.deps.clock())
    if as_json:
        _json(reports)
        return
    if not reports:
        console.print("no programs: add a `programs` key to a bundle and import it")
        return
    console.print(_program_table(reports))


@programs_app.command("show")
def show_program(
    program_id: Annotated[str, typer.Argument(help="The program id.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """One program: its definition, incentives, participation and capacity (exit 2: unknown).

    Examples:
      advocacy programs show customer-voice
      advocacy programs show customer-voice --json
    """
    from agent.usecases.programs import program_report

    with (
        services() as built,
        built.deps.session_factory() as session,
        exits_on_domain_errors(err),
    ):
        report = program_report(session=session, program_id=program_id, now=built.deps.clock())
    if as_json:
        _json(report)
        return
    console.print(_program_table([report]))
    for incentive in report.program["incentives"]:
        console.print(
            f"incentive [bold]{incentive['id']}[/bold]: {incentive['description']}"
            f" ({incentive['value']} {incentive['currency']})"
        )
    if report.program.get("disclosure"):
        console.print(f"disclosure: {report.program['disclosure']}")


@rewards_app.command("list")
def rewards_list(
    contact: Annotated[str | None, typer.Option(help="Only this advocate's (contact id).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON list.")] = False,
) -> None:
    """The rewards ledger, newest first, with value, currency and status.

    Examples:
      advocacy rewards list
      advocacy rewards list --contact c-1 --json
    """
    from agent.usecases.rewards import list_rewards

    with services() as built, built.deps.session_factory() as session:
        rows = list_rewards(session=session, actor=OPERATOR, contact_id=contact)
    if as_json:
        _json(rows)
        return
    table = Table()
    id_column(table, "reward", [r.reward_id for r in rows])
    # A reward may have no contact or no program (both columns are nullable): shown as "-".
    accounts = [(r.account_id, r.contact_id or "-") for r in rows]
    programs = [(r.program_id or "-", r.incentive_id) for r in rows]
    id_column(table, "account\ncontact", [i for pair in accounts for i in pair])
    id_column(table, "program\nincentive", [i for pair in programs for i in pair])
    table.add_column("value\nstatus")
    for r, account, program in zip(rows, accounts, programs, strict=True):
        table.add_row(
            r.reward_id,
            "\n".join(account),
            "\n".join(program),
            f"{r.value:g} {r.currency}\n{r.status}",
        )
    console.print(table)


def _move(reward_id: str, action: str) -> None:
    from agent.usecases.rewards import move_reward

    with services() as built, exits_on_domain_errors(err):
        moved = move_reward(
            services=built,
            actor=OPERATOR,
            reward_id=reward_id,
            action="fulfil" if action == "fulfil" else "cancel",
        )
    console.print(f"reward [bold]{moved.reward_id}[/bold]: {moved.status}")


@rewards_app.command("fulfil")
def rewards_fulfil(reward_id: Annotated[str, typer.Argument(help="The reward id.")]) -> None:
    """The advocate received an approved reward; once (a second time exits 1). Audited.

    Examples:
      advocacy rewards fulfil reward:rv-3f2a-acc-001
    """
    _move(reward_id, "fulfil")


@rewards_app.command("cancel")
def rewards_cancel(reward_id: Annotated[str, typer.Argument(help="The reward id.")]) -> None:
    """Withdraw a proposed or approved reward; once (a second time exits 1). Audited.

    Examples:
      advocacy rewards cancel reward:rv-3f2a-acc-001
    """
    _move(reward_id, "cancel")


@pilot_app.command("start")
def pilot_start(
    name: Annotated[str, typer.Option(help="The pilot's name.")],
    segment: Annotated[
        str | None, typer.Option(help="The cohort: this segment's accounts.")
    ] = None,
    top_healthy: Annotated[
        int | None, typer.Option(help="The cohort: the N healthiest accounts.")
    ] = None,
    days: Annotated[int, typer.Option(help="How long it runs.")] = 60,
    now: Annotated[str | None, typer.Option(help="Start at this ISO 8601 time.")] = None,
) -> None:
    """Start a pilot: a cohort (one of --segment or --top-healthy) and a period.

    Examples:
      advocacy pilot start --name "Q1 SMB" --segment smb --days 60
      advocacy pilot start --name "Healthiest 50" --top-healthy 50 --days 60
    """
    from agent.usecases.pilots import start_pilot

    started = parse_time(now, option="--now") if now else None
    with services() as built, exits_on_domain_errors(err):
        pilot = start_pilot(
            services=built,
            actor=OPERATOR,
            name=name,
            segment=segment,
            top_healthy=top_healthy,
            days=days,
            now=started,
        )
    console.print(
        f"pilot [bold]{pilot.pilot_id}[/bold] {pilot.name!r}: {len(pilot.cohort)} accounts,"
        f" {pilot.started_at.date()} to {pilot.ends_at.date()};"
        " next: [bold]advocacy pilot report[/bold]"
    )


def _print_report(report: PilotReport) -> None:
    pilot = report.pilot
    cohort = pilot.segment or f"top {pilot.top_healthy} by health"
    console.print(
        f"pilot [bold]{pilot.pilot_id}[/bold] {pilot.name!r}: {len(pilot.cohort)} accounts"
        f" ({cohort}), {report.period['from'].date()} to {report.period['to'].date()}"
    )
    for t in report.thresholds:
        verdict = {True: "PASS", False: "FAIL", None: "no data yet"}[t.passed]
        share = "-" if t.share is None else f"{t.share:.0%}"
        console.print(
            f"{verdict:<11} {t.name}: {share} of {t.counted} (needs {t.required_share:.0%})"
            f" — {t.rule}"
        )
        for fail in t.failing:
            console.print(f"    {fail.account_id} ({fail.review_id}): {'; '.join(fail.problems)}")


@pilot_app.command("report")
def pilot_report_command(
    pilot_id: Annotated[str | None, typer.Argument(help="The pilot id (default: latest).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """The pilot's cohort, period and each seed threshold: pass or fail, and the accounts
    that fail it.

    Examples:
      advocacy pilot report
      advocacy pilot report pl-3f2a1b2c3d --json
    """
    from agent.usecases.pilots import pilot_report

    with (
        services() as built,
        built.deps.session_factory() as session,
        exits_on_domain_errors(err),
    ):
        report = pilot_report(session=session, pilot_id=pilot_id, now=built.deps.clock())
    if as_json:
        _json(report)
        return
    _print_report(report)


def register(app: typer.Typer) -> None:
    app.add_typer(programs_app, name="programs")
    app.add_typer(rewards_app, name="rewards")
    app.add_typer(pilot_app, name="pilot")
