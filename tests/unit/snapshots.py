"""A tiny builder for evidence snapshots in rule tests: every date is a number of days before NOW.

`snap(...)` starts from a healthy account with one champion and no evidence at all, so each test
row adds exactly the evidence its rule is about. Ids default to something readable and derived
from the arguments, so building the same snapshot twice gives equal snapshots.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from domain.snapshot import (
    AccountProfile,
    AskItem,
    ContactItem,
    EvidenceSnapshot,
    PermissionItem,
    PreferenceItem,
    ReferralItem,
    RejectionItem,
    SignalItem,
    TicketItem,
)

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
Item = (
    SignalItem
    | TicketItem
    | PermissionItem
    | AskItem
    | ReferralItem
    | ContactItem
    | RejectionItem
    | PreferenceItem
)


def days_ago(days: float) -> datetime:
    return NOW - timedelta(days=days)


def since(days: int) -> date:
    """A customer_since date exactly `days` days before NOW's date."""
    return NOW.date() - timedelta(days=days)


def champion(contact_id: str = "c-1", **fields: Any) -> ContactItem:
    return ContactItem(id=contact_id, name="Lee Park", champion=True, **fields)


def signal(kind: str, days: float = 10, **fields: Any) -> SignalItem:
    fields.setdefault("id", f"s-{kind}-{days}-{fields.get('score')}")
    return SignalItem(kind=kind, occurred_at=days_ago(days), **fields)


def nps(score: int, days: float = 10, **fields: Any) -> SignalItem:
    return signal("nps", days, score=score, contact_id="c-1", **fields)


def outcome(days: float = 20, **fields: Any) -> SignalItem:
    fields.setdefault("metric", "no-show rate")
    fields.setdefault("value", "-31%")
    return signal("outcome", days, **fields)


def ticket(status: str, priority: str, category: str = "support", **fields: Any) -> TicketItem:
    fields.setdefault("id", f"t-{status}-{priority}-{category}")
    return TicketItem(
        status=status,
        priority=priority,
        category=category,
        opened_at=days_ago(fields.pop("days", 3)),
        **fields,
    )


def permission(scope: str, status: str, days: float = 5, **fields: Any) -> PermissionItem:
    fields.setdefault("id", f"perm:{scope}:{status}:{days}")
    fields.setdefault("contact_id", "c-1")
    return PermissionItem(scope=scope, status=status, recorded_at=days_ago(days), **fields)


def ask(
    days: float, outcome: str = "completed", ask_type: str = "review", **fields: Any
) -> AskItem:
    fields.setdefault("id", f"a-{ask_type}-{outcome}-{days}")
    return AskItem(
        ask_type=ask_type,
        asked_at=days_ago(days),
        outcome=outcome,
        **fields,
    )


def referral(days: float = 400, **fields: Any) -> ReferralItem:
    fields.setdefault("id", f"r-{days}")
    fields.setdefault("status", "converted")
    return ReferralItem(referred_company="Bayside Ortho", submitted_at=days_ago(days), **fields)


def rejection(days: float, **fields: Any) -> RejectionItem:
    """A review of the account its owner rejected `days` ago."""
    fields.setdefault("id", f"rv-rejected-{days}")
    return RejectionItem(decided_at=days_ago(days), **fields)


def preference(contact_id: str = "c-1", **fields: Any) -> PreferenceItem:
    """What the owner recorded for a contact; `unavailable_days` is days from NOW (+: ahead)."""
    ahead = fields.pop("unavailable_days", None)
    if ahead is not None:
        fields["unavailable_until"] = NOW + timedelta(days=ahead)
    return PreferenceItem(contact_id=contact_id, **fields)


def account(**fields: Any) -> AccountProfile:
    base: dict[str, Any] = {
        "id": "acc-001",
        "name": "Northwind Dental",
        "owner_id": "u-ana",
        "arr": 24_000,
        "customer_since": since(400),
        "health_score": 82,
    }
    return AccountProfile(**{**base, **fields})


_GROUPS = {
    SignalItem: "signals",
    TicketItem: "tickets",
    PermissionItem: "permissions",
    AskItem: "asks",
    ReferralItem: "referrals",
    ContactItem: "contacts",
    RejectionItem: "rejections",
    PreferenceItem: "preferences",
}


def snap(
    *items: Item, contacts: tuple[ContactItem, ...] | None = None, **fields: Any
) -> EvidenceSnapshot:
    """A snapshot of `account(**fields)` with `items` sorted into their groups.

    Contacts default to one champion `c-1`; pass `contacts=()` for none.
    """
    groups: dict[str, list[Item]] = {name: [] for name in _GROUPS.values()}
    for item in items:
        groups[_GROUPS[type(item)]].append(item)
    if contacts is None and not groups["contacts"]:
        contacts = (champion(),)
    groups["contacts"] = [*(contacts or ()), *groups["contacts"]]
    return EvidenceSnapshot(
        as_of=NOW, account=account(**fields), **{k: tuple(v) for k, v in groups.items()}
    )


# The smallest evidence that triggers: a promoter nps ten days ago.
TRIGGER = nps(10)
