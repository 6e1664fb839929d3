"""A scan as batch tasks: plan it into batches, then gate, draft and finish each batch once.

These are the task functions; only the runner differs. On PostgreSQL, procrastinate workers run
them (agent/queue.py): one job plans the scan and enqueues a job per batch in the same
transaction, and each batch job is `run_scan_batch`. In-process (SQLite, `advocacy scan`, the
API without a queue) the scan graph (agent/scan.py) plans the scan and runs `run_batches`: the
same `gate_scan_batch`, `Drafting` and `finish_scan_batch`, with gating batch N+1 overlapping
the drafting of batch N on one pool.

A batch may run twice: its worker was killed and the queue gave the job to another. Each step is
conditional, so what the first run finished is kept and nothing is written twice: the gate
results and events are stored once (`mark_gated`, in the same transaction), reviews are opened
under their scan-keyed ids, at most one open per account, a draft the dead worker left
unfinished is published if it paused, else discarded and drafted again, and the review counts
are read back from the reviews. The scan's counts and progress are the sum of its batches; the
batch that finishes last finishes the scan (and makes it the accounts' latest result).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Container, Generator, Iterable
from contextlib import closing
from dataclasses import dataclass, field
from datetime import datetime
from itertools import chain

from sqlalchemy import select
from sqlalchemy.orm import Session

from agent.deps import Deps
from agent.scan_context import ScanDeps
from agent.scan_drafting import Drafting, DraftingBatch, Prepared, drafting, review_id_for
from agent.scan_gating import (
    Base,
    GatedBatch,
    base_of,
    gate_accounts,
    gate_for_helper,
    gated_again_estimate,
    gated_with,
    store_gated,
)
from agent.scan_helper import gating_helper, wants_helper
from agent.usecases.recovery import recover_draft
from store import scan_batches as store
from store.db import transaction
from store.models import Review, Scan
from store.queries import AccountSelection, selected_count
from store.scan_reuse import base_scan
from tools.batch import gc_paused, iter_account_id_batches

# The most accounts a re-scan's batch holds (the largest `scan_batch_size`): its reused
# accounts' ids travel in bound values and their results are copied in the database.
PACKED_MAX = 20_000

# Called inside the planning transaction with the new batches' numbers: the queue enqueues a job
# per batch on that transaction's connection, so the plan and its jobs commit together.
Enqueue = Callable[[Session, str, list[int]], None]


def plan_scan(deps: Deps, scan_id: str, enqueue: Enqueue | None = None) -> list[int]:
    """Split the scan's selection into batches of `scan_batch_size` accounts, and choose the
    scan whose unchanged results it reuses, once.

    Returns the batch numbers; a second call returns the first plan and enqueues nothing.
    """
    with transaction(deps.session_factory) as session:
        scan = store.lock_scan(session, scan_id)
        if scan is None:
            raise LookupError(f"scan {scan_id} is not recorded")
        planned = store.batch_numbers(session=session, scan_id=scan_id)
        if planned:
            return planned
        filters = scan.filters or {}
        selection = {"segment": filters.get("segment"), "account_ids": filters.get("account_ids")}
        scan.total = selected_count(session=session, selection=AccountSelection(**selection))
        scan.gated_with = gated_with(deps.settings)
        # A program scan reads capacity that other accounts' asks use up: nothing to reuse there.
        size = deps.settings.scan_batch_size
        batches = list(iter_account_id_batches(session=session, batch_size=size, **selection))
        if deps.settings.scan_incremental and not filters.get("program"):
            found = base_scan(session=session, now=scan.as_of, gated_with=scan.gated_with)
            scan.base_scan_id = found[0] if found else None
            again = gated_again_estimate(session, Base(*found), scan.as_of) if found else None
            if again is not None:
                batches = packed(batches, gated_again=again, size=size)
        numbers = store.add_batches(session=session, scan_id=scan_id, batches=batches)
        if enqueue is not None and numbers:
            enqueue(session, scan_id, numbers)
        session.flush()
        store.settle_scan(session=session, scan=scan, now=deps.clock())  # no account: done
    return numbers


def packed(
    batches: list[list[str]], *, gated_again: Container[str], size: int, most: int = PACKED_MAX
) -> list[list[str]]:
    """The same accounts in the same order, cut so that each batch holds at most `size` of
    those a re-scan likely gates again (`gated_again`) and at most `most` in all. A reused
    account costs a share of one INSERT ... SELECT, a gated one its evidence and rules: a
    re-scan of 100k accounts with 1% changed took 100 batches of ~40 ms of statements each,
    for ten accounts to gate in each. Each batch decides again which accounts it reuses; this
    only sizes them."""
    cut: list[list[str]] = []
    current: list[str] = []
    fresh = 0
    for account_id in chain.from_iterable(batches):
        is_fresh = account_id in gated_again
        if current and (len(current) == most or (is_fresh and fresh == size)):
            cut.append(current)
            current, fresh = [], 0
        current.append(account_id)
        fresh += is_fresh
    if current:
        cut.append(current)
    return cut


@dataclass
class BatchWork:
    """A batch whose results are stored: its candidates, to draft; `prepared`: the evidence and
    report of those gated by this run (a resumed batch's threads read theirs)."""

    scan_id: str
    number: int
    now: datetime
    candidates: list[str]
    prepared: Prepared = field(default_factory=dict)
    # Issue 12: the program a program scan targets, and the programs each candidate fits.
    program_id: str | None = None
    programs: dict[str, list[str]] = field(default_factory=dict)


def gate_scan_batch(
    context: ScanDeps,
    scan_id: str,
    number: int,
    *,
    runner: str | None = None,
    gated: GatedBatch | None = None,
) -> BatchWork | None:
    """The batch's gate results stored (by this run or an earlier one); None when it is done.

    `gated`: the batch as a gating helper gated it (agent/scan_helper.py), stored as it is."""
    deps = context.deps
    with transaction(deps.session_factory) as session:
        scan = store.lock_scan(session, scan_id)
        if scan is None:
            raise LookupError(f"scan {scan_id} is not recorded")
        batch = store.begin_batch(session=session, scan=scan, number=number, runner=runner)
        status, account_ids = batch.status, list(batch.account_ids)
        now, total, base = scan.as_of, scan.total, base_of(session, scan)
        program_id = (scan.filters or {}).get("program")
    if status == "done":
        return None
    if status == "queued":
        # No collection until the batch's objects are freed: they are acyclic, and a collection
        # run while they live (after the read, while building rows and storing) traverses them
        # all and frees nothing.
        with gc_paused():
            if gated is None:
                gated = gate_accounts(deps, scan_id, account_ids, now, base, program_id)
            work = _store(deps, scan_id, number, gated, now, base, program_id)
    else:  # gated by an earlier run, which died while drafting
        resumed = _resume_drafting(context, scan_id, account_ids)
        work = BatchWork(scan_id, number, now, resumed, program_id=program_id)
    context.progress("gating", _processed(deps, scan_id), total)
    return work


def gated_batches(
    context: ScanDeps, scan_id: str, numbers: Iterable[int], *, runner: str | None = None
) -> Generator[BatchWork, None, None]:
    """`gate_scan_batch` of each batch in turn, the ones not done yet; a big SQLite scan has a
    helper process gate part of them meanwhile (agent/scan_helper.py)."""
    deps, numbers = context.deps, list(numbers)
    with deps.session_factory() as session:
        scan = session.get_one(Scan, scan_id)
        accounts, reuses = scan.total, scan.base_scan_id is not None
        program = bool((scan.filters or {}).get("program"))
    # A program scan's batches carry the programs each candidate fits to drafting; a helper's
    # batch would not.
    wanted = not program and wants_helper(
        deps.settings, accounts=accounts, batches=len(numbers), reuses=reuses
    )
    with gating_helper(deps.settings, scan_id, numbers, gate_for_helper, wanted=wanted) as helper:
        for number in numbers:
            gated = helper.ready(number) if helper is not None else None
            work = gate_scan_batch(context, scan_id, number, runner=runner, gated=gated)
            if work is not None:
                yield work


def _store(
    deps: Deps,
    scan_id: str,
    number: int,
    gated: GatedBatch,
    now: datetime,
    base: Base | None,
    program_id: str | None,
) -> BatchWork:
    """Store the batch's results and events with the batch marked gated, at once (a concurrent
    run of the same batch that stored first wins; this one stores nothing)."""
    with transaction(deps.session_factory) as session:
        scan = store.lock_scan(session, scan_id)
        assert scan is not None
        counts = dict(gated.counts)
        if store.mark_gated(session=session, scan_id=scan_id, number=number, counts=counts):
            store_gated(session=session, scan_id=scan_id, gated=gated, base=base, now=now)
            session.flush()
        store.settle_scan(session=session, scan=scan, now=deps.clock())
    return BatchWork(
        scan_id, number, now, gated.all_candidates, gated.candidates, program_id, gated.programs
    )


def _resume_drafting(context: ScanDeps, scan_id: str, account_ids: list[str]) -> list[str]:
    """The batch's stored candidates; drafts of ours left unfinished are published if they
    paused, else discarded, so they are drafted again rather than left `drafting`."""
    deps = context.deps
    with deps.session_factory() as session:
        candidates = store.stored_candidates(
            session=session, scan_id=scan_id, account_ids=account_ids
        )
        ours = [review_id_for(scan_id, a) for a in candidates]
        drafts = list(
            session.scalars(select(Review).where(Review.id.in_(ours), Review.status == "drafting"))
        )
    for review in drafts:
        recover_draft(deps, context.advocate, review, lost=True)
    return candidates


def _submit(pool: Drafting, work: BatchWork) -> DraftingBatch:
    return pool.submit(
        work.number, work.candidates, work.prepared, (work.program_id, work.programs)
    )


def finish_scan_batch(deps: Deps, work: BatchWork, counts: Counter[str]) -> bool:
    """The batch is done with its review counts; True when it was the scan's last."""
    with transaction(deps.session_factory) as session:
        scan = store.lock_scan(session, work.scan_id)
        assert scan is not None
        store.mark_done(
            session=session, scan_id=scan.id, number=work.number, counts=dict(counts), now=work.now
        )
        session.flush()
        return store.settle_scan(session=session, scan=scan, now=deps.clock())


def run_scan_batch(
    context: ScanDeps, scan_id: str, number: int, *, runner: str | None = None
) -> bool:
    """One batch job: gate the batch's accounts and store their results, draft its candidates,
    finish it; True when this batch was the scan's last. Safe to run again after a crash."""
    work = gate_scan_batch(context, scan_id, number, runner=runner)
    if work is None:
        return False
    with drafting(context, scan_id=scan_id, now=work.now) as pool:
        counts = pool.finish(_submit(pool, work))
    return finish_scan_batch(context.deps, work, counts)


def run_batches(
    context: ScanDeps, scan_id: str, numbers: Iterable[int], *, runner: str | None = None
) -> None:
    """Every batch in this process, gating batch N+1 while batch N drafts on one pool: the pool
    never runs dry between batches, and at most two batches of candidates are held in memory."""
    deps = context.deps
    with deps.session_factory() as session:
        scan = session.get_one(Scan, scan_id)
        now, accounts = scan.as_of, scan.total
    works = gated_batches(context, scan_id, numbers, runner=runner)
    with drafting(context, scan_id=scan_id, now=now, accounts=accounts) as pool, closing(works):
        previous: tuple[BatchWork, DraftingBatch] | None = None
        for work in works:
            current = (work, _submit(pool, work))
            if previous is not None:
                finish_scan_batch(deps, previous[0], pool.finish(previous[1]))
            previous = current
        if previous is not None:
            finish_scan_batch(deps, previous[0], pool.finish(previous[1]))


def _processed(deps: Deps, scan_id: str) -> int:
    with deps.session_factory() as session:
        scan = session.get(Scan, scan_id)
        return scan.processed if scan is not None else 0


def fail_scan(deps: Deps, scan_id: str, error: BaseException) -> None:
    """The scan failed with `error` (a batch gave up, or the in-process run raised)."""
    with transaction(deps.session_factory) as session:
        store.fail_scan(
            session=session,
            scan_id=scan_id,
            error=f"{type(error).__name__}: {error}",
            now=deps.clock(),
        )
