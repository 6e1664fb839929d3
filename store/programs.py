"""Programs, the rewards ledger and pilots (issue 12): their rows, read and written."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from domain.programs import Program as ProgramSpec
from store.models import Ask, MeasurementEvent, Pilot, Program, Reward
from store.writes import insert_new


def programs(*, session: Session) -> list[ProgramSpec]:
    """Every program, by id, as the domain reads it."""
    rows = session.scalars(select(Program).order_by(Program.id))
    return [ProgramSpec.model_validate(row.spec) for row in rows]


def program(*, session: Session, program_id: str) -> ProgramSpec | None:
    row = session.get(Program, program_id)
    return None if row is None else ProgramSpec.model_validate(row.spec)


def lock_programs(*, session: Session, program_ids: Sequence[str]) -> None:
    """Hold these programs' rows until the transaction ends (PostgreSQL `FOR UPDATE`, in id
    order, so two approvals never deadlock): approvals counting against one program take
    turns, and each counts the asks the one before it committed. SQLite has one writer at a
    time already (store/db.py)."""
    ids = sorted(set(program_ids))
    if ids:
        query = select(Program.id).where(Program.id.in_(ids)).order_by(Program.id)
        session.execute(query.with_for_update()).all()


def replace_programs(
    *, session: Session, specs: Sequence[ProgramSpec], by: str, at: datetime
) -> None:
    """The programs become exactly `specs` (those not named are removed)."""
    session.execute(delete(Program))
    for spec in specs:
        session.add(
            Program(
                id=spec.id,
                name=spec.name,
                spec=spec.model_dump(mode="json"),
                updated_at=at,
                updated_by=by,
            )
        )


# --- the rewards ledger --------------------------------------------------------------------


def add_reward(*, session: Session, row: dict[str, Any]) -> bool:
    """Insert a ledger row unless its id exists (replays write nothing); True when written."""
    return insert_new(session, Reward, row)


def rewards(
    *,
    session: Session,
    contact_id: str | None = None,
    account_ids: Sequence[str] | None = None,
    review_id: str | None = None,
) -> list[Reward]:
    """Ledger rows, newest first; filtered by contact, accounts or review."""
    query = select(Reward).order_by(Reward.created_at.desc(), Reward.id)
    if contact_id is not None:
        query = query.where(Reward.contact_id == contact_id)
    if account_ids is not None:
        query = query.where(Reward.account_id.in_(account_ids))
    if review_id is not None:
        query = query.where(Reward.review_id == review_id)
    return list(session.scalars(query))


def move_reward(
    *, session: Session, reward_id: str, before: str, after: str, values: dict[str, Any]
) -> bool:
    """One conditional UPDATE `before -> after`: True when this call moved it (once only)."""
    statement = (
        update(Reward)
        .where(Reward.id == reward_id, Reward.status == before)
        .values(status=after, **values)
        .execution_options(synchronize_session=False)
    )
    return bool(session.execute(statement).rowcount)  # type: ignore[attr-defined]


# --- pilots --------------------------------------------------------------------------------


def add_pilot(*, session: Session, row: dict[str, Any]) -> Pilot:
    pilot = Pilot(**row)
    session.add(pilot)
    return pilot


def pilot(*, session: Session, pilot_id: str | None) -> Pilot | None:
    """The pilot with this id, or the latest one started when `pilot_id` is None."""
    if pilot_id is not None:
        return session.get(Pilot, pilot_id)
    query = select(Pilot).order_by(Pilot.started_at.desc(), Pilot.id.desc()).limit(1)
    return session.scalars(query).first()


def pilots(*, session: Session) -> list[Pilot]:
    return list(session.scalars(select(Pilot).order_by(Pilot.started_at.desc(), Pilot.id)))


def approved_ask_events(
    *, session: Session, since: datetime | None = None, until: datetime | None = None
) -> list[Any]:
    """Every `ask_approved` event in the period: data, occurred_at, account_id, review_id and
    the ask's outcome now."""
    e = MeasurementEvent
    query = (
        select(e.data, e.occurred_at, e.account_id, e.review_id, Ask.outcome)
        .outerjoin(Ask, Ask.review_id == e.review_id)
        .where(e.kind == "ask_approved")
    )
    if since is not None:
        query = query.where(e.occurred_at >= since)
    if until is not None:
        query = query.where(e.occurred_at < until)
    return list(session.execute(query).all())
