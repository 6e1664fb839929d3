"""Read queries the use-cases need, keyword-only and typed: scans, scan results, the review queue.

Use-cases call these; the API and the CLI never write SQL themselves.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Row, func, or_, select, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from store.models import Account, Base, MeasurementEvent, Review, Scan, ScanResult

# (id, account_id, owner_id, ask_type, flags, trigger_at, created_at)
PendingRow = Row[str, str, str, str, list[str], datetime, datetime]


def database_answers(engine: Engine) -> bool:
    """True when the database answers `SELECT 1`."""
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except SQLAlchemyError:
        return False
    return True


# --- scans ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AccountSelection:
    """Which accounts a scan covers, in the data's own spelling; None: not narrowed by it."""

    segment: str | None = None
    industry: str | None = None
    owner_id: str | None = None
    arr_min: int | None = None
    arr_max: int | None = None
    account_ids: list[str] | None = None
    # A program scan: that program's eligible accounts and ask types (decided while gating).
    program_id: str | None = None

    def conditions(self) -> list[Any]:
        given: list[tuple[object, Any]] = [
            (self.segment, lambda: Account.segment == self.segment),
            (self.industry, lambda: Account.industry == self.industry),
            (self.owner_id, lambda: Account.owner_id == self.owner_id),
            (self.arr_min, lambda: Account.arr >= self.arr_min),
            (self.arr_max, lambda: Account.arr <= self.arr_max),
            (self.account_ids or None, lambda: Account.id.in_(self.account_ids or [])),
        ]
        return [condition() for value, condition in given if value is not None]

    @property
    def narrowed(self) -> bool:
        return bool(self.conditions())

    @property
    def needs_ids(self) -> bool:
        """Narrowed by more than a segment and ids: the scan is given the matching ids."""
        return any(
            v is not None for v in (self.industry, self.owner_id, self.arr_min, self.arr_max)
        )


def unknown_account_ids(*, session: Session, account_ids: list[str]) -> list[str]:
    """The ids in `account_ids` no account has, in the order given."""
    known: set[str] = set()
    for start in range(0, len(account_ids), 1000):
        chunk = account_ids[start : start + 1000]
        known |= set(session.scalars(select(Account.id).where(Account.id.in_(chunk))))
    return [account_id for account_id in account_ids if account_id not in known]


def selected_count(*, session: Session, selection: AccountSelection) -> int:
    """How many accounts the selection covers."""
    query = select(func.count()).select_from(Account).where(*selection.conditions())
    return int(session.scalar(query) or 0)


def recent_scans(*, session: Session, limit: int) -> list[Scan]:
    query = select(Scan).order_by(Scan.started_at.desc(), Scan.id.desc()).limit(limit)
    return list(session.scalars(query))


def latest_done_scan(*, session: Session) -> Scan | None:
    query = (
        select(Scan)
        .where(Scan.status == "done")
        .order_by(Scan.finished_at.desc(), Scan.id.desc())
        .limit(1)
    )
    return session.scalars(query).first()


def scan_results(*, session: Session, scan_id: str) -> list[ScanResult]:
    """Every account's result in a scan, by account id."""
    query = select(ScanResult).where(ScanResult.scan_id == scan_id).order_by(ScanResult.account_id)
    return list(session.scalars(query))


def review_payloads_of_scan(*, session: Session, scan_id: str) -> list[dict[str, Any]]:
    return list(session.scalars(select(Review.payload).where(Review.scan_id == scan_id)).all())


def owner_results_with_status(
    *, session: Session, scan_id: str, owner_id: str, statuses: Sequence[str]
) -> Sequence[Row[str, str, str, list[str]]]:
    """(account id, name, status, reasons) of an owner's accounts in these statuses."""
    query = (
        select(ScanResult.account_id, Account.name, ScanResult.status, ScanResult.reasons)
        .join(Account, Account.id == ScanResult.account_id)
        .where(
            ScanResult.scan_id == scan_id,
            Account.owner_id == owner_id,
            ScanResult.status.in_(statuses),
        )
        .order_by(ScanResult.status, ScanResult.account_id)
    )
    return session.execute(query).all()


# --- the review queue -----------------------------------------------------------------------------


def pending_review_rows(
    *,
    session: Session,
    owner_id: str | None,
    after: tuple[datetime, str] | None,
    limit: int,
) -> Sequence[PendingRow]:
    """A page of pending reviews, oldest trigger first, after (trigger_at, id)."""
    columns = (
        Review.id,
        Review.account_id,
        Review.owner_id,
        Review.ask_type,
        Review.flags,
        Review.trigger_at,
        Review.created_at,
    )
    query = select(*columns).where(Review.status == "pending")
    if owner_id is not None:
        query = query.where(Review.owner_id == owner_id)
    if after is not None:
        at, last = after
        query = query.where(
            (Review.trigger_at > at) | ((Review.trigger_at == at) & (Review.id > last))
        )
    return session.execute(query.order_by(Review.trigger_at, Review.id).limit(limit)).all()


# --- measurement events ---------------------------------------------------------------------------


def _event_filters(
    since: datetime | None, until: datetime | None, owner_id: str | None
) -> list[ColumnElement[bool]]:
    """Period [since, until) on the event time; an owner's events, by owner or by account."""
    where: list[ColumnElement[bool]] = []
    if since is not None:
        where.append(MeasurementEvent.occurred_at >= since)
    if until is not None:
        where.append(MeasurementEvent.occurred_at < until)
    if owner_id is not None:
        owned = select(Account.id).where(Account.owner_id == owner_id)
        where.append(
            or_(MeasurementEvent.owner_id == owner_id, MeasurementEvent.account_id.in_(owned))
        )
    return where


def event_counts(
    *, session: Session, since: datetime | None, until: datetime | None, owner_id: str | None
) -> dict[str, int]:
    """Recorded events per kind, in the period and for the owner when given."""
    where = _event_filters(since, until, owner_id)
    query = select(MeasurementEvent.kind, func.count()).where(*where)
    rows = session.execute(query.group_by(MeasurementEvent.kind))
    return {str(kind): int(count) for kind, count in rows.all()}


def event_data(
    *,
    session: Session,
    kind: str,
    since: datetime | None,
    until: datetime | None,
    owner_id: str | None,
) -> list[dict[str, Any]]:
    """The `data` of every event of one kind, in the period and for the owner when given."""
    where = _event_filters(since, until, owner_id)
    query = select(MeasurementEvent.data).where(MeasurementEvent.kind == kind, *where)
    return list(session.scalars(query))


# --- bundle rows ----------------------------------------------------------------------------------


def account_of_row(*, session: Session, key: str, row_id: str) -> str | None:
    """The account a stored row of bundle key `key` belongs to; None when the id is new."""
    table = Base.metadata.tables[key]
    return session.scalar(select(table.c.account_id).where(table.c.id == row_id))
