"""What the use-cases need of a job queue: enqueue in the caller's transaction.

The queue itself (procrastinate, PostgreSQL only) is agent/queue.py; without one (SQLite) the
same task functions run in-process. Only the runner differs.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from sqlalchemy.orm import Session


class JobQueue(Protocol):
    def enqueue_scan(self, session: Session, scan_id: str) -> None:
        """The scan's planning job, committed with `session`'s transaction (or not at all)."""

    def enqueue_batches(self, session: Session, scan_id: str, numbers: list[int]) -> None:
        """One job per batch of the scan, committed with `session`'s transaction."""

    def enqueue_review(
        self, session: Session, *, account_id: str, now: datetime, cause: str
    ) -> None:
        """An event's run of one account through the workflow, committed with `session`."""
