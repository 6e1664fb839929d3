"""Metrics: the measurement funnel, by period and owner."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from agent.usecases.reads import metrics_for
from api.deps import AnyUser, ServicesDep, SessionDep
from api.schemas import ZonedTime
from domain.text import NO_NUL_PATTERN

router = APIRouter(prefix="/metrics", tags=["metrics"])


@router.get("")
def read_metrics(
    session: SessionDep,
    services: ServicesDep,
    user: AnyUser,
    since: Annotated[ZonedTime | None, Query(alias="from")] = None,
    until: Annotated[ZonedTime | None, Query(alias="to")] = None,
    owner: Annotated[str | None, Query(max_length=64, pattern=NO_NUL_PATTERN)] = None,
) -> dict[str, Any]:
    """Counts per event kind, readiness rates, pilot thresholds, and the ask's life after
    approval: asks sent, responded, accepted, completed, overdue tasks, escalations, the hours
    from trigger to approval, approval to send and send to response (median, p90), overall and
    per owner (`by_owner`). `ask_held`/`ask_stopped` count accounts entering the state.

    `from`/`to` bound the event time ([from, to)); owners always get their own figures.
    """
    now = services.deps.clock()
    return metrics_for(
        session=session, actor=user, since=since, until=until, owner_id=owner, now=now
    )
