"""When to ask, as a table: the timing line over trigger ages around the send window."""

from __future__ import annotations

import pytest

from domain.report import GateReport
from domain.timing import timing
from tests.unit.snapshots import NOW, nps, snap

WINDOW = 7


def report_of(*trigger_ids: str) -> GateReport:
    return GateReport(account_id="acc-001", status="candidate", trigger_signal_ids=trigger_ids)


TIMING_ROWS = [
    pytest.param(
        3,
        "ask within 7 days, while the positive moment is fresh (latest trigger 3 days ago)",
        id="fresh",
    ),
    pytest.param(
        1,
        "ask within 7 days, while the positive moment is fresh (latest trigger 1 day ago)",
        id="fresh_one_day",
    ),
    pytest.param(
        0.2,
        "ask within 7 days, while the positive moment is fresh (latest trigger today)",
        id="fresh_today",
    ),
    pytest.param(
        7,
        "ask within 7 days, while the positive moment is fresh (latest trigger 7 days ago)",
        id="exactly_at_the_window",
    ),
    pytest.param(
        8,
        "the moment is no longer fresh: the latest trigger was 8 days ago, past the 7-day window;"
        " ask soon and mention something current, or wait for a new positive signal",
        id="one_day_past_the_window",
    ),
    pytest.param(
        73,
        "the moment is no longer fresh: the latest trigger was 73 days ago, past the 7-day window;"
        " ask soon and mention something current, or wait for a new positive signal",
        id="long_past_the_window",
    ),
]


@pytest.mark.parametrize(("age_days", "why"), TIMING_ROWS)
def test_the_timing_line_says_whether_the_moment_is_still_fresh(age_days: float, why: str) -> None:
    trigger = nps(10, days=age_days, id="s-trigger")
    planned = timing(report_of("s-trigger"), snap(trigger), now=NOW, send_within_days=WINDOW)
    assert planned == {"send_by": "2026-12-08", "why": why}


def test_the_newest_trigger_counts_and_no_trigger_gives_the_window_alone() -> None:
    old, fresh = nps(9, days=73, id="s-old"), nps(10, days=2, id="s-fresh")
    planned = timing(report_of("s-old", "s-fresh"), snap(old, fresh), now=NOW, send_within_days=7)
    assert planned["why"].endswith("(latest trigger 2 days ago)")
    alone = timing(report_of(), snap(), now=NOW, send_within_days=7)
    assert alone["why"] == "ask within 7 days, while the positive moment is fresh"
