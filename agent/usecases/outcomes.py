"""Outcomes: what came of an approved ask, recorded as measurement events (once per outcome id)."""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from agent import rewards
from agent.bootstrap import Services
from agent.records import record_audit, record_events
from agent.usecases.intake import check_writable_row
from agent.usecases.reads import visible_review
from agent.usecases.results import OutcomeOut
from domain.actors import Actor
from domain.clock import utc
from domain.errors import Conflict, Invalid
from domain.events import event_row
from domain.lifecycle import APPROVED_REVIEW_STATUSES, completes_ask
from domain.vocabulary import OutcomeKind
from store import tasks as store
from store.bundle import PermissionRow, to_record
from store.db import transaction
from store.models import MeasurementEvent, Review, Signal
from store.writes import insert_or_ignore, upsert_bundle_rows


@dataclass(frozen=True)
class Outcome:
    """One reported outcome of a review's ask; `key` (the caller's outcome id) counts it once."""

    kind: OutcomeKind
    review_id: str
    key: str | None = None
    occurred_at: datetime | None = None
    note: str | None = None
    permission: PermissionRow | None = None
    amount: int | None = None


class ReviewNotApproved(Conflict):
    def __init__(self, review_id: str, status: str) -> None:
        super().__init__(
            f"review {review_id} is {status}: outcomes belong to an approved ask; nothing recorded",
            status=status,
        )


def record_outcome(*, services: Services, actor: Actor, outcome: Outcome) -> OutcomeOut:
    """Record one measurement event for a visible review; the same outcome key counts once."""
    deps = services.deps
    with deps.session_factory() as session:
        review = visible_review(session=session, actor=actor, review_id=outcome.review_id)
    if review.status not in APPROVED_REVIEW_STATUSES:
        raise ReviewNotApproved(review.id, review.status)
    permission = _outcome_permission(outcome, review.account_id)
    _check_amount(outcome)
    data: dict[str, Any] = {"by": actor.id, "ask_type": review.ask_type}
    if outcome.note:
        data["note"] = outcome.note
    if outcome.amount is not None:
        data["amount"] = outcome.amount
    if permission is not None:
        data["permission_id"] = permission.stable_id()
    row = event_row(
        kind=outcome.kind,
        key=f"{outcome.review_id}:{outcome.key or uuid.uuid4().hex}",
        at=utc(outcome.occurred_at) if outcome.occurred_at else deps.clock(),
        account_id=review.account_id,
        owner_id=review.owner_id,
        review_id=review.id,
        data=data,
    )
    with transaction(deps.session_factory) as session:
        recorded = session.get(MeasurementEvent, row["id"]) is None
        if permission is not None:
            consent = to_record(permission)
            check_writable_row(session, actor, "permissions", consent)
            upsert_bundle_rows(session, "permissions", [consent])
        record_events(session, [row])
        if recorded:
            _follow_up(session, review, outcome.kind, row)
            record_audit(
                session,
                entry_id=f"audit:{row['id']}",
                review_id=review.id,
                actor=actor.id,
                action="outcome",
                at=row["occurred_at"],
                changes={"kind": outcome.kind, **data},
            )
    return OutcomeOut(event_id=row["id"], kind=outcome.kind, review_id=review.id, recorded=recorded)


def _check_amount(outcome: Outcome) -> None:
    if outcome.amount is None:
        return
    if outcome.kind not in ("referral_generated", "referral_converted"):
        raise Invalid(
            "amount: only goes with kind 'referral_generated' (pipeline) or "
            "'referral_converted' (revenue)"
        )
    if outcome.amount < 0:
        raise Invalid("amount: must not be negative")


def _follow_up(session: Session, review: Review, kind: str, event: dict[str, Any]) -> None:
    """A completing outcome completes the ask and closes its task; a complaint becomes a
    complaint signal, which the gates read (the account is held)."""
    at = event["occurred_at"]
    if completes_ask(kind):
        # A late yes after the no-response timer still counts: the ask completed.
        store.set_ask_outcome(
            session=session,
            review_id=review.id,
            outcome="completed",
            after=("pending", "no_response"),
        )
        store.close_task(session=session, review_id=review.id, at=at)
    if kind == "complaint":
        insert_or_ignore(session, Signal, [_complaint_signal(review, event)])
    rewards.after_outcome(session, review, kind, at)


def _complaint_signal(review: Review, event: dict[str, Any]) -> dict[str, Any]:
    task_contact = (review.payload.get("contact") or {}).get("id")
    return {
        "id": f"o-complaint-{hashlib.sha256(event['id'].encode()).hexdigest()[:24]}",
        "account_id": review.account_id,
        "contact_id": task_contact,
        "kind": "complaint",
        "occurred_at": event["occurred_at"],
        "source": "outcome",
        "sentiment": "negative",
        "text": event["data"].get("note"),
    }


def _outcome_permission(outcome: Outcome, account_id: str) -> PermissionRow | None:
    permission = outcome.permission
    if outcome.kind != "permission_granted":
        if permission is not None:
            raise Invalid("permission: only goes with kind 'permission_granted'")
        return None
    if permission is None:
        raise Invalid("permission: required for kind 'permission_granted'")
    if permission.account_id != account_id:
        raise Invalid("permission.account_id: must be the review's account")
    if permission.status != "granted":
        raise Invalid("permission.status: must be 'granted'")
    return permission
