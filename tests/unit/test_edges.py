"""The next window edge (domain/edges.py) as a table: one row per time rule, with its edge."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from domain.edges import next_edge
from domain.gates import evaluate
from domain.settings import PolicySettings
from domain.snapshot import EvidenceSnapshot
from tests.unit.snapshots import (
    NOW,
    TRIGGER,
    account,
    ask,
    days_ago,
    nps,
    outcome,
    permission,
    preference,
    rejection,
    signal,
    since,
    snap,
)

POLICY = PolicySettings()
DAY = timedelta(days=1)
# Few windows, so each row's edge is the rule's own: trigger 90, complaint 30, ask rules as named.
NARROW = PolicySettings(
    trigger_window_days=90,
    complaint_window_days=30,
    recent_ask_days=90,
    ask_limit_days=365,
    decline_window_days=180,
    reference_window_days=90,
    case_study_tenure_days=180,
    reference_call_tenure_days=90,
    rejection_cooldown_days=90,
    send_within_days=90,
    no_response_after_days=90,
    reminder_every_days=90,
    review_reminder_days=90,
)


def _outcome(
    snapshot: EvidenceSnapshot, policy: PolicySettings, now: datetime
) -> tuple[object, ...]:
    report = evaluate(snapshot, policy, now)
    return report.status, report.reasons, report.flags, report.ask_type, report.eligible_ask_types


EDGES = [
    # name, snapshot, the edge (as days from NOW: negative = before)
    ("trigger_signal_leaves_the_window", snap(nps(10, days=80), customer_since=since(10)), 10),
    ("complaint_leaves_its_window", snap(TRIGGER, signal("complaint", days=25)), 5),
    ("recent_ask_cool_down_ends", snap(nps(10, days=5), ask(days=85)), 5),
    ("rejection_cool_down_ends", snap(nps(10, days=5), rejection(days=88)), 2),
    (
        "grant_expires",
        snap(
            nps(10, days=5),
            permission("public_quote", "granted", days=5, expires_at=NOW + 3 * DAY),
        ),
        3,
    ),
    ("future_dated_signal_starts_counting", snap(TRIGGER, nps(3, days=-1.5)), 1.5),
    ("tenure_anniversary", snap(nps(10, days=1), outcome(5), customer_since=since(178)), 2),
    (
        "advocate_back_from_unavailable",
        snap(nps(10, days=5), preference(unavailable_until=NOW + 4 * DAY)),
        4,
    ),
    (
        "advocate_yearly_limit_frees_up",
        snap(nps(10, days=5), ask(days=364, contact_id="c-1"), preference(max_asks_per_year=1)),
        1,
    ),
]


@pytest.mark.parametrize(
    ("snapshot", "days"), [(s, d) for _, s, d in EDGES], ids=[n for n, *_ in EDGES]
)
def test_the_next_edge_is_the_rules_own(snapshot: EvidenceSnapshot, days: float) -> None:
    edge = next_edge(snapshot, NARROW, NOW)
    assert edge is not None
    assert edge <= NOW + timedelta(days=days), "never later than the moment the rule flips"
    assert edge > NOW


def test_nothing_dated_has_no_edge() -> None:
    bare = EvidenceSnapshot(as_of=NOW, account=account(customer_since=None))
    assert next_edge(bare, POLICY, NOW) is None


@pytest.mark.parametrize(
    ("snapshot", "days"), [(s, d) for _, s, d in EDGES], ids=[n for n, *_ in EDGES]
)
def test_the_result_holds_until_the_edge_and_these_rows_flip_at_it(
    snapshot: EvidenceSnapshot, days: float
) -> None:
    edge = next_edge(snapshot, NARROW, NOW)
    assert edge is not None
    before = _outcome(snapshot, NARROW, NOW)
    for moment in (NOW + (edge - NOW) / 3, edge - timedelta(microseconds=1)):
        assert _outcome(snapshot, NARROW, moment) == before
    flipped = NOW + timedelta(days=days) + timedelta(seconds=1)
    assert _outcome(snapshot, NARROW, flipped) != before, "the row's rule does flip"


def test_window_edges_are_inclusive_like_within() -> None:
    # within(): an nps 80 days old is in a 90-day window until exactly 90 days have passed.
    snapshot = snap(nps(10, days=80))
    edge = next_edge(snapshot, NARROW, NOW)
    assert edge is not None and edge <= days_ago(80) + timedelta(days=90)
