"""Programs as pure rules: what a valid program is, who fits it, what a program scan keeps, and
how much capacity a period has left."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pydantic import ValidationError

from domain.capacity import counting_candidates
from domain.gates import evaluate
from domain.programs import (
    AccountFacts,
    CountedAsk,
    Program,
    account_facts,
    capacity_use,
    full_ask_types,
    period_start,
    program_fit,
    within_program,
)
from domain.settings import PolicySettings
from tests.unit.snapshots import NOW, ask, champion, nps, outcome, permission, snap

VOICE: dict[str, Any] = {
    "id": "voice",
    "name": "Customer voice",
    "ask_types": ["review", "testimonial"],
    "incentives": [
        {"id": "gc", "description": "A $25 gift card, whatever you write.", "value": 25,
         "currency": "USD"}
    ],
    "disclosure": "Everyone who takes part gets the same card.",
}  # fmt: skip


def program(**changes: Any) -> Program:
    return Program.model_validate({**VOICE, **changes})


def facts(**changes: Any) -> AccountFacts:
    base: dict[str, Any] = {
        "segment": "smb",
        "industry": "healthcare",
        "tier": "new",
        "expansion_eligible": False,
        "eligible_ask_types": ("testimonial", "review", "private_feedback"),
        "days_since_trigger": 5,
    }
    return AccountFacts(**{**base, **changes})


INVALID = [
    pytest.param({"ask_types": [], "activities": []}, "at least one ask type", id="runs_nothing"),
    pytest.param({"ask_types": ["coffee"]}, "ask_types", id="unknown_ask_type"),
    pytest.param({"activities": ["golf"]}, "activities", id="unknown_activity"),
    pytest.param({"disclosure": None}, "needs a disclosure", id="incentive_without_disclosure"),
    pytest.param(
        {"incentives": [VOICE["incentives"][0], VOICE["incentives"][0]]},
        "unique",
        id="duplicate_incentive",
    ),
    pytest.param(
        {"incentives": [{**VOICE["incentives"][0], "currency": "usd"}]},
        "currency",
        id="currency_not_iso",
    ),
    pytest.param(
        {"incentives": [{**VOICE["incentives"][0], "description": "$25 for a 5-star review"}]},
        "depends on praise",
        id="incentive_for_five_stars",
    ),
    pytest.param(
        {"incentives": [{**VOICE["incentives"][0], "description": "A card if you rate us well"}]},
        "depends on praise",
        id="incentive_if_you_rate",
    ),
    pytest.param(
        {"disclosure": "Thank-you cards go out for positive reviews."},
        "depends on praise",
        id="disclosure_for_positive_reviews",
    ),
    pytest.param(
        {"capacity": [{"max": 2, "per": "quarter", "ask_type": "case_study"}]},
        "does not run",
        id="capacity_for_an_ask_type_not_run",
    ),
    pytest.param({"capacity": [{"max": 2, "per": "week"}]}, "per", id="capacity_per_week"),
    pytest.param({"min_tier": "gold"}, "min_tier", id="unknown_tier"),
    pytest.param({"colour": "red"}, "colour", id="unknown_field"),
]


@pytest.mark.parametrize(("changes", "message"), INVALID)
def test_an_invalid_program_is_refused_naming_why(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        program(**changes)


def test_a_single_capacity_object_is_one_limit() -> None:
    assert len(program(capacity={"max": 3, "per": "month"}).capacity) == 1


RT = ("review", "testimonial")
WINDOW = "timing"
FIT = [
    pytest.param({}, facts(), True, RT, id="fits_any_account"),
    pytest.param({"segments": ["SMB"]}, facts(), True, RT, id="segment_any_case"),
    pytest.param({"segments": ["enterprise"]}, facts(), False, (), id="segment_not_listed"),
    pytest.param({"industries": ["retail"]}, facts(), False, (), id="industry_not_listed"),
    pytest.param({"min_tier": "repeat"}, facts(tier="contributor"), False, (), id="tier_below"),
    pytest.param({"min_tier": "repeat"}, facts(tier="champion"), True, RT, id="tier_above"),
    pytest.param(
        {WINDOW: [{"segment": "smb", "within_days": 3}]}, facts(), False, (), id="window_passed"
    ),
    pytest.param(
        {WINDOW: [{"segment": "smb", "within_days": 5}]}, facts(), True, RT, id="window_inclusive"
    ),
    pytest.param(
        {WINDOW: [{"segment": "mid", "within_days": 1}]}, facts(), True, RT, id="window_other"
    ),
    pytest.param({"ask_types": ["case_study"]}, facts(), False, (), id="runs_none_eligible"),
    pytest.param(
        {"ask_types": ["review"], "activities": ["advisory_board"]},
        facts(expansion_eligible=True),
        True,
        ("review", "advisory_board"),
        id="activities_once_expansion",
    ),
    pytest.param(
        {"ask_types": ["review"], "activities": ["advisory_board"]},
        facts(),
        True,
        ("review",),
        id="no_activities_before_expansion",
    ),
]


@pytest.mark.parametrize(("changes", "account", "fits", "runs"), FIT)
def test_program_fit(
    changes: dict[str, Any], account: AccountFacts, fits: bool, runs: tuple[str, ...]
) -> None:
    fit = program_fit(program(**changes), account)
    assert (fit.fits, fit.runs if fits else ()) == (fits, runs)
    assert bool(fit.why_not) is not fits


def test_a_used_up_ask_type_is_not_run() -> None:
    fit = program_fit(program(), facts(), full=("review", "testimonial"))
    assert not fit.fits
    assert "capacity used up: review, testimonial" in fit.why_not[0]


POLICY = PolicySettings()
CANDIDATE = snap(nps(10), outcome(), segment="smb", industry="healthcare")


def test_a_program_scan_keeps_the_ask_types_the_program_runs() -> None:
    report = evaluate(CANDIDATE, POLICY, NOW)
    assert report.ask_type == "case_study"
    fit = program_fit(program(), account_facts(CANDIDATE, report, NOW))
    narrowed = within_program(report, fit, CANDIDATE, NOW)
    assert narrowed.status == "candidate"
    assert narrowed.ask_type == "testimonial"
    assert set(narrowed.eligible_ask_types) == {"testimonial", "review"}


def test_an_account_outside_the_program_is_held_with_why() -> None:
    report = evaluate(CANDIDATE, POLICY, NOW)
    fit = program_fit(program(segments=["enterprise"]), account_facts(CANDIDATE, report, NOW))
    held = within_program(report, fit, CANDIDATE, NOW)
    assert (held.status, held.reasons, held.ask_type) == ("held", ("not_in_program",), None)
    assert "segment smb is not enterprise" in held.checks[-1].why


def test_account_facts_read_the_contacts_completed_asks() -> None:
    snapshot = snap(
        nps(10), ask(300, contact_id="c-1"), ask(200, ask_type="testimonial", contact_id="c-1"),
        contacts=(champion(),),
    )  # fmt: skip
    found = account_facts(snapshot, evaluate(snapshot, POLICY, NOW), NOW)
    assert (found.tier, found.expansion_eligible, found.days_since_trigger) == ("repeat", True, 10)


@pytest.mark.parametrize(
    ("per", "now", "start"),
    [
        ("month", datetime(2026, 2, 28, 23, tzinfo=UTC), datetime(2026, 2, 1, tzinfo=UTC)),
        ("quarter", datetime(2026, 2, 28, tzinfo=UTC), datetime(2026, 1, 1, tzinfo=UTC)),
        ("quarter", datetime(2026, 12, 31, tzinfo=UTC), datetime(2026, 10, 1, tzinfo=UTC)),
        ("quarter", datetime(2026, 4, 1, tzinfo=UTC), datetime(2026, 4, 1, tzinfo=UTC)),
    ],
)
def test_period_start(per: str, now: datetime, start: datetime) -> None:
    assert period_start(per, now) == start  # type: ignore[arg-type]


def _asks(*rows: tuple[str, str, int]) -> list[CountedAsk]:
    return [CountedAsk(t, c, datetime(2026, 11, day, tzinfo=UTC)) for t, c, day in rows]


def test_capacity_counts_this_period_only() -> None:
    limited = program(capacity=[{"max": 2, "per": "month"}])
    asks = [
        *_asks(("review", "c-1", 3), ("review", "c-2", 20)),
        CountedAsk("review", "c-3", datetime(2026, 10, 30, tzinfo=UTC)),
    ]
    (use,) = capacity_use(limited, asks, datetime(2026, 11, 25, tzinfo=UTC))
    assert (use.used, use.left) == (2, 0)
    assert full_ask_types(limited, [use]) == {"review", "testimonial"}


def test_capacity_per_ask_type_and_per_contact() -> None:
    limited = program(
        capacity=[
            {"max": 1, "per": "quarter", "ask_type": "testimonial"},
            {"max": 2, "per": "quarter", "ask_type": "review", "per_contact": True},
        ]
    )
    asks = _asks(("review", "c-1", 3), ("review", "c-1", 4), ("review", "c-2", 5))
    by_type, per_contact = capacity_use(limited, asks, datetime(2026, 11, 25, tzinfo=UTC))
    assert (by_type.used, by_type.left) == (0, 1)
    assert (per_contact.used, per_contact.left, per_contact.contacts_at_limit) == (2, 0, ("c-1",))
    # A per-contact limit never closes the program for everyone.
    assert full_ask_types(limited, [by_type, per_contact]) == frozenset()


@pytest.mark.parametrize(
    ("fitting", "ask_type", "chosen", "counted"),
    [
        (["refs", "voice"], "review", None, ["voice"]),  # refs does not run reviews
        (["refs", "voice"], "case_study", None, ["refs"]),
        (["voice", "refs", "more"], "review", None, ["more", "voice"]),  # by id
        (["refs", "voice"], "review", "refs", ["refs"]),  # an incentive's or a scan's program
        ([], "review", None, []),
        (["gone"], "review", None, []),
    ],
)
def test_the_programs_an_approved_ask_may_count_against(
    fitting: list[str], ask_type: str, chosen: str | None, counted: list[str]
) -> None:
    programs = {
        "voice": program(),
        "refs": program(id="refs", ask_types=["case_study"], incentives=[], disclosure=None),
        "more": program(id="more"),
    }
    assert counting_candidates(programs, fitting, ask_type, chosen) == counted


def test_design_md_spelling_of_an_incentive_is_read_too() -> None:
    spelled = {**VOICE["incentives"][0]}
    spelled["text"] = spelled.pop("description")
    assert program(incentives=[spelled]).incentives[0].description == spelled["text"]


def test_a_program_scan_checks_the_consent_of_the_ask_type_it_keeps() -> None:
    # The testimonial's scope (public_quote) was granted once and has expired: consent unclear.
    expired = permission("public_quote", "granted", expires_at=NOW - timedelta(days=1))
    snapshot = snap(nps(10), outcome(), expired, segment="smb", industry="healthcare")
    report = evaluate(snapshot, POLICY, NOW)
    assert (report.status, report.ask_type) == ("candidate", "case_study")
    narrowed = within_program(
        report, program_fit(program(), account_facts(snapshot, report, NOW)), snapshot, NOW
    )
    assert (narrowed.status, narrowed.reasons, narrowed.ask_type) == (
        "stopped",
        ("consent_unclear",),
        "testimonial",
    )
    assert "permission:public_quote:expired" in narrowed.flags
    assert not any(flag.startswith("permission:case_study") for flag in narrowed.flags)


def test_a_kept_ask_type_with_granted_consent_gets_its_flag() -> None:
    snapshot = snap(nps(10), outcome(), permission("public_quote", "granted"), segment="smb")
    report = evaluate(snapshot, POLICY, NOW)
    narrowed = within_program(
        report, program_fit(program(), account_facts(snapshot, report, NOW)), snapshot, NOW
    )
    assert narrowed.status == "candidate"
    assert "permission:public_quote:granted" in narrowed.flags
