"""Saved candidate lists: a name and the filters, nothing else (the rows are re-read)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from store.models import CandidateList


def add_list(
    session: Session, *, list_id: str, name: str, filters: dict[str, Any], by: str, now: datetime
) -> CandidateList:
    saved = CandidateList(
        id=list_id, name=name, filters=filters, created_by=by, created_at=now, updated_at=now
    )
    session.add(saved)
    return saved


def list_named(session: Session, name: str) -> CandidateList | None:
    """The list of this name, whatever its case (names are unique that way too)."""
    query = select(CandidateList).where(func.lower(CandidateList.name) == name.lower())
    return session.scalars(query).first()


def all_lists(session: Session) -> list[CandidateList]:
    return list(session.scalars(select(CandidateList).order_by(CandidateList.name)))


def remove_list(session: Session, list_id: str) -> bool:
    return bool(session.execute(delete(CandidateList).where(CandidateList.id == list_id)).rowcount)  # type: ignore[attr-defined]
