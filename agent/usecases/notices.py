"""Notifications to owners: the list (newest first), marked read when its recipient reads it,
and the unread count for the page's badge."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from agent.usecases.results import NotificationOut
from domain.actors import Actor
from domain.errors import not_found
from domain.lifecycle import ADMINS
from store import notifications as store
from store.db import transaction
from store.models import Notification


def recipients_of(actor: Actor, owner_id: str | None) -> list[str] | None:
    """Whose notifications the caller reads: an owner only their own; others anyone's (None:
    everyone's), or one owner's with `owner_id`."""
    if actor.is_owner:
        if owner_id not in (None, actor.id):
            raise not_found(f"owner {owner_id}")
        return [actor.id]
    return None if owner_id is None else [owner_id]


def list_notifications(
    *,
    session_factory: sessionmaker[Session],
    actor: Actor,
    owner_id: str | None,
    now: datetime,
    limit: int = 200,
) -> list[NotificationOut]:
    """The notifications sent to `owner_id` (an owner: to them); the owner's are then read."""
    recipients = recipients_of(actor, owner_id)
    with session_factory() as session:
        rows = store.notification_rows(session=session, recipient_ids=recipients, limit=limit)
        answer = [notification_out(row) for row in rows]
    readers = _marked_read_by(actor, recipients)
    if readers:
        with transaction(session_factory) as session:
            store.mark_read(session=session, recipient_ids=readers, at=now)
    return answer


def _marked_read_by(actor: Actor, listed: list[str] | None) -> list[str]:
    """Whose notifications this reading marks read: an owner's own; an admin's listing of the
    escalations sent to admins (a shared inbox: one admin reading it reads it for all)."""
    if actor.is_owner:
        return [actor.id]
    if actor.role == "admin" and (listed is None or ADMINS in listed):
        return [ADMINS]
    return []


def unread(*, session: Session, actor: Actor) -> int:
    """The badge: an owner's unread notifications; an admin's: escalations sent to admins."""
    recipients = [actor.id] if actor.is_owner else [ADMINS] if actor.role == "admin" else []
    return store.unread_count(session=session, recipient_ids=recipients) if recipients else 0


def notification_out(row: Notification) -> NotificationOut:
    return NotificationOut(
        notification_id=row.id,
        recipient_id=row.recipient_id,
        kind=row.kind,
        task_id=row.task_id,
        review_id=row.review_id,
        owner_id=row.owner_id,
        account_id=row.account_id,
        number=row.number,
        text=row.text,
        created_at=row.created_at,
        delivered=row.delivered,
        delivered_at=row.delivered_at,
        channels=list(row.channels),
        attempts=row.attempts,
        last_error=row.last_error,
        read=row.read_at is not None,
    )
