"""A program's capacity at the owner's approval (issue 12): whether one more approved ask fits.

The scan reads capacity once (domain/programs.py `capacity_use`, `full_ask_types`) to say which
programs a candidate fits; a slot may be taken while the draft waits. The approval re-checks
here, against the asks approved so far, and is refused when the program-wide limit or the
contact's own limit is reached. Pure: the caller reads the asks and locks the program.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from domain.labels import label_of
from domain.programs import (
    CapacityLimit,
    CountedAsk,
    Period,
    Program,
    counted_this_period,
    limit_applies,
    period_start,
)

CapacityRefusal = Literal["program_full", "contact_at_program_limit"]


@dataclass(frozen=True)
class CapacityProblem:
    """A limit one more approved ask would exceed: which, why in words, and when it resets."""

    code: CapacityRefusal
    program_id: str
    why: str
    room_from: datetime


def next_period_start(per: Period, now: datetime) -> datetime:
    """The start (UTC) of the calendar month or quarter after the one holding `now`."""
    start = period_start(per, now)
    months = 1 if per == "month" else 3
    month = start.month - 1 + months
    return datetime(start.year + month // 12, month % 12 + 1, 1, tzinfo=UTC)


def approval_problems(
    program: Program,
    asks: Iterable[CountedAsk],
    *,
    ask_type: str,
    contact_id: str | None,
    now: datetime,
) -> list[CapacityProblem]:
    """Why one more approved `ask_type` ask to `contact_id` does not fit the program this
    period (empty: it fits). A per-contact limit counts that contact's asks only; an ask to
    no contact is never at a per-contact limit."""
    asks = list(asks)
    problems = []
    for limit in program.capacity:
        if not limit_applies(limit, ask_type) or (limit.per_contact and contact_id is None):
            continue
        since = period_start(limit.per, now)
        counted = counted_this_period(limit, asks, now)
        if limit.per_contact:
            counted = [a for a in counted if a.contact_id == contact_id]
        if len(counted) < limit.max:
            continue
        problems.append(_problem(program.id, limit, len(counted), since, now, contact_id))
    return problems


def _problem(
    program_id: str,
    limit: CapacityLimit,
    used: int,
    since: datetime,
    now: datetime,
    contact_id: str | None,
) -> CapacityProblem:
    # A person reads this refusal: the ask type in words ("reference call"), not its code.
    what = f"{label_of(limit.ask_type).label.lower()} asks" if limit.ask_type else "asks"
    whose = f" to {contact_id}" if limit.per_contact else ""
    room_from = next_period_start(limit.per, now)
    why = (
        f"{program_id}: {used} of {limit.max} {what}{whose} approved this {limit.per} "
        f"(since {since:%Y-%m-%d}); room again from {room_from:%Y-%m-%d}"
    )
    code: CapacityRefusal = "contact_at_program_limit" if limit.per_contact else "program_full"
    return CapacityProblem(code, program_id, why, room_from)


@dataclass(frozen=True)
class ApprovalCapacity:
    """The program an approved ask counts against, or why none has room for it."""

    program_id: str | None
    problems: tuple[CapacityProblem, ...] = ()


def approval_capacity(
    candidates: Sequence[Program],
    asks: Mapping[str, Sequence[CountedAsk]],
    *,
    ask_type: str,
    contact_id: str | None,
    now: datetime,
) -> ApprovalCapacity:
    """The first of `candidates` (the program named by the incentive or the program scan, else
    the fitting programs that run the ask type, by id) with room for the ask; when none has
    room, every problem found. No candidate: the ask counts against no program."""
    found: list[CapacityProblem] = []
    for program in candidates:
        problems = approval_problems(
            program, asks.get(program.id, ()), ask_type=ask_type, contact_id=contact_id, now=now
        )
        if not problems:
            return ApprovalCapacity(program.id)
        found += problems
    return ApprovalCapacity(None, tuple(found))


def counting_candidates(
    programs: Mapping[str, Program], fitting: Sequence[str], ask_type: str, chosen: str | None
) -> list[str]:
    """The programs an approved ask may count against, in order: the one named (an
    incentive's or a program scan's), else the fitting programs (by id) that run its ask type.
    The approval takes the first with room (domain/capacity.py)."""
    if chosen is not None:
        return [chosen]
    return [
        program_id
        for program_id in sorted(fitting)
        if (found := programs.get(program_id)) is not None
        and ask_type in (*found.ask_types, *found.activities)
    ]
