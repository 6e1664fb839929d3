"""The label table: every code a person sees has words, and the words read true."""

from __future__ import annotations

from typing import get_args

import pytest

from domain.capacity import CapacityRefusal
from domain.labels import (
    FLAGS,
    METRICS,
    REASONS,
    RULES,
    STATUSES,
    label_of,
    labels_for,
    rule_label,
)
from domain.vocabulary import ASK_TYPES, SCOPES, EventKind, ReasonCode, Status

FLAG_CODES = ("sensitive", "high_value", "owner_only", "private_praise_only")
FLAG_CODES += ("low_priority_ticket_open", "llm_fallback")
EVERY_CODE = [
    *get_args(ReasonCode),
    *get_args(CapacityRefusal),
    *FLAG_CODES,
    *get_args(Status),
    *ASK_TYPES,
    *(kind for kind in get_args(EventKind) if isinstance(kind, str)),
    *get_args(get_args(EventKind)[-1]),  # the outcome kinds
]


@pytest.mark.parametrize("code", EVERY_CODE)
def test_every_code_has_a_label_and_an_explanation(code: str) -> None:
    label = label_of(code)
    assert label.label != code and label.label[0].isupper(), label
    assert label.explanation.endswith("."), label
    assert "_" not in label.label and "_" not in label.explanation


@pytest.mark.parametrize(
    ("code", "label"),
    [
        ("low_priority_ticket_open", "Low-priority ticket open"),
        ("permission:reference_call:unknown", "Reference call permission: not recorded"),
        ("permission:public_quote:granted", "Quote permission: granted"),
        ("permission:case_study:revoked", "Case study permission: revoked"),
        ("ask_type_no_longer_eligible:review", "Public review no longer eligible"),
        ("advocate_candidate_eligibility_rate", "Candidates fully ready"),
        ("something_new", "something_new"),
    ],
)
def test_codes_read_as_words(code: str, label: str) -> None:
    assert label_of(code).label == label


@pytest.mark.parametrize("scope", SCOPES)
@pytest.mark.parametrize("status", ["granted", "denied", "revoked", "expired", "unknown"])
def test_every_permission_flag_reads_as_words(scope: str, status: str) -> None:
    label = label_of(f"permission:{scope}:{status}")
    assert ":" in label.label and "_" not in label.label and label.explanation


def test_a_passed_gate_row_reads_true() -> None:
    """`consent_unclear: passed` read as a contradiction: the rule names what passing means."""
    assert rule_label("consent_unclear").label == "Consent is not contradictory"
    assert rule_label("positive_signal").label == "Recent praise"
    assert set(RULES) >= set(REASONS) - {"no_positive_signal", "account_missing"}


def test_the_tables_do_not_overlap_where_a_code_would_change_meaning() -> None:
    for table in (FLAGS, STATUSES, METRICS):
        assert not set(table) & set(REASONS)


def test_the_api_labels_map_each_code_once() -> None:
    assert labels_for(["held", "open_ticket", "held"]) == {
        "held": {"label": "Held", "explanation": label_of("held").explanation},
        "open_ticket": {
            "label": "Open support ticket",
            "explanation": "A ticket of normal priority or above is open.",
        },
    }
