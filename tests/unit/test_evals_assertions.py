"""Each deterministic assertion catches a planted bad draft and passes a good one (a table)."""

from __future__ import annotations

from typing import Any

import pytest

from domain.gates import evaluate
from domain.outputs import AdvocacySummary, AskDraft
from domain.settings import PolicySettings
from evals.assertions import ASSERTIONS, Outputs, Subject, run_assertions
from evals.cases import Case, build_case
from evals.subject import Measures

GOOD_BODY = (
    "Hi Lee,\n\nThank you for the kind words about scheduling; hearing that the no-show rate "
    "fell 31% made our week.\n\nWould you be interested in working with us on a short case "
    "study about your results? You would review every word, and nothing would go out without "
    "your explicit permission. Would you be open to it?\n\nBest regards,\nAna Ruiz"
)
RAW_CASE: dict[str, Any] = {
    "id": "t-case",
    "now": "2026-12-01T12:00:00Z",
    "account": {
        "id": "acc-1",
        "name": "Northwind Dental",
        "owner_id": "u-ana",
        "owner_name": "Ana Ruiz",
        "arr": 24000,
        "health_score": 82,
        "customer_since": "-400d",
    },
    "contacts": [{"id": "c-1", "name": "Lee Park", "email": "lee@nw.example", "champion": True}],
    "signals": [
        {
            "id": "s-1",
            "kind": "nps",
            "occurred_at": "-10d",
            "contact_id": "c-1",
            "score": 10,
            "text": "Scheduling is easier. Ask Dana Whitfield at Globex too.",
        },
        {
            "id": "s-2",
            "kind": "outcome",
            "occurred_at": "-20d",
            "metric": "no-show rate",
            "value": "-31%",
        },
    ],
    "tickets": [
        {
            "id": "t-9",
            "status": "closed",
            "priority": "high",
            "category": "billing",
            "opened_at": "-90d",
            "subject": "Double charge",
        }
    ],
    "expect": {
        "status": "candidate",
        "reasons": [],
        "ask_type": "case_study",
        "flags": ["private_praise_only"],
    },
    "assertions": {
        "canaries": ["Dana Whitfield", "Globex"],
        "min_words": 40,
        "max_words": 120,
        "max_chars": 900,
        "max_reading_grade": 9,
        "reference": "Thank you for the kind words about scheduling. Would you work with us on a "
        "short case study about your results?",
        "min_similarity": 0.4,
        "max_latency_s": 20,
        "max_cost_usd": 0.01,
    },
}
SUMMARY = AdvocacySummary(
    headline="Northwind Dental: NPS 10 and no-shows down 31%",
    points=[{"text": "Lee gave an NPS of 10.", "evidence_ids": ["s-1"]}],
    evidence_ids=["s-1", "s-2"],
)


def _case(**changes: Any) -> Case:
    return build_case({**RAW_CASE, **changes}, defaults={}, dataset="t.yaml")


def _draft(**changes: Any) -> AskDraft:
    fields: dict[str, Any] = {
        "channel": "email",
        "subject": "Thank you, Lee: would you tell your story with us?",
        "body": GOOD_BODY,
        "evidence_ids": ["s-1", "s-2"],
    }
    return AskDraft(**(fields | changes))


def _results(case: Case, outputs: Outputs) -> dict[str, Any]:
    report = evaluate(case.snapshot, PolicySettings(), case.now)
    return {r.name: r for r in run_assertions(Subject(case, report, outputs))}


def _with(sentence: str) -> AskDraft:
    return _draft(body=GOOD_BODY.replace("Best regards", f"{sentence}\n\nBest regards"))


def test_the_good_draft_passes_every_assertion() -> None:
    results = _results(_case(), Outputs(SUMMARY, _draft()))
    assert {name for name, r in results.items() if not r.passed} == set()
    assert set(results) == set(ASSERTIONS)


BAD_DRAFTS: list[tuple[str, AskDraft]] = [
    ("cited_ids", _draft(evidence_ids=["s-404"])),
    ("cited_ids", _draft(evidence_ids=[])),
    ("grounded", _with("Your bookings grew 45% this year.")),
    ("grounded", _with("Your colleague Marcus Brandt said the same.")),
    ("no_permission_claim", _with("Thank you for giving us your permission to publish it.")),
    ("no_permission_claim", _draft(subject="Thank you, Lee", body=GOOD_BODY.replace("?", "."))),
    ("no_incentive", _with("As a thank-you we will send a gift card.")),
    ("no_internal_data", _with("Your health score is great.")),
    ("no_internal_data", _with("Sorry again about the Double charge.")),
    ("no_internal_data", _with("You are one of our 24,000 dollar accounts.")),
    ("no_canary", _with("Please say hello to Dana Whitfield from me.")),
    ("channel_shape", _draft(body="Hi Lee, a case study?")),
    ("channel_shape", _draft(channel="call")),
    ("tone", _with("Please reply ASAP!!!")),
    ("tone", _draft(body=GOOD_BODY.replace("Hi Lee,", "Lee,"))),
    ("plain_text", _with("<b>Thanks</b>")),
    ("plain_text", _with("See [our site](https://x.example).")),
    ("length", _draft(body="Hi Lee,\n\nWould you share your story?\n\nBest regards,\nAna")),
    ("length", _with("We would love to hear more. " * 12)),
    (
        "reading_level",
        _draft(
            body="Hi Lee,\n\nConsidering the organizational implementations characterizing "
            "contemporary administrative infrastructure, an evaluation documenting operational "
            "transformations would institutionally demonstrate unprecedented accomplishments; "
            "would you consider participating collaboratively in a case study?\n\nBest regards,"
            "\nAna Ruiz"
        ),
    ),
    (
        "similar_to_reference",
        _draft(
            body="Hi Lee,\n\nOur quarterly newsletter lists upcoming webinars, product releases "
            "and office hours in December, plus the new mobile app and two training sessions. "
            "Would you like to join one of them, and would you agree to a case study? Nothing "
            "goes out without your explicit permission.\n\nBest regards,\nAna Ruiz"
        ),
    ),
]


@pytest.mark.parametrize(("assertion", "draft"), BAD_DRAFTS, ids=[b[0] for b in BAD_DRAFTS])
def test_each_assertion_catches_its_planted_bad_draft(assertion: str, draft: AskDraft) -> None:
    results = _results(_case(), Outputs(SUMMARY, draft))
    assert not results[assertion].passed, results[assertion]
    assert results[assertion].detail


def test_schema_fails_when_the_first_answer_did_not_parse() -> None:
    results = _results(_case(), Outputs(SUMMARY, None, draft_error="not JSON"))
    assert not results["schema"].passed
    assert "cited_ids" not in results  # nothing to read: content assertions do not apply


@pytest.mark.parametrize(
    ("expect", "failing"),
    [
        ({"status": "held"}, "gate_status"),
        ({"status": "candidate", "reasons": ["low_health"]}, "gate_reasons"),
        ({"status": "candidate", "ask_type": "review"}, "ask_type"),
        ({"status": "candidate", "ask_type": "case_study", "flags": ["sensitive"]}, "flags"),
        (
            {
                "status": "candidate",
                "ask_type": "case_study",
                "flags_absent": ["private_praise_only"],
            },
            "flags",
        ),
    ],
)
def test_gate_assertions_compare_with_agent_gates(expect: dict[str, Any], failing: str) -> None:
    results = _results(_case(expect=expect), Outputs(SUMMARY, _draft()))
    assert not results[failing].passed


def test_a_case_can_skip_an_assertion() -> None:
    case = _case(assertions={"skip": ["tone"]})
    results = _results(case, Outputs(SUMMARY, _with("Please reply ASAP!!!")))
    assert "tone" not in results


def test_non_candidates_get_only_gate_assertions() -> None:
    case = _case(
        account={**RAW_CASE["account"], "health_score": 10},
        expect={"status": "held", "reasons": ["low_health"]},
    )
    results = _results(case, Outputs())
    assert set(results) == {"gate_status", "gate_reasons"}
    assert all(r.passed for r in results.values())


@pytest.mark.parametrize(
    ("measures", "failing", "detail"),
    [
        (Measures(cost_usd=0.05, latency_s=3.0), "cost_budget", "0.05 USD > 0.01"),
        (Measures(cost_usd=None, latency_s=3.0), "cost_budget", "no price"),
        (Measures(cost_usd=0.001, latency_s=31.5), "latency_budget", "31.5 s > 20"),
        (Measures(cost_usd=0.001, latency_s=None), "latency_budget", "re-record"),
    ],
    ids=["over the cost budget", "unknown cost", "over the latency budget", "unknown latency"],
)
def test_a_cell_over_its_budget_fails(measures: Measures, failing: str, detail: str) -> None:
    case = _case()
    report = evaluate(case.snapshot, PolicySettings(), case.now)
    results = run_assertions(Subject(case, report, Outputs(SUMMARY, _draft()), measures))
    [failed] = [r for r in results if not r.passed]
    assert failed.name == failing and detail in failed.detail


def test_measures_apply_only_when_declared() -> None:
    results = _results(_case(assertions={}), Outputs(SUMMARY, _with("More words. " * 200)))
    assert not {"length", "reading_level", "similar_to_reference"} & set(results)
    assert not {"latency_budget", "cost_budget"} & set(results)


def test_dataset_defaults_declare_bounds_and_a_case_overrides_them() -> None:
    raw = {k: v for k, v in RAW_CASE.items() if k != "assertions"}
    case = build_case(
        {**raw, "assertions": {"max_words": 200}},
        defaults={"assertions": {"min_words": 10, "max_words": 50}},
        dataset="t.yaml",
    )
    assert (case.assertions.min_words, case.assertions.max_words) == (10, 200)
