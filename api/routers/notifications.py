"""Notifications: reminders and escalations sent to owners about overdue work."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from agent.usecases.notices import list_notifications
from agent.usecases.results import NotificationOut
from api.deps import AnyUser, ServicesDep
from domain.text import NO_NUL_PATTERN

router = APIRouter(prefix="/notifications", tags=["notifications"])


@router.get("", response_model=list[NotificationOut])
def get_notifications(
    services: ServicesDep,
    user: AnyUser,
    owner: Annotated[str | None, Query(max_length=64, pattern=NO_NUL_PATTERN)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 200,
) -> list[NotificationOut]:
    """The notifications sent to an owner, newest first; reading them marks them read.

    An owner gets their own (another owner's: 404); marketing and admins read everyone's, or
    those sent to `owner` (escalations without a manager go to `admins`).
    """
    return list_notifications(
        session_factory=services.deps.session_factory,
        actor=user,
        owner_id=owner,
        now=services.deps.clock(),
        limit=limit,
    )
