"""The reads behind the seeds' KPIs (issue 12): completed asks, NPS answers, referrals, asks."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.orm import Session

from store.models import Account, Ask, MeasurementEvent, OwnerTask, Referral, Review, Signal
from store.queries import _event_filters


def _owned(query: Select[Any], account: Any, owner_id: str | None) -> Select[Any]:
    if owner_id is None:
        return query
    return query.where(account.in_(select(Account.id).where(Account.owner_id == owner_id)))


def _dated(
    query: Select[Any], time: Any, since: datetime | None, until: datetime | None
) -> Select[Any]:
    where: list[ColumnElement[bool]] = []
    if since is not None:
        where.append(time >= since)
    if until is not None:
        where.append(time < until)
    return query.where(*where)


def completed_asks(*, session: Session, owner_id: str | None) -> list[Any]:
    """(contact_id, asked_at) of every completed ask with a contact."""
    query: Any = select(Ask.contact_id, Ask.asked_at).where(
        Ask.outcome == "completed", Ask.contact_id.is_not(None)
    )
    return list(session.execute(_owned(query, Ask.account_id, owner_id)).all())


def latest_nps(
    *, session: Session, since: datetime | None, until: datetime | None, owner_id: str | None
) -> list[int]:
    """Per respondent (the contact, else the account), the score of their latest NPS answer."""
    who = func.coalesce(Signal.contact_id, Signal.account_id)
    rank = func.row_number().over(partition_by=who, order_by=(Signal.occurred_at.desc(), Signal.id))
    inner = select(Signal.score, rank.label("rank")).where(Signal.kind == "nps")
    inner = _owned(_dated(inner, Signal.occurred_at, since, until), Signal.account_id, owner_id)
    sub = inner.subquery()
    return [int(s) for s in session.scalars(select(sub.c.score).where(sub.c.rank == 1))]


def ask_count(
    *, session: Session, since: datetime | None, until: datetime | None, owner_id: str | None
) -> int:
    query = _dated(select(func.count(Ask.id)), Ask.asked_at, since, until)
    return int(session.scalar(_owned(query, Ask.account_id, owner_id)) or 0)


def account_count(*, session: Session, owner_id: str | None) -> int:
    query = select(func.count(Account.id))
    if owner_id is not None:
        query = query.where(Account.owner_id == owner_id)
    return int(session.scalar(query) or 0)


def referral_statuses(
    *, session: Session, since: datetime | None, until: datetime | None, owner_id: str | None
) -> dict[str, int]:
    """Imported referrals per status, submitted in the period."""
    grouped: Any = select(Referral.status, func.count()).group_by(Referral.status)
    query = _owned(
        _dated(grouped, Referral.submitted_at, since, until), Referral.account_id, owner_id
    )
    return {str(status): int(n) for status, n in session.execute(query).all()}


def events(
    *,
    session: Session,
    kind: str,
    since: datetime | None,
    until: datetime | None,
    owner_id: str | None,
    account_ids: Sequence[str] | None = None,
) -> list[Any]:
    """Events of one kind in the period (an owner's, some accounts'), with the current status
    of their review: rows of (account_id, review_id, occurred_at, data, review_status)."""
    e = MeasurementEvent
    query = (
        select(
            e.account_id, e.review_id, e.occurred_at, e.data, Review.status.label("review_status")
        )
        .outerjoin(Review, Review.id == e.review_id)
        .where(e.kind == kind, *_event_filters(since, until, owner_id))
    )
    if account_ids is not None:
        query = query.where(e.account_id.in_(account_ids))
    return list(session.execute(query.order_by(e.occurred_at, e.id)).all())


def cohort_ids(*, session: Session, segment: str | None, top_healthy: int | None) -> list[str]:
    """A pilot's accounts: every account of `segment`, or the `top_healthy` healthiest (by
    health score, highest first; unknown scores last; ties by id)."""
    if segment is not None:
        query = select(Account.id).where(Account.segment == segment).order_by(Account.id)
        return list(session.scalars(query))
    ordered = (
        select(Account.id)
        .order_by(Account.health_score.desc().nulls_last(), Account.id)
        .limit(top_healthy)
    )
    return list(session.scalars(ordered))


def task_sent_times(*, session: Session, review_ids: Sequence[str]) -> dict[str, datetime | None]:
    """When each review's approved ask was sent (None: not yet)."""
    if not review_ids:
        return {}
    query = select(OwnerTask.review_id, OwnerTask.sent_at).where(
        OwnerTask.review_id.in_(review_ids)
    )
    return {str(review): sent for review, sent in session.execute(query).all()}
