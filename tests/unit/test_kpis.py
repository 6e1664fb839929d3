"""The seeds' baseline rates, KPI helpers and pilot thresholds as pure rules."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from domain.gates import evaluate
from domain.kpis import (
    CompletedAsk,
    candidate_readiness,
    days_bucket,
    eligibility_ready,
    pilot_candidate_problems,
    pilot_referral_problems,
    referral_ready,
    repeat_share,
    retention_share,
)
from domain.settings import PolicySettings
from tests.unit.snapshots import NOW, nps, outcome, permission, snap, ticket

POLICY = PolicySettings()
READY = {
    "satisfaction": True,
    "value_proof": True,
    "owner": True,
    "use_case_fit": True,
    "permission_known": True,
    "ask_type": "testimonial",
    "timing_ok": True,
}


def readiness(*items: Any, **account: Any) -> dict[str, Any]:
    snapshot = snap(*items, **{"segment": "smb", "industry": "dental", **account})
    return candidate_readiness(snapshot, evaluate(snapshot, POLICY, NOW), NOW, 14)


def test_a_candidate_with_everything_is_eligible() -> None:
    data = readiness(nps(10), outcome(), permission("case_study", "granted"))
    assert eligibility_ready(data)
    assert (data["ask_type"], data["days_since_trigger"], data["open_risk"]) == (
        "case_study",
        10,
        False,
    )


CRITERIA = [
    pytest.param({}, "value_proof", id="value_proof"),
    pytest.param({"industry": None}, "use_case_fit", id="use_case_fit_needs_industry"),
    pytest.param({"segment": None}, "use_case_fit", id="use_case_fit_needs_segment"),
]


@pytest.mark.parametrize(("account", "missing"), CRITERIA)
def test_each_missing_criterion_makes_a_candidate_not_eligible(
    account: dict[str, Any], missing: str
) -> None:
    items = (nps(10), permission("case_study", "granted"))
    data = readiness(*items, *(() if missing == "value_proof" else (outcome(),)), **account)
    assert data[missing] is False
    assert not eligibility_ready(data)


def test_an_unknown_permission_status_is_not_eligible() -> None:
    data = readiness(nps(10), outcome())
    assert data["ask_type"] == "case_study"
    assert (data["permission_known"], eligibility_ready(data)) == (False, False)


def test_an_open_low_priority_ticket_is_an_open_risk() -> None:
    assert readiness(nps(10), outcome(), ticket("open", "low"))["open_risk"] is True


@pytest.mark.parametrize(
    ("changes", "approved", "ready"),
    [
        ({}, True, True),
        ({}, False, False),
        ({"timing_ok": False}, True, False),
        ({"value_proof": False}, True, False),
        ({"satisfaction": False}, True, False),
        ({"owner": False}, True, False),
    ],
)
def test_referral_readiness(changes: dict[str, Any], approved: bool, ready: bool) -> None:
    assert referral_ready({**READY, **changes}, approved) is ready


def test_the_timing_rule_reads_the_trigger_age() -> None:
    assert readiness(nps(10, days=14), outcome())["timing_ok"] is True
    assert readiness(nps(10, days=15), outcome())["timing_ok"] is False


@pytest.mark.parametrize(
    ("days", "bucket"),
    [(-2, "0-3"), (0, "0-3"), (3, "0-3"), (4, "4-7"), (14, "8-14"), (30, "15-30"),
     (60, "31-60"), (61, "61+"), (400, "61+")],
)  # fmt: skip
def test_days_bucket(days: int, bucket: str) -> None:
    assert days_bucket(days) == bucket


T0 = datetime(2026, 1, 1, tzinfo=UTC)


def done(contact: str, days: int) -> CompletedAsk:
    return CompletedAsk(contact, T0 + timedelta(days=days))


def test_repeat_share_uses_the_shared_tier() -> None:
    asks = [done("a", 1), done("a", 2), done("b", 3)]
    assert repeat_share(asks) == 0.5
    assert repeat_share([]) is None


def test_retention_share() -> None:
    since = T0 + timedelta(days=100)
    asks = [done("a", 1), done("a", 150), done("b", 2), done("c", 200)]
    assert retention_share(asks, since) == 0.5
    assert retention_share([done("c", 200)], since) is None


PILOT = [
    pytest.param({"value_proof": True}, "approved", [], id="meets_it"),
    pytest.param({"value_proof": True}, "edited", [], id="edited_counts_as_approved"),
    pytest.param({"value_proof": False}, "approved", ["no value proof"], id="no_value_proof"),
    pytest.param(
        {"value_proof": True, "open_risk": True}, "approved", ["open relationship risk"],
        id="open_risk",
    ),
    pytest.param(
        {"value_proof": True}, "pending", ["ask type not approved by the owner (pending)"],
        id="not_approved_yet",
    ),
]  # fmt: skip


@pytest.mark.parametrize(("data", "status", "problems"), PILOT)
def test_pilot_candidate_threshold(data: dict[str, Any], status: str, problems: list[str]) -> None:
    assert pilot_candidate_problems(data, status) == problems


def test_pilot_referral_threshold() -> None:
    ok = {"value_proof": True}
    assert pilot_referral_problems(ok, T0, None) == []
    assert pilot_referral_problems(ok, T0, T0 + timedelta(hours=1)) == []
    assert pilot_referral_problems({"value_proof": True, "open_issue": True}, T0, None) == [
        "unresolved issue at approval"
    ]
    assert pilot_referral_problems(ok, T0, T0 - timedelta(hours=1)) == [
        "requested before the owner's approval"
    ]
