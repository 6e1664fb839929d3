"""`advocacy scans [SCAN_ID] [--wait]`: what `GET /v1/scans` and `GET /v1/scans/{id}` show, for
a scan started with `scan --queue` (or by anyone) that the command line could not follow."""

from __future__ import annotations

import json
import sys
import time
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table

from cli.context import exits_on_domain_errors, services
from cli.render import id_column, print_error, print_no_worker_note

if TYPE_CHECKING:
    from agent.bootstrap import Services
    from agent.usecases.results import ScanOut

console = Console()
err = Console(stderr=True)
FINISHED = ("done", "failed", "interrupted")
POLL_SECONDS = 1.0


def scans(
    scan_id: Annotated[
        str | None, typer.Argument(help="One scan (its id from `scan --queue`); none: the list.")
    ] = None,
    limit: Annotated[int, typer.Option(min=1, max=200, help="Scans in the list.")] = 20,
    wait: Annotated[
        bool,
        typer.Option(
            "--wait", help="Follow the scan until it is done (a progress bar on a terminal)."
        ),
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
) -> None:
    """Scans, newest first, or one scan: status, phase, progress, counts, and on PostgreSQL how
    many `advocacy worker` processes are alive to run it (`workers`).

    With --wait it follows one scan until it is done and exits 0, or 1 when it failed or was
    interrupted (an unknown id is exit 2).

    Examples:
      advocacy scans
      advocacy scans sc-1a2b3c4d5e --json
      advocacy scan --queue --json | jq -r .scan_id | xargs advocacy scans --wait
    """
    if wait and scan_id is None:
        print_error(err, "--wait follows one scan: give its id")
        raise typer.Exit(2)
    with services() as built, exits_on_domain_errors(err):
        if scan_id is None:
            _print_list(_recent(built, limit), as_json)
            return
        scan = _followed(built, scan_id, as_json) if wait else _read(built, scan_id)
    _print_one(scan, as_json)
    if wait and scan.status != "done":
        raise typer.Exit(1)


def _read(built: Services, scan_id: str) -> ScanOut:
    from agent.usecases.reads import get_scan

    with built.deps.session_factory() as session:
        return get_scan(session=session, scan_id=scan_id, settings=built.deps.settings)


def _recent(built: Services, limit: int) -> list[ScanOut]:
    from agent.usecases.reads import recent_scans

    with built.deps.session_factory() as session:
        return recent_scans(session=session, limit=limit, settings=built.deps.settings)


def _followed(built: Services, scan_id: str, as_json: bool) -> ScanOut:
    """The scan once finished, its progress drawn meanwhile (the scan's own bar)."""
    from agent.usecases.recovery import interrupt_dead_scans
    from cli.workflow_commands import progress_bar

    noted = False
    with progress_bar(not as_json) as report:
        while True:
            # A scan whose process ends while followed would otherwise stay `running` for ever.
            interrupt_dead_scans(built.deps)
            scan = _read(built, scan_id)
            if scan.status in FINISHED:
                return scan
            if scan.workers == 0 and not noted:
                print_no_worker_note(err, built.deps.settings.stalled_job_seconds)
                noted = True
            progress = scan.progress
            if scan.phase == "drafting":
                report("drafting", progress["drafted"], progress["to_draft"])
            elif scan.status == "running":
                report("gating", progress["processed"], progress["total"])
            time.sleep(POLL_SECONDS)


def _print_one(scan: ScanOut, as_json: bool) -> None:
    if as_json:
        sys.stdout.write(scan.model_dump_json() + "\n")
        return
    console.print(_table([scan]))
    counts = ", ".join(f"{name} {n}" for name, n in sorted(scan.counts.items()) if n)
    console.print(f"counts: {counts or 'none yet'}", soft_wrap=True)
    if scan.error:
        console.print(f"error: {scan.error}", style="red", soft_wrap=True)


def _print_list(found: list[ScanOut], as_json: bool) -> None:
    if as_json:
        sys.stdout.write(json.dumps([scan.model_dump(mode="json") for scan in found]) + "\n")
        return
    if not found:
        console.print("no scan yet: advocacy scan")
        return
    console.print(_table(found))


def _table(found: list[ScanOut]) -> Table:
    table = Table()
    id_column(table, "scan", [scan.scan_id for scan in found])
    for header in ("status", "phase", "as of", "gated", "drafted", "workers"):
        table.add_column(header)
    for scan in found:
        progress = scan.progress
        table.add_row(
            scan.scan_id,
            scan.status,
            scan.phase or "-",
            scan.as_of.strftime("%Y-%m-%d %H:%M"),
            f"{progress['processed']}/{progress['total']}",
            f"{progress['drafted']}/{progress['to_draft']}",
            "-" if scan.workers is None else str(scan.workers),
        )
    return table


def register(app: typer.Typer) -> None:
    app.command("scans")(scans)
