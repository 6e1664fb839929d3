"""The funnel's set-based reads: accounts entering a gate state, and each approved ask's dates."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import Session

from store.models import Account, Ask, MeasurementEvent, OwnerTask, Review

GATE_KINDS = ("candidate_identified", "ask_held", "ask_stopped")
ENTERED_KINDS = ("ask_held", "ask_stopped")


def _period(
    time: Any,
    owner: Any,
    account: Any,
    since: datetime | None,
    until: datetime | None,
    owner_id: str | None,
) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = []
    if since is not None:
        where.append(time >= since)
    if until is not None:
        where.append(time < until)
    if owner_id is not None:
        owned = select(Account.id).where(Account.owner_id == owner_id)
        where.append(or_(owner == owner_id, account.in_(owned)))
    return where


def state_entries(
    *, session: Session, since: datetime | None, until: datetime | None, owner_id: str | None
) -> dict[str, int]:
    """How many times an account entered `held` or `stopped` in the period: a scan that finds
    it in the state it was already in (its previous gate event) does not count again."""
    e = MeasurementEvent
    previous = func.lag(e.kind).over(partition_by=e.account_id, order_by=(e.occurred_at, e.id))
    gated = (
        select(e.kind, e.occurred_at, e.owner_id, e.account_id, previous.label("previous"))
        .where(e.kind.in_(GATE_KINDS))
        .subquery()
    )
    c = gated.c
    entered = or_(c.previous.is_(None), c.previous != c.kind)
    where = _period(c.occurred_at, c.owner_id, c.account_id, since, until, owner_id)
    query = select(c.kind, func.count()).where(c.kind.in_(ENTERED_KINDS), entered, *where)
    rows = session.execute(query.group_by(c.kind))
    return {str(kind): int(count) for kind, count in rows.all()}


def ask_life_rows(
    *, session: Session, since: datetime | None, until: datetime | None, owner_id: str | None
) -> list[Any]:
    """One row per approved ask (its task) approved in the period: owner, trigger, approval,
    send-by, sent, response and their dates, task status and the ask's outcome."""
    t = OwnerTask
    query = (
        select(
            t.owner_id,
            Review.trigger_at,
            t.created_at.label("approved_at"),
            t.send_by,
            t.sent_at,
            t.response,
            t.responded_at,
            t.status,
            Ask.outcome,
        )
        .join(Review, Review.id == t.review_id)
        .outerjoin(Ask, Ask.review_id == t.review_id)
        .where(*_period(t.created_at, t.owner_id, t.account_id, since, until, owner_id))
    )
    return list(session.execute(query).all())


def escalations_by_owner(
    *, session: Session, since: datetime | None, until: datetime | None, owner_id: str | None
) -> dict[str, int]:
    e = MeasurementEvent
    where = _period(e.occurred_at, e.owner_id, e.account_id, since, until, owner_id)
    query = select(e.owner_id, func.count()).where(e.kind == "escalated", *where)
    rows = session.execute(query.group_by(e.owner_id))
    return {str(owner): int(count) for owner, count in rows.all()}
