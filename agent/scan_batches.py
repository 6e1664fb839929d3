"""A scan as batch jobs: plan it into batches, then run each batch (gate, store, draft) once.

These are the task functions. On PostgreSQL, procrastinate workers run them (agent/queue.py:
one job plans the scan and enqueues a job per batch in the same transaction); on SQLite, and for
`advocacy scan`, `run_in_process` runs the same functions one after the other in this process.

A batch may run twice: its worker was killed and the queue gave the job to another. Each step is
conditional, so what the first run finished is kept and nothing is written twice: the gate
results are stored once (`mark_gated`), reviews are opened under their scan-keyed ids, at most
one open per account, and a draft the dead worker left unfinished is discarded and drafted again.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from langgraph.runtime import Runtime
from sqlalchemy import select
from sqlalchemy.orm import Session

from agent.bootstrap import Services
from agent.deps import Deps
from agent.records import record_events
from agent.scan import (
    Progress,
    ScanDeps,
    ScanState,
    _gate_batch,
    _result_row,
    no_progress,
    open_reviews,
    review_id_for,
)
from agent.usecases.recovery import recover_draft
from checkpoints.reviews import blocking_review_ids
from domain.events import gate_event
from domain.report import GateReport
from store import scan_batches as store
from store.db import transaction
from store.models import Review, Scan
from store.scans import count_accounts
from tools.batch import iter_account_id_batches

# Called inside the planning transaction with the new batches' numbers: the queue enqueues a job
# per batch on that transaction's connection, so the plan and its jobs commit together.
Enqueue = Callable[[Session, str, list[int]], None]


def plan_scan(services: Services, scan_id: str, enqueue: Enqueue | None = None) -> list[int]:
    """Split the scan's selection into batches of `scan_batch_size` accounts, once.

    Returns the batch numbers; a second call returns the first plan and enqueues nothing.
    """
    deps = services.deps
    with transaction(deps.session_factory) as session:
        scan = store.lock_scan(session, scan_id)
        if scan is None:
            raise LookupError(f"scan {scan_id} is not recorded")
        planned = store.batch_numbers(session=session, scan_id=scan_id)
        if planned:
            return planned
        filters = scan.filters or {}
        selection = {"segment": filters.get("segment"), "account_ids": filters.get("account_ids")}
        scan.total = count_accounts(session=session, **selection)
        batches = list(
            iter_account_id_batches(
                session=session, batch_size=deps.settings.scan_batch_size, **selection
            )
        )
        numbers = store.add_batches(session=session, scan_id=scan_id, batches=batches)
        if enqueue is not None and numbers:
            enqueue(session, scan_id, numbers)
        session.flush()
        store.settle_scan(session=session, scan=scan, now=deps.clock())  # no account: done
    return numbers


def run_scan_batch(
    services: Services,
    scan_id: str,
    number: int,
    *,
    runner: str | None = None,
    progress: Progress = no_progress,
) -> bool:
    """Gate the batch's accounts, store their results, draft its candidates; True when this
    batch was the scan's last. Safe to run again after a crash (see the module docstring)."""
    gated = gate_scan_batch(services, scan_id, number, runner=runner, progress=progress)
    if gated is None:
        return False
    draft_candidates(services, scan_id, gated.now, gated.candidates, progress)
    return finish_scan_batch(services, gated)


@dataclass(frozen=True)
class GatedBatch:
    """A batch whose results are stored: its candidates wait for their drafts."""

    scan_id: str
    number: int
    now: datetime
    candidates: list[str]


def gate_scan_batch(
    services: Services,
    scan_id: str,
    number: int,
    *,
    runner: str | None = None,
    progress: Progress = no_progress,
) -> GatedBatch | None:
    """The batch's gate results stored (by this run or an earlier one); None when it is done."""
    deps = services.deps
    with transaction(deps.session_factory) as session:
        scan = store.lock_scan(session, scan_id)
        if scan is None:
            raise LookupError(f"scan {scan_id} is not recorded")
        batch = store.begin_batch(session=session, scan=scan, number=number, runner=runner)
        status, account_ids = batch.status, list(batch.account_ids)
        now, total = scan.as_of, scan.total
    if status == "done":
        return None
    if status == "queued":
        candidates = _gate_and_store(deps, scan_id, number, account_ids, now)
    else:  # gated by an earlier run, which died while drafting
        candidates = _resume_drafting(services, scan_id, account_ids)
    progress("gating", _processed(deps, scan_id), total)
    return GatedBatch(scan_id=scan_id, number=number, now=now, candidates=candidates)


def finish_scan_batch(services: Services, gated: GatedBatch) -> bool:
    """The batch is done with its review counts; True when it was the scan's last."""
    deps = services.deps
    counts = review_counts(services, gated.scan_id, gated.now, gated.candidates)
    with transaction(deps.session_factory) as session:
        scan = store.lock_scan(session, gated.scan_id)
        assert scan is not None
        store.mark_done(
            session=session, scan_id=scan.id, number=gated.number, counts=counts, now=gated.now
        )
        session.flush()
        return store.settle_scan(session=session, scan=scan, now=deps.clock())


def _gate_and_store(
    deps: Deps, scan_id: str, number: int, account_ids: list[str], now: datetime
) -> list[str]:
    """Gate the batch and store its results and events with the batch marked gated, at once."""
    with deps.session_factory() as reader:
        reports = _gate_batch(reader, deps, account_ids, now)
    counts: Counter[str] = Counter(report.status for report in reports.values())
    counts["not_triggered"] += len(account_ids) - len(reports)
    with transaction(deps.session_factory) as session:
        scan = store.lock_scan(session, scan_id)
        assert scan is not None
        if store.mark_gated(session=session, scan_id=scan_id, number=number, counts=dict(counts)):
            rows = [_result_row(scan_id, a, reports.get(a)) for a in account_ids]
            store.add_batch_results(session=session, rows=rows)
            record_events(session, _gate_events(scan_id, reports, now))
            session.flush()
        store.settle_scan(session=session, scan=scan, now=deps.clock())
    return sorted(a for a, report in reports.items() if report.status == "candidate")


def _gate_events(
    scan_id: str, reports: dict[str, GateReport], now: datetime
) -> list[dict[str, Any]]:
    keyed = (
        gate_event(report, key=f"{scan_id}:{account_id}", at=now, scan_id=scan_id)
        for account_id, report in reports.items()
    )
    return [event for event in keyed if event is not None]


def _resume_drafting(services: Services, scan_id: str, account_ids: list[str]) -> list[str]:
    """The batch's stored candidates; drafts of ours left unfinished are published if they
    paused, else discarded, so they are drafted again rather than left `drafting`."""
    deps = services.deps
    with deps.session_factory() as session:
        candidates = store.stored_candidates(
            session=session, scan_id=scan_id, account_ids=account_ids
        )
        ours = [review_id_for(scan_id, a) for a in candidates]
        drafts = list(
            session.scalars(select(Review).where(Review.id.in_(ours), Review.status == "drafting"))
        )
    for review in drafts:
        recover_draft(deps, services.advocate, review, lost=True)
    return candidates


def draft_candidates(
    services: Services,
    scan_id: str,
    now: datetime,
    candidates: Sequence[str],
    progress: Progress = no_progress,
) -> None:
    """Open a review per candidate without one: the scan graph's `open_reviews`, which drafts
    `llm_concurrency` candidates at once."""
    state: ScanState = {"scan_id": scan_id, "now": now.isoformat(), "candidates": list(candidates)}
    context = ScanDeps(deps=services.deps, advocate=services.advocate, progress=progress)
    open_reviews(state, Runtime(context=context))


def review_counts(
    services: Services, scan_id: str, now: datetime, candidates: Sequence[str]
) -> dict[str, int]:
    """Candidates with a review this scan opened, and with one opened before; read back, so
    that a batch run twice counts the first run's reviews as opened by the scan."""
    with services.deps.session_factory() as session:
        held = blocking_review_ids(session=session, account_ids=list(candidates), now=now)
    opened = sum(1 for a, rid in held.items() if rid == review_id_for(scan_id, a))
    return {"reviews_opened": opened, "reviews_already_open": len(held) - opened}


def _processed(deps: Deps, scan_id: str) -> int:
    with deps.session_factory() as session:
        scan = session.get(Scan, scan_id)
        return scan.processed if scan is not None else 0


def run_in_process(
    services: Services, scan_id: str, *, runner: str | None, progress: Progress = no_progress
) -> None:
    """The runner without a queue (SQLite, `advocacy scan`): plan, gate every batch, then draft
    all their candidates at once (one pool, no tail per batch), then finish the batches."""
    gated = [
        gate_scan_batch(services, scan_id, number, runner=runner, progress=progress)
        for number in plan_scan(services, scan_id)
    ]
    batches = [batch for batch in gated if batch is not None]
    if not batches:
        return
    candidates = [account_id for batch in batches for account_id in batch.candidates]
    draft_candidates(services, scan_id, batches[0].now, candidates, progress)
    for batch in batches:
        finish_scan_batch(services, batch)


def fail_scan(services: Services, scan_id: str, error: BaseException) -> None:
    deps = services.deps
    with transaction(deps.session_factory) as session:
        store.fail_scan(
            session=session,
            scan_id=scan_id,
            error=f"{type(error).__name__}: {error}",
            now=deps.clock(),
        )
