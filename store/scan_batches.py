"""A scan's batches: planned once, each gated then drafted once, the scan settled from their sum
(counts, progress, phase, drafting progress), and finished once, by the batch that ends last.

Every step is a conditional write, so a batch run twice (a worker died with it and the queue ran
it again) changes nothing the first run finished. The scan row is locked while a batch settles:
two batches finishing at once cannot both think the other is still running.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from store.batch_models import ScanBatch
from store.candidate_list import mark_latest
from store.models import Scan, ScanResult

GATE_STATUSES = ("not_triggered", "held", "stopped", "candidate")
# A finished scan always has these, 0 when it had no candidate.
REVIEW_COUNTS = ("reviews_opened", "reviews_already_open", "reviews_not_opened")


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
        scan.phase = "gating"
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
    """The scan's progress, counts and phase from its batches; done when they all are.

    Call with the scan locked (`lock_scan`) in the transaction that moved a batch on. True when
    this call finished the scan: it then becomes the latest result of the accounts it covered
    (`mark_latest`), once.
    """
    batches = session.execute(
        select(ScanBatch.status, ScanBatch.counts).where(ScanBatch.scan_id == scan.id)
    ).all()
    counts: Counter[str] = Counter()
    for _, batch_counts in batches:
        counts.update({key: int(value) for key, value in (batch_counts or {}).items()})
    scan.counts = dict(counts)
    scan.processed = sum(counts.get(status, 0) for status in GATE_STATUSES)
    statuses = {status for status, _ in batches}
    if scan.status in ("done", "failed") or statuses - {"done"}:
        if scan.status == "running":
            scan.phase = "gating" if "queued" in statuses else "drafting"
        return False
    scan.counts = dict.fromkeys(REVIEW_COUNTS, 0) | scan.counts
    scan.status = "done"
    scan.phase = "done"
    scan.finished_at = now
    session.flush()
    mark_latest(session=session, scan_id=scan.id)
    return True


def set_drafting(
    *, session: Session, scan: Scan, number: int, to_draft: int | None = None, drafted: int
) -> None:
    """A batch's drafting progress, and the scan's: the sum of its batches'.

    Call with the scan locked (`lock_scan`): two batches publishing at once add up."""
    values: dict[str, int] = {"drafted": drafted}
    if to_draft is not None:
        values["to_draft"] = to_draft
    session.execute(
        update(ScanBatch)
        .where(ScanBatch.scan_id == scan.id, ScanBatch.number == number)
        .values(**values)
    )
    sums = session.execute(
        select(func.sum(ScanBatch.to_draft), func.sum(ScanBatch.drafted)).where(
            ScanBatch.scan_id == scan.id
        )
    ).one()
    scan.to_draft, scan.drafted = int(sums[0] or 0), int(sums[1] or 0)


def fail_scan(*, session: Session, scan_id: str, error: str, now: datetime) -> None:
    """A batch gave up: the scan is failed with the error (its other batches still finish)."""
    session.execute(
        update(Scan)
        .where(Scan.id == scan_id, Scan.status.in_(("queued", "running")))
        .values(status="failed", error=error[:2000], finished_at=now)
    )


def stored_candidates(*, session: Session, scan_id: str, account_ids: Sequence[str]) -> list[str]:
    """The batch's accounts an earlier run of it stored as candidates."""
    query = select(ScanResult.account_id).where(
        ScanResult.scan_id == scan_id,
        ScanResult.account_id.in_(account_ids),
        ScanResult.status == "candidate",
    )
    return sorted(session.scalars(query))
