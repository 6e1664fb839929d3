"""What the candidate list shows about a gated account, read from the same snapshot the gates
read: whom the ask goes to, the trigger, and where consent stands (issue 17).

Stored with each scan result so the list, its filters and its CSV never re-read evidence and
always agree with the gate decision they sit next to.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from domain.report import GateReport
from domain.snapshot import EvidenceSnapshot, scope_status
from domain.timing import ask_contact
from domain.vocabulary import SCOPES, scope_of

# The recommended ask type needs no consent scope (a referral, private feedback).
NOT_NEEDED = "not_needed"


@dataclass(frozen=True)
class ListingFacts:
    contact_id: str | None
    trigger_signal_id: str | None
    permission_status: str | None
    granted_scopes: tuple[str, ...]


def listing_facts(snapshot: EvidenceSnapshot, report: GateReport, now: datetime) -> ListingFacts:
    """The contact the ask would go to, the newest trigger, the recommended type's consent
    status (None without a recommended type) and every scope granted and unexpired at `now`."""
    contact = ask_contact(snapshot, report)
    return ListingFacts(
        contact_id=contact.id if contact else None,
        trigger_signal_id=_newest_trigger(snapshot, report),
        permission_status=_permission_status(snapshot, report, now),
        granted_scopes=tuple(s for s in SCOPES if scope_status(snapshot, s, now) == "granted"),
    )


def _newest_trigger(snapshot: EvidenceSnapshot, report: GateReport) -> str | None:
    triggers = [s for s in snapshot.signals if s.id in report.trigger_signal_ids]
    return max(triggers, key=lambda s: (s.occurred_at, s.id)).id if triggers else None


def _permission_status(snapshot: EvidenceSnapshot, report: GateReport, now: datetime) -> str | None:
    if report.ask_type is None:
        return None
    scope = scope_of(report.ask_type)
    return NOT_NEEDED if scope is None else scope_status(snapshot, scope, now)


_KIND_WORDS = {
    "nps": "NPS",
    "csat": "CSAT",
    "review": "Review",
    "feedback": "Feedback",
    "outcome": "Outcome",
    "renewal": "Renewal",
    "expansion": "Expansion",
    "project_close": "Project closed",
    "support_praise": "Praise in a support ticket",
    "usage_milestone": "Usage milestone",
    "complaint": "Complaint",
}
QUOTE_CHARS = 60


@dataclass(frozen=True)
class TriggerFacts:
    kind: str
    occurred_at: datetime
    source: str | None = None
    score: int | None = None
    metric: str | None = None
    value: str | None = None
    text: str | None = None


def describe_trigger(trigger: TriggerFacts, now: datetime) -> str:
    """The trigger as a person would say it: "G2 review, 5 of 5 stars: "…", 3 days ago
    (2026-11-27)". Customer text is quoted, shortened, and never read as an instruction."""
    words = _what(trigger)
    if trigger.text:
        quote = " ".join(trigger.text.split())
        if len(quote) > QUOTE_CHARS:
            quote = quote[: QUOTE_CHARS - 1].rstrip() + "…"
        words += f': "{quote}"'
    return f"{words}, {when(trigger.occurred_at, now)}"


def _what(trigger: TriggerFacts) -> str:
    kind, score = trigger.kind, trigger.score
    source = _source_name(trigger.source)
    if kind == "nps" and score is not None:
        return f"NPS {score}" + (f" ({source})" if source else "")
    if kind == "csat" and score is not None:
        return f"CSAT {score} of 5"
    if kind == "review":
        stars = f", {score} of 5 stars" if score is not None else ""
        return f"{source or 'Public'} review{stars}"
    if kind == "outcome" and trigger.metric:
        return f"Outcome: {trigger.metric} {trigger.value or ''}".rstrip()
    return _KIND_WORDS.get(kind, kind.replace("_", " ").capitalize())


def _source_name(source: str | None) -> str | None:
    if not source:
        return None
    return source.upper() if len(source) <= 3 else source.replace("_", " ").title()


def when(moment: datetime, now: datetime) -> str:
    """ "today (2026-11-30)", "1 day ago (…)", "12 days ago (…)"; a future date says "in"."""
    days = (now.date() - moment.date()).days
    if days == 0:
        relative = "today"
    elif days > 0:
        relative = "1 day ago" if days == 1 else f"{days} days ago"
    else:
        relative = "in 1 day" if days == -1 else f"in {-days} days"
    return f"{relative} ({moment.date().isoformat()})"
