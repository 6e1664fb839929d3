"""Owner tasks and the ask history after approval: reads and the one-step conditional updates.

Each step is one UPDATE that names the state it leaves (`WHERE status = 'open'`), so of two
callers taking the same step at once exactly one changes the row; the other is told it moved on.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, or_, select, update
from sqlalchemy.orm import Session

from store.models import Account, Ask, Contact, Owner, OwnerTask

OVERDUE = "overdue"


def task_rows(
    *, session: Session, owner_id: str | None, status: str | None, now: datetime, limit: int
) -> list[OwnerTask]:
    """Tasks, the most urgent first (earliest send-by); `overdue`: open and past send-by."""
    query: Select[Any] = select(OwnerTask)
    if owner_id is not None:
        query = query.where(OwnerTask.owner_id == owner_id)
    if status == OVERDUE:
        query = query.where(OwnerTask.status == "open", OwnerTask.send_by < now)
    elif status is not None:
        query = query.where(OwnerTask.status == status)
    order = [OwnerTask.send_by.asc().nulls_last(), OwnerTask.created_at, OwnerTask.id]
    return list(session.scalars(query.order_by(*order).limit(limit)))


def get_task(*, session: Session, task_id: str) -> OwnerTask | None:
    return session.get(OwnerTask, task_id)


def task_of_review(*, session: Session, review_id: str) -> OwnerTask | None:
    return session.scalars(select(OwnerTask).where(OwnerTask.review_id == review_id)).first()


def claim_task_for_send(
    *, session: Session, task_id: str, now: datetime, lost_before: datetime
) -> bool:
    """Hold an open task while an SMTP send is in flight; a claim from before `lost_before` was
    lost with its process and may be taken over."""
    free = or_(OwnerTask.claimed_at.is_(None), OwnerTask.claimed_at < lost_before)
    result = session.execute(
        update(OwnerTask)
        .where(OwnerTask.id == task_id, OwnerTask.status == "open", free)
        .values(claimed_at=now)
        .returning(OwnerTask.id)
    )
    return result.first() is not None


def release_task_claim(*, session: Session, task_id: str) -> None:
    session.execute(update(OwnerTask).where(OwnerTask.id == task_id).values(claimed_at=None))


def mark_sent(
    *, session: Session, task_id: str, at: datetime, by: str, message_id: str | None
) -> bool:
    """open -> sent; False when the task was not open."""
    result = session.execute(
        update(OwnerTask)
        .where(OwnerTask.id == task_id, OwnerTask.status == "open")
        .values(status="sent", sent_at=at, sent_by=by, message_id=message_id, claimed_at=None)
        .returning(OwnerTask.id)
    )
    return result.first() is not None


def mark_response(
    *,
    session: Session,
    task_id: str,
    response: str,
    at: datetime,
    note: str | None,
    status: str,
) -> bool:
    """Record the customer's answer to a sent task once; False when it was not awaiting one."""
    closed_at = at if status == "closed" else None
    result = session.execute(
        update(OwnerTask)
        .where(OwnerTask.id == task_id, OwnerTask.status == "sent", OwnerTask.response.is_(None))
        .values(
            response=response,
            responded_at=at,
            response_note=note,
            status=status,
            closed_at=closed_at,
        )
        .returning(OwnerTask.id)
    )
    return result.first() is not None


def close_task(*, session: Session, review_id: str, at: datetime) -> bool:
    """Close the review's task (its ask completed); False when it was closed already."""
    result = session.execute(
        update(OwnerTask)
        .where(OwnerTask.review_id == review_id, OwnerTask.status != "closed")
        .values(status="closed", closed_at=at)
        .returning(OwnerTask.id)
    )
    return result.first() is not None


def set_ask_outcome(
    *, session: Session, review_id: str, outcome: str, after: Sequence[str] = ("pending",)
) -> bool:
    """`after` (pending) -> `outcome` for the review's ask; False when it had moved on."""
    result = session.execute(
        update(Ask)
        .where(Ask.review_id == review_id, Ask.outcome.in_(list(after)))
        .values(outcome=outcome)
        .returning(Ask.id)
    )
    return result.first() is not None


def date_ask(*, session: Session, review_id: str, at: datetime) -> None:
    """The customer was asked when the ask was sent: the frequency rules count from then."""
    session.execute(update(Ask).where(Ask.review_id == review_id).values(asked_at=at))


def unanswered_sent_tasks(*, session: Session, sent_before: datetime) -> list[OwnerTask]:
    """Sent tasks with no answer, sent before `sent_before` (the no-response timer's work)."""
    query = select(OwnerTask).where(
        OwnerTask.status == "sent",
        OwnerTask.response.is_(None),
        OwnerTask.sent_at <= sent_before,
    )
    return list(session.scalars(query.order_by(OwnerTask.sent_at, OwnerTask.id)))


def overdue_open_tasks(*, session: Session, now: datetime) -> list[OwnerTask]:
    """Open tasks past their send-by (a task from before send-by existed counts its creation)."""
    due = func.coalesce(OwnerTask.send_by, OwnerTask.created_at)
    query = select(OwnerTask).where(OwnerTask.status == "open", due <= now)
    return list(session.scalars(query.order_by(due, OwnerTask.id)))


def contacts_of(*, session: Session, contact_ids: Sequence[str]) -> dict[str, Contact]:
    ids = sorted({contact_id for contact_id in contact_ids if contact_id})
    if not ids:
        return {}
    return {c.id: c for c in session.scalars(select(Contact).where(Contact.id.in_(ids)))}


def account_names(*, session: Session, account_ids: Sequence[str]) -> dict[str, str]:
    ids = sorted(set(account_ids))
    if not ids:
        return {}
    rows = session.execute(select(Account.id, Account.name).where(Account.id.in_(ids)))
    return dict(rows.all())


def get_owner(*, session: Session, owner_id: str) -> Owner | None:
    return session.get(Owner, owner_id)
