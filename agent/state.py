"""Graph states: plain JSON-able values only, so any checkpointer can store them safely."""

from __future__ import annotations

from typing import Any, Required, TypedDict


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
