"""Applying the owner's decision: the only node after the interrupt. Every write is keyed."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from langgraph.runtime import Runtime
from sqlalchemy.orm import Session

from agent import rewards
from agent.capacity import capacity_at_approval
from agent.deps import Deps, deps_of
from agent.edit_checks import edit_problems
from agent.records import (
    record_audit,
    record_events,
    record_owner_task,
    record_pending_ask,
    record_refusal,
)
from agent.state import AdvocateState
from checkpoints.schemas import Decision
from domain.capacity import ApprovalCapacity
from domain.events import event_row
from domain.lifecycle import task_send_by
from domain.vocabulary import EventKind
from store.db import transaction
from store.models import Review

FINAL_STATUS = {"approve": "approved", "edit": "edited", "reject": "rejected", "defer": "deferred"}
EVENTS: dict[str, tuple[EventKind, ...]] = {
    "approve": ("ask_approved",),
    "edit": ("ask_approved", "ask_edited"),
    "reject": ("ask_rejected",),
    "defer": ("ask_deferred",),
}


def proposed_ask(payload: dict[str, Any]) -> dict[str, Any]:
    draft = payload.get("draft", {})
    return {
        "ask_type": payload.get("recommended_ask_type"),
        "subject": draft.get("subject"),
        "body": draft.get("body"),
    }


def decided_ask(before: dict[str, Any], decision: Decision) -> dict[str, Any]:
    edits = {"ask_type": decision.ask_type, "subject": decision.subject, "body": decision.body}
    return {**before, **{key: value for key, value in edits.items() if value is not None}}


REFUSED = "refused"


def apply_decision(state: AdvocateState, runtime: Runtime[Deps]) -> dict[str, Any]:
    """Close the review and write the owner task, ask history, events and audit row, once; or,
    when no program the approved ask counts against has room left, give the review back to
    the queue with why (the thread waits for the owner again)."""
    decision = Decision.model_validate(state["decision"])
    deps = deps_of(runtime)
    now = deps.clock()
    with transaction(deps.session_factory) as session:
        review = session.get(Review, state["review_id"])
        assert review is not None, "a paused review always has its row"
        if review.status == "deciding":
            _apply(session, review, decision, now)
        # Pending here: refused now, or by this node's earlier run (a replay).
        refused = review.status == "pending"
    return {"result": REFUSED if refused else f"decided:{decision.action}"}


def after_apply(state: AdvocateState) -> Literal["owner_review", "__end__"]:
    """A refused approval waits for the owner's next decision; anything else ends the run."""
    return "owner_review" if state.get("result") == REFUSED else "__end__"


def _apply(session: Session, review: Review, decision: Decision, now: datetime) -> None:
    before = proposed_ask(review.payload)
    after = with_incentive(session, review, decided_ask(before, decision), decision.incentive)
    approved = decision.action in ("approve", "edit")
    # Checked and written in this one transaction, with the programs' rows locked.
    capacity = capacity_at_approval(session, review, after, now) if approved else None
    if capacity is not None and capacity.problems:
        _refuse(session, review, decision, capacity, now)
        return
    review.status = FINAL_STATUS[decision.action]
    review.decision = decision.model_dump(mode="json")
    review.decided_at = now
    review.decided_by = decision.by
    review.deferred_until = decision.until
    review.refusal = None
    if approved:
        _record_approved_ask(session, review, after, now)
        rewards.at_approval(session, review, after["ask_type"], decision.incentive, now)
    program_id = capacity.program_id if capacity is not None else None
    record_events(session, _decision_events(review, decision, after, now, program_id))
    changed = sorted(key for key in after if after[key] != before.get(key))
    changes: dict[str, Any] = {
        "changed": changed,
        "before": before,
        "after": after,
        "reason": decision.reason,
        "until": decision.until.isoformat() if decision.until else None,
    }
    if decision.accept_problems:
        changes["accepted_problems"] = edit_problems(review.payload, decision, as_of=now)
    record_audit(
        session,
        entry_id=f"audit:{review.id}:{decision.action}",
        review_id=review.id,
        actor=decision.by,
        action=decision.action,
        at=now,
        changes=changes,
    )


def _record_approved_ask(
    session: Session, review: Review, ask: dict[str, Any], now: datetime
) -> None:
    contact = review.payload.get("contact") or {}
    recommended = (review.payload.get("timing") or {}).get("send_by")
    record_owner_task(
        session,
        review_id=review.id,
        owner_id=review.owner_id,
        account_id=review.account_id,
        contact_id=contact.get("id"),
        send_by=task_send_by(recommended, now),
        ask_type=ask["ask_type"],
        channel=review.payload.get("channel", "email"),
        subject=ask["subject"],
        body=ask["body"],
        at=now,
    )
    record_pending_ask(
        session,
        review_id=review.id,
        account_id=review.account_id,
        contact_id=contact.get("id"),
        ask_type=ask["ask_type"],
        at=now,
    )


def with_incentive(
    session: Session, review: Review, ask: dict[str, Any], incentive_id: str | None
) -> dict[str, Any]:
    """The approved ask with the ledger's incentive paragraph (description and disclosure)
    appended: the only incentive words an ask ever carries."""
    if not incentive_id:
        return ask
    program, incentive = rewards.resolve_incentive(
        session, review.payload, ask["ask_type"], incentive_id
    )
    paragraph = rewards.ledger_paragraph(program, incentive)
    body = f"{ask['body'].rstrip()}\n\n{paragraph}"
    return {**ask, "body": body, "incentive": incentive_id, "program_id": program.id}


def _refuse(
    session: Session, review: Review, decision: Decision, capacity: ApprovalCapacity, now: datetime
) -> None:
    """Back to the queue, nothing else written: the review says why and when there is room
    again (the owner may defer it until then)."""
    problems = capacity.problems
    refusal = {
        "reasons": list(dict.fromkeys(p.code for p in problems)),
        "why": [p.why for p in problems],
        "room_from": min(p.room_from for p in problems).isoformat(),
        "at": now.isoformat(),
    }
    review.status = "pending"
    review.claimed_at = None
    review.refusal = refusal
    record_refusal(
        session,
        review_id=review.id,
        actor=decision.by,
        action=decision.action,
        at=now,
        changes={**refusal, "status": "capacity"},
    )


def _decision_events(
    review: Review, decision: Decision, ask: dict[str, Any], now: datetime, program_id: str | None
) -> list[dict[str, Any]]:
    data = {
        "ask_type": ask["ask_type"],
        "by": decision.by,
        "reason": decision.reason,
        "until": decision.until.isoformat() if decision.until else None,
        "value_proof": bool(review.payload.get("gate_report", {}).get("value_proof_ids")),
        "contact_id": (review.payload.get("contact") or {}).get("id"),
        "open_issue": "low_priority_ticket_open" in (review.flags or []),
        "incentive": ask.get("incentive"),
        "program_id": program_id,
    }
    return [
        event_row(
            kind=kind,
            key=review.id,
            at=now,
            account_id=review.account_id,
            owner_id=review.owner_id,
            review_id=review.id,
            data=data,
        )
        for kind in EVENTS[decision.action]
    ]
