"""The scan graph: the in-process runner of a scan's batch tasks (agent/scan_batches.py).

start_scan -> scan_accounts

start_scan records the scan (unless it was queued) and plans its batches; scan_accounts gates
and drafts them, batch N+1 gated while batch N drafts. The batch that finishes last finishes the
scan, as on a queue worker: the tasks are written once, only the runner differs.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any, Required, TypedDict

from langgraph.graph import END, START, StateGraph
from langgraph.graph.state import CompiledStateGraph
from langgraph.runtime import Runtime

from agent.deps import no_context_message
from agent.runner import this_runner
from agent.scan_batches import plan_scan, run_batches
from agent.scan_context import Progress as Progress  # re-exported: callers import them here
from agent.scan_context import ScanDeps as ScanDeps
from agent.scan_context import no_progress as no_progress
from store.db import transaction
from store.models import Scan
from store.scans import add_queued_scan


class ScanState(TypedDict, total=False):
    scan_id: Required[str]
    now: Required[str]
    segment: str | None
    account_ids: list[str] | None
    # What else the requester asked for (industry, owner, ARR, limit), shown with the scan.
    asked: dict[str, Any]
    program_id: str | None  # a program scan: that program's eligible accounts and ask types
    batches: list[int]
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
    """Mark the scan running in this process (recording it first if nobody queued it), and plan
    its batches."""
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
    return {"batches": plan_scan(deps, state["scan_id"])}


def scan_accounts(state: ScanState, runtime: Runtime[ScanDeps]) -> dict[str, Any]:
    """Gate every batch and draft each fresh candidate (`run_batches`); the scan's counts."""
    context = _scan_deps(runtime)
    run_batches(context, state["scan_id"], state.get("batches", []), runner=this_runner())
    with context.deps.session_factory() as session:
        return {"counts": dict(session.get_one(Scan, state["scan_id"]).counts)}


def build_scan_graph() -> StateGraph[ScanState, ScanDeps, ScanState, ScanState]:
    builder = StateGraph(ScanState, context_schema=ScanDeps)
    builder.add_node("start_scan", start_scan)
    builder.add_node("scan_accounts", scan_accounts)
    builder.add_edge(START, "start_scan")
    builder.add_edge("start_scan", "scan_accounts")
    builder.add_edge("scan_accounts", END)
    return builder


ScanGraph = CompiledStateGraph[ScanState, ScanDeps, ScanState, ScanState]


def compile_scan_graph() -> ScanGraph:
    """A scan is a batch job: it is not checkpointed; each candidate's advocate thread is."""
    return build_scan_graph().compile()
