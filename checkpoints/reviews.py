"""The review queue: open reviews per account and owner, and the exactly-once decision claim.

A review is `drafting` from its insert until its thread's checkpoint exists, then `pending`.
LangGraph does not stop a second resume, so a decision first claims the review with one
conditional UPDATE (pending -> deciding); only the caller that gets the row may resume.
`claimed_at` dates the current holder (drafter or decider): a claim older than its lease was
lost with its process, and recovery completes or releases it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, and_, delete, or_, select, update
from sqlalchemy.orm import Session

from store.models import Review

OPEN_STATUSES = ("drafting", "pending", "deciding")
ACCOUNT_CHUNK = 2000  # accounts per blocking-review query: bound parameters stay few


def get_review(*, session: Session, review_id: str) -> Review | None:
    return session.get(Review, review_id)


def blocking_review_ids(
    *, session: Session, account_ids: Sequence[str], now: datetime
) -> dict[str, str]:
    """Account -> review that stops a new one: an open review, or a deferral not yet over."""
    blocking = select(Review.account_id, Review.id).where(blocks_a_new_review(now))
    found: dict[str, str] = {}
    # In chunks: a re-scan's packed batch may hold 20,000 accounts, too many bound values.
    for start in range(0, len(account_ids), ACCOUNT_CHUNK):
        chunk = account_ids[start : start + ACCOUNT_CHUNK]
        rows = session.execute(
            blocking.where(Review.account_id.in_(chunk)).order_by(Review.created_at)
        )
        found.update(rows.all())
    return found


def blocks_a_new_review(now: datetime) -> ColumnElement[bool]:
    """SQL for "this review stops a new one for its account": open, or deferred past `now`."""
    still_deferred = and_(Review.status == "deferred", Review.deferred_until > now)
    return or_(Review.status.in_(OPEN_STATUSES), still_deferred)


def open_review_kinds(
    *, session: Session, account_id: str, now: datetime, excluding: str | None = None
) -> list[str]:
    """The ask types (or activities) of the account's reviews that stop a new one (see
    `blocking_review_ids`), but `excluding` (the review being decided)."""
    query = (
        select(Review.ask_type)
        .where(Review.account_id == account_id, Review.id != (excluding or ""))
        .where(blocks_a_new_review(now))
    )
    return [kind for kind in session.scalars(query) if kind]


def pending_reviews(*, session: Session, owner_id: str | None = None) -> list[Review]:
    """Reviews waiting for a decision, oldest trigger first."""
    query = select(Review).where(Review.status == "pending")
    if owner_id is not None:
        query = query.where(Review.owner_id == owner_id)
    return list(session.scalars(query.order_by(Review.trigger_at, Review.id)))


def claim_for_decision(*, session: Session, review_id: str, now: datetime) -> bool:
    """Atomically move a pending review to `deciding`; False if another has it or it is done."""
    result = session.execute(
        update(Review)
        .where(Review.id == review_id, Review.status == "pending")
        .values(status="deciding", claimed_at=now)
        .returning(Review.id)
    )
    return result.first() is not None


def publish_reviews(*, session: Session, review_ids: Sequence[str]) -> None:
    """Drafted reviews whose checkpoints exist join the queue."""
    if not review_ids:
        return
    session.execute(
        update(Review)
        .where(Review.id.in_(list(review_ids)), Review.status == "drafting")
        .values(status="pending", claimed_at=None)
    )


def stale_reviews(
    *, session: Session, status: str, claimed_before: datetime | None
) -> list[Review]:
    """Reviews held in `status` (drafting or deciding) since before `claimed_before` (None: all
    of them, however recent)."""
    query = select(Review).where(Review.status == status)
    if claimed_before is not None:
        query = query.where(Review.claimed_at < claimed_before)
    return list(session.scalars(query.order_by(Review.claimed_at)))


def discard_draft(*, session: Session, review_id: str) -> bool:
    """Delete a review still drafting (its thread never paused); False if it moved on."""
    result = session.execute(
        delete(Review)
        .where(Review.id == review_id, Review.status == "drafting")
        .returning(Review.id)
    )
    return result.first() is not None


def release_claim(
    *, session: Session, review_id: str, refusal: dict[str, object] | None = None
) -> None:
    """Give a claimed review back to the queue; `refusal`, when given, says why it was refused."""
    values: dict[str, object] = {"status": "pending", "claimed_at": None}
    if refusal is not None:
        values["refusal"] = refusal
    session.execute(
        update(Review).where(Review.id == review_id, Review.status == "deciding").values(**values)
    )


def undecided_reviews(*, session: Session, created_before: datetime) -> list[Review]:
    """Reviews waiting for a decision since before `created_before` (the reminder timer's)."""
    query = select(Review).where(Review.status == "pending", Review.created_at <= created_before)
    return list(session.scalars(query.order_by(Review.created_at, Review.id)))


def ended_deferrals(*, session: Session, now: datetime) -> list[tuple[str, str]]:
    """(review, account) of deferrals whose `until` has passed and that no timer woke yet."""
    rows = session.execute(
        select(Review.id, Review.account_id)
        .where(
            Review.status == "deferred",
            Review.deferred_until <= now,
            Review.woken_at.is_(None),
        )
        .order_by(Review.deferred_until, Review.id)
    )
    return [(review_id, account_id) for review_id, account_id in rows]


def mark_woken(*, session: Session, review_id: str, now: datetime) -> bool:
    """Take the wake-up of one ended deferral; False when another timer took it."""
    result = session.execute(
        update(Review)
        .where(Review.id == review_id, Review.woken_at.is_(None))
        .values(woken_at=now)
        .returning(Review.id)
    )
    return result.first() is not None
