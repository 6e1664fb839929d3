"""The owners' backlog: per owner, reviews waiting for a decision and tasks waiting to be sent."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from store.models import Owner, OwnerTask, Review


def pending_reviews_by_owner(*, session: Session) -> dict[str, tuple[int, datetime]]:
    """Owner -> (reviews pending a decision, the oldest one's creation)."""
    query = (
        select(Review.owner_id, func.count(), func.min(Review.created_at))
        .where(Review.status == "pending")
        .group_by(Review.owner_id)
    )
    return {owner: (int(count), oldest) for owner, count, oldest in session.execute(query)}


def open_tasks_by_owner(*, session: Session, now: datetime) -> dict[str, tuple[int, int, datetime]]:
    """Owner -> (open tasks, of them past send-by, the oldest one's creation)."""
    late = func.sum(case((OwnerTask.send_by < now, 1), else_=0))
    query = (
        select(OwnerTask.owner_id, func.count(), late, func.min(OwnerTask.created_at))
        .where(OwnerTask.status == "open")
        .group_by(OwnerTask.owner_id)
    )
    return {
        owner: (int(count), int(overdue or 0), oldest)
        for owner, count, overdue, oldest in session.execute(query)
    }


def owner_names(*, session: Session) -> dict[str, str]:
    return dict(session.execute(select(Owner.id, Owner.name)).all())
