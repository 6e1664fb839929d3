"""`advocacy worker`: run the job queue's jobs (PostgreSQL): scan batches, webhook runs, timers;
and `advocacy scan --queue`, which only enqueues a scan for them."""

from __future__ import annotations

import json
import logging
import sys
from datetime import datetime
from typing import Annotated, Any

import typer
from rich.console import Console

from cli.context import exits_on_domain_errors, load_clock, load_settings, services
from cli.render import print_error, print_no_worker_note

console = Console()
err = Console(stderr=True)


def worker(
    concurrency: Annotated[
        int,
        typer.Option(
            min=1,
            max=64,
            help="Jobs run at once (a scan batch drafts ADVOCACY_LLM_CONCURRENCY candidates "
            "at once on top of this).",
        ),
    ] = 2,
    name: Annotated[str | None, typer.Option(help="The worker's name in logs.")] = None,
) -> None:
    """Run jobs from the queue until stopped: scan batches, webhook runs, and the timers.

    Start one or more on any machine that reaches the database (ADVOCACY_DATABASE_URL on
    PostgreSQL; run `advocacy db upgrade` once first). A worker killed mid-job has the job
    retried by another after ADVOCACY_STALLED_JOB_SECONDS; SIGINT or SIGTERM stop it after its
    running jobs. The timers run once per ADVOCACY_TICK_EVERY_SECONDS across all workers.

    Examples:
      advocacy worker
      advocacy worker --concurrency 4 --name node-2
    """
    settings = load_settings()
    if not settings.uses_job_queue:
        print_error(
            err,
            "the job queue needs PostgreSQL (ADVOCACY_DATABASE_URL=postgresql+psycopg://…); "
            "with SQLite, scans and timers run in the process that starts them (no worker)",
        )
        raise typer.Exit(2)
    from agent.bootstrap import open_services
    from agent.queue import run_worker

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    # Reading the schema's revision at start is not news in a worker's log; a problem with it
    # is one error line (cli/main.py).
    logging.getLogger("alembic").setLevel(logging.WARNING)
    with open_services(settings, clock=load_clock(), jobs=concurrency) as built:
        built.warm()
        run_worker(built, concurrency=concurrency, name=name)


def queue_scan(
    as_of: datetime,
    segment: str | None,
    account: list[str] | None,
    limit: int | None,
    more: dict[str, Any],
    as_json: bool,
) -> None:
    """`scan --queue`: record the scan and its planning job together; the workers run it."""
    from agent.usecases.scans import start_scan

    settings = load_settings()
    if not settings.uses_job_queue:
        print_error(
            err, "--queue: there is no job queue: it needs PostgreSQL (ADVOCACY_DATABASE_URL)"
        )
        raise typer.Exit(2)
    with services() as built, exits_on_domain_errors(err):
        scan = start_scan(
            services=built,
            executor=None,
            now=as_of,
            segment=segment,
            account_ids=account or None,
            limit=limit,
            **more,
        )
    if as_json:
        payload = {"scan_id": scan.scan_id, "now": as_of.isoformat(), "status": scan.status}
        sys.stdout.write(json.dumps(payload | {"workers": scan.workers}) + "\n")
    else:
        console.print(
            f"scan [bold]{scan.scan_id}[/bold] queued as of {as_of.isoformat()}; "
            "`advocacy worker` processes run it"
        )
    if scan.workers == 0:
        print_no_worker_note(err, settings.stalled_job_seconds)


def register(app: typer.Typer) -> None:
    app.command("worker")(worker)
