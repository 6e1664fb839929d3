"""Measurement event rows (DESIGN.md section 7) as plain values; `agent/records.py` writes them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from domain.report import GateReport
from domain.vocabulary import EventKind


def event_row(
    *,
    kind: EventKind,
    key: str,
    at: datetime,
    account_id: str | None = None,
    owner_id: str | None = None,
    review_id: str | None = None,
    scan_id: str | None = None,
    data: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """One measurement event row; `key` makes it unique per cause."""
    return {
        "id": f"{kind}:{key}",
        "kind": kind,
        "account_id": account_id,
        "owner_id": owner_id,
        "review_id": review_id,
        "scan_id": scan_id,
        "occurred_at": at,
        "data": data or {},
    }


def gate_event(
    report: GateReport,
    *,
    key: str,
    at: datetime,
    owner_id: str | None = None,
    scan_id: str | None = None,
    cause: str | None = None,
) -> dict[str, Any] | None:
    """The `ask_held` or `ask_stopped` event of a held or stopped account; None for the others."""
    if report.status not in ("held", "stopped"):
        return None
    data: dict[str, Any] = {"reasons": list(report.reasons)}
    if cause is not None:
        data["cause"] = cause
    return event_row(
        kind="ask_held" if report.status == "held" else "ask_stopped",
        key=key,
        at=at,
        account_id=report.account_id,
        owner_id=owner_id,
        scan_id=scan_id,
        data=data,
    )
