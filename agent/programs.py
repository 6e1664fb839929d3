"""Programs in use: their fit for gated accounts, and their capacity used this period.

The rules are domain/programs.py's; this reads what they need from the store once per scan.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property

from sqlalchemy.orm import Session

from domain.errors import Invalid
from domain.programs import (
    CapacityUse,
    CountedAsk,
    Program,
    ProgramFit,
    account_facts,
    capacity_use,
    fitting_programs,
    full_ask_types,
    period_start,
    program_fit,
    within_program,
)
from domain.report import GateReport
from domain.snapshot import EvidenceSnapshot
from store import programs as store


def counted_asks(*, session: Session, now: datetime) -> dict[str, list[CountedAsk]]:
    """Per program, the asks approved against it since the start of this quarter."""
    counted: dict[str, list[CountedAsk]] = defaultdict(list)
    for data, at, *_ in store.approved_ask_events(
        session=session, since=period_start("quarter", now)
    ):
        program_id = data.get("program_id")
        if program_id:
            counted[program_id].append(
                CountedAsk(str(data.get("ask_type")), data.get("contact_id"), at)
            )
    return counted


@dataclass(frozen=True)
class ProgramBook:
    """Every program, its capacity use now, and the one a program scan targets."""

    programs: tuple[Program, ...]
    uses: dict[str, list[CapacityUse]] = field(default_factory=dict)
    target: Program | None = None

    @cached_property
    def full(self) -> dict[str, frozenset[str]]:
        """Per program, the ask types whose capacity is used up (read once per scan)."""
        return {p.id: full_ask_types(p, self.uses.get(p.id, [])) for p in self.programs}

    def gate(
        self, snapshot: EvidenceSnapshot, report: GateReport, now: datetime
    ) -> tuple[GateReport, list[str]]:
        """The report (within the target program, for a program scan) and the programs the
        candidate fits."""
        if report.status != "candidate" or not self.programs:
            return report, []
        facts = account_facts(snapshot, report, now)
        full = self.full
        if self.target is not None:
            fit = program_fit(self.target, facts, full.get(self.target.id, frozenset()))
            report = within_program(report, fit, snapshot, now)
            if report.status != "candidate":
                return report, []
            facts = account_facts(snapshot, report, now)
        fits: list[ProgramFit] = fitting_programs(self.programs, facts, full)
        return report, [f.program_id for f in fits]


def program_book(
    *, session: Session, now: datetime, program_id: str | None = None, capacity: bool = True
) -> ProgramBook:
    """The programs as of `now` (without `capacity`: every limit taken as open); Invalid when
    `program_id` names no program."""
    specs = tuple(store.programs(session=session))
    target = None
    if program_id is not None:
        target = next((p for p in specs if p.id == program_id), None)
        if target is None:
            known = ", ".join(p.id for p in specs) or "none defined"
            raise Invalid(f"program: no program {program_id!r}; known programs: {known}")
    counted = counted_asks(session=session, now=now) if capacity and specs else {}
    uses = {p.id: capacity_use(p, counted.get(p.id, []), now) for p in specs}
    return ProgramBook(programs=specs, uses=uses, target=target)
