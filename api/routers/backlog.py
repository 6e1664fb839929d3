"""The owners' backlog: who has reviews and tasks piling up, and how old they are."""

from __future__ import annotations

from fastapi import APIRouter

from agent.usecases.backlog import BacklogRow, BacklogSort, owners_backlog
from api.deps import ScanReader, ServicesDep, SessionDep

router = APIRouter(prefix="/backlog", tags=["backlog"])


@router.get("", response_model=list[BacklogRow])
def read_backlog(
    session: SessionDep, services: ServicesDep, user: ScanReader, sort: BacklogSort = "pending"
) -> list[BacklogRow]:
    """Per owner with anything waiting: reviews pending a decision and approved asks not sent
    yet (open, and past send-by), each with its oldest age in days (marketing and admins).

    `sort`: `pending` (most pending reviews first, the default), `oldest` (oldest review),
    `tasks` (most open tasks), `overdue`, `owner` (by owner id).
    """
    return owners_backlog(session=session, actor=user, now=services.deps.clock(), sort=sort)
