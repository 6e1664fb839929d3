"""The review queue: open reviews per account and owner, and the exactly-once decision claim.

LangGraph does not stop a second resume, so a decision first claims the review with one
conditional UPDATE (pending -> deciding); only the caller that gets the row may resume.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session

from store.models import Review

OPEN_STATUSES = ("pending", "deciding")


def get_review(*, session: Session, review_id: str) -> Review | None:
    return session.get(Review, review_id)


def blocking_review_ids(
    *, session: Session, account_ids: Sequence[str], now: datetime
) -> dict[str, str]:
    """Account -> review that stops a new one: an open review, or a deferral not yet over."""
    if not account_ids:
        return {}
    still_deferred = and_(Review.status == "deferred", Review.deferred_until > now)
    rows = session.execute(
        select(Review.account_id, Review.id)
        .where(Review.account_id.in_(account_ids))
        .where(or_(Review.status.in_(OPEN_STATUSES), still_deferred))
        .order_by(Review.created_at)
    )
    return dict(rows.all())


def pending_reviews(*, session: Session, owner_id: str | None = None) -> list[Review]:
    """Reviews waiting for a decision, oldest trigger first."""
    query = select(Review).where(Review.status == "pending")
    if owner_id is not None:
        query = query.where(Review.owner_id == owner_id)
    return list(session.scalars(query.order_by(Review.trigger_at, Review.id)))


def claim_for_decision(*, session: Session, review_id: str) -> bool:
    """Atomically move a pending review to `deciding`; False if another has it or it is done."""
    result = session.execute(
        update(Review)
        .where(Review.id == review_id, Review.status == "pending")
        .values(status="deciding")
        .returning(Review.id)
    )
    return result.first() is not None


def release_claim(
    *, session: Session, review_id: str, refusal: dict[str, object] | None = None
) -> None:
    """Give a claimed review back to the queue; `refusal`, when given, says why it was refused."""
    values: dict[str, object] = {"status": "pending"}
    if refusal is not None:
        values["refusal"] = refusal
    session.execute(
        update(Review).where(Review.id == review_id, Review.status == "deciding").values(**values)
    )
