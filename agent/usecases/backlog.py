"""The owners' backlog for customer marketing and admins: who has reviews piling up, and how old
they are, and whose approved asks wait to be sent."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Literal

from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from domain.actors import Actor
from store import backlog as store

BacklogSort = Literal["pending", "oldest", "tasks", "overdue", "owner"]
BACKLOG_SORTS: tuple[BacklogSort, ...] = ("pending", "oldest", "tasks", "overdue", "owner")


class BacklogRow(BaseModel):
    owner_id: str
    owner_name: str | None
    pending_reviews: int = Field(description="Reviews waiting for the owner's decision.")
    oldest_review_days: float | None = Field(description="Age of the oldest, in days.")
    open_tasks: int = Field(description="Approved asks not sent yet.")
    overdue_tasks: int = Field(description="Open tasks past their send-by.")
    oldest_task_days: float | None


def _days(since: datetime | None, now: datetime) -> float | None:
    return None if since is None else round((now - since) / timedelta(days=1), 1)


def _key(sort: BacklogSort, row: BacklogRow) -> tuple[float, str]:
    """Biggest first for the counts and ages; by owner id for `owner` and on ties."""
    value = {
        "pending": row.pending_reviews,
        "oldest": row.oldest_review_days or 0.0,
        "tasks": row.open_tasks,
        "overdue": row.overdue_tasks,
        "owner": 0,
    }[sort]
    return (-float(value), row.owner_id)


def owners_backlog(
    *, session: Session, actor: Actor, now: datetime, sort: BacklogSort = "pending"
) -> list[BacklogRow]:
    """Per owner with anything waiting: pending reviews and open tasks, counts and oldest age.
    An owner gets their own row only."""
    return backlog_rows(
        session=session, now=now, owner_id=actor.id if actor.is_owner else None, sort=sort
    )


def backlog_rows(
    *, session: Session, now: datetime, owner_id: str | None, sort: BacklogSort = "pending"
) -> list[BacklogRow]:
    """Every owner's backlog row (one owner's with `owner_id`), sorted by `sort`."""
    reviews = store.pending_reviews_by_owner(session=session)
    tasks = store.open_tasks_by_owner(session=session, now=now)
    names = store.owner_names(session=session)
    owners = sorted(set(reviews) | set(tasks))
    if owner_id is not None:
        owners = [owner for owner in owners if owner == owner_id]
    rows = [
        _row(owner, names.get(owner), reviews.get(owner), tasks.get(owner), now) for owner in owners
    ]
    return sorted(rows, key=lambda row: _key(sort, row))


def _row(
    owner: str,
    name: str | None,
    reviews: tuple[int, datetime] | None,
    tasks: tuple[int, int, datetime] | None,
    now: datetime,
) -> BacklogRow:
    pending, oldest_review = reviews or (0, None)
    open_count, overdue, oldest_task = tasks or (0, 0, None)
    return BacklogRow(
        owner_id=owner,
        owner_name=name,
        pending_reviews=pending,
        oldest_review_days=_days(oldest_review, now),
        open_tasks=open_count,
        overdue_tasks=overdue,
        oldest_task_days=_days(oldest_task, now),
    )
