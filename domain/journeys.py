"""Journeys that expand, and the owner's preferences as gates (issue 12).

Pure rules over the evidence snapshot, read for the one contact an ask would go to
(`domain.timing.contact_for`):

- An ask type that contact completed within a year ranks below the types they have not done, so
  a customer who gave a testimonial last spring is next invited to a reference call or a case
  study rather than asked for the same quote. A referral may repeat, and a reference call keeps
  its own fatigue rule (at most `reference_calls_per_contact` in `reference_window_days`), so
  neither is ranked down here.
- Preferences are what the account owner recorded, never what a customer wrote: an ask type the
  contact asked to avoid is ineligible; `unavailable_until` in the future holds the account
  (`advocate_unavailable`); `max_asks_per_year` asks to that contact in the last 365 days hold it
  too (`advocate_ask_limit`).

Asks are matched to the contact by their `contact_id`; an ask recorded without one counts for
the account's own rules (`recent_ask`, `ask_limit`) but not for a person's history.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from domain.report import RuleCheck
from domain.snapshot import AskItem, ContactItem, EvidenceSnapshot

YEAR_DAYS = 365
# Ask types that may be asked of the same person again without ranking down.
MAY_REPEAT: frozenset[str] = frozenset({"referral", "reference_call"})


def _asks_of(snapshot: EvidenceSnapshot, contact: ContactItem, now: datetime) -> list[AskItem]:
    """The contact's asks in the last year, newest first."""
    asks = [
        ask
        for ask in snapshot.asks
        if ask.contact_id == contact.id and now - timedelta(days=YEAR_DAYS) <= ask.asked_at <= now
    ]
    return sorted(asks, key=lambda ask: (ask.asked_at, ask.id), reverse=True)


def completed_before(
    snapshot: EvidenceSnapshot, ask_type: str, contact: ContactItem | None, now: datetime
) -> AskItem | None:
    """The contact's latest completed ask of `ask_type` within 365 days, when that type ranks
    down for them; None for a referral or a reference call, or a contact who has not done it."""
    if contact is None or ask_type in MAY_REPEAT:
        return None
    done = [
        ask
        for ask in _asks_of(snapshot, contact, now)
        if ask.ask_type == ask_type and ask.outcome == "completed"
    ]
    return done[0] if done else None


def avoided(snapshot: EvidenceSnapshot, ask_type: str, contact: ContactItem | None) -> bool:
    """Whether the owner recorded that this contact does not want asks of `ask_type`."""
    preference = snapshot.preference_of(contact.id if contact else None)
    return preference is not None and ask_type in preference.avoid_ask_types


def advocate_unavailable(
    snapshot: EvidenceSnapshot, contact: ContactItem | None, now: datetime
) -> RuleCheck:
    """Held while the contact the ask goes to is unavailable (`unavailable_until` after now)."""
    preference = snapshot.preference_of(contact.id if contact else None)
    until = preference.unavailable_until if preference else None
    if contact is None or until is None or until <= now:
        why = "The contact to ask has no unavailability recorded for now."
        return RuleCheck(rule="advocate_unavailable", passed=True, why=why)
    why = f"{contact.id} is unavailable until {until.date().isoformat()} (the owner's note)."
    return RuleCheck(
        rule="advocate_unavailable",
        passed=False,
        reason="advocate_unavailable",
        why=why,
        evidence_ids=(contact.id,),
    )


def advocate_ask_limit(
    snapshot: EvidenceSnapshot, contact: ContactItem | None, now: datetime
) -> RuleCheck:
    """Held when the contact the ask goes to was asked `max_asks_per_year` times or more in the
    last 365 days (whatever the outcome)."""
    preference = snapshot.preference_of(contact.id if contact else None)
    limit = preference.max_asks_per_year if preference else None
    if contact is None or limit is None:
        why = "The contact to ask has no yearly ask limit recorded."
        return RuleCheck(rule="advocate_ask_limit", passed=True, why=why)
    asks = [ask.id for ask in _asks_of(snapshot, contact, now)]
    if len(asks) < limit:
        why = f"{contact.id}: {len(asks)} asks in the last {YEAR_DAYS} days, fewer than {limit}."
        return RuleCheck(rule="advocate_ask_limit", passed=True, why=why)
    why = (
        f"{contact.id} was asked {len(asks)} times in the last {YEAR_DAYS} days; the owner"
        f" recorded at most {limit} a year"
    )
    return RuleCheck(
        rule="advocate_ask_limit",
        passed=False,
        reason="advocate_ask_limit",
        why=f"{why}: {', '.join(asks) or 'no asks'}.",
        evidence_ids=(contact.id, *asks),
    )


def skipped(rule: str) -> RuleCheck:
    """A contact rule precedence skipped: the account is already held or stopped."""
    why = "Not evaluated: the account is already held or stopped, so no contact was chosen."
    return RuleCheck(rule=rule, passed=True, why=why, evaluated=False)
