"""The advocate profile (issue 12): one contact's standing, derived from the ledger.

A pure function of plain values (the contact's asks, consent records, outcomes, open reviews,
rewards and the owner's preferences) and `now`. Nothing here is stored: the profile is read
again from the ledger each time, so it can never disagree with it.

Journey stage, the furthest the contact has come (issue 12's *Listen -> Qualify -> Invite ->
Activate -> Reward -> Expand*):
- `expanding`: eligible for the expansion programs (domain/advocates.py: a completed case study
  or two completed asks);
- `rewarded`: a reward of theirs is approved or fulfilled in the rewards ledger;
- `active`: at least one completed ask or recorded participation;
- `invited`: an ask to them is in flight (approved, pending);
- `qualified`: a review naming them waits for the owner;
- `listening`: none of these yet.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field

from domain.advocates import Tier, advocate_tier, expansion_eligible
from domain.journeys import YEAR_DAYS
from domain.settings import PolicySettings
from domain.snapshot import AccountProfile, AskItem, ContactItem, PermissionItem, PreferenceItem
from domain.vocabulary import COMPLETING_OUTCOMES

JourneyStage = Literal["listening", "qualified", "invited", "active", "rewarded", "expanding"]
JOURNEY_STAGES: tuple[JourneyStage, ...] = get_args(JourneyStage)
Fatigue = Literal[
    "advocate_unavailable",
    "advocate_ask_limit",
    "pending_ask",
    "recent_ask",
    "recent_decline",
    "reference_fatigue",
]
# Reward statuses that count as rewarded (the ledger's `proposed` and `cancelled` do not).
REWARDED_STATUSES = frozenset({"approved", "fulfilled"})


class _Value(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class OutcomeRecord(_Value):
    """An outcome recorded on one of the contact's approved asks (a measurement event)."""

    kind: str
    occurred_at: datetime
    review_id: str | None = None


class ConsentOut(_Value):
    scope: str
    status: str
    recorded_at: datetime
    expires_at: datetime | None = None
    active: bool = Field(description="Granted and not expired now.")
    account_wide: bool = Field(description="Recorded for the account, not for this contact.")


class PreferencesOut(_Value):
    avoid_ask_types: tuple[str, ...] = ()
    max_asks_per_year: int | None = None
    unavailable_until: datetime | None = None
    preferred_channel: str | None = None


class ContactHistory(_Value):
    """Everything the profile reads of one contact, loaded by the store."""

    account: AccountProfile
    contact: ContactItem
    asks: tuple[AskItem, ...] = ()
    permissions: tuple[PermissionItem, ...] = ()
    outcomes: tuple[OutcomeRecord, ...] = ()
    open_review_ids: tuple[str, ...] = ()
    rewards: tuple[dict[str, Any], ...] = ()
    preference: PreferenceItem | None = None


class AdvocateProfile(_Value):
    contact_id: str
    name: str
    title: str | None
    champion: bool
    account_id: str
    account_name: str
    owner_id: str
    segment: str | None
    industry: str | None
    asks_by_type: dict[str, dict[str, int]] = Field(
        description="Per ask type, how many asks ended in each outcome."
    )
    asks_total: int
    completed_asks: int
    participations: int = Field(description="Completing outcomes recorded on their asks.")
    outcomes: dict[str, int] = Field(description="Outcome events per kind.")
    permissions: tuple[ConsentOut, ...]
    references_used_90d: int
    references_used_365d: int
    last_asked_at: datetime | None
    journey_stage: JourneyStage
    tier: Tier
    expansion_eligible: bool
    preferences: PreferencesOut | None
    rewards: tuple[dict[str, Any], ...] = Field(
        description="Rows of the rewards ledger for this contact (empty while it is absent)."
    )
    fatigue: tuple[Fatigue, ...] = Field(
        description="Why asking this person now would be too much; empty: rested."
    )
    available: bool = Field(description="No `unavailable_until` in the future.")


def _since(moment: datetime, now: datetime, days: int) -> bool:
    return now - timedelta(days=days) <= moment <= now


def references_used(history: ContactHistory, now: datetime, days: int) -> int:
    """Reference calls they gave in the last `days`: `reference_used` outcomes, plus completed
    reference calls imported from the history (those carry no outcome event). An approved ask's
    id is `ask:<review id>` (agent/records.py): its outcomes already count it."""
    from_outcomes = [
        o
        for o in history.outcomes
        if o.kind == "reference_used" and _since(o.occurred_at, now, days)
    ]
    reviewed = {f"ask:{o.review_id}" for o in history.outcomes if o.review_id}
    imported = [
        a
        for a in history.asks
        if a.ask_type == "reference_call"
        and a.outcome == "completed"
        and a.id not in reviewed
        and _since(a.asked_at, now, days)
    ]
    return len(from_outcomes) + len(imported)


def journey_stage(history: ContactHistory, completed: Sequence[str]) -> JourneyStage:
    """The furthest stage reached (module docstring)."""
    if expansion_eligible(completed):
        return "expanding"
    if any(str(r.get("status")) in REWARDED_STATUSES for r in history.rewards):
        return "rewarded"
    if completed or any(o.kind in COMPLETING_OUTCOMES for o in history.outcomes):
        return "active"
    if any(a.outcome == "pending" for a in history.asks):
        return "invited"
    return "qualified" if history.open_review_ids else "listening"


def fatigue(history: ContactHistory, policy: PolicySettings, now: datetime) -> tuple[Fatigue, ...]:
    """The person-level rules that say not now: the owner's preferences, an ask in flight, a
    recent ask or decline to them, reference-call fatigue (the gates' numbers, read for this
    person: asks recorded with their contact id)."""
    asks = [a for a in history.asks if a.asked_at <= now]
    pref = history.preference
    year = [a for a in asks if _since(a.asked_at, now, YEAR_DAYS)]
    calls = [
        a
        for a in asks
        if a.ask_type == "reference_call" and _since(a.asked_at, now, policy.reference_window_days)
    ]
    found: dict[Fatigue, bool] = {
        "advocate_unavailable": not available(pref, now),
        "advocate_ask_limit": bool(
            pref and pref.max_asks_per_year is not None and len(year) >= pref.max_asks_per_year
        ),
        "pending_ask": any(a.outcome == "pending" for a in asks),
        "recent_ask": any(_since(a.asked_at, now, policy.recent_ask_days) for a in asks),
        "recent_decline": any(
            a.outcome == "declined" and _since(a.asked_at, now, policy.decline_window_days)
            for a in asks
        ),
        "reference_fatigue": len(calls) >= policy.reference_calls_per_contact,
    }
    return tuple(code for code, on in found.items() if on)


def available(preference: PreferenceItem | None, now: datetime) -> bool:
    """No `unavailable_until` recorded, or it has come."""
    until = preference.unavailable_until if preference else None
    return until is None or until <= now


def consents(history: ContactHistory, now: datetime) -> tuple[ConsentOut, ...]:
    """Per scope, the latest record for this contact or the whole account (ties: a refusal)."""
    latest: dict[str, PermissionItem] = {}
    for record in sorted(history.permissions, key=lambda p: (p.recorded_at, p.status != "granted")):
        if record.contact_id in (None, history.contact.id):
            latest[record.scope] = record
    return tuple(
        ConsentOut(
            scope=p.scope,
            status=p.status,
            recorded_at=p.recorded_at,
            expires_at=p.expires_at,
            active=p.status == "granted" and (p.expires_at is None or p.expires_at > now),
            account_wide=p.contact_id is None,
        )
        for _, p in sorted(latest.items())
    )


def build_profile(
    history: ContactHistory, policy: PolicySettings, now: datetime
) -> AdvocateProfile:
    """The contact's advocate profile at `now` (module docstring)."""
    asks = [a for a in history.asks if a.asked_at <= now]
    by_type: dict[str, Counter[str]] = {}
    for a in asks:
        by_type.setdefault(a.ask_type, Counter())[a.outcome] += 1
    completed = [a.ask_type for a in asks if a.outcome == "completed"]
    pref = history.preference
    account, contact = history.account, history.contact
    return AdvocateProfile(
        contact_id=contact.id,
        name=contact.name,
        title=contact.title,
        champion=contact.champion,
        account_id=account.id,
        account_name=account.name,
        owner_id=account.owner_id,
        segment=account.segment,
        industry=account.industry,
        asks_by_type={t: dict(sorted(c.items())) for t, c in sorted(by_type.items())},
        asks_total=len(asks),
        completed_asks=len(completed),
        participations=sum(1 for o in history.outcomes if o.kind in COMPLETING_OUTCOMES),
        outcomes=dict(sorted(Counter(o.kind for o in history.outcomes).items())),
        permissions=consents(history, now),
        references_used_90d=references_used(history, now, 90),
        references_used_365d=references_used(history, now, YEAR_DAYS),
        last_asked_at=max((a.asked_at for a in asks), default=None),
        journey_stage=journey_stage(history, completed),
        tier=advocate_tier(len(completed)),
        expansion_eligible=expansion_eligible(completed),
        preferences=None
        if pref is None
        else PreferencesOut(
            avoid_ask_types=pref.avoid_ask_types,
            max_asks_per_year=pref.max_asks_per_year,
            unavailable_until=pref.unavailable_until,
            preferred_channel=pref.preferred_channel,
        ),
        rewards=history.rewards,
        fatigue=fatigue(history, policy, now),
        available=available(pref, now),
    )
