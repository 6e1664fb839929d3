"""When and whom to ask: the recommended send-by date and the contact the ask goes to."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from domain.report import GateReport
from domain.snapshot import ContactItem, EvidenceSnapshot

# Ask types whose needs include a champion contact (DESIGN.md section 4): only one is asked.
CHAMPION_ASKS: frozenset[str] = frozenset({"case_study", "reference_call"})


def ask_contact(snapshot: EvidenceSnapshot, report: GateReport) -> ContactItem | None:
    """Whom to ask, the one contact the review names and the draft greets: the person behind
    the newest trigger signal, else a champion, else the first contact. For a case study or
    a reference call only champions are asked (their needs include one)."""
    return contact_for(snapshot, report.ask_type, report.trigger_signal_ids)


def contact_for(
    snapshot: EvidenceSnapshot, ask_type: str | None, trigger_ids: Sequence[str]
) -> ContactItem | None:
    """The contact an ask of `ask_type` would go to (see `ask_contact`); the ask policy reads
    the same person's history and preferences for each ask type."""
    champions = [contact for contact in snapshot.contacts if contact.champion]
    needs_champion = ask_type in CHAMPION_ASKS and champions
    pool = champions if needs_champion else list(snapshot.contacts)
    by_id = {contact.id: contact for contact in pool}
    wanted = set(trigger_ids)
    triggers = [
        signal for signal in snapshot.signals if signal.id in wanted and signal.contact_id in by_id
    ]
    if triggers:
        newest = max(triggers, key=lambda signal: signal.occurred_at)
        return by_id[str(newest.contact_id)]
    ranked = sorted(pool, key=lambda contact: not contact.champion)
    return ranked[0] if ranked else None


def timing(
    report: GateReport, snapshot: EvidenceSnapshot, *, now: datetime, send_within_days: int
) -> dict[str, Any]:
    """The send-by date and why: fresh while the newest trigger is at most `send_within_days`
    old; past that, the owner is told so plainly and what to do instead."""
    trigger_dates = [s.occurred_at for s in snapshot.signals if s.id in report.trigger_signal_ids]
    send_by = (now + timedelta(days=send_within_days)).date().isoformat()
    return {"send_by": send_by, "why": _why(trigger_dates, now, send_within_days)}


def _why(trigger_dates: list[datetime], now: datetime, window: int) -> str:
    fresh = f"ask within {window} days, while the positive moment is fresh"
    if not trigger_dates:
        # An owner's invitation to an activity rests on the advocate's record, not on praise.
        return f"send within {window} days of your approval; no recent praise to build on"
    age = (now - max(trigger_dates)).days
    if age <= window:
        return f"{fresh} (latest trigger {_ago(age)})"
    return (
        f"the moment is no longer fresh: the latest trigger was {_ago(age)}, past the"
        f" {window}-day window; ask soon and mention something current, or wait for a new"
        " positive signal"
    )


def _ago(days: int) -> str:
    return "today" if days <= 0 else "1 day ago" if days == 1 else f"{days} days ago"
