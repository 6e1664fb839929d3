"""The flags shown to the owner (DESIGN.md section 4): they never block, they inform."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from domain.settings import PolicySettings
from domain.snapshot import EvidenceSnapshot, ScopeStatus, SignalItem, TicketItem, scope_status
from domain.vocabulary import AskKind, scope_of


def live_tickets(snapshot: EvidenceSnapshot, now: datetime) -> list[TicketItem]:
    """Tickets open or pending as of `now`."""
    return [t for t in snapshot.tickets if t.status != "closed" and t.opened_at <= now]


def _is_public_praise(signal: SignalItem) -> bool:
    # A review is public by nature (DESIGN.md section 3) unless it says otherwise.
    return signal.public is True or (signal.kind == "review" and signal.public is not False)


def account_flags(
    snapshot: EvidenceSnapshot, now: datetime, policy: PolicySettings, triggers: Sequence[str]
) -> tuple[str, ...]:
    """Flags shown to the owner, which never block, in DESIGN.md section 6 order.

    `sensitive` (account flag); `high_value` (arr >= high_value_arr); `private_praise_only` (no
    trigger signal is public praise and public_quote is not granted); `low_priority_ticket_open`
    (an open or pending low-priority support or other ticket); `owner_only` (sensitive or
    high_value: no one but the owner may decide).
    """
    arr = snapshot.account.arr
    high_value = arr is not None and arr >= policy.high_value_arr
    trigger_set = set(triggers)
    public = any(_is_public_praise(s) for s in snapshot.signals if s.id in trigger_set)
    quote_granted = scope_status(snapshot, "public_quote", now) == "granted"
    low_ticket = any(
        t.priority == "low" and t.category in ("support", "other")
        for t in live_tickets(snapshot, now)
    )
    flagged = {
        "sensitive": snapshot.account.sensitive,
        "high_value": high_value,
        "private_praise_only": not (public or quote_granted),
        "low_priority_ticket_open": low_ticket,
        "owner_only": snapshot.account.sensitive or high_value,
    }
    return tuple(flag for flag, on in flagged.items() if on)


def permission_flag(snapshot: EvidenceSnapshot, now: datetime, ask_type: AskKind) -> str | None:
    """`permission:<scope>:<status>` for the scope of `ask_type`; None when it needs no scope.

    An `unclear` scope prints as `unknown` (the flag's statuses are a closed set); the
    `consent_unclear` reason tells the two apart.
    """
    scope = scope_of(ask_type)
    if scope is None:
        return None
    status: ScopeStatus = scope_status(snapshot, scope, now)
    return f"permission:{scope}:{'unknown' if status == 'unclear' else status}"
