"""The scan graph: gate accounts in batches, record every result, open a review per candidate.

start_scan -> scan_accounts -> finish_scan

Each batch of account ids is gated set-based and its fresh candidates drafted
(agent/scan_batch.py: `run_batch` is one batch; a queue worker can call it alone).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any, Required, TypedDict

from langgraph.graph import END, START, StateGraph
from langgraph.graph.state import CompiledStateGraph
from langgraph.runtime import Runtime

from agent.deps import Deps, no_context_message
from agent.programs import program_book
from agent.runner import this_runner
from agent.scan_batch import pipelined
from agent.scan_context import Progress as Progress  # re-exported: callers import them here
from agent.scan_context import ScanDeps as ScanDeps
from agent.scan_context import no_progress as no_progress
from agent.scan_gating import Base, gated_with
from store.candidate_list import mark_latest
from store.db import transaction
from store.models import Scan
from store.scan_reuse import base_scan
from store.scans import add_queued_scan, count_accounts
from tools.batch import iter_account_id_batches


class ScanState(TypedDict, total=False):
    scan_id: Required[str]
    now: Required[str]
    segment: str | None
    account_ids: list[str] | None
    # What else the requester asked for (industry, owner, ARR, limit), shown with the scan.
    asked: dict[str, Any]
    program_id: str | None  # a program scan: that program's eligible accounts and ask types
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
            selection=state.get("asked"),
            program_id=state.get("program_id"),
        )
        scan.status = "running"
        scan.phase = "gating"
        scan.runner = this_runner()
        scan.total = count_accounts(
            session=session, segment=state.get("segment"), account_ids=state.get("account_ids")
        )
    return {"counts": {}}


def scan_accounts(state: ScanState, runtime: Runtime[ScanDeps]) -> dict[str, Any]:
    """Gate every selected account and draft each fresh candidate, batch by batch
    (agent/scan_batch.py: gating batch N+1 overlaps drafting batch N)."""
    context = _scan_deps(runtime)
    deps = context.deps
    now = datetime.fromisoformat(state["now"])
    program_id = state.get("program_id")
    # A program scan reads capacity that other accounts' asks use up: nothing to reuse there.
    base = None if program_id else _reuse_base(deps, state["scan_id"], now)
    with deps.session_factory() as reader:
        total = reader.get_one(Scan, state["scan_id"]).total
        batches = iter_account_id_batches(
            session=reader,
            batch_size=deps.settings.scan_batch_size,
            segment=state.get("segment"),
            account_ids=state.get("account_ids"),
        )
        book = program_book(session=reader, now=now, program_id=program_id)
        counts = pipelined(
            context,
            scan_id=state["scan_id"],
            now=now,
            batches=batches,
            total=total,
            base=base,
            book=book,
        )
    for key in ("reviews_opened", "reviews_already_open", "reviews_not_opened"):
        counts.setdefault(key, 0)
    return {"counts": dict(counts)}


def _reuse_base(deps: Deps, scan_id: str, now: datetime) -> Base | None:
    """Record how this scan gates, and find the scan whose unchanged results it may reuse
    (none when `scan_incremental` is off)."""
    fingerprint = gated_with(deps.settings)
    with transaction(deps.session_factory) as session:
        found = base_scan(session=session, now=now, gated_with=fingerprint)
        session.get_one(Scan, scan_id).gated_with = fingerprint
    if found is None or not deps.settings.scan_incremental:
        return None
    return Base(scan_id=found[0], as_of=found[1])


def finish_scan(state: ScanState, runtime: Runtime[ScanDeps]) -> dict[str, Any]:
    deps = _scan_deps(runtime).deps
    counts = state.get("counts", {})
    with transaction(deps.session_factory) as session:
        scan = session.get_one(Scan, state["scan_id"])
        scan.status = "done"
        scan.phase = "done"
        scan.finished_at = deps.clock()
        scan.counts = counts
        scan.processed = sum(
            counts.get(s, 0) for s in ("not_triggered", "held", "stopped", "candidate")
        )
        mark_latest(session=session, scan_id=state["scan_id"])
    return {}


def build_scan_graph() -> StateGraph[ScanState, ScanDeps, ScanState, ScanState]:
    builder = StateGraph(ScanState, context_schema=ScanDeps)
    builder.add_node("start_scan", start_scan)
    builder.add_node("scan_accounts", scan_accounts)
    builder.add_node("finish_scan", finish_scan)
    builder.add_edge(START, "start_scan")
    builder.add_edge("start_scan", "scan_accounts")
    builder.add_edge("scan_accounts", "finish_scan")
    builder.add_edge("finish_scan", END)
    return builder


ScanGraph = CompiledStateGraph[ScanState, ScanDeps, ScanState, ScanState]


def compile_scan_graph() -> ScanGraph:
    """A scan is a batch job: it is not checkpointed; each candidate's advocate thread is."""
    return build_scan_graph().compile()
