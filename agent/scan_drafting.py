"""Drafting a scan's candidates: each fresh candidate's advocate thread, on a shared pool.

Each candidate the batch has just gated is drafted in two steps on two pools. The writing pool
has its texts written from the evidence and the report the batch read (no second load, no
second gate run), at most `llm_concurrency` model calls at once; the recording pool then opens
its review (with the others waiting, in one transaction: `GroupOpener`) and runs its advocate
thread from there to the owner's pause, where it is checkpointed. A
thread of the writing pool never waits on the database: while the batch after is stored (our
transactions and the checkpoints take turns on one SQLite lock), every model slot stays busy.
Drafted reviews join the owners' queue in groups, with the batch's drafting progress. A big
in-process SQLite scan has its texts written in a helper process once it is ready
(agent/draft_helper.py): the writing pool then only hands candidates over to it, and the
recording pool gets them back written.
A runner that keeps the pool full across batches submits batch N+1 before waiting for batch N
(`Drafting.submit` then `Drafting.finish`), so the model never waits on our database work.

What a batch opened is read back from the reviews, not counted from this run's threads: a batch
run again after its worker died counts and links the first run's reviews as its own.
"""

from __future__ import annotations

import gc
import threading
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime

from agent.advocate_nodes import Opened, Opening, open_reviews, review_opening
from agent.deps import Deps
from agent.draft_helper import DraftHelper, HelperGone, draft_helper, wants_draft_helper
from agent.scan_context import ScanDeps
from agent.slots import WRITERS_PER_SLOT
from agent.state import AdvocateState, thread_config
from agent.texts import Texts, written_texts
from checkpoints.reviews import blocking_review_ids, publish_reviews
from domain.report import GateReport
from domain.snapshot import EvidenceSnapshot
from store import scan_batches as batches
from store.db import transaction
from store.scans import link_reviews

# Drafted reviews join the owners' queue this many at a time during a scan.
PUBLISH_BATCH = 50
# Recording threads per model call slot: they open reviews and write checkpoints, and queue on
# the database, not on the model.
RECORDERS_PER_SLOT = 1
# While drafting, the cyclic GC leaves alone what was alive when the pool started (gc.freeze) and
# collects the young generation every this many allocations (Python's default: 700): with 32
# runs in flight, a collection that frequent promoted every run's objects to the older
# generations, whose collections (up to ~0.3 s each) stalled every thread holding a model answer.
YOUNG_OBJECTS = 10_000

Prepared = dict[str, tuple[EvidenceSnapshot, GateReport]]


def review_id_for(scan_id: str, account_id: str) -> str:
    return f"rv-{scan_id.removeprefix('sc-')}-{account_id}"


class GroupOpener:
    """Candidates' reviews opened in groups: one transaction for every review waiting.

    A recording thread queues its review, then takes its turn; the thread whose turn it is
    waits for the database, then opens everything queued by then, its own and the others', in
    one transaction (a group commit). Under load the recording threads queue on the database,
    so a transaction opens many reviews; when they do not, a group is one review, as
    `open_review` opens it. A failed transaction fails every review of its group.
    """

    def __init__(self, deps: Deps) -> None:
        self._deps = deps
        self._turn = threading.Lock()
        self._queued: list[tuple[Opening, Future[Opened]]] = []
        self._queue_lock = threading.Lock()

    def open(self, opening: Opening) -> Opened:
        """How the review was opened (`open_reviews`), once it is."""
        opened: Future[Opened] = Future()
        with self._queue_lock:
            self._queued.append((opening, opened))
        with self._turn:
            if not opened.done():
                self._open_queued()
        return opened.result()

    def _open_queued(self) -> None:
        group: list[tuple[Opening, Future[Opened]]] = []
        try:
            with transaction(self._deps.session_factory) as session:
                # Taken once the database is ours: every review queued while we waited joins.
                with self._queue_lock:
                    group, self._queued = self._queued, []
                results = open_reviews(session, [opening for opening, _ in group])
        except BaseException as error:
            if not group:  # failed before it took the queue: the queue fails with it
                with self._queue_lock:
                    group, self._queued = self._queued, []
            for _, opened in group:
                opened.set_exception(error)
            return
        for opening, opened in group:
            opened.set_result(results[opening.review_id])


@dataclass
class DraftingBatch:
    """A batch's candidates on the pool: all of them, and the reviews the fresh ones may open."""

    number: int
    candidates: list[str]
    review_ids: dict[str, str]
    drafted: int = 0
    futures: list[Future[tuple[str, str]]] = field(default_factory=list)


@dataclass
class Drafting:
    """The advocate threads of a scan's candidates, run on one shared pool of threads."""

    context: ScanDeps
    scan_id: str
    now: datetime
    writers: ThreadPoolExecutor
    recorders: ThreadPoolExecutor
    # The threads' services: the writer makes at most `llm_concurrency` model calls at once.
    deps: Deps
    opener: GroupOpener
    # Writes the texts in a second process once it is ready (agent/draft_helper.py), or None.
    helper: DraftHelper | None = None
    drafted: int = 0
    submitted: int = 0

    def submit(
        self,
        number: int,
        candidates: list[str],
        prepared: Prepared,
        programs: tuple[str | None, dict[str, list[str]]] = (None, {}),
    ) -> DraftingBatch:
        """Start the advocate thread of every candidate of batch `number` without an open or
        deferred review. `prepared`: the evidence and report of those the batch just gated;
        the others' threads read and gate their evidence (a batch resumed after a crash)."""
        deps = self.context.deps
        with deps.session_factory() as session:
            blocked = blocking_review_ids(session=session, account_ids=candidates, now=self.now)
        fresh = [a for a in candidates if a not in blocked]
        ours = sum(1 for a, rid in blocked.items() if rid == review_id_for(self.scan_id, a))
        batch = DraftingBatch(
            number, candidates, {a: review_id_for(self.scan_id, a) for a in fresh}, drafted=ours
        )
        with transaction(deps.session_factory) as session:
            scan = batches.lock_scan(session, self.scan_id)
            assert scan is not None
            batches.set_drafting(
                session=session, scan=scan, number=number, to_draft=ours + len(fresh), drafted=ours
            )
        for account_id in fresh:
            inputs = self._inputs(account_id, batch.review_ids[account_id], prepared)
            # A program scan's drafts stay within its program; the fit read while gating
            # travels with the prepared ones (a resumed one's gate node reads it again).
            inputs["program_id"] = programs[0]
            if account_id in prepared:
                inputs["programs"] = programs[1].get(account_id, [])
            if inputs.get("report", {}).get("status") != "candidate":
                # Its graph reads and gates the evidence (and writes, for a candidate) itself.
                batch.futures.append(self.writers.submit(self._run, inputs))
                continue
            if self.helper is not None:
                self.helper.consider_start()
            drafted: Future[tuple[str, str]] = Future()
            self.writers.submit(self._write, inputs, prepared[account_id], drafted)
            batch.futures.append(drafted)
        self.submitted += len(fresh)
        return batch

    def _write(
        self,
        inputs: AdvocateState,
        evidence: tuple[EvidenceSnapshot, GateReport],
        drafted: Future[tuple[str, str]],
    ) -> None:
        """Have the candidate's texts written, here or by the helper, then hand its thread to
        the recording pool."""

        def here() -> Texts:
            return written_texts(self.deps.writer, *evidence)

        if self.helper is None:
            texts: Future[Texts] = Future()
            try:
                texts.set_result(here())
            except BaseException as error:
                texts.set_exception(error)
        else:
            texts = self.helper.texts(inputs["snapshot"], inputs["report"], here=here)
        texts.add_done_callback(lambda done: self._written(done, inputs, evidence, drafted))

    def _written(
        self,
        texts: Future[Texts],
        inputs: AdvocateState,
        evidence: tuple[EvidenceSnapshot, GateReport],
        drafted: Future[tuple[str, str]],
    ) -> None:
        """The texts are written (on this thread, or the helper's on its reader thread)."""
        try:
            if isinstance(texts.exception(), HelperGone):  # the helper died holding it
                self.writers.submit(self._write, inputs, evidence, drafted)
                return
            written = texts.result()
            inputs["summary"], inputs["draft"] = written["summary"], written["draft"]
            self.recorders.submit(self._record, inputs, evidence, drafted)
        except BaseException as error:
            drafted.set_exception(error)

    def _record(
        self,
        inputs: AdvocateState,
        evidence: tuple[EvidenceSnapshot, GateReport],
        drafted: Future[tuple[str, str]],
    ) -> None:
        """Open the candidate's review (with whatever others wait to be opened), then run its
        thread to the owner's pause."""
        try:
            opening = review_opening(inputs, self.deps, evidence)
            opened = self.opener.open(opening)
            if opened == "duplicate":  # another review of the account is open
                drafted.set_result((inputs["review_id"], opened))
                return
            inputs["result"] = "pending"
            deps = self.deps
            if opened == "inserted":  # its first pause shows the payload just built
                deps = deps.with_opened(opening.review_id, opening.row["payload"])
            drafted.set_result(self._run(inputs, deps))
        except BaseException as error:
            drafted.set_exception(error)

    def _inputs(self, account_id: str, review_id: str, prepared: Prepared) -> AdvocateState:
        inputs: AdvocateState = {
            "account_id": account_id,
            "review_id": review_id,
            "now": self.now.isoformat(),
            "scan_id": self.scan_id,
        }
        if account_id in prepared:
            snapshot, report = prepared[account_id]
            inputs["snapshot"] = snapshot.model_dump(mode="json")
            inputs["report"] = report.model_dump(mode="json")
        return inputs

    def _run(self, inputs: AdvocateState, deps: Deps | None = None) -> tuple[str, str]:
        # Checkpoint at the interrupt only: a crash mid-draft simply drafts that candidate
        # again (open_review is keyed), and each thread writes 2 checkpoints instead of 6.
        # One background thread per run, not one per checkpoint write: LangGraph builds a new
        # thread pool for every invoke (the graph is a line: nothing runs side by side anyway).
        config = thread_config(inputs["review_id"]) | {"max_concurrency": 1}
        advocate = self.context.advocate
        final = advocate.invoke(inputs, config, context=deps or self.deps, durability="exit")
        return inputs["review_id"], str(final.get("result", ""))

    def finish(self, batch: DraftingBatch) -> Counter[str]:
        """Wait for the batch's threads; drafted reviews join the queue `PUBLISH_BATCH` at a
        time (written from this thread: the drafting threads never queue on the writer); then
        the batch's results point at their reviews, and its review counts are read back."""
        ready: list[str] = []
        for future in as_completed(batch.futures):
            review_id, result = future.result()
            self.drafted += 1
            batch.drafted += 1
            if result == "pending":
                ready.append(review_id)
            if len(ready) >= PUBLISH_BATCH:
                self._publish(batch, ready)
                ready = []
            self.context.progress("drafting", self.drafted, self.submitted)
        self._publish(batch, ready)
        return self._link(batch)

    def _link(self, batch: DraftingBatch) -> Counter[str]:
        """Each candidate's result points at the review it has (this scan's, or one open before
        or opened meanwhile by an overlapping scan); the counts add up to the candidates."""
        deps = self.context.deps
        with deps.session_factory() as session:
            held = blocking_review_ids(session=session, account_ids=batch.candidates, now=self.now)
        if held:
            with transaction(deps.session_factory) as session:
                link_reviews(session=session, scan_id=self.scan_id, review_ids=held)
        opened = sum(1 for a, rid in held.items() if rid == review_id_for(self.scan_id, a))
        return Counter(
            reviews_opened=opened,
            reviews_already_open=len(held) - opened,
            reviews_not_opened=len(batch.candidates) - len(held),
        )

    def _publish(self, batch: DraftingBatch, review_ids: list[str]) -> None:
        """Drafted reviews join the queue, and the drafting progress moves, in one write."""
        with transaction(self.context.deps.session_factory) as session:
            scan = batches.lock_scan(session, self.scan_id)
            assert scan is not None
            publish_reviews(session=session, review_ids=review_ids)
            batches.set_drafting(
                session=session, scan=scan, number=batch.number, drafted=batch.drafted
            )


@contextmanager
def drafting(
    context: ScanDeps, *, scan_id: str, now: datetime, accounts: int = 0
) -> Iterator[Drafting]:
    """A scan's drafting pools (`WRITERS_PER_SLOT` x `llm_concurrency` writing threads, at most
    `llm_concurrency` model calls at once; `RECORDERS_PER_SLOT` x `llm_concurrency` recording
    threads), shut down on exit: the helper (an in-process scan of `accounts`, at least
    `draft_helper_min_accounts`, has one) first, then the writing pool, as each hands work to
    the next."""
    settings = context.deps.settings
    slots = settings.llm_concurrency
    deps = context.deps.with_writer(context.deps.writer.with_slots(slots))
    wanted = wants_draft_helper(settings, accounts=accounts)
    with (
        _drafting_gc(),
        ThreadPoolExecutor(slots * RECORDERS_PER_SLOT, thread_name_prefix="record") as recorders,
        ThreadPoolExecutor(slots * WRITERS_PER_SLOT, thread_name_prefix="draft") as writers,
        draft_helper(settings, f"draft-helper-{scan_id}", wanted=wanted) as helper,
    ):
        opener = GroupOpener(deps)
        yield Drafting(
            context,
            scan_id,
            now,
            writers=writers,
            recorders=recorders,
            deps=deps,
            opener=opener,
            helper=helper,
        )


_gc_lock = threading.Lock()
_gc_pools = 0  # drafting pools of this process open now
_gc_before = gc.get_threshold()  # the thresholds the first of them found


@contextmanager
def _drafting_gc() -> Iterator[None]:
    """The GC settings while any pool of this process drafts: the first pool sets them and the
    last one restores them, so two scans in one API process cannot leave them changed."""
    global _gc_pools, _gc_before
    with _gc_lock:
        if _gc_pools == 0:
            _gc_before = gc.get_threshold()
            gc.freeze()
            gc.set_threshold(YOUNG_OBJECTS, *_gc_before[1:])
        _gc_pools += 1
    try:
        yield
    finally:
        with _gc_lock:
            _gc_pools -= 1
            if _gc_pools == 0:
                gc.set_threshold(*_gc_before)
                gc.unfreeze()
