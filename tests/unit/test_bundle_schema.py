"""Row schemas of the bundle: the design's enums, scores, times, permission ids."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, get_args

import pytest
from pydantic import ValidationError

from domain import vocabulary
from store.bundle import AccountRow, PermissionRow, Problem, SignalRow
from store.bundle_read import read_json

# DESIGN.md section 3, word for word: the contract the import and the tools share.
DESIGN_ENUMS = [
    (
        "SignalKind",
        "nps csat review feedback outcome renewal expansion project_close "
        "support_praise usage_milestone complaint",
    ),
    ("Sentiment", "positive neutral negative"),
    ("TicketStatus", "open pending closed"),
    ("TicketPriority", "low normal high urgent"),
    ("TicketCategory", "support billing delivery other"),
    ("Scope", "public_quote logo case_study reference_call review marketing_contact"),
    ("PermissionStatus", "granted denied revoked"),
    ("AskType", "private_feedback review referral testimonial reference_call case_study"),
    ("AskOutcome", "pending completed declined no_response"),
    ("ReferralStatus", "submitted qualified converted lost"),
    ("RewardStatus", "none pending paid disputed"),
]


@pytest.mark.parametrize(("name", "values"), DESIGN_ENUMS, ids=[n for n, _ in DESIGN_ENUMS])
def test_enums_are_the_design_ones(name: str, values: str) -> None:
    assert set(get_args(getattr(vocabulary, name))) == set(values.split())


def signal(**fields: Any) -> dict[str, Any]:
    return {"id": "s-1", "account_id": "a", "occurred_at": "2026-01-01T00:00:00Z"} | fields


@pytest.mark.parametrize(
    ("kind", "low", "high"), [("nps", 0, 10), ("csat", 1, 5), ("review", 1, 5)]
)
def test_score_range_per_kind(kind: str, low: int, high: int) -> None:
    assert SignalRow.model_validate(signal(kind=kind, score=low)).score == low
    assert SignalRow.model_validate(signal(kind=kind, score=high)).score == high
    for bad in (low - 1, high + 1):
        with pytest.raises(ValidationError, match="score must be between"):
            SignalRow.model_validate(signal(kind=kind, score=bad))


def test_scored_kinds_need_a_score() -> None:
    with pytest.raises(ValidationError, match="needs a score"):
        SignalRow.model_validate(signal(kind="nps"))


def test_unscored_kinds_take_none() -> None:
    assert SignalRow.model_validate(signal(kind="renewal")).score is None


def test_naive_time_is_utc() -> None:
    row = SignalRow.model_validate(signal(kind="renewal", occurred_at="2026-01-01T08:30:00"))
    assert row.occurred_at == datetime(2026, 1, 1, 8, 30, tzinfo=UTC)


def test_unknown_field_is_refused() -> None:
    with pytest.raises(ValidationError, match="Extra inputs"):
        AccountRow.model_validate({"id": "a", "name": "A", "owner_id": "u", "colour": "red"})


def test_permission_id_is_stable_and_explicit_id_wins() -> None:
    fields = {
        "account_id": "acc-1",
        "scope": "logo",
        "status": "granted",
        "recorded_at": "2026-11-12T10:00:00+01:00",
    }
    derived = PermissionRow.model_validate(fields).stable_id()
    assert derived == "perm:acc-1:-:logo:2026-11-12T09:00:00+00:00:granted"
    assert PermissionRow.model_validate(fields | {"id": "p-7"}).stable_id() == "p-7"


def test_json_reader_keeps_nested_values_for_validation(tmp_path: Any) -> None:
    path = tmp_path / "b.json"
    path.write_text('{"owners": [{"id": "u", "name": {"first": "A"}}, 3], "x": 1}')
    items = list(read_json(path))
    assert items[0] == ("owners", 0, {"id": "u", "name": {"first": "A"}})
    assert items[1] == ("owners", 1, 3)
    assert items[2] == Problem("x", None, None, "must be a list of rows")
