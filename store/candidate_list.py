"""The candidate list for people: each scan result joined with what a campaign needs (the
account, its owner, the contact the ask would go to, the trigger, the review), filtered in SQL
and read in account-id order, a page at a time."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, String, and_, cast, func, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, aliased

from store.models import Account, Contact, LatestResult, Owner, Review, Scan, ScanResult, Signal

NO_REVIEW = "none"
# A select of the joined row, whatever its columns.
AnySelect = Select[*tuple[Any, ...]]


@dataclass(frozen=True)
class ListQuery:
    """Checked filters (values already in the data's own spelling); None: not filtered."""

    scan_id: str | None = None
    status: str | None = None
    reason: str | None = None
    ask_type: str | None = None
    eligible: str | None = None
    permission: str | None = None
    segment: str | None = None
    industry: str | None = None
    owner_id: str | None = None
    arr_min: int | None = None
    arr_max: int | None = None
    review_status: str | None = None
    trigger: str | None = None
    program: str | None = None


TriggerSignal = aliased(Signal)


def candidate_list_rows(
    *, session: Session, query: ListQuery, after_account_id: str | None, limit: int
) -> Sequence[Any]:
    """Up to `limit` rows after the cursor: (ScanResult, Account, owner name, Contact or None,
    trigger Signal or None, review status or None, review created_at or None, scan as_of)."""
    statement = _filtered(_joined(query.scan_id), query)
    if after_account_id is not None:
        statement = statement.where(ScanResult.account_id > after_account_id)
    return session.execute(statement.order_by(ScanResult.account_id).limit(limit)).all()


def _joined(scan_id: str | None) -> AnySelect:
    statement = select(
        ScanResult,
        Account,
        Owner.name,
        Contact,
        TriggerSignal,
        Review.status,
        Review.created_at,
        Scan.as_of,
    )
    if scan_id is None:
        # The latest scan that covered each account, not the latest scan overall.
        statement = statement.select_from(LatestResult).join(
            ScanResult,
            and_(
                ScanResult.account_id == LatestResult.account_id,
                ScanResult.scan_id == LatestResult.scan_id,
            ),
        )
    else:
        statement = statement.select_from(ScanResult).where(ScanResult.scan_id == scan_id)
    return (
        statement.join(Scan, Scan.id == ScanResult.scan_id)
        .join(Account, Account.id == ScanResult.account_id)
        .join(Owner, Owner.id == Account.owner_id)
        .outerjoin(Contact, Contact.id == ScanResult.contact_id)
        .outerjoin(TriggerSignal, TriggerSignal.id == ScanResult.trigger_signal_id)
        .outerjoin(Review, Review.id == ScanResult.review_id)
    )


def _in_json_list(column: Any, value: str) -> Any:
    return cast(column, String).like(f'%"{value}"%')


def _filtered(statement: AnySelect, query: ListQuery) -> AnySelect:
    conditions: list[tuple[object, Callable[[Any], Any]]] = [
        (query.status, lambda v: ScanResult.status == v),
        (query.reason, lambda v: _in_json_list(ScanResult.reasons, v)),
        (query.ask_type, lambda v: ScanResult.ask_type == v),
        (query.eligible, lambda v: _in_json_list(ScanResult.eligible_ask_types, v)),
        (query.permission, lambda v: _in_json_list(ScanResult.granted_scopes, v)),
        (query.segment, lambda v: Account.segment == v),
        (query.industry, lambda v: Account.industry == v),
        (query.owner_id, lambda v: Account.owner_id == v),
        (query.arr_min, lambda v: Account.arr >= v),
        (query.arr_max, lambda v: Account.arr <= v),
        (query.review_status, _review_status),
        (query.trigger, lambda v: TriggerSignal.kind == v),
        (query.program, lambda v: _in_json_list(ScanResult.programs, v)),
    ]
    for value, condition in conditions:
        if value is not None:
            statement = statement.where(condition(value))
    return statement


def _review_status(value: str) -> Any:
    return ScanResult.review_id.is_(None) if value == NO_REVIEW else Review.status == value


def known_values(*, session: Session, column: Any) -> list[str]:
    """Every value some account has in `column` (segment, industry), sorted."""
    values = session.scalars(select(column).where(column.is_not(None)).distinct())
    return sorted(str(value) for value in values)


def spelled_as_stored(*, session: Session, column: Any, value: str) -> str | None:
    """`value` as the accounts spell it (case-insensitive match), or None when none has it."""
    query = select(column).where(func.lower(column) == value.lower()).limit(1)
    return session.scalars(query).first()


def mark_latest(*, session: Session, scan_id: str) -> None:
    """Make this finished scan the latest result of every account it covered, unless a newer
    scan already is (a slow scan finishing last must not win). One upsert: scans finishing at
    the same moment cannot both insert an account."""
    covered = (
        select(ScanResult.account_id, ScanResult.scan_id, Scan.started_at)
        .join(Scan, Scan.id == ScanResult.scan_id)
        .where(ScanResult.scan_id == scan_id)
    )
    dialect = session.get_bind().dialect.name
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    statement = insert(LatestResult).from_select(["account_id", "scan_id", "scanned_at"], covered)
    session.execute(
        statement.on_conflict_do_update(
            index_elements=[LatestResult.account_id],
            set_={
                "scan_id": statement.excluded.scan_id,
                "scanned_at": statement.excluded.scanned_at,
            },
            where=LatestResult.scanned_at <= statement.excluded.scanned_at,
        )
    )
