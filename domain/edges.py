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

It is deliberately conservative: it takes every window length of the policy against every
date, so it may name an edge at which nothing flips (a re-scan then re-gates for nothing); it
never misses one. Evidence that arrives or changes later is not its business: the store tracks
that (a re-scan re-gates an account whose evidence changed, whatever its edge).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime, time, timedelta

from domain.settings import PolicySettings
from domain.snapshot import EvidenceSnapshot


def window_lengths(policy: PolicySettings) -> tuple[timedelta, ...]:
    """Every window the rules measure from a dated item (the policy's `*_days` numbers)."""
    days = {
        value
        for name, value in policy.model_dump().items()
        if name.endswith("_days") and isinstance(value, int)
    }
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


def _edges(moment: datetime, windows: Iterable[timedelta]) -> Iterator[datetime]:
    yield moment  # an item dated later starts counting (a grant expiring: it stops)
    for window in windows:
        # within(moment, now, N) still holds at moment + N and not after; a tenure of N days
        # holds from moment + N on: either way the result is the same before moment + N.
        yield moment + window


def next_edge(snapshot: EvidenceSnapshot, policy: PolicySettings, now: datetime) -> datetime | None:
    """The earliest moment after `now` at which a time rule could flip this snapshot's gate
    result (or None: no rule ever will): at any moment in [now, edge) the result is the one at
    `now`. See the module docstring."""
    windows = window_lengths(policy)
    later = (
        edge
        for moment in evidence_moments(snapshot)
        for edge in _edges(moment, windows)
        if edge > now
    )
    return min(later, default=None)
