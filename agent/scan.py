"""The scan graph: gate accounts in batches, record every result, open a review per candidate.

start_scan -> gate_accounts -> open_reviews -> finish_scan

Gating is set-based: a batch of account ids is pre-filtered by one query for a recent positive
signal; only those accounts have their evidence loaded (a few queries per batch) and go through
the pure rules. Candidates then each start their own advocate-graph thread, several at a time.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, NamedTuple, Required, TypedDict

from langgraph.graph import END, START, StateGraph
from langgraph.graph.state import CompiledStateGraph
from langgraph.runtime import Runtime

from agent.deps import Deps, no_context_message
from agent.graph import AdvocateGraph, thread_config
from agent.programs import ProgramBook, program_book
from agent.records import record_events
from agent.runner import this_runner
from agent.state import AdvocateState
from checkpoints.reviews import blocking_review_ids, publish_reviews
from domain.events import gate_event
from domain.gates import evaluate
from domain.report import GateReport
from store.db import transaction
from store.models import Scan
from store.scans import add_queued_scan, add_results, count_accounts, link_reviews
from tools.batch import iter_account_id_batches, load_snapshots, triggered_account_ids

Progress = Callable[[str, int, int], None]
# Drafted reviews join the owners' queue this many at a time during a scan.
PUBLISH_BATCH = 50


class Gated(NamedTuple):
    """An account's gate report and the programs it fits."""

    report: GateReport
    programs: list[str]


def no_progress(phase: str, done: int, total: int) -> None:
    del phase, done, total


@dataclass(frozen=True)
class ScanDeps:
    deps: Deps
    advocate: AdvocateGraph
    progress: Progress = field(default=no_progress)


class ScanState(TypedDict, total=False):
    scan_id: Required[str]
    now: Required[str]
    segment: str | None
    account_ids: list[str] | None
    program_id: str | None  # a program scan: that program's eligible accounts and ask types
    programs: dict[str, list[str]]  # per candidate, the programs it fits
    candidates: list[str]
    counts: dict[str, int]


ScanDepsProvider = Callable[[], ScanDeps]

_default_scan_deps: ScanDepsProvider | None = None


def provide_default_scan_deps(provider: ScanDepsProvider | None) -> ScanDepsProvider | None:
    """Register the scan's context for runs without one (None clears); returns the old one.

    As `agent.deps.provide_default_deps`: only LangGraph Studio's entry module, agent/studio.py.
    """
    global _default_scan_deps
    previous, _default_scan_deps = _default_scan_deps, provider
    return previous


def _scan_deps(runtime: Runtime[ScanDeps]) -> ScanDeps:
    """The scan's context the caller passed, else the registered default (LangGraph Studio's)."""
    if runtime.context is not None:
        return runtime.context
    if _default_scan_deps is None:
        raise RuntimeError(no_context_message("ScanDeps"))
    return _default_scan_deps()


def new_scan_id() -> str:
    return f"sc-{uuid.uuid4().hex[:10]}"


def review_id_for(scan_id: str, account_id: str) -> str:
    return f"rv-{scan_id.removeprefix('sc-')}-{account_id}"


def start_scan(state: ScanState, runtime: Runtime[ScanDeps]) -> dict[str, Any]:
    """Mark the scan running (recording it first if nobody queued it) with its account count."""
    deps = _scan_deps(runtime).deps
    with transaction(deps.session_factory) as session:
        scan = session.get(Scan, state["scan_id"]) or add_queued_scan(
            session,
            scan_id=state["scan_id"],
            now=datetime.fromisoformat(state["now"]),
            started_at=deps.clock(),
            segment=state.get("segment"),
            account_ids=state.get("account_ids"),
            program_id=state.get("program_id"),
        )
        scan.status = "running"
        scan.runner = this_runner()
        scan.total = count_accounts(
            session=session, segment=state.get("segment"), account_ids=state.get("account_ids")
        )
    return {"counts": {}, "candidates": []}


def gate_accounts(state: ScanState, runtime: Runtime[ScanDeps]) -> dict[str, Any]:
    """Gate every selected account, batch by batch, and store each result."""
    context = _scan_deps(runtime)
    deps = context.deps
    now = datetime.fromisoformat(state["now"])
    counts: Counter[str] = Counter()
    candidates: list[str] = []
    programs: dict[str, list[str]] = {}
    with deps.session_factory() as reader:
        total = reader.get_one(Scan, state["scan_id"]).total
        batches = iter_account_id_batches(
            session=reader,
            batch_size=deps.settings.scan_batch_size,
            segment=state.get("segment"),
            account_ids=state.get("account_ids"),
        )
        book = program_book(session=reader, now=now, program_id=state.get("program_id"))
        for batch in batches:
            reports = _gate_batch(reader, deps, batch, now, book)
            counts.update(gated.report.status for gated in reports.values())
            counts["not_triggered"] += len(batch) - len(reports)
            _store_results(deps, state, batch, reports, now, counts)
            fresh = {a: g.programs for a, g in reports.items() if g.report.status == "candidate"}
            candidates += list(fresh)
            programs.update(fresh)
            context.progress("gating", sum(counts.values()), total)
    return {"counts": dict(counts), "candidates": candidates, "programs": programs}


def _gate_batch(
    reader: Any, deps: Deps, batch: list[str], now: datetime, book: ProgramBook
) -> dict[str, Gated]:
    policy = deps.settings.policy
    since = now - timedelta(days=policy.trigger_window_days)
    triggered = triggered_account_ids(
        session=reader, account_ids=batch, since=since, as_of=now, policy=policy
    )
    snapshots = load_snapshots(
        session=reader, account_ids=sorted(triggered), as_of=now, limit=deps.settings.evidence_limit
    )
    return {
        account_id: Gated(*book.gate(s, evaluate(s, policy, now), now))
        for account_id, s in snapshots.items()
    }


def _store_results(
    deps: Deps,
    state: ScanState,
    batch: list[str],
    reports: dict[str, Gated],
    now: datetime,
    counts: Counter[str],
) -> None:
    """Write the batch's results and events, and the scan's progress, in one transaction."""
    rows = [
        _result_row(state["scan_id"], account_id, reports.get(account_id)) for account_id in batch
    ]
    keyed = (
        gate_event(
            gated.report, key=f"{state['scan_id']}:{account_id}", at=now, scan_id=state["scan_id"]
        )
        for account_id, gated in reports.items()
    )
    events = [event for event in keyed if event is not None]
    with transaction(deps.session_factory) as session:
        add_results(
            session=session,
            scan_id=state["scan_id"],
            rows=rows,
            processed=sum(counts.values()),
            counts=dict(counts),
        )
        record_events(session, events)


def _result_row(scan_id: str, account_id: str, gated: Gated | None) -> dict[str, Any]:
    if gated is None:
        return {
            "scan_id": scan_id,
            "account_id": account_id,
            "status": "not_triggered",
            "reasons": ["no_positive_signal"],
            "flags": [],
            "eligible_ask_types": [],
            "ask_type": None,
            "programs": [],
        }
    report = gated.report
    return {
        "scan_id": scan_id,
        "account_id": account_id,
        "status": report.status,
        "reasons": list(report.reasons),
        "flags": list(report.flags),
        "eligible_ask_types": list(report.eligible_ask_types),
        "ask_type": report.ask_type,
        "programs": gated.programs,
    }


def open_reviews(state: ScanState, runtime: Runtime[ScanDeps]) -> dict[str, Any]:
    """Start an advocate thread per candidate that has no open or deferred review already."""
    context = _scan_deps(runtime)
    deps, advocate = context.deps, context.advocate
    now = datetime.fromisoformat(state["now"])
    candidates = state.get("candidates", [])
    with deps.session_factory() as session:
        blocked = blocking_review_ids(session=session, account_ids=candidates, now=now)
    fresh = [a for a in candidates if a not in blocked]
    review_ids = {a: review_id_for(state["scan_id"], a) for a in fresh}
    fits = state.get("programs", {})

    def run(account_id: str) -> tuple[str, str]:
        rid = review_ids[account_id]
        inputs: AdvocateState = {
            "account_id": account_id,
            "review_id": rid,
            "now": state["now"],
            "scan_id": state["scan_id"],
            "program_id": state.get("program_id"),
            "programs": fits.get(account_id, []),
        }
        # Checkpoint at the interrupt only: a crash mid-draft simply drafts that candidate
        # again (open_review is keyed), and each thread writes 2 checkpoints instead of 6.
        final = advocate.invoke(inputs, thread_config(rid), context=deps, durability="exit")
        return account_id, str(final.get("result", ""))

    outcomes = _draft_all(context, fresh, run, review_ids)
    opened = {a: review_ids[a] for a, result in outcomes.items() if result == "pending"}
    _link_reviews(deps, state["scan_id"], {**blocked, **opened})
    counts = dict(state.get("counts", {}))
    counts["reviews_opened"] = len(opened)
    counts["reviews_already_open"] = len(blocked)
    return {"counts": counts}


def _draft_all(
    context: ScanDeps,
    fresh: list[str],
    run: Callable[[str], tuple[str, str]],
    review_ids: dict[str, str],
) -> dict[str, str]:
    """Draft every fresh candidate, several at once; drafted reviews join the queue in batches
    (one write per batch, from this thread: the drafting threads never queue on the writer)."""
    deps = context.deps
    outcomes: dict[str, str] = {}
    drafted: list[str] = []
    with ThreadPoolExecutor(max_workers=deps.settings.llm_concurrency) as pool:
        for done, (account_id, result) in enumerate(pool.map(run, fresh), start=1):
            outcomes[account_id] = result
            if result == "pending":
                drafted.append(review_ids[account_id])
            if len(drafted) >= PUBLISH_BATCH or done == len(fresh):
                _publish(deps, drafted)
                drafted = []
            context.progress("drafting", done, len(fresh))
    return outcomes


def _publish(deps: Deps, review_ids: list[str]) -> None:
    with transaction(deps.session_factory) as session:
        publish_reviews(session=session, review_ids=review_ids)


def _link_reviews(deps: Deps, scan_id: str, review_ids: dict[str, str]) -> None:
    if not review_ids:
        return
    with transaction(deps.session_factory) as session:
        link_reviews(session=session, scan_id=scan_id, review_ids=review_ids)


def finish_scan(state: ScanState, runtime: Runtime[ScanDeps]) -> dict[str, Any]:
    deps = _scan_deps(runtime).deps
    counts = state.get("counts", {})
    with transaction(deps.session_factory) as session:
        scan = session.get_one(Scan, state["scan_id"])
        scan.status = "done"
        scan.finished_at = deps.clock()
        scan.counts = counts
        scan.processed = sum(
            counts.get(s, 0) for s in ("not_triggered", "held", "stopped", "candidate")
        )
    return {}


def build_scan_graph() -> StateGraph[ScanState, ScanDeps, ScanState, ScanState]:
    builder = StateGraph(ScanState, context_schema=ScanDeps)
    builder.add_node("start_scan", start_scan)
    builder.add_node("gate_accounts", gate_accounts)
    builder.add_node("open_reviews", open_reviews)
    builder.add_node("finish_scan", finish_scan)
    builder.add_edge(START, "start_scan")
    builder.add_edge("start_scan", "gate_accounts")
    builder.add_edge("gate_accounts", "open_reviews")
    builder.add_edge("open_reviews", "finish_scan")
    builder.add_edge("finish_scan", END)
    return builder


ScanGraph = CompiledStateGraph[ScanState, ScanDeps, ScanState, ScanState]


def compile_scan_graph() -> ScanGraph:
    """A scan is a batch job: it is not checkpointed; each candidate's advocate thread is."""
    return build_scan_graph().compile()
