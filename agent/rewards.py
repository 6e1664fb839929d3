"""The rewards ledger at work: the incentives a review may carry, the row an approval or an
outcome writes, and the words an incentivised ask carries (domain/rewards.py holds the rules)."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from agent.records import record_audit, record_events
from domain.errors import Invalid
from domain.events import event_row
from domain.programs import Incentive, Program
from domain.rewards import (
    cancelled_by,
    incentive_paragraph,
    outcome_moves,
    proposed_at_approval,
    revived_on_completion,
)
from store import programs as store
from store.models import Review, Reward

log = logging.getLogger("advocacy.rewards")


def review_programs(session: Session, payload: dict[str, Any]) -> list[Program]:
    """The programs a review's candidate fits (a program scan's target first)."""
    ids = [payload.get("program_id"), *payload.get("programs", [])]
    wanted = list(dict.fromkeys(i for i in ids if i))
    found = {p.id: p for p in store.programs(session=session) if p.id in wanted}
    return [found[i] for i in wanted if i in found]


def allowed_incentives(
    session: Session, payload: dict[str, Any], ask_type: str
) -> list[tuple[Program, Incentive]]:
    """The incentives an owner may attach to this review's ask: those of the programs it fits
    that run its ask type."""
    return [
        (program, incentive)
        for program in review_programs(session, payload)
        if ask_type in program.ask_types
        for incentive in program.incentives
    ]


def resolve_incentive(
    session: Session, payload: dict[str, Any], ask_type: str, incentive_id: str
) -> tuple[Program, Incentive]:
    """The program and incentive `incentive_id` names for this ask; Invalid when no program
    the candidate fits allows it for this ask type."""
    allowed = allowed_incentives(session, payload, ask_type)
    for program, incentive in allowed:
        if incentive.id == incentive_id:
            return program, incentive
    listed = ", ".join(f"{i.id} ({p.id})" for p, i in allowed) or "none"
    raise Invalid(
        f"incentive: {incentive_id!r} is not allowed for a {ask_type} ask of this account; "
        f"allowed: {listed}"
    )


def ledger_paragraph(program: Program, incentive: Incentive) -> str:
    """The words an ask with this incentive carries, from the ledger's program only."""
    return incentive_paragraph(incentive.description, program.disclosure_of(incentive))


def _row(
    review: Review, decision: dict[str, Any], program: Program, incentive: Incentive, at: datetime
) -> dict[str, Any]:
    contact = review.payload.get("contact") or {}
    return {
        "id": f"reward:{review.id}",
        "account_id": review.account_id,
        "contact_id": contact.get("id"),
        "review_id": review.id,
        "program_id": program.id,
        "incentive_id": incentive.id,
        "kind": "referral" if decision.get("ask_type") == "referral" else "review",
        "description": incentive.description,
        "disclosure": program.disclosure_of(incentive),
        "value": incentive.value,
        "currency": incentive.currency,
        "status": "proposed",
        "created_at": at,
    }


def propose_reward(
    session: Session, review: Review, ask_type: str, incentive_id: str, at: datetime
) -> None:
    """Write the review's reward as `proposed` (once) and its `reward_proposed` event."""
    program, incentive = resolve_incentive(session, review.payload, ask_type, incentive_id)
    row = _row(review, {"ask_type": ask_type}, program, incentive, at)
    if store.add_reward(session=session, row=row):
        record_events(
            session,
            [
                event_row(
                    kind="reward_proposed",
                    key=row["id"],
                    at=at,
                    account_id=review.account_id,
                    owner_id=review.owner_id,
                    review_id=review.id,
                    data={"program_id": program.id, "incentive_id": incentive.id},
                )
            ],
        )


def at_approval(
    session: Session, review: Review, ask_type: str, incentive_id: str | None, at: datetime
) -> None:
    """An approved ask's incentive enters the ledger now, except a referral's (it follows
    the referral)."""
    if incentive_id and proposed_at_approval(ask_type):
        propose_reward(session, review, ask_type, incentive_id, at)


def after_outcome(session: Session, review: Review, kind: str, at: datetime) -> None:
    """Move the review's reward as the outcome says: proposed on a generated referral, due
    (approved) when the ask completes or the referral converts."""
    decision = review.decision or {}
    incentive_id = decision.get("incentive")
    if not incentive_id:
        return
    ask_type = str(decision.get("ask_type") or review.ask_type)
    move = outcome_moves(kind, ask_type)
    if move is None:
        return
    if move == "propose" or ask_type == "referral":  # a conversion may come without generation
        try:
            propose_reward(session, review, ask_type, incentive_id, at)
        except Invalid:
            log.warning("review %s: incentive %s is no longer offered", review.id, incentive_id)
            return
    if move == "approve":
        _make_due(session, f"reward:{review.id}", at)


def _make_due(session: Session, reward_id: str, at: datetime) -> None:
    """proposed -> approved; a reward cancelled when its ask closed with no response comes
    back as approved too (the customer took part after all)."""
    due = {"approved_at": at}
    if store.move_reward(
        session=session, reward_id=reward_id, before="proposed", after="approved", values=due
    ):
        return
    row = session.get(Reward, reward_id)
    if row is not None and revived_on_completion(row.status, row.resolved_by):
        store.move_reward(
            session=session,
            reward_id=reward_id,
            before="cancelled",
            after="approved",
            values={**due, "resolved_at": None, "resolved_by": None},
        )


def at_ask_end(
    session: Session, review_id: str, ask_outcome: str, at: datetime, actor: str
) -> bool:
    """The ask ended without participation (declined, no response): its proposed reward is
    cancelled in the caller's transaction, audited; True when this call cancelled it."""
    by = cancelled_by(ask_outcome)
    reward_id = f"reward:{review_id}"
    if by is None or not store.move_reward(
        session=session,
        reward_id=reward_id,
        before="proposed",
        after="cancelled",
        values={"resolved_at": at, "resolved_by": by},
    ):
        return False
    record_audit(
        session,
        entry_id=f"audit:{reward_id}:cancel_at_ask_end",
        review_id=review_id,
        actor=actor,
        action="reward_cancel",
        at=at,
        changes={"reward_id": reward_id, "before": "proposed", "after": "cancelled", "why": by},
    )
    return True
