"""The evidence snapshot: what the gates, the ask policy and the drafter know of one account.

Plain, JSON-able pydantic models (graph state keeps their `model_dump(mode="json")`). Every list
is a bounded slice, ordered so that what the gates need comes first (tools/evidence.py loads them).
Evidence ids are the bundle ids, prefixed by nothing: `s-1`, `t-9`, `a-1`, `r-1`, and
`perm:<...>` for consent records.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict

from domain.vocabulary import (
    AskKind,
    AskOutcome,
    Channel,
    PermissionStatus,
    ReferralStatus,
    RewardStatus,
    Scope,
    Sentiment,
    SignalKind,
    TicketCategory,
    TicketPriority,
    TicketStatus,
)


class _Item(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class AccountProfile(_Item):
    id: str
    name: str
    owner_id: str
    owner_name: str | None = None
    segment: str | None = None
    industry: str | None = None
    arr: int | None = None
    customer_since: date | None = None
    renewal_date: date | None = None
    health_score: int | None = None
    sensitive: bool = False
    sensitive_reason: str | None = None
    do_not_contact: bool = False
    preferred_channel: Channel = "email"


class ContactItem(_Item):
    id: str
    name: str
    email: str | None = None
    title: str | None = None
    champion: bool = False


class SignalItem(_Item):
    id: str
    kind: SignalKind
    occurred_at: datetime
    contact_id: str | None = None
    source: str | None = None
    score: int | None = None
    text: str | None = None
    public: bool | None = None
    sentiment: Sentiment | None = None
    metric: str | None = None
    value: str | None = None


class TicketItem(_Item):
    id: str
    status: TicketStatus
    priority: TicketPriority
    category: TicketCategory
    opened_at: datetime
    closed_at: datetime | None = None
    subject: str | None = None


class PermissionItem(_Item):
    id: str
    scope: Scope
    status: PermissionStatus
    recorded_at: datetime
    contact_id: str | None = None
    source: str | None = None
    expires_at: datetime | None = None


class AskItem(_Item):
    id: str
    ask_type: AskKind
    asked_at: datetime
    outcome: AskOutcome
    contact_id: str | None = None
    incentive: str | None = None


class ReferralItem(_Item):
    id: str
    referred_company: str
    submitted_at: datetime
    status: ReferralStatus
    attribution_disputed: bool = False
    reward: str | None = None
    reward_status: RewardStatus | None = None


class RejectionItem(_Item):
    """A review of the account that its owner rejected, and when: the cooldown runs from it."""

    id: str
    decided_at: datetime


class PreferenceItem(_Item):
    """How a contact wants to be asked, as their account owner recorded it (issue 12).

    Never read from customer text: only the owner (or an admin) sets these, and the gates and
    the ask policy read them as they are.
    """

    contact_id: str
    avoid_ask_types: tuple[AskKind, ...] = ()
    max_asks_per_year: int | None = None
    unavailable_until: datetime | None = None
    preferred_channel: Channel | None = None


class RewardItem(_Item):
    """An unresolved row of the rewards ledger (proposed or approved): a new ask waits for it."""

    id: str
    status: str
    created_at: datetime
    incentive_id: str | None = None


class EvidenceSnapshot(_Item):
    """One account's evidence as of `as_of`; nothing after it is included.

    `permissions` holds, per scope, the records at that scope's latest `recorded_at` (several when
    records tie, which the consent rule reads as unclear); older records are superseded.
    """

    as_of: datetime
    account: AccountProfile
    contacts: tuple[ContactItem, ...] = ()
    signals: tuple[SignalItem, ...] = ()
    tickets: tuple[TicketItem, ...] = ()
    permissions: tuple[PermissionItem, ...] = ()
    asks: tuple[AskItem, ...] = ()
    referrals: tuple[ReferralItem, ...] = ()
    # Our own workflow's record, not customer evidence: never cited, never shown to the drafter.
    rejections: tuple[RejectionItem, ...] = ()
    # The owner's record of how each contact wants to be asked: gates, never cited.
    preferences: tuple[PreferenceItem, ...] = ()
    # The rewards ledger's unresolved rows (issue 12): our record too, never cited.
    rewards: tuple[RewardItem, ...] = ()

    def evidence_ids(self) -> set[str]:
        """Every id the drafter may cite."""
        groups: tuple[tuple[_Item, ...], ...] = (
            self.contacts,
            self.signals,
            self.tickets,
            self.permissions,
            self.asks,
            self.referrals,
        )
        return {item.id for group in groups for item in group if hasattr(item, "id")}

    def preference_of(self, contact_id: str | None) -> PreferenceItem | None:
        """The owner's recorded preferences for this contact, if any."""
        return next((p for p in self.preferences if p.contact_id == contact_id), None)


ScopeStatus = Literal["granted", "denied", "revoked", "expired", "unknown", "unclear"]


def scope_status(snapshot: EvidenceSnapshot, scope: Scope, now: datetime) -> ScopeStatus:
    """The consent status of `scope`: its latest records, read at `now`.

    `unclear` when the latest records disagree; `expired` when the latest grant has expired;
    `unknown` when nothing was ever recorded.
    """
    latest = [p for p in snapshot.permissions if p.scope == scope]
    if not latest:
        return "unknown"
    statuses = {p.status for p in latest}
    if len(statuses) > 1:
        return "unclear"
    status = statuses.pop()
    if status == "granted" and any(
        p.expires_at is not None and p.expires_at <= now for p in latest
    ):
        return "expired"
    return status
