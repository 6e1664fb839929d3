"""Programs: what they run for whom, their participation and capacity; admins edit them."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path
from pydantic import BaseModel, ConfigDict, Field

from agent.usecases.programs import ProgramOut, program_report, program_reports, replace_programs
from api.deps import AdminUser, AnyUser, ServicesDep, SessionDep
from domain.text import NO_NUL_PATTERN

router = APIRouter(prefix="/programs", tags=["programs"])

EXAMPLE: dict[str, Any] = {
    "id": "customer-voice",
    "name": "Customer voice",
    "ask_types": ["review", "testimonial"],
    "segments": ["smb"],
    "capacity": [{"max": 20, "per": "month"}],
    "incentives": [
        {
            "id": "gc-25",
            "description": "A $25 gift card, whatever you write.",
            "value": 25,
            "currency": "USD",
        }
    ],
    "disclosure": "We thank every reviewer the same way, whatever the review says.",
    "timing": [{"segment": "smb", "within_days": 30}],
}


class ProgramsBody(BaseModel):
    """Every program: the set replaces the current one (programs not listed are removed)."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"programs": [EXAMPLE]}]}
    )
    programs: list[dict[str, Any]] = Field(max_length=500)


@router.get("", response_model=list[ProgramOut])
def read_programs(session: SessionDep, services: ServicesDep, _user: AnyUser) -> list[ProgramOut]:
    """Every program with its participation (approved and completed asks, advocates, rewards)
    and this period's capacity (used, left, contacts at a per-contact limit)."""
    return program_reports(session=session, now=services.deps.clock())


@router.put("", response_model=list[ProgramOut])
def put_programs(body: ProgramsBody, services: ServicesDep, user: AdminUser) -> list[ProgramOut]:
    """Replace every program (admin; others 403). All or nothing: a bad program is 422 naming
    it (`programs[0].incentives.0.currency`), and nothing changes."""
    return replace_programs(services=services, actor=user, rows=body.programs)


@router.get("/{program_id}", response_model=ProgramOut)
def read_program(
    program_id: Annotated[str, Path(max_length=64, pattern=NO_NUL_PATTERN)],
    session: SessionDep,
    services: ServicesDep,
    _user: AnyUser,
) -> ProgramOut:
    """One program with its participation and capacity; 404 when there is none."""
    return program_report(session=session, program_id=program_id, now=services.deps.clock())
