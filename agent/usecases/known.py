"""A value someone typed, checked against what the data holds: the spelling the data uses, or
Invalid naming what is known. One check for scans, the candidate list and pilots."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from domain.errors import Invalid
from store import programs as program_store
from store.candidate_list import known_values, spelled_as_stored


def spelled_in_data(
    session: Session, name: str, column: Any, value: str | None, *, known_as: str = "values"
) -> str | None:
    """`value` as the accounts spell it in `column` (any case), None when not given; Invalid
    listing the known ones (`known <known_as>: ...`) when no account has it."""
    if value is None:
        return None
    spelled = spelled_as_stored(session=session, column=column, value=value)
    if spelled is None:
        listed = ", ".join(known_values(session=session, column=column)) or "none"
        known = f"known {known_as}" if known_as else "known"
        raise Invalid(f"{name}: {value!r} matches no account; {known}: {listed}")
    return spelled


def check_program(session: Session, program_id: str | None) -> None:
    """Invalid naming the known programs when `program_id` names none (None: not asked)."""
    if program_id is None or program_store.program(session=session, program_id=program_id):
        return
    known = ", ".join(p.id for p in program_store.programs(session=session)) or "none defined"
    raise Invalid(f"program: no program {program_id!r}; known programs: {known}")
