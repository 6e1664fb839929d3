"""Saved candidate lists (issue 17): marketing names a filter once and reads it again; each read
re-evaluates it, with the reader's own visibility — over HTTP on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.api_fixtures import Api, open_api

HEALTHCARE = {"name": "Referral-ready healthcare", "filters": {"industry": "Healthcare",
              "eligible": "referral"}}  # fmt: skip


@pytest.fixture
def api(migrated_url: str, tmp_path: Path) -> Iterator[Api]:
    yield from open_api(migrated_url, tmp_path)


def ids(answer: Any) -> set[str]:
    assert answer.status_code == 200, answer.text
    return {item["account_id"] for item in answer.json()["items"]}


def test_marketing_saves_a_list_and_reads_it_by_id_or_name(api: Api) -> None:
    made = api.post("/v1/lists", "mkt", HEALTHCARE)
    assert made.status_code == 201, made.text
    saved = made.json()
    assert saved["filters"] == {"industry": "healthcare", "eligible": "referral"}
    assert ids(api.get(saved["href"], "mkt")) == {"acc-001"}
    by_name = api.get("/v1/lists/referral-ready healthcare", "mkt")
    assert by_name.json()["list_id"] == saved["list_id"]
    assert [item["name"] for item in api.get("/v1/lists", "ana").json()] == [HEALTHCARE["name"]]


def test_a_list_is_re_evaluated_on_each_read(api: Api) -> None:
    body = {"name": "Waiting for the owner", "filters": {"review_status": "pending"}}
    saved = api.post("/v1/lists", "mkt", body).json()
    assert ids(api.get(saved["href"], "mkt")) == {"acc-001", "acc-002"}
    review = api.review_of("acc-001")
    decided = api.post(f"/v1/reviews/{review.id}/decision", "ana",
                       {"action": "reject", "reason": "not now"})  # fmt: skip
    assert decided.status_code == 200, decided.text
    assert ids(api.get(saved["href"], "mkt")) == {"acc-002"}


def test_an_owner_reads_a_shared_list_with_only_their_accounts(api: Api) -> None:
    saved = api.post("/v1/lists", "mkt", {"name": "All SMB", "filters": {"segment": "smb"}}).json()
    assert ids(api.get(saved["href"], "mkt")) == {"acc-001", "acc-002", "acc-003"}
    assert ids(api.get(saved["href"], "bob")) == {"acc-002", "acc-003"}


@pytest.mark.parametrize(
    ("body", "status", "words"),
    [
        ({"name": "x", "filters": {"segment": "startup"}}, 422, "known values: smb"),
        ({"name": "x", "filters": {"sector": "health"}}, 422, "sector"),
        ({"name": " ", "filters": {}}, 422, "name"),
        ({"name": "x", "colour": "red"}, 422, "colour"),
    ],
)
def test_a_bad_list_is_refused_and_not_saved(
    api: Api, body: dict[str, Any], status: int, words: str
) -> None:
    answer = api.post("/v1/lists", "mkt", body)
    assert answer.status_code == status, answer.text
    assert words in answer.text
    assert api.get("/v1/lists", "mkt").json() == []


def test_names_are_unique_and_owners_may_not_save(api: Api) -> None:
    assert api.post("/v1/lists", "mkt", HEALTHCARE).status_code == 201
    again = api.post("/v1/lists", "admin", {**HEALTHCARE, "name": HEALTHCARE["name"].upper()})
    assert again.status_code == 409 and "exists already" in again.text
    assert api.post("/v1/lists", "ana", {"name": "mine"}).status_code == 403


def test_delete_and_csv(api: Api) -> None:
    saved = api.post("/v1/lists", "mkt", HEALTHCARE).json()
    exported = api.get(saved["csv_href"], "mkt")
    assert exported.status_code == 200, exported.text
    rows = list(csv.DictReader(io.StringIO(exported.content.decode("utf-8"))))
    assert [row["account_id"] for row in rows] == ["acc-001"]
    assert rows[0]["contact_email"] == ""
    assert api.client.delete(saved["href"].removesuffix("/candidates"),
                             headers=api.headers("ana")).status_code == 403  # fmt: skip
    gone = api.client.delete(f"/v1/lists/{saved['list_id']}", headers=api.headers("mkt"))
    assert gone.status_code == 204
    assert api.get(saved["href"], "mkt").status_code == 404
