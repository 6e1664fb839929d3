"""The rewards ledger: per advocate, and the owner's fulfil or cancel, once each."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from agent.usecases.rewards import RewardOut, list_rewards, move_reward
from api.deps import AnyUser, ServicesDep, SessionDep
from domain.text import NO_NUL_PATTERN

router = APIRouter(prefix="/rewards", tags=["rewards"])
RewardId = Annotated[str, Path(max_length=220, pattern=NO_NUL_PATTERN)]


@router.get("", response_model=list[RewardOut])
def read_rewards(
    session: SessionDep,
    user: AnyUser,
    contact_id: Annotated[str | None, Query(max_length=64, pattern=NO_NUL_PATTERN)] = None,
) -> list[RewardOut]:
    """The ledger, newest first: `proposed -> approved -> fulfilled | cancelled`, with value
    and currency; one advocate's with `contact_id`. An owner sees their own accounts'."""
    return list_rewards(session=session, actor=user, contact_id=contact_id)


@router.post("/{reward_id}/fulfil", response_model=RewardOut)
def fulfil(reward_id: RewardId, services: ServicesDep, user: AnyUser) -> RewardOut:
    """The advocate received it (an approved reward only; once: a second time is 409).
    The account's owner or an admin; marketing 403. Audited."""
    return move_reward(services=services, actor=user, reward_id=reward_id, action="fulfil")


@router.post("/{reward_id}/cancel", response_model=RewardOut)
def cancel(reward_id: RewardId, services: ServicesDep, user: AnyUser) -> RewardOut:
    """Withdraw a proposed or approved reward (once; 409 after). Owner or admin. Audited."""
    return move_reward(services=services, actor=user, reward_id=reward_id, action="cancel")
