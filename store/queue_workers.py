"""Who runs the job queue: procrastinate's table of workers (PostgreSQL, migration 0009)."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.orm import Session

# The database's clock on both sides: procrastinate stamps each heartbeat with now().
_HEARD = text(
    "SELECT count(*) FROM procrastinate_workers "
    "WHERE last_heartbeat > now() - make_interval(secs => :seconds)"
)


def live_workers(*, session: Session, heard_within_seconds: float) -> int:
    """Queue workers whose last heartbeat is at most this old. A worker that stops removes its
    row; one that was killed stays until pruned, but stops beating."""
    found = session.scalar(_HEARD, {"seconds": heard_within_seconds})
    return int(found or 0)
