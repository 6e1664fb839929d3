"""A scan's rows: its record, the count it covers, its per-account results and progress."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, case, insert, select, update
from sqlalchemy.orm import Session

from store.models import Scan, ScanResult

# Two bound parameters per account in link_reviews' CASE, one in its IN list.
LINK_CHUNK = 500
RESULTS = cast(Table, ScanResult.__table__)


def add_queued_scan(
    session: Session,
    *,
    scan_id: str,
    now: datetime,
    started_at: datetime,
    segment: str | None = None,
    account_ids: list[str] | None = None,
    runner: str | None = None,
    selection: dict[str, Any] | None = None,
    program_id: str | None = None,
) -> Scan:
    """Record a scan before it runs, so its id can be handed out (and polled) at once.

    `selection`: what else was asked (industry, owner, ARR, limit), shown with the scan.
    """
    scan = Scan(
        id=scan_id,
        status="queued",
        as_of=now,
        started_at=started_at,
        filters={
            "segment": segment,
            "account_ids": account_ids,
            "program": program_id,
            **(selection or {}),
        },
        runner=runner,
    )
    session.add(scan)
    return scan


def add_results(*, session: Session, rows: Sequence[dict[str, Any]]) -> None:
    """A batch's results (the scan's progress is the sum of its batches: store/scan_batches.py).

    Into the Table, not the ORM class: the ORM's bulk path splits the rows into one statement
    per run of rows with the same keys (27,307 statements for 100k results), the Table takes
    one executemany."""
    if rows:
        session.execute(insert(RESULTS), list(rows))


def link_reviews(*, session: Session, scan_id: str, review_ids: dict[str, str]) -> None:
    """Point each account's result at the review it has (account id -> review id): one UPDATE
    per 500 accounts, not one per review."""
    c = RESULTS.c
    pairs = sorted(review_ids.items())
    for start in range(0, len(pairs), LINK_CHUNK):
        chunk = dict(pairs[start : start + LINK_CHUNK])
        session.execute(
            update(RESULTS)
            .where(c.scan_id == scan_id, c.account_id.in_(list(chunk)))
            .values(review_id=case(chunk, value=c.account_id))
        )


def unfinished_scans(*, session: Session) -> list[Scan]:
    """Scans queued or running: live ones, and ones whose process died."""
    return list(session.scalars(select(Scan).where(Scan.status.in_(("queued", "running")))))
