"""The owner checkpoint payload (DESIGN.md section 5), built from the graph state's plain values."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from checkpoints.schemas import ReviewPayload
from domain.report import GateReport
from domain.snapshot import EvidenceSnapshot
from domain.timing import ask_contact, timing

EVIDENCE_GROUPS = ("signals", "tickets", "permissions", "asks", "referrals", "contacts")


def evidence_list(snapshot: EvidenceSnapshot) -> list[dict[str, Any]]:
    """Every item the owner may check, each with its id and where it came from."""
    items: list[dict[str, Any]] = []
    for group in EVIDENCE_GROUPS:
        for item in getattr(snapshot, group):
            items.append({"source": group, **item.model_dump(mode="json")})
    return items


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
    # The contact's own preferred channel, as their owner recorded it, before the account's.
    preference = snapshot.preference_of(contact.id if contact else None)
    channel = (preference.preferred_channel if preference else None) or account.preferred_channel
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
        channel=channel,
        contact=contact.model_dump(mode="json") if contact else None,
        summary=summary,
        draft=draft,
        written_by=written_by,
    )
