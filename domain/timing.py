"""When and whom to ask: the recommended send-by date and the contact the ask goes to."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from domain.report import GateReport
from domain.snapshot import ContactItem, EvidenceSnapshot


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
