"""A scan's rows: its record, the count it covers, its per-account results and progress."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from store.models import Account, Scan, ScanResult


def add_queued_scan(
    session: Session,
    *,
    scan_id: str,
    now: datetime,
    started_at: datetime,
    segment: str | None = None,
    account_ids: list[str] | None = None,
    runner: str | None = None,
    program_id: str | None = None,
) -> Scan:
    """Record a scan before it runs, so its id can be handed out (and polled) at once."""
    scan = Scan(
        id=scan_id,
        status="queued",
        as_of=now,
        started_at=started_at,
        filters={"segment": segment, "account_ids": account_ids, "program": program_id},
        runner=runner,
    )
    session.add(scan)
    return scan


def count_accounts(*, session: Session, segment: str | None, account_ids: list[str] | None) -> int:
    """How many accounts a scan of this segment and these ids covers."""
    query = select(func.count(Account.id))
    if segment:
        query = query.where(Account.segment == segment)
    if account_ids:
        query = query.where(Account.id.in_(account_ids))
    return session.scalar(query) or 0


def add_results(
    *,
    session: Session,
    scan_id: str,
    rows: Sequence[dict[str, Any]],
    processed: int,
    counts: dict[str, int],
) -> None:
    """A batch's results, and the scan's progress after it."""
    session.execute(insert(ScanResult), list(rows))
    session.execute(
        update(Scan).where(Scan.id == scan_id).values(processed=processed, counts=counts)
    )


def link_reviews(*, session: Session, scan_id: str, review_ids: dict[str, str]) -> None:
    """Point each account's result at the review it has (account id -> review id)."""
    for account_id, review_id in review_ids.items():
        session.execute(
            update(ScanResult)
            .where(ScanResult.scan_id == scan_id, ScanResult.account_id == account_id)
            .values(review_id=review_id)
        )


def unfinished_scans(*, session: Session) -> list[Scan]:
    """Scans queued or running: live ones, and ones whose process died."""
    return list(session.scalars(select(Scan).where(Scan.status.in_(("queued", "running")))))
