"""Notifications to owners: the chase steps taken, the lists, and the delivery claim."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, func, or_, select, update
from sqlalchemy.orm import Session

from store.models import Notification
from store.writes import insert_new


def step_id(subject_id: str, number: int) -> str:
    """One id per chase step of a task or review: a second timer's insert of it writes nothing."""
    return f"chase:{subject_id}:{number}"


def add_notification(session: Session, row: dict[str, Any]) -> bool:
    """Store a chase step's notification; False when this step was taken already."""
    return insert_new(session, Notification, row)


def chase_history(*, session: Session, subject_ids: Sequence[str]) -> dict[str, list[datetime]]:
    """Per task or review, when each of its chase steps was taken, oldest first."""
    history: dict[str, list[datetime]] = defaultdict(list)
    for start in range(0, len(subject_ids), 1000):
        chunk = list(subject_ids[start : start + 1000])
        rows = session.execute(
            select(Notification.subject_id, Notification.created_at)
            .where(Notification.subject_id.in_(chunk))
            .order_by(Notification.subject_id, Notification.number)
        )
        for subject_id, created_at in rows:
            history[subject_id].append(created_at)
    return history


def _for_recipients(query: Select[Any], recipient_ids: Sequence[str] | None) -> Select[Any]:
    if recipient_ids is None:
        return query
    return query.where(Notification.recipient_id.in_(list(recipient_ids)))


def notification_rows(
    *, session: Session, recipient_ids: Sequence[str] | None, limit: int
) -> list[Notification]:
    """Newest first; every recipient's when `recipient_ids` is None."""
    query = _for_recipients(select(Notification), recipient_ids)
    order = (Notification.created_at.desc(), Notification.id.desc())
    return list(session.scalars(query.order_by(*order).limit(limit)))


def unread_count(*, session: Session, recipient_ids: Sequence[str]) -> int:
    query = select(func.count()).select_from(Notification).where(Notification.read_at.is_(None))
    return session.scalar(_for_recipients(query, recipient_ids)) or 0


def mark_read(*, session: Session, recipient_ids: Sequence[str], at: datetime) -> None:
    session.execute(
        update(Notification)
        .where(Notification.recipient_id.in_(list(recipient_ids)), Notification.read_at.is_(None))
        .values(read_at=at)
    )


def _deliverable(now: datetime, lost_before: datetime) -> list[ColumnElement[bool]]:
    return [
        Notification.delivered.is_(False),
        or_(Notification.next_attempt_at.is_(None), Notification.next_attempt_at <= now),
        or_(Notification.claimed_at.is_(None), Notification.claimed_at < lost_before),
    ]


def claim_deliveries(
    *, session: Session, now: datetime, lost_before: datetime, limit: int
) -> list[str]:
    """Claim undelivered notifications due for an attempt; two timers never claim the same."""
    due = select(Notification.id).where(*_deliverable(now, lost_before))
    ids = list(session.scalars(due.order_by(Notification.created_at).limit(limit)))
    claimed: list[str] = []
    for notification_id in ids:
        result = session.execute(
            update(Notification)
            .where(Notification.id == notification_id, *_deliverable(now, lost_before))
            .values(claimed_at=now)
            .returning(Notification.id)
        )
        if result.first() is not None:
            claimed.append(notification_id)
    return claimed


def finish_delivery(
    *,
    session: Session,
    notification_id: str,
    at: datetime,
    channels: list[str],
    error: str | None,
    retry_at: datetime | None,
) -> None:
    """Record one delivery attempt: delivered, or its error and when to try again."""
    notification = session.get(Notification, notification_id)
    if notification is None:
        return
    notification.attempts += 1
    notification.claimed_at = None
    notification.channels = sorted(set(notification.channels) | set(channels))
    if error is None:
        notification.delivered = True
        notification.delivered_at = at
        notification.next_attempt_at = None
        return
    notification.last_error = error
    notification.next_attempt_at = retry_at
