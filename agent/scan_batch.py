"""One batch of a scan: gate its accounts, store every result, draft each fresh candidate.

`run_batch` is the unit of work a runner calls: the in-process scan graph (agent/scan.py) or a
queue worker. Inside a batch:

- gating (agent/scan_gating.py) is set-based: one query keeps the accounts with a recent
  positive signal, their evidence is loaded in a few queries, the pure rules run once per
  account, and the results go to the database as one multi-row insert; a re-scan reuses the
  previous result of every account whose evidence and time edges did not move;
- each fresh candidate starts its advocate thread with the evidence and the report the batch
  has just read and gated (no second load, no second gate run), on a shared pool of
  `llm_concurrency` threads; drafted reviews join the owners' queue in groups, and the results
  point at their reviews in one UPDATE per group.

A runner that keeps the pool full across batches submits batch N+1 before waiting for batch N
(`Drafting.submit` then `Drafting.finish`), so the model never waits on our database work.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime

from agent.deps import Deps
from agent.graph import thread_config
from agent.programs import ProgramBook
from agent.scan_context import ScanDeps
from agent.scan_gating import STATUSES, Base, GatedBatch, gate_batch
from agent.state import AdvocateState
from checkpoints.reviews import blocking_review_ids, publish_reviews
from domain.report import GateReport
from domain.snapshot import EvidenceSnapshot
from store.db import transaction
from store.models import Scan
from store.scans import link_reviews

# Drafted reviews join the owners' queue this many at a time during a scan.
PUBLISH_BATCH = 50


def review_id_for(scan_id: str, account_id: str) -> str:
    return f"rv-{scan_id.removeprefix('sc-')}-{account_id}"


# --- drafting ----------------------------------------------------------------------------------


@dataclass
class DraftingBatch:
    """A batch's candidates on the pool: the reviews they may open, and those already open."""

    review_ids: dict[str, str]
    blocked: dict[str, str]
    futures: list[Future[tuple[str, str]]] = field(default_factory=list)


@dataclass
class Drafting:
    """The advocate threads of a scan's candidates, run on one shared pool of threads."""

    context: ScanDeps
    scan_id: str
    now: datetime
    pool: ThreadPoolExecutor
    drafted: int = 0
    submitted: int = 0

    def submit(self, gated: GatedBatch) -> DraftingBatch:
        """Start the advocate thread of every candidate that has no open or deferred review."""
        deps = self.context.deps
        candidates = list(gated.candidates)
        with deps.session_factory() as session:
            blocked = blocking_review_ids(session=session, account_ids=candidates, now=self.now)
        fresh = [a for a in candidates if a not in blocked]
        blocked = {**gated.reused_blocked, **blocked}
        batch = DraftingBatch({a: review_id_for(self.scan_id, a) for a in fresh}, blocked)
        for account_id in fresh:
            snapshot, report = gated.candidates[account_id]
            inputs = self._inputs(account_id, batch.review_ids[account_id], snapshot, report)
            inputs["programs"] = gated.programs.get(account_id, [])
            inputs["program_id"] = gated.program_id
            batch.futures.append(self.pool.submit(self._run, account_id, inputs))
        self.submitted += len(fresh)
        return batch

    def _inputs(
        self, account_id: str, review_id: str, snapshot: EvidenceSnapshot, report: GateReport
    ) -> AdvocateState:
        return {
            "account_id": account_id,
            "review_id": review_id,
            "now": self.now.isoformat(),
            "scan_id": self.scan_id,
            "snapshot": snapshot.model_dump(mode="json"),
            "report": report.model_dump(mode="json"),
        }

    def _run(self, account_id: str, inputs: AdvocateState) -> tuple[str, str]:
        # Checkpoint at the interrupt only: a crash mid-draft simply drafts that candidate
        # again (open_review is keyed), and each thread writes 2 checkpoints instead of 6.
        # One background thread per run, not one per checkpoint write: LangGraph builds a new
        # thread pool for every invoke (the graph is a line: nothing runs side by side anyway).
        config = thread_config(inputs["review_id"]) | {"max_concurrency": 1}
        advocate = self.context.advocate
        final = advocate.invoke(inputs, config, context=self.context.deps, durability="exit")
        return account_id, str(final.get("result", ""))

    def finish(self, batch: DraftingBatch) -> Counter[str]:
        """Wait for the batch's threads; drafted reviews join the queue `PUBLISH_BATCH` at a
        time (written from this thread: the drafting threads never queue on the writer), then
        the batch's results point at their reviews."""
        deps = self.context.deps
        opened: dict[str, str] = {}
        ready: list[str] = []
        duplicates: list[str] = []
        for future in as_completed(batch.futures):
            account_id, result = future.result()
            self.drafted += 1
            if result == "pending":
                opened[account_id] = batch.review_ids[account_id]
                ready.append(opened[account_id])
            elif result == "duplicate":
                duplicates.append(account_id)
            if len(ready) >= PUBLISH_BATCH:
                self._publish(ready)
                ready = []
            self.context.progress("drafting", self.drafted, self.submitted)
        self._publish(ready)
        # An overlapping scan opened these meanwhile: they count, and link, as already open.
        with deps.session_factory() as session:
            blocked = {
                **batch.blocked,
                **blocking_review_ids(session=session, account_ids=duplicates, now=self.now),
            }
        links = {**blocked, **opened}
        if links:
            with transaction(deps.session_factory) as session:
                link_reviews(session=session, scan_id=self.scan_id, review_ids=links)
        # With these three, every candidate of the batch is counted once.
        not_opened = len(batch.review_ids) + len(batch.blocked) - len(opened) - len(blocked)
        return Counter(
            reviews_opened=len(opened),
            reviews_already_open=len(blocked),
            reviews_not_opened=not_opened,
        )

    def _publish(self, review_ids: list[str]) -> None:
        """Drafted reviews join the queue, and the scan's drafting progress moves, in one write."""
        with transaction(self.context.deps.session_factory) as session:
            publish_reviews(session=session, review_ids=review_ids)
            scan = session.get_one(Scan, self.scan_id)
            scan.drafted, scan.to_draft = self.drafted, self.submitted


@contextmanager
def drafting(context: ScanDeps, *, scan_id: str, now: datetime) -> Iterator[Drafting]:
    """A scan's drafting pool (`llm_concurrency` threads), shut down on exit."""
    workers = context.deps.settings.llm_concurrency
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="draft") as pool:
        yield Drafting(context=context, scan_id=scan_id, now=now, pool=pool)


def run_batch(
    context: ScanDeps,
    *,
    scan_id: str,
    now: datetime,
    account_ids: list[str],
    before: Counter[str] | None = None,
    pool: Drafting | None = None,
    base: Base | None = None,
    book: ProgramBook | None = None,
) -> Counter[str]:
    """Gate and draft one batch of a scan: the counts by status, plus reviews_opened,
    reviews_already_open and skipped_unchanged. The entry point of a worker that runs a scan
    batch by batch (`before`: the scan's counts so far, for its progress; `pool`: a pool shared
    by batches; `base`: the scan whose unchanged results are reused, `reusable_base`; `book`:
    the programs, and the one a program scan targets)."""
    gated = gate_batch(
        context.deps,
        scan_id=scan_id,
        now=now,
        account_ids=account_ids,
        before=before,
        base=base,
        book=book,
    )
    counts = gated.counts
    if pool is not None:
        counts.update(pool.finish(pool.submit(gated)))
        return counts
    with drafting(context, scan_id=scan_id, now=now) as own:
        counts.update(own.finish(own.submit(gated)))
    return counts


def pipelined(
    context: ScanDeps,
    *,
    scan_id: str,
    now: datetime,
    batches: Iterator[list[str]],
    total: int,
    base: Base | None = None,
    book: ProgramBook | None = None,
) -> Counter[str]:
    """Every batch, gating batch N+1 while batch N drafts: the pool never runs dry between
    batches, and at most two batches of candidates are held in memory."""
    counts: Counter[str] = Counter()
    with drafting(context, scan_id=scan_id, now=now) as pool:
        previous: DraftingBatch | None = None
        for batch in batches:
            gated = gate_batch(
                context.deps,
                scan_id=scan_id,
                now=now,
                account_ids=batch,
                before=counts,
                base=base,
                book=book,
            )
            counts.update(gated.counts)
            context.progress("gating", sum(counts[s] for s in STATUSES), total)
            current = pool.submit(gated)
            if previous is not None:
                counts.update(pool.finish(previous))
            previous = current
        _all_gated(context.deps, scan_id)
        if previous is not None:
            counts.update(pool.finish(previous))
    return counts


def _all_gated(deps: Deps, scan_id: str) -> None:
    """Gating is over: what remains is drafting (the pipeline drafted as it gated)."""
    with transaction(deps.session_factory) as session:
        session.get_one(Scan, scan_id).phase = "drafting"
