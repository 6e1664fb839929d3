"""When can a gate result flip by the clock alone? The next window edge of an evidence snapshot.

Every time rule of the gates and the ask policy compares a dated item with `now`: "within N
days" (`domain.policy.within`: holds while now - N days <= moment <= now), a grant's
`expires_at <= now`, a tenure of N days since `customer_since`, an item dated after `now` that
is not yet counted. So, for the same evidence, the result can only change at one of these
moments: an item's own date (it starts counting), its date plus a window length (it leaves the
window: a signal leaving the trigger window, a complaint leaving the complaint window, a
cool-down ending), a grant's expiry, a tenure anniversary. `next_edge` is the earliest such
moment after `now`; until then a re-scan of unchanged evidence gives the same result and can
skip the account.

It is deliberately conservative: it takes every window length of the gates (GATE_WINDOWS)
against every date, so it may name an edge at which nothing flips (a re-scan then re-gates for
nothing); it never misses one. Evidence that arrives or changes later is not its business: the
store tracks that (a re-scan re-gates an account whose evidence changed, whatever its edge).
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta

from domain.journeys import YEAR_DAYS
from domain.settings import PolicySettings
from domain.snapshot import EvidenceSnapshot

# The windows the gates and the ask policy measure from a dated item (DESIGN.md section 4).
GATE_WINDOWS = (
    "trigger_window_days",
    "complaint_window_days",
    "recent_ask_days",
    "ask_limit_days",
    "decline_window_days",
    "reference_window_days",
    "case_study_tenure_days",
    "reference_call_tenure_days",
    "rejection_cooldown_days",
)


def window_lengths(policy: PolicySettings) -> tuple[timedelta, ...]:
    """Every window length a gate rule measures from a dated item, shortest first (the
    advocate's own yearly limit counts a fixed year, whatever the policy's windows)."""
    days = {int(getattr(policy, name)) for name in GATE_WINDOWS} | {YEAR_DAYS}
    return tuple(timedelta(days=value) for value in sorted(days))


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def evidence_moments(snapshot: EvidenceSnapshot) -> Iterator[datetime]:
    """Every date in the snapshot that a time rule reads."""
    account = snapshot.account
    if account.customer_since is not None:
        yield _start_of(account.customer_since)
    if account.renewal_date is not None:
        yield _start_of(account.renewal_date)
    yield from (signal.occurred_at for signal in snapshot.signals)
    for ticket in snapshot.tickets:
        yield ticket.opened_at
        if ticket.closed_at is not None:
            yield ticket.closed_at
    for permission in snapshot.permissions:
        yield permission.recorded_at
        if permission.expires_at is not None:
            yield permission.expires_at
    yield from (ask.asked_at for ask in snapshot.asks)
    yield from (referral.submitted_at for referral in snapshot.referrals)
    yield from (rejection.decided_at for rejection in snapshot.rejections)
    # An owner's "unavailable until" lifts its hold at that moment.
    yield from (p.unavailable_until for p in snapshot.preferences if p.unavailable_until)


def next_edge(snapshot: EvidenceSnapshot, policy: PolicySettings, now: datetime) -> datetime | None:
    """The earliest moment after `now` at which a time rule could flip this snapshot's gate
    result (or None: no rule ever will): at any moment in [now, edge) the result is the one at
    `now`. See the module docstring."""
    moments = sorted(evidence_moments(snapshot))
    # An item dated later starts counting (a grant's expiry: it stops); within(moment, now, N)
    # still holds at moment + N and not after, and a tenure of N days holds from moment + N on:
    # either way the result is the same before moment + N. Per window, the first moment whose
    # edge is still ahead is the first one after now - N.
    edges = [moments[i] for i in [bisect_right(moments, now)] if i < len(moments)]
    for window in window_lengths(policy):
        i = bisect_right(moments, now - window)
        if i < len(moments):
            edges.append(moments[i] + window)
    return min(edges, default=None)
