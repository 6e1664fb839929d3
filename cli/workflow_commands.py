"""`advocacy scan` and `advocacy metrics` (and the helpers other command modules share)."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console

from cli.context import exits_on_domain_errors, services
from cli.context import parse_time as _parse_time
from cli.render import (
    backlog_table,
    metrics_tables,
    owners_table,
    results_table,
    status_counts_table,
)

if TYPE_CHECKING:
    from agent.bootstrap import Services
    from agent.scan import Progress as ProgressFn
    from store.models import ScanResult

console = Console()
err = Console(stderr=True)


QUEUE_HELP = "Enqueue it for `advocacy worker` processes, print its id (PostgreSQL)."


def parse_time(value: str | None, *, option: str) -> datetime:
    """An ISO 8601 time (naive = UTC), else now; exits 2 with the option's name for a bad one."""
    return _parse_time(value, option=option, err=err)


@contextmanager
def progress_bar(enabled: bool) -> Iterator[ProgressFn]:
    """A Rich progress bar on a terminal; silent when piped or asked for JSON.

    It appears with the scan's first report, and its refresh thread starts then: a scan reports
    only once it has begun its drafting, where a process with no other thread forks its draft
    helper (agent/draft_helper.py), ready at once; a thread there would have it spawned instead,
    spending seconds importing."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    bar = Progress(
        TextColumn("{task.description:<9}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        disable=not (enabled and err.is_terminal),
        transient=True,
    )
    tasks: dict[str, Any] = {}

    def report(phase: str, done: int, total: int) -> None:
        if not tasks:
            bar.start()
        if phase not in tasks:
            tasks[phase] = bar.add_task(phase, total=total)
        bar.update(tasks[phase], completed=done, total=total)

    try:
        yield report
    finally:
        if tasks:
            bar.stop()


def scan_results(built: Services, scan_id: str) -> list[ScanResult]:
    from agent.usecases import reads

    with built.deps.session_factory() as session:
        return reads.scan_results(session=session, scan_id=scan_id)


def method_warning(built: Services, scan_id: str) -> str | None:
    """A one-line warning when most of the scan's texts fell back because the model server
    refused the structured output method (the reasons are in each review's `written_by`)."""
    from agent.llm import method_refusal_warning
    from agent.usecases import reads

    with built.deps.session_factory() as session:
        failures = reads.scan_write_failures(session=session, scan_id=scan_id)
    return method_refusal_warning(failures, built.deps.settings)


def scan_json(scan_id: str, now: datetime, results: list[ScanResult]) -> dict[str, Any]:
    """The stable `scan --json` shape of DESIGN.md section 6."""
    return {
        "scan_id": scan_id,
        "now": now.isoformat(),
        "results": [
            {
                "account_id": r.account_id,
                "status": r.status,
                "reasons": r.reasons,
                "flags": r.flags,
                "eligible_ask_types": r.eligible_ask_types,
                "ask_type": r.ask_type,
                "review_id": r.review_id,
                "programs": r.programs or [],
            }
            for r in results
        ],
    }


def scan(
    account: Annotated[
        list[str] | None, typer.Option("--account", help="Only this account id (repeatable).")
    ] = None,
    segment: Annotated[
        str | None,
        typer.Option(help="Only accounts of this segment (smb, mid_market, enterprise…)."),
    ] = None,
    industry: Annotated[
        str | None, typer.Option(help="Only accounts of this industry (any case).")
    ] = None,
    owner: Annotated[str | None, typer.Option(help="Only this owner's accounts.")] = None,
    arr_min: Annotated[int | None, typer.Option("--arr-min", min=0, help="ARR at least.")] = None,
    arr_max: Annotated[int | None, typer.Option("--arr-max", min=0, help="ARR at most.")] = None,
    limit: Annotated[
        int | None,
        typer.Option(
            min=1,
            help="At most this many accounts, the most promising first (the most recent"
            " positive trigger first).",
        ),
    ] = None,
    now: Annotated[
        str | None, typer.Option(help="Evaluate as of this ISO 8601 time (default: now).")
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the result as one JSON object.")
    ] = False,
    per_status: Annotated[int, typer.Option(help="Accounts shown per status in the table.")] = 15,
    program: Annotated[
        str | None,
        typer.Option(
            help="Only this program's eligible accounts and ask types (advocacy programs list)."
        ),
    ] = None,
    queue: Annotated[bool, typer.Option("--queue", help=QUEUE_HELP, show_default=False)] = False,
) -> None:
    """Gate accounts and open one review per candidate for its owner.

    Every account gets a stored result (status, reasons, flags, ask types). Candidates get a
    summary and a draft (LLM, or the offline template with no OPENAI_API_KEY) and wait for
    their owner: nothing reaches a customer without approval.

    Examples:
      advocacy scan
      advocacy scan --segment enterprise --json
      advocacy scan --program customer-voice
      advocacy scan --account acc-001 --account acc-002 --now 2026-11-27T09:00:00Z
      advocacy scan --industry healthcare --arr-min 20000 --limit 100
      advocacy scan --queue --segment smb      # PostgreSQL: the workers run it
    """
    from agent.usecases.scans import checked_selection, described, run_scan, scanned_ids

    as_of = parse_time(now, option="--now")
    more: dict[str, Any] = {
        "industry": industry,
        "owner_id": owner,
        "arr_min": arr_min,
        "arr_max": arr_max,
        "program_id": program,
    }
    if queue:
        from cli.worker_command import queue_scan

        queue_scan(as_of, segment, account, limit, more, as_json)
        return
    with services() as built:
        with exits_on_domain_errors(err), built.deps.session_factory() as session:
            chosen = checked_selection(
                session=session,
                segment=segment,
                account_ids=account or None,
                **more,
            )
            ids = scanned_ids(
                session=session, services=built, selection=chosen, limit=limit, as_of=as_of
            )
        with progress_bar(not as_json) as report:
            scan_id = run_scan(
                services=built,
                now=as_of,
                segment=chosen.segment,
                account_ids=ids,
                progress=report,
                asked=described(chosen, limit),
                program_id=chosen.program_id,
            )
        results = scan_results(built, scan_id)
        warning = method_warning(built, scan_id)
    if warning:
        err.print(warning, style="yellow", soft_wrap=True, markup=False)
    if as_json:
        sys.stdout.write(json.dumps(scan_json(scan_id, as_of, results)) + "\n")
        return
    console.print(status_counts_table(results))
    console.print(results_table(results, per_status=per_status))
    console.print(
        f"scan [bold]{scan_id}[/bold] as of {as_of.isoformat()};"
        " next: [bold]advocacy reviews list[/bold]"
    )


def metrics(
    as_json: Annotated[bool, typer.Option("--json", help="Print the funnel as JSON.")] = False,
) -> None:
    """The measurement funnel (events, readiness rates, pilot thresholds) from recorded events.

    Examples:
      advocacy metrics
      advocacy metrics --json
    """
    from agent.metrics import funnel

    with services() as built, built.deps.session_factory() as session:
        figures = funnel(session=session, now=built.deps.clock())
    if as_json:
        sys.stdout.write(json.dumps(figures) + "\n")
        return
    from agent.metrics import FUNNEL

    by_owner = figures.pop("by_owner", {})
    backlog = figures.pop("backlog", [])
    for table in metrics_tables(figures, FUNNEL):
        console.print(table)
    if by_owner:
        console.print(owners_table(by_owner))
    if backlog:
        console.print(backlog_table(backlog))


def register(app: typer.Typer) -> None:
    app.command("scan")(scan)
    app.command("metrics")(metrics)
