"""Graph states: plain JSON-able values only, so any checkpointer can store them safely."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Required, TypedDict

if TYPE_CHECKING:
    from langchain_core.runnables import RunnableConfig


class AdvocateState(TypedDict, total=False):
    account_id: Required[str]
    review_id: Required[str]
    now: Required[str]  # ISO 8601; the evidence and the gates are read as of this time
    scan_id: str | None
    program_id: str | None  # a program scan: only the ask types this program runs
    programs: list[str]  # the programs the candidate fits
    snapshot: dict[str, Any]
    report: dict[str, Any]
    summary: dict[str, Any]  # a Written[AdvocacySummary], dumped
    draft: dict[str, Any]  # a Written[AskDraft], dumped
    decision: dict[str, Any]
    result: str  # how the run ended: a gate status, "duplicate", "decided:<action>", …


def thread_config(review_id: str) -> RunnableConfig:
    """The config of a review's thread: its id only, never a pinned checkpoint. Here, not in
    agent/graph.py, so recovery and intake name a thread without importing langgraph."""
    return {"configurable": {"thread_id": review_id}}
