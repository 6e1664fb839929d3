"""Idempotent writes that read the same on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import Any, cast

from sqlalchemy import Insert, Table, delete
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import DeclarativeBase, Session

from store.bundle import record_columns
from store.importer import upsert_statement
from store.models import Base, MeasurementEvent


def _insert(session: Session, model: type[DeclarativeBase]) -> Insert:
    table = cast(Table, model.__table__)
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


def insert_or_ignore(
    session: Session, model: type[DeclarativeBase], rows: Sequence[dict[str, Any]]
) -> None:
    """Insert rows whose primary key is new; replays of the same key write nothing."""
    if not rows:
        return
    statement = _insert(session, model)
    session.execute(statement.on_conflict_do_nothing(), list(rows))  # type: ignore[attr-defined]


def insert_new(session: Session, model: type[DeclarativeBase], row: dict[str, Any]) -> bool:
    """Insert one row unless its primary key exists; True when this call wrote it.

    Two processes inserting the same key at once: exactly one of them gets True.
    """
    statement = _insert_new_statement(model, session.get_bind().dialect.name)
    return session.execute(statement, row).first() is not None


def insert_new_rows(
    session: Session, model: type[DeclarativeBase], rows: Sequence[dict[str, Any]]
) -> set[Any]:
    """`insert_new` for many rows (with the same keys) in one multi-row statement (SQLAlchemy's
    insertmanyvalues, up to 1,000 rows a statement); the primary keys this call wrote. A scan
    opens its waiting reviews so (agent/scan_drafting.GroupOpener): one statement per review
    cost more to run through SQLAlchemy than the insert itself."""
    if not rows:
        return set()
    statement = _insert_new_statement(model, session.get_bind().dialect.name)
    return set(session.scalars(statement, list(rows)))


@cache
def _insert_new_statement(model: type[DeclarativeBase], dialect: str) -> Insert:
    """Built once per table: a statement built per row (`.values(row)`) cost more to build and
    key for the compiled cache than to run (a scan inserts a review per candidate)."""
    table = cast(Table, model.__table__)
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    key = next(iter(table.primary_key.columns))
    return insert(table).on_conflict_do_nothing().returning(key)


def upsert_bundle_rows(session: Session, key: str, records: Sequence[dict[str, Any]]) -> None:
    """Insert or update rows of one bundle key by id, as the import does (events, outcomes)."""
    statement = upsert_statement(
        table=Base.metadata.tables[key],
        columns=record_columns(key),
        dialect=session.get_bind().dialect.name,
    )
    session.execute(statement, list(records))


def forget_events(session: Session, event_ids: Sequence[str]) -> None:
    """Delete measurement events by id (a discarded draft's candidate event)."""
    session.execute(delete(MeasurementEvent).where(MeasurementEvent.id.in_(list(event_ids))))
