"""The job queue on PostgreSQL (procrastinate): scans as batch jobs, webhook runs, the timers.

The tasks are thin: each calls the function the in-process runner calls (agent/scan_batches.py,
`intake.review_account`, `timers.tick`); only the runner differs. `advocacy worker` runs them
(`run_worker`) on any machine that reaches the database; the API and the CLI only enqueue, in
their own transaction (`agent/queue_client.py`).

- A scan is one planning job, enqueued with the scan row; it enqueues one job per batch with
  the batches it records. The batch that finishes last finishes the scan.
- A worker killed mid-job leaves the job `doing` under a dead worker: procrastinate does not
  retry it by itself. Every `stalled_check_seconds` one worker (a periodic job) hands every
  job whose worker has been silent for `stalled_job_seconds` back to the queue; another worker
  runs it again, and the batch functions are safe to run twice.
- The timers are a periodic job: each tick is deferred once (procrastinate keys it by its
  timestamp), whichever of the workers defers it, and each due step happens once anyway.
"""

from __future__ import annotations

import logging
from datetime import datetime

import procrastinate
from procrastinate import JobContext, PsycopgConnector, RetryStrategy
from sqlalchemy import make_url

from agent.bootstrap import Services
from agent.queue_client import PLAN_SCAN, REVIEW_ACCOUNT, SCAN_BATCH, TIMERS, conninfo
from agent.scan_batches import fail_scan, plan_scan, run_scan_batch
from agent.scan_context import ScanDeps
from agent.settings import Settings
from agent.usecases.intake import run_queued_review
from agent.usecases.timers import tick

log = logging.getLogger("advocacy.queue")

RETRY_STALLED = "advocacy.retry_stalled"
# Runs of a failing job after its first (a database hiccup); a stalled job's re-run is extra.
RETRIES = 2
SERVICES = "services"
# The queue's own connections per worker: LISTEN, job fetches, heartbeats, periodic defers.
QUEUE_CONNECTIONS = 3


def cron_every(seconds: float) -> str:
    """A cron line firing every `seconds` (a 6th field is seconds; under a minute it divides
    each minute, so 7 fires at :00, :07, … :56)."""
    whole = max(1, round(seconds))
    if whole < 60:
        return f"* * * * * */{whole}"
    return f"*/{max(1, round(whole / 60))} * * * *"


def _services(context: JobContext) -> Services:
    services = context.additional_context.get(SERVICES)
    if not isinstance(services, Services):
        raise RuntimeError("a worker runs these tasks with its services (advocacy worker)")
    return services


def build_app(settings: Settings) -> procrastinate.App:
    """The procrastinate app with our tasks; unopened (open it to run a worker).

    Its own pool stays small (the tasks use our engine): a busy PostgreSQL's max_connections is
    what several workers run out of first.
    """
    connector = PsycopgConnector(
        conninfo=conninfo(settings.database_url), min_size=1, max_size=QUEUE_CONNECTIONS
    )
    app = procrastinate.App(connector=connector)
    _add_work(app)
    _add_periodic(app, settings)
    return app


def _add_work(app: procrastinate.App) -> None:
    """Scan planning, scan batches, webhook runs: retried twice when they fail."""
    retry = RetryStrategy(max_attempts=RETRIES, wait=1)

    @app.task(name=PLAN_SCAN, pass_context=True, retry=retry)
    def plan_scan_job(context: JobContext, scan_id: str) -> None:
        services = _services(context)
        assert services.queue is not None
        try:
            plan_scan(services.deps, scan_id, enqueue=services.queue.enqueue_batches)
        except Exception as error:
            _fail_on_last_attempt(context, services, scan_id, error)
            raise

    @app.task(name=SCAN_BATCH, pass_context=True, retry=retry)
    def scan_batch_job(context: JobContext, scan_id: str, number: int) -> None:
        services = _services(context)
        try:
            scan = ScanDeps(deps=services.deps, advocate=services.advocate)
            if run_scan_batch(scan, scan_id, number):
                log.info("scan %s done", scan_id)
        except Exception as error:
            _fail_on_last_attempt(context, services, scan_id, error)
            raise

    @app.task(name=REVIEW_ACCOUNT, pass_context=True, retry=retry)
    def review_account_job(context: JobContext, account_id: str, now: str, cause: str) -> None:
        services = _services(context)
        run_queued_review(
            deps=services.deps,
            advocate=services.advocate,
            account_id=account_id,
            now=datetime.fromisoformat(now),
            cause=cause,
        )

    del plan_scan_job, scan_batch_job, review_account_job


def _add_periodic(app: procrastinate.App, settings: Settings) -> None:
    """The timers, and the hand-back of jobs whose worker died, each once per tick."""
    if settings.tick_every_seconds > 0:

        @app.periodic(cron=cron_every(settings.tick_every_seconds), periodic_id="timers")
        @app.task(name=TIMERS, pass_context=True, queueing_lock=TIMERS)
        def timers_job(context: JobContext, timestamp: int) -> None:
            services = _services(context)
            done = tick(services=services, now=services.deps.clock())
            if done.reminders or done.escalations or done.closed_no_response or done.woken:
                log.info("timers at %s: %s", timestamp, done.model_dump())

    stalled_after = settings.stalled_job_seconds

    @app.periodic(cron=cron_every(settings.stalled_check_seconds), periodic_id="stalled")
    @app.task(name=RETRY_STALLED, pass_context=True, queueing_lock=RETRY_STALLED)
    async def retry_stalled_job(context: JobContext, timestamp: int) -> None:
        manager = context.app.job_manager
        for job in await manager.get_stalled_jobs(seconds_since_heartbeat=stalled_after):
            log.warning("job %s (%s) lost its worker: retried", job.id, job.task_name)
            await manager.retry_job(job)

    del retry_stalled_job


def _fail_on_last_attempt(
    context: JobContext, services: Services, scan_id: str, error: Exception
) -> None:
    if context.job.attempts >= RETRIES:
        fail_scan(services.deps, scan_id, error)


def run_worker(services: Services, *, concurrency: int, name: str | None = None) -> None:
    """Run jobs until SIGINT or SIGTERM (a running job finishes first): `advocacy worker`."""
    settings = services.deps.settings
    app = build_app(settings)
    log.info(
        "worker %s on %s: %d job(s) at once, drafts by %s",
        name or "(unnamed)",
        make_url(settings.database_url).render_as_string(hide_password=True),
        concurrency,
        services.deps.writer.author,
    )
    app.run_worker(
        concurrency=concurrency,
        name=name,
        additional_context={SERVICES: services},
        update_heartbeat_interval=settings.worker_heartbeat_seconds,
        fetch_job_polling_interval=settings.worker_poll_seconds,
        delete_jobs="successful",
    )
