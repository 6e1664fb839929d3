"""Programs on someone's behalf: read them with their participation and capacity; admins
replace them (`PUT /v1/programs`)."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field, ValidationError
from sqlalchemy.orm import Session

from agent.bootstrap import Services
from agent.programs import counted_asks
from domain.actors import Actor
from domain.errors import Forbidden, Invalid, not_found
from domain.programs import CapacityUse, Program, capacity_use
from store import programs as store
from store.db import transaction


class CapacityOut(BaseModel):
    ask_type: str | None = Field(description="The ask type or activity limited (null: every one).")
    per: str
    per_contact: bool
    max: int
    used: int = Field(description="Asks approved this period (the busiest contact's, per contact).")
    left: int
    since: datetime
    contacts_at_limit: list[str]


class ParticipationOut(BaseModel):
    asks_approved: int = Field(description="Approved asks counted against the program, ever.")
    asks_completed: int
    advocates: int = Field(description="Distinct contacts among those asks.")
    rewards: int = Field(description="Ledger rows of the program (any status).")
    rewards_value: dict[str, float] = Field(description="Their value per currency.")


class ProgramOut(BaseModel):
    program: dict[str, Any] = Field(description="The program as defined (PUT /v1/programs).")
    participation: ParticipationOut
    capacity: list[CapacityOut]


def _capacity(use: CapacityUse) -> CapacityOut:
    return CapacityOut(
        ask_type=use.limit.ask_type,
        per=use.limit.per,
        per_contact=use.limit.per_contact,
        max=use.limit.max,
        used=use.used,
        left=use.left,
        since=use.since,
        contacts_at_limit=list(use.contacts_at_limit),
    )


def participation(*, session: Session) -> dict[str, ParticipationOut]:
    """Per program: approved and completed asks, advocates, rewards and their value."""
    asks: dict[str, list[Any]] = defaultdict(list)
    for row in store.approved_ask_events(session=session):
        program_id = row.data.get("program_id")
        if program_id:
            asks[program_id].append(row)
    rewards: dict[str, list[Any]] = defaultdict(list)
    for reward in store.rewards(session=session):
        if reward.program_id:
            rewards[reward.program_id].append(reward)
    out = {}
    for program_id in set(asks) | set(rewards):
        rows, paid = asks.get(program_id, []), rewards.get(program_id, [])
        value: dict[str, float] = defaultdict(float)
        for reward in paid:
            if reward.status != "cancelled":
                value[reward.currency] += reward.value
        out[program_id] = ParticipationOut(
            asks_approved=len(rows),
            asks_completed=sum(1 for r in rows if r.outcome == "completed"),
            advocates=len({r.data.get("contact_id") for r in rows if r.data.get("contact_id")}),
            rewards=len(paid),
            rewards_value=dict(value),
        )
    return out


def program_reports(*, session: Session, now: datetime) -> list[ProgramOut]:
    """Every program with its participation and this period's capacity."""
    counted = counted_asks(session=session, now=now)
    taking = participation(session=session)
    empty = ParticipationOut(
        asks_approved=0, asks_completed=0, advocates=0, rewards=0, rewards_value={}
    )
    return [
        ProgramOut(
            program=program.model_dump(mode="json"),
            participation=taking.get(program.id, empty),
            capacity=[_capacity(u) for u in capacity_use(program, counted[program.id], now)],
        )
        for program in store.programs(session=session)
    ]


def program_report(*, session: Session, program_id: str, now: datetime) -> ProgramOut:
    for report in program_reports(session=session, now=now):
        if report.program["id"] == program_id:
            return report
    raise not_found(f"program {program_id}")


def checked_programs(rows: list[Any]) -> list[Program]:
    """Validated programs; Invalid names each bad row and field (`programs[1].incentives...`)."""
    problems: list[dict[str, Any]] = []
    programs = []
    for index, row in enumerate(rows):
        try:
            programs.append(Program.model_validate(row))
        except ValidationError as error:
            for item in error.errors(include_url=False):
                message = str(item["msg"]).removeprefix("Value error, ")
                problems.append({"loc": ["body", "programs", index, *item["loc"]], "msg": message})
    ids = [p.id for p in programs]
    for duplicate in sorted({i for i in ids if ids.count(i) > 1}):
        problems.append({"loc": ["body", "programs"], "msg": f"program id {duplicate!r} twice"})
    if problems:
        listed = "; ".join(f"{'.'.join(map(str, p['loc'][1:]))}: {p['msg']}" for p in problems)
        raise Invalid(listed, errors=problems)
    return programs


def replace_programs(*, services: Services, actor: Actor, rows: list[Any]) -> list[ProgramOut]:
    """Admins replace every program at once (those not listed are removed); all or nothing."""
    if actor.role != "admin":
        raise Forbidden("only admins edit programs")
    programs = checked_programs(rows)
    deps = services.deps
    now = deps.clock()
    with transaction(deps.session_factory) as session:
        store.replace_programs(session=session, specs=programs, by=actor.id, at=now)
    with deps.session_factory() as session:
        return program_reports(session=session, now=now)
