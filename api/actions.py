"""API use-cases that write: an owner's decision, an incoming event, a measured outcome.

Each is one function a router calls; our domain errors become `ApiError`s here, with the
status codes the README lists.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy import Table
from sqlalchemy.orm import Session

from agent.bootstrap import Services
from agent.decisions import (
    AlreadyDecided,
    DecisionRefused,
    GatesNowFailing,
    InvalidDecision,
    ReviewNotFound,
    decide,
)
from agent.records import record_events
from agent.single import review_account
from api.deps import ApiUser
from api.errors import ApiError, not_found
from api.idempotency import Answer, once, request_hash
from api.schemas import (
    DecisionBody,
    DecisionOut,
    EventBody,
    EventOut,
    GateResult,
    OutcomeBody,
    OutcomeOut,
    SignalEvent,
)
from api.services import visible_review
from checkpoints.reviews import blocking_review_ids
from checkpoints.schemas import Decision
from domain.clock import utc
from domain.events import event_row
from domain.gates import evaluate
from domain.policy import is_positive
from store.bundle import ROW_MODELS, PermissionRow, to_record
from store.db import transaction
from store.importer import upsert_statement
from store.models import Account, Base, Contact, MeasurementEvent
from tools.evidence import load_snapshot

# --- decisions ------------------------------------------------------------------------------------


def decide_review(
    *,
    services: Services,
    user: ApiUser,
    review_id: str,
    body: DecisionBody,
    idempotency_key: str | None,
) -> Answer:
    """Apply the caller's decision once: (status code, body), replayed for the same key."""
    with services.deps.session_factory() as session:
        visible_review(session=session, user=user, review_id=review_id)
    decision = _decision(body, user.id)
    fields = body.model_dump(mode="json", exclude_none=True)
    return once(
        session_factory=services.deps.session_factory,
        key=idempotency_key,
        user_id=user.id,
        fingerprint=request_hash("POST", f"/v1/reviews/{review_id}/decision", fields),
        now=services.deps.clock(),
        work=lambda: _apply(services, review_id, decision),
    )


def _decision(body: DecisionBody, by: str) -> Decision:
    try:
        return Decision.model_validate({**body.model_dump(exclude_none=True), "by": by})
    except ValidationError as error:
        messages = [str(item["msg"]).removeprefix("Value error, ") for item in error.errors()]
        problems = [
            {"loc": ["body", *item["loc"]], "msg": message}
            for item, message in zip(error.errors(), messages, strict=True)
        ]
        readable = "; ".join(messages)
        raise ApiError(422, readable, errors=problems) from None


def _apply(services: Services, review_id: str, decision: Decision) -> Answer:
    try:
        closed = decide(
            deps=services.deps, advocate=services.advocate, review_id=review_id, decision=decision
        )
    except GatesNowFailing as refused:
        return 409, {"detail": str(refused), "reasons": refused.reasons}
    except AlreadyDecided as refused:
        return 409, {"detail": str(refused), "status": refused.status}
    except ReviewNotFound:
        return 404, {"detail": f"no review {review_id}"}
    except InvalidDecision as refused:
        return 422, {"detail": str(refused)}
    except DecisionRefused as refused:
        return 403, {"detail": str(refused)}
    out = DecisionOut(
        review_id=closed.id,
        status=closed.status,
        decided_by=closed.decided_by,
        decided_at=closed.decided_at,
        decision=closed.decision,
    )
    return 200, out.model_dump(mode="json")


# --- events ---------------------------------------------------------------------------------------


def post_event(*, services: Services, user: ApiUser, event: EventBody) -> EventOut:
    """Upsert one row like the import, then gate the account; a trigger may open a review."""
    deps = services.deps
    row = event.row
    key = {"signal": "signals", "ticket": "tickets", "referral": "referrals"}.get(
        event.kind, "permissions"
    )
    record = to_record(row)
    with transaction(deps.session_factory) as session:
        _check_references(session, user, record)
        table: Table = Base.metadata.tables[key]
        statement = upsert_statement(
            table=table, columns=list(ROW_MODELS[key].model_fields), dialect=_dialect(session)
        )
        session.execute(statement, [record])
    now = deps.clock()
    triggered = event.kind == "referral" or (
        isinstance(event, SignalEvent) and is_positive(event.row, deps.settings.policy)
    )
    if triggered:
        run = review_account(
            deps=deps,
            advocate=services.advocate,
            account_id=record["account_id"],
            now=now,
            cause=f"event:{event.kind}:{record['id']}",
        )
        assert run is not None, "the account exists: it was checked in the transaction"
        gate = GateResult(
            account_id=run.account_id,
            status=run.status,
            reasons=list(run.reasons),
            flags=list(run.flags),
            ask_type=run.ask_type,
        )
        return EventOut(
            kind=event.kind,
            id=record["id"],
            triggered=True,
            gate=gate,
            review_id=run.review_id,
            opened=run.opened,
        )
    gate, review_id = _gate_only(services, record["account_id"], now)
    return EventOut(
        kind=event.kind,
        id=record["id"],
        triggered=False,
        gate=gate,
        review_id=review_id,
        opened=False,
    )


def _dialect(session: Session) -> str:
    return session.get_bind().dialect.name


def _check_references(session: Session, user: ApiUser, record: dict[str, Any]) -> None:
    account = session.get(Account, record["account_id"])
    if account is None or (user.is_owner and account.owner_id != user.id):
        raise not_found(f"account {record['account_id']}")
    contact_id = record.get("contact_id")
    if contact_id is not None:
        contact = session.get(Contact, contact_id)
        if contact is None or contact.account_id != account.id:
            raise ApiError(
                422,
                f"row.contact_id: contact {contact_id!r} is not a contact of this account",
            )


def _gate_only(services: Services, account_id: str, now: datetime) -> tuple[GateResult, str | None]:
    """The account's gate result now, opening nothing (a ticket or a permission arrived)."""
    deps = services.deps
    with deps.session_factory() as session:
        snapshot = load_snapshot(
            session=session, account_id=account_id, as_of=now, limit=deps.settings.evidence_limit
        )
        blocking = blocking_review_ids(session=session, account_ids=[account_id], now=now)
    assert snapshot is not None
    report = evaluate(snapshot, deps.settings.policy, now)
    gate = GateResult(
        account_id=account_id,
        status=report.status,
        reasons=list(report.reasons),
        flags=list(report.flags),
        ask_type=report.ask_type,
    )
    return gate, blocking.get(account_id)


# --- outcomes -------------------------------------------------------------------------------------


def record_outcome(
    *, services: Services, user: ApiUser, body: OutcomeBody, idempotency_key: str | None
) -> Answer:
    """Record one measurement event for a visible review; the same outcome id counts once."""
    deps = services.deps
    with deps.session_factory() as session:
        review = visible_review(session=session, user=user, review_id=body.review_id)
    permission = _outcome_permission(body, review.account_id)
    outcome_key = body.outcome_id or idempotency_key or uuid.uuid4().hex
    at = utc(body.occurred_at) if body.occurred_at else deps.clock()
    data: dict[str, Any] = {"by": user.id, "ask_type": review.ask_type}
    if body.note:
        data["note"] = body.note
    if permission is not None:
        data["permission_id"] = permission.stable_id()
    row = event_row(
        kind=body.kind,
        key=f"{body.review_id}:{outcome_key}",
        at=at,
        account_id=review.account_id,
        owner_id=review.owner_id,
        review_id=review.id,
        data=data,
    )
    with transaction(deps.session_factory) as session:
        recorded = session.get(MeasurementEvent, row["id"]) is None
        if permission is not None:
            _check_references(session, user, to_record(permission))
            statement = upsert_statement(
                table=Base.metadata.tables["permissions"],
                columns=list(PermissionRow.model_fields),
                dialect=_dialect(session),
            )
            session.execute(statement, [to_record(permission)])
        record_events(session, [row])
    out = OutcomeOut(event_id=row["id"], kind=body.kind, review_id=review.id, recorded=recorded)
    return (201 if recorded else 200), out.model_dump(mode="json")


def _outcome_permission(body: OutcomeBody, account_id: str) -> PermissionRow | None:
    if body.kind != "permission_granted":
        if body.permission is not None:
            raise ApiError(422, "permission: only goes with kind 'permission_granted'")
        return None
    permission = body.permission
    if permission is None:
        raise ApiError(422, "permission: required for kind 'permission_granted'")
    if permission.account_id != account_id:
        raise ApiError(422, "permission.account_id: must be the review's account")
    if permission.status != "granted":
        raise ApiError(422, "permission.status: must be 'granted'")
    return permission
