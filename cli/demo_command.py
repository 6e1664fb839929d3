"""`advocacy demo`: the whole job on the embedded default, from nothing to a review to decide."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.rule import Rule

from cli.api_commands import refuse_a_taken_port
from cli.api_commands import serve as serve_api
from cli.context import load_clock, load_settings
from cli.render import results_table, review_panel, status_counts_table
from cli.workflow_commands import method_warning, progress_bar, scan_results

if TYPE_CHECKING:
    from agent.bootstrap import Services
    from agent.settings import Settings
    from agent.usecases.rewards import RewardOut

console = Console()


def demo(
    accounts: Annotated[
        int, typer.Option(min=10, max=100_000, help="Accounts of demo data.")
    ] = 200,
    seed: Annotated[
        int, typer.Option(help="Seed of the demo data: the same seed, the same data.")
    ] = 7,
    out: Annotated[Path, typer.Option(help="Where the generated bundle is written.")] = Path(
        "demo/bundle.json"
    ),
    serve: Annotated[
        bool,
        typer.Option(
            "--serve",
            help="Then serve the API and the review page, signed in as the review's owner.",
        ),
    ] = False,
    port: Annotated[int, typer.Option(help="--serve: the port on 127.0.0.1.")] = 8000,
) -> None:
    """Create the database, generate and import demo data, scan, and show a review to decide.

    Uses ADVOCACY_DATABASE_URL (default: the SQLite file ./advocacy.db). Without OPENAI_API_KEY
    the drafts come from the offline template drafter, labelled `offline-template`.
    Running it again refreshes the same demo accounts; open reviews are not duplicated.
    With --serve it ends by serving http://127.0.0.1:8000/ (Ctrl-C stops) and prints a fresh
    token of the shown review's owner to sign in with (`make demo` does this; `make demo
    PORT=8001` serves on another port). A port already taken is refused before any work.

    Examples:
      advocacy demo
      advocacy demo --accounts 1000 --seed 3
      advocacy demo --serve --port 8001
    """
    from agent.bootstrap import open_services
    from agent.usecases.reads import review_queue
    from agent.usecases.rewards import approve_with_incentive
    from agent.usecases.scans import run_scan
    from store.demo_advocates import noted_advocates
    from store.demo_data import write_demo_bundle
    from store.importer import import_bundle

    if serve:
        refuse_a_taken_port("127.0.0.1", port)
    settings, clock = load_settings(), load_clock()
    now = clock().replace(microsecond=0)
    today = now.replace(hour=0, minute=0, second=0)
    # The database first: one it cannot open is refused before a bundle is written.
    with open_services(settings, clock=clock) as built:
        out.parent.mkdir(parents=True, exist_ok=True)
        console.print(Rule("1. demo data"))
        counts = write_demo_bundle(out=out, accounts=accounts, seed=seed, now=today)
        console.print(f"wrote {out} ({', '.join(f'{n} {k}' for k, n in counts.items())})")
        console.print(Rule("2. import"))
        report = import_bundle(engine=built.engine, source=out)
        console.print(
            f"imported {report.total} rows into {settings.database_url} in {report.seconds:.1f} s"
        )
        noted = noted_advocates(factory=built.deps.session_factory)
        console.print(
            f"owners' notes on {len(noted)} advocate(s): {', '.join(noted)}"
            " (advocacy advocates show ID; advocacy advocates search; advocacy queue referral)"
        )
        console.print(Rule("3. scan"))
        with progress_bar(True) as progress:
            scan_id = run_scan(services=built, now=now, progress=progress)
        results = scan_results(built, scan_id)
        warning = method_warning(built, scan_id)
        console.print(status_counts_table(results))
        console.print(results_table(results, per_status=8))
        with built.deps.session_factory() as session:
            waiting = review_queue(session=session, owner_id=None)
        # The review shown below stays waiting; another one shows the rewards ledger.
        reward = approve_with_incentive(services=built, reviews=waiting[1:])
        invitable = _invitable(built)
        waiting = [r for r in waiting if reward is None or r.id != reward.review_id]
    drafter = (
        "offline-template (no OPENAI_API_KEY)" if not settings.llm_configured else settings.model
    )
    console.print(Rule(f"4. one review (drafts by {drafter})"))
    if not waiting:
        console.print("no review is waiting: every candidate has been decided already")
        if warning:
            console.print(warning, style="yellow", soft_wrap=True, markup=False)
        return
    console.print(review_panel(waiting[0], now=now))
    _print_reward(reward)
    _next_steps(waiting[0].id, len(waiting), invitable)
    if warning:
        console.print(warning, style="yellow", soft_wrap=True, markup=False)
    if serve:
        _serve_as(settings, waiting[0].owner_id, port, now=clock())
    else:
        _page_steps(waiting[0].owner_id)


def _print_reward(reward: RewardOut | None) -> None:
    """The review the demo approved with a program's incentive, as its owner: the rewards
    ledger's first row (the ask is only a task: nothing reaches a customer)."""
    console.print(Rule("5. a program ask with an incentive (approved by the demo)"))
    if reward is None:
        console.print("no other review is one a program rewards")
        return
    lines = [
        f"{reward.review_id} approved by its owner with {reward.incentive_id} of"
        f" {reward.program_id} ({reward.value:g} {reward.currency}): the ask carries the"
        " program's disclosure.",
        f"Ledger: {reward.reward_id} is {reward.status}; it is due when the ask completes.",
        "  advocacy rewards list · advocacy programs list · advocacy pilot start --name Q1"
        " --top-healthy 50 --days 60",
    ]
    for line in lines:
        console.print(line, soft_wrap=True, markup=False)


def _serve_as(settings: Settings, owner_id: str, port: int, *, now: datetime) -> None:
    """Serve the API and the page, with a fresh sign-in token for the owner (demo only)."""
    from agent.usecases.users import rotate_token
    from store.db import make_engine, make_session_factory

    engine = make_engine(settings.database_url)
    try:
        token = rotate_token(
            session_factory=make_session_factory(engine),
            user_id=owner_id,
            role="owner",
            now=now,
        )
    finally:
        engine.dispose()
    console.print(Rule("in the browser"))
    lines = [
        f"Open http://127.0.0.1:{port}/ and sign in as {owner_id} with this token:",
        f"  token: {token}",
        f"API: curl -H 'Authorization: Bearer {token}' http://127.0.0.1:{port}/v1/reviews",
        f"OpenAPI: http://127.0.0.1:{port}/docs · Ctrl-C stops the server.",
    ]
    for line in lines:
        console.print(line, soft_wrap=True, markup=False)
    serve_api(host="127.0.0.1", port=port, workers=1)


def _invitable(built: Services) -> str | None:
    """The command that invites the demo's first expansion-eligible advocate with a program
    activity open to them (the owner's invitation: a review opens for it)."""
    from agent.usecases.invitations import an_open_invitation

    with built.deps.session_factory() as session:
        found = an_open_invitation(
            session=session, settings=built.deps.settings, now=built.deps.clock()
        )
    if found is None:
        return None
    return (
        f"  advocacy advocates invite {found.contact_id} --program {found.program_id}"
        f" --activity {found.activity}"
    )


def _next_steps(review_id: str, waiting: int, invitable: str | None = None) -> None:
    console.print(Rule("next"))
    lines = [
        f"{waiting} reviews wait for their owners. Decide this one"
        " (the command is .venv/bin/advocacy, or `source .venv/bin/activate` first):",
        f"  advocacy reviews decide {review_id} approve",
        f"  advocacy reviews decide {review_id} edit --subject 'A quick favour?'",
        f"  advocacy reviews decide {review_id} reject --reason 'mid-negotiation'",
        f"  advocacy reviews decide {review_id} defer --until 2027-01-15",
        "All of them: advocacy reviews list · one in full: advocacy reviews show ID",
        "After an approval, the owner's task (send it, then record the answer):",
        f"  advocacy tasks show task:{review_id}",
        f"  advocacy tasks sent task:{review_id}",
        f"  advocacy tasks response task:{review_id} accepted",
        f"  advocacy outcomes add participation --review {review_id}",
        "Timers (reminders, escalations, no-response): advocacy tick · advocacy notifications list",
        "Measurements: advocacy metrics",
    ]
    if invitable:
        lines += ["Invite an expansion-eligible advocate to a program activity:", invitable]
    for line in lines:
        console.print(line, soft_wrap=True, markup=False)


def _page_steps(owner_id: str) -> None:
    console.print(Rule("in the browser"))
    lines = [
        f"Or decide on the review page as {owner_id}, the owner of this review:",
        f"  {f'advocacy users add --id {owner_id} --role owner':<48} # prints a token once",
        f"  {'advocacy serve':<48} # the API and the page",
        "then open http://127.0.0.1:8000/ and sign in with that token.",
    ]
    for line in lines:
        console.print(line, soft_wrap=True, markup=False)


def register(app: typer.Typer) -> None:
    app.command("demo")(demo)
