"""Outcomes: what came of an approved ask, recorded as measurement events (once per outcome id)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from agent.bootstrap import Services
from agent.records import record_events
from agent.usecases.intake import check_writable_row
from agent.usecases.reads import visible_review
from agent.usecases.results import OutcomeOut
from domain.actors import Actor
from domain.clock import utc
from domain.errors import Invalid
from domain.events import event_row
from domain.vocabulary import OutcomeKind
from store.bundle import PermissionRow, to_record
from store.db import transaction
from store.models import MeasurementEvent
from store.writes import upsert_bundle_rows


@dataclass(frozen=True)
class Outcome:
    """One reported outcome of a review's ask; `key` (the caller's outcome id) counts it once."""

    kind: OutcomeKind
    review_id: str
    key: str | None = None
    occurred_at: datetime | None = None
    note: str | None = None
    permission: PermissionRow | None = None


def record_outcome(*, services: Services, actor: Actor, outcome: Outcome) -> OutcomeOut:
    """Record one measurement event for a visible review; the same outcome key counts once."""
    deps = services.deps
    with deps.session_factory() as session:
        review = visible_review(session=session, actor=actor, review_id=outcome.review_id)
    permission = _outcome_permission(outcome, review.account_id)
    data: dict[str, Any] = {"by": actor.id, "ask_type": review.ask_type}
    if outcome.note:
        data["note"] = outcome.note
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
    return OutcomeOut(event_id=row["id"], kind=outcome.kind, review_id=review.id, recorded=recorded)


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
