"""The owner checkpoint payload (DESIGN.md section 5), built from the graph state's plain values."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from agent.report import GateReport
from checkpoints.schemas import ReviewPayload
from tools.snapshot import ContactItem, EvidenceSnapshot

EVIDENCE_GROUPS = ("signals", "tickets", "permissions", "asks", "referrals", "contacts")


def ask_contact(snapshot: EvidenceSnapshot, report: GateReport) -> ContactItem | None:
    """Whom to ask: the person behind the newest trigger signal, else a champion, else anyone."""
    by_id = {contact.id: contact for contact in snapshot.contacts}
    trigger_ids = set(report.trigger_signal_ids)
    for signal in snapshot.signals:
        if signal.id in trigger_ids and signal.contact_id in by_id:
            return by_id[signal.contact_id]
    champions = [contact for contact in snapshot.contacts if contact.champion]
    candidates = champions or list(snapshot.contacts)
    return candidates[0] if candidates else None


def evidence_list(snapshot: EvidenceSnapshot) -> list[dict[str, Any]]:
    """Every item the owner may check, each with its id and where it came from."""
    items: list[dict[str, Any]] = []
    for group in EVIDENCE_GROUPS:
        for item in getattr(snapshot, group):
            items.append({"source": group, **item.model_dump(mode="json")})
    return items


def timing(
    report: GateReport, snapshot: EvidenceSnapshot, *, now: datetime, send_within_days: int
) -> dict[str, Any]:
    trigger_dates = [s.occurred_at for s in snapshot.signals if s.id in report.trigger_signal_ids]
    newest = max(trigger_dates) if trigger_dates else None
    send_by = now + timedelta(days=send_within_days)
    why = f"ask within {send_within_days} days, while the positive moment is fresh"
    if newest is not None:
        why += f" (latest trigger {(now - newest).days} days ago)"
    return {"send_by": send_by.date().isoformat(), "why": why}


def build_payload(
    *,
    review_id: str,
    snapshot: EvidenceSnapshot,
    report: GateReport,
    summary: dict[str, Any],
    draft: dict[str, Any],
    written_by: dict[str, Any],
    flags: list[str],
    now: datetime,
    send_within_days: int,
) -> ReviewPayload:
    account = snapshot.account
    contact = ask_contact(snapshot, report)
    triggers = set(report.trigger_signal_ids)
    policy = report.ask_policy
    assert report.ask_type is not None, "only candidates reach the owner"
    return ReviewPayload(
        review_id=review_id,
        account=account.model_dump(mode="json"),
        owner={"id": account.owner_id, "name": account.owner_name},
        trigger_signals=[s.model_dump(mode="json") for s in snapshot.signals if s.id in triggers],
        evidence=evidence_list(snapshot),
        gate_report=report.model_dump(mode="json"),
        flags=flags,
        owner_only=report.owner_only,
        eligible_ask_types=list(report.eligible_ask_types),
        recommended_ask_type=report.ask_type,
        ask_reasons=[o.model_dump(mode="json") for o in policy.options] if policy else [],
        timing=timing(report, snapshot, now=now, send_within_days=send_within_days),
        channel=account.preferred_channel,
        contact=contact.model_dump(mode="json") if contact else None,
        summary=summary,
        draft=draft,
        written_by=written_by,
    )
