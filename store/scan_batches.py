"""A scan's batches: planned once, each gated then drafted once, the scan settled from their sum.

Every step is a conditional write, so a batch run twice (a worker died with it and the queue ran
it again) changes nothing the first run finished. The scan row is locked while a batch settles:
two batches finishing at once cannot both think the other is still running.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from store.models import Scan, ScanBatch, ScanResult

GATE_STATUSES = ("not_triggered", "held", "stopped", "candidate")


def add_batches(*, session: Session, scan_id: str, batches: Sequence[list[str]]) -> list[int]:
    """Record the scan's batches (numbered from 0), all queued; their numbers."""
    rows = [
        {
            "scan_id": scan_id,
            "number": number,
            "account_ids": ids,
            "status": "queued",
            "counts": {},
            "attempts": 0,
        }
        for number, ids in enumerate(batches)
    ]
    if rows:
        session.execute(insert(ScanBatch), rows)
    return list(range(len(rows)))


def batch_numbers(*, session: Session, scan_id: str) -> list[int]:
    """The numbers of the scan's batches, if it was planned already."""
    query = select(ScanBatch.number).where(ScanBatch.scan_id == scan_id)
    return list(session.scalars(query.order_by(ScanBatch.number)))


def lock_scan(session: Session, scan_id: str) -> Scan | None:
    """The scan row, locked until the transaction ends (PostgreSQL; SQLite has one writer)."""
    return session.scalars(select(Scan).where(Scan.id == scan_id).with_for_update()).first()


def begin_batch(*, session: Session, scan: Scan, number: int, runner: str | None) -> ScanBatch:
    """Count a run of the batch and mark its scan running (the first batch to start does).

    Call with the scan locked (`lock_scan`): scan first, then batch, in every transaction.
    """
    if scan.status == "queued":
        scan.status = "running"
        scan.runner = runner
    batch = session.get_one(ScanBatch, (scan.id, number), with_for_update=True)
    batch.attempts += 1
    return batch


def mark_gated(*, session: Session, scan_id: str, number: int, counts: dict[str, int]) -> bool:
    """The batch's gate results were stored: False when an earlier run had stored them."""
    done = session.execute(
        update(ScanBatch)
        .where(
            ScanBatch.scan_id == scan_id,
            ScanBatch.number == number,
            ScanBatch.status == "queued",
        )
        .values(status="gated", counts=counts)
        .returning(ScanBatch.number)
    )
    return done.first() is not None


def mark_done(
    *, session: Session, scan_id: str, number: int, counts: dict[str, int], now: datetime
) -> None:
    """The batch's candidates were drafted: its counts gain the review counts."""
    batch = session.get_one(ScanBatch, (scan_id, number))
    if batch.status != "done":
        batch.status = "done"
        batch.counts = {**batch.counts, **counts}
        batch.finished_at = now


def settle_scan(*, session: Session, scan: Scan, now: datetime) -> bool:
    """The scan's progress and counts as the sum of its batches; done when they all are.

    Call with the scan locked (`lock_scan`) in the transaction that moved a batch on. True when
    this call finished the scan.
    """
    batches = session.execute(
        select(ScanBatch.status, ScanBatch.counts).where(ScanBatch.scan_id == scan.id)
    ).all()
    counts: Counter[str] = Counter()
    for _, batch_counts in batches:
        counts.update({key: int(value) for key, value in (batch_counts or {}).items()})
    scan.counts = dict(counts)
    scan.processed = sum(counts.get(status, 0) for status in GATE_STATUSES)
    if scan.status in ("done", "failed") or any(status != "done" for status, _ in batches):
        return False
    scan.status = "done"
    scan.finished_at = now
    return True


def fail_scan(*, session: Session, scan_id: str, error: str, now: datetime) -> None:
    """A batch gave up: the scan is failed with the error (its other batches still finish)."""
    session.execute(
        update(Scan)
        .where(Scan.id == scan_id, Scan.status.in_(("queued", "running")))
        .values(status="failed", error=error[:2000], finished_at=now)
    )


def add_batch_results(*, session: Session, rows: Sequence[dict[str, Any]]) -> None:
    """A batch's per-account results (the scan's progress is settled from the batches)."""
    if rows:
        session.execute(insert(ScanResult), list(rows))


def stored_candidates(*, session: Session, scan_id: str, account_ids: Sequence[str]) -> list[str]:
    """The batch's accounts an earlier run of it stored as candidates."""
    query = select(ScanResult.account_id).where(
        ScanResult.scan_id == scan_id,
        ScanResult.account_id.in_(account_ids),
        ScanResult.status == "candidate",
    )
    return sorted(session.scalars(query))
