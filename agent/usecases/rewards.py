"""The rewards ledger on someone's behalf: list it per advocate, fulfil or cancel a reward once.

An owner sees and moves only their own accounts' rewards (another's: not found); marketing and
admins see every reward; moving one is the owner's, or an admin's.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from agent.bootstrap import Services
from agent.records import record_audit, record_events
from agent.rewards import allowed_incentives
from checkpoints.schemas import Decision
from domain.actors import Actor
from domain.errors import Conflict, DomainError, Forbidden, not_found
from domain.events import event_row
from domain.rewards import RewardAction, RewardState, next_state, proposed_at_approval
from store import programs as store
from store.db import transaction
from store.models import Account, Review, Reward


class RewardOut(BaseModel):
    reward_id: str
    account_id: str
    contact_id: str | None
    review_id: str | None
    program_id: str | None
    incentive_id: str
    kind: str = Field(description="review (an approved ask's incentive) or referral.")
    description: str
    disclosure: str
    value: float
    currency: str
    status: RewardState
    created_at: datetime
    approved_at: datetime | None
    resolved_at: datetime | None
    resolved_by: str | None


def reward_view(row: Reward) -> RewardOut:
    return RewardOut(
        reward_id=row.id,
        account_id=row.account_id,
        contact_id=row.contact_id,
        review_id=row.review_id,
        program_id=row.program_id,
        incentive_id=row.incentive_id,
        kind=row.kind,
        description=row.description,
        disclosure=row.disclosure,
        value=row.value,
        currency=row.currency,
        status=row.status,
        created_at=row.created_at,
        approved_at=row.approved_at,
        resolved_at=row.resolved_at,
        resolved_by=row.resolved_by,
    )


def _own_accounts(session: Session, actor: Actor) -> list[str] | None:
    if not actor.is_owner:
        return None
    return list(session.scalars(select(Account.id).where(Account.owner_id == actor.id)))


def list_rewards(*, session: Session, actor: Actor, contact_id: str | None) -> list[RewardOut]:
    """The ledger, newest first, for one advocate (`contact_id`) or all; an owner's own."""
    rows = store.rewards(
        session=session, contact_id=contact_id, account_ids=_own_accounts(session, actor)
    )
    return [reward_view(row) for row in rows]


DONE = {"fulfil": "fulfilled", "cancel": "cancelled", "approve": "approved"}


class RewardNotMovable(Conflict):
    def __init__(self, reward_id: str, status: str, action: str) -> None:
        super().__init__(
            f"reward {reward_id} is {status}: it cannot be {DONE[action]}; nothing changed",
            status=status,
        )


def move_reward(
    *, services: Services, actor: Actor, reward_id: str, action: RewardAction
) -> RewardOut:
    """Fulfil (an approved reward) or cancel (a proposed or approved one), once, audited."""
    if actor.role == "marketing":
        raise Forbidden("only the account's owner or an admin moves a reward")
    deps = services.deps
    now = deps.clock()
    with transaction(deps.session_factory) as session:
        row = session.get(Reward, reward_id)
        owned = _own_accounts(session, actor)
        if row is None or (owned is not None and row.account_id not in owned):
            raise not_found(f"reward {reward_id}")
        before = row.status
        after = next_state(before, action)
        moved = after is not None and store.move_reward(
            session=session,
            reward_id=reward_id,
            before=before,
            after=after,
            values={"resolved_at": now, "resolved_by": actor.id},
        )
        if not moved or after is None:
            raise RewardNotMovable(reward_id, before, action)
        _record_move(session, row, actor, action, before, after, now)
    with deps.session_factory() as session:
        return reward_view(session.get_one(Reward, reward_id))


def _record_move(
    session: Session,
    row: Reward,
    actor: Actor,
    action: str,
    before: str,
    after: str,
    now: datetime,
) -> None:
    if row.review_id is not None:
        record_audit(
            session,
            entry_id=f"audit:{row.id}:{action}",
            review_id=row.review_id,
            actor=actor.id,
            action=f"reward_{action}",
            at=now,
            changes={"reward_id": row.id, "before": before, "after": after},
        )
    if after == "fulfilled":
        record_events(
            session,
            [
                event_row(
                    kind="reward_fulfilled",
                    key=row.id,
                    at=now,
                    account_id=row.account_id,
                    review_id=row.review_id,
                    data={"program_id": row.program_id, "value": row.value},
                )
            ],
        )


def approve_with_incentive(*, services: Services, reviews: list[Review]) -> RewardOut | None:
    """The demo's reward: the first of `reviews` whose ask a program rewards is approved by its
    owner with that program's first incentive; None when no review qualifies. Asks whose
    incentive enters the ledger at approval come first: a referral's waits for the referral, so
    approving one would leave the ledger empty."""
    from agent.usecases.decisions import decide  # langgraph: not for the ledger's reads

    for review in sorted(reviews, key=lambda r: not proposed_at_approval(r.ask_type)):
        with services.deps.session_factory() as session:
            allowed = allowed_incentives(session, review.payload, review.ask_type)
        if not allowed:
            continue
        decision = Decision(action="approve", by=review.owner_id, incentive=allowed[0][1].id)
        try:
            decide(
                deps=services.deps,
                advocate=services.advocate,
                review_id=review.id,
                decision=decision,
            )
        except DomainError:  # refused now (the gates changed): try the next one
            continue
        with services.deps.session_factory() as session:
            rows = store.rewards(session=session, review_id=review.id)
        return reward_view(rows[0]) if rows else None
    return None
