"""Enqueue our jobs on procrastinate (PostgreSQL) in the caller's transaction.

The API and the CLI only enqueue: this needs no task code (jobs are deferred by name), so the
composition root imports it without the tasks, which import the use-cases (agent/queue.py).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import procrastinate
from procrastinate import PsycopgConnector
from procrastinate.types import JSONValue
from sqlalchemy import make_url
from sqlalchemy.orm import Session

from agent.settings import Settings

PLAN_SCAN = "advocacy.plan_scan"
SCAN_BATCH = "advocacy.scan_batch"
REVIEW_ACCOUNT = "advocacy.review_account"
TIMERS = "advocacy.timers"


def conninfo(database_url: str) -> str:
    """SQLAlchemy's `postgresql+psycopg://…` as the libpq URL procrastinate's psycopg takes."""
    url = make_url(database_url)
    if not url.drivername.startswith("postgresql"):
        raise ValueError("the job queue needs PostgreSQL (ADVOCACY_DATABASE_URL=postgresql://…)")
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def _driver_connection(session: Session) -> Any:
    """The psycopg connection under the session's transaction: jobs commit with it."""
    return session.connection().connection.driver_connection


class ProcrastinateQueue:
    """Enqueues our jobs in the caller's transaction (never opened: no pool of its own)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        # Never opened: a defer runs on the caller's connection, so this holds no pool.
        self.app = procrastinate.App(
            connector=PsycopgConnector(conninfo=conninfo(settings.database_url))
        )

    def _defer(self, session: Session, task: str, **arguments: Any) -> None:
        self.app.configure_task(task, connection=_driver_connection(session)).defer(**arguments)

    def enqueue_scan(self, session: Session, scan_id: str) -> None:
        self._defer(session, PLAN_SCAN, scan_id=scan_id)

    def enqueue_batches(self, session: Session, scan_id: str, numbers: list[int]) -> None:
        deferrer = self.app.configure_task(SCAN_BATCH, connection=_driver_connection(session))
        jobs: list[dict[str, JSONValue]] = [{"scan_id": scan_id, "number": n} for n in numbers]
        deferrer.batch_defer(*jobs)

    def enqueue_review(
        self, session: Session, *, account_id: str, now: datetime, cause: str
    ) -> None:
        self._defer(
            session, REVIEW_ACCOUNT, account_id=account_id, now=now.isoformat(), cause=cause
        )
