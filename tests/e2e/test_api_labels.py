"""`?labels=true`: the API gives each code of an answer in words, from the page's own table;
without it the answers are exactly as before (no `labels` key)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from domain.labels import label_of
from tests.e2e.api_fixtures import Api, open_api


@pytest.fixture
def api(sqlite_url: str, tmp_path: Path) -> Iterator[Api]:
    yield from open_api(sqlite_url, tmp_path)


def test_reviews_carry_labels_only_when_asked(api: Api) -> None:
    plain = api.get("/v1/reviews", "ana").json()
    assert "labels" not in plain
    labelled = api.get("/v1/reviews", "ana", labels="true").json()
    (item,) = labelled["items"]
    assert labelled["items"] == plain["items"]
    assert set(labelled["labels"]) == {item["ask_type"], *item["flags"]}
    assert labelled["labels"]["case_study"] == {
        "label": "Case study",
        "explanation": label_of("case_study").explanation,
    }
    assert labelled["labels"]["permission:case_study:unknown"]["label"] == (
        "Case study permission: not recorded"
    )


def test_one_review_labels_its_gate_status_flags_and_ask_types(api: Api) -> None:
    review_id = api.review_of("acc-001").id
    assert "labels" not in api.get(f"/v1/reviews/{review_id}", "ana").json()
    body = api.get(f"/v1/reviews/{review_id}", "ana", labels="true").json()
    assert body["labels"]["candidate"]["label"] == "Ready to ask"
    assert set(body["eligible_ask_types"]) <= set(body["labels"])


def test_candidates_label_their_reasons(api: Api) -> None:
    body = api.get("/v1/candidates", "mkt", labels="true").json()
    reasons = {reason for item in body["items"] for reason in item["reasons"]}
    assert reasons and reasons <= set(body["labels"])
    assert all(body["labels"][r]["label"] != r for r in reasons)
    assert api.get("/v1/candidates", "mkt", labels="maybe").status_code == 422
