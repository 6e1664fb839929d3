"""Pilots: a cohort over a period, reported against the seeds' thresholds."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path
from pydantic import BaseModel, ConfigDict, Field

from agent.usecases.pilots import PilotOut, PilotReport, list_pilots, pilot_report, start_pilot
from api.deps import ScanReader, ServicesDep, SessionDep
from domain.text import NO_NUL_PATTERN

router = APIRouter(prefix="/pilots", tags=["pilots"])


class PilotBody(BaseModel):
    """A pilot: its name, the cohort (a segment, or the N healthiest accounts) and its days."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"name": "Q1 SMB", "segment": "smb", "days": 60}]},
    )
    name: str = Field(min_length=1, max_length=200, pattern=NO_NUL_PATTERN)
    segment: Annotated[str, Field(min_length=1, max_length=64)] | None = None
    top_healthy: Annotated[int, Field(ge=1, le=100_000)] | None = None
    days: int = Field(60, ge=1, le=365)


@router.post("", status_code=201, response_model=PilotOut)
def post_pilot(body: PilotBody, services: ServicesDep, user: ScanReader) -> PilotOut:
    """Start a pilot (marketing, admin): exactly one of `segment` or `top_healthy`."""
    return start_pilot(
        services=services,
        actor=user,
        name=body.name,
        segment=body.segment,
        top_healthy=body.top_healthy,
        days=body.days,
    )


@router.get("", response_model=list[PilotOut])
def read_pilots(session: SessionDep, _user: ScanReader) -> list[PilotOut]:
    """Every pilot, newest first (marketing, admin)."""
    return list_pilots(session=session)


@router.get("/{pilot_id}/report", response_model=PilotReport)
def read_report(
    pilot_id: Annotated[str, Path(max_length=64, pattern=NO_NUL_PATTERN)],
    session: SessionDep,
    services: ServicesDep,
    _user: ScanReader,
) -> PilotReport:
    """The pilot's cohort, period, and each seed threshold with pass or fail and the accounts
    that fail it (marketing, admin)."""
    return pilot_report(session=session, pilot_id=pilot_id, now=services.deps.clock())
