"""The candidate list for people (issue 17): readable items, filters checked against the data,
the latest result per account, and the CSV export — over HTTP on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from agent.usecases.scans import run_scan
from tests.e2e.api_fixtures import NOW, Api, open_api


@pytest.fixture
def api(migrated_url: str, tmp_path: Path) -> Iterator[Api]:
    yield from open_api(migrated_url, tmp_path)


def items(api: Api, who: str = "mkt", **params: Any) -> list[dict[str, Any]]:
    answer = api.get("/v1/candidates", who, **params)
    assert answer.status_code == 200, answer.text
    return list(answer.json()["items"])


def by_id(found: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {item["account_id"]: item for item in found}


def test_an_item_reads_like_a_campaign_row(api: Api) -> None:
    item = by_id(items(api))["acc-001"]
    assert item["status"] == "candidate"
    assert (item["account_name"], item["segment"], item["industry"], item["arr"]) == (
        "Northwind Dental", "smb", "healthcare", 24000,
    )  # fmt: skip
    assert (item["owner_name"], item["contact_name"], item["contact_title"]) == (
        "Ana Ruiz", "Lee Park", "Practice Manager",
    )  # fmt: skip
    assert item["trigger"].startswith("NPS 10 (Survey Tool)")
    assert "days ago (2026-" in item["trigger"]
    assert item["granted_scopes"] == ["public_quote"]
    assert item["review_status"] == "pending" and item["review_age_days"] == 0
    assert item["ask_type"] in item["eligible_ask_types"]


def test_contact_email_goes_to_the_owner_and_admins_not_marketing(api: Api) -> None:
    assert by_id(items(api, "mkt"))["acc-001"]["contact_email"] is None
    assert by_id(items(api, "ana"))["acc-001"]["contact_email"] == "lee@northwind.example"
    assert by_id(items(api, "admin"))["acc-001"]["contact_email"] == "lee@northwind.example"


def test_an_owner_sees_only_their_accounts(api: Api) -> None:
    assert set(by_id(items(api, "bob"))) == {"acc-002", "acc-003"}
    assert api.get("/v1/candidates", "bob", owner="u-ana").status_code == 404


FILTERS = [
    pytest.param({"segment": "SMB"}, {"acc-001", "acc-002", "acc-003"}, id="segment_any_case"),
    pytest.param({"industry": "Healthcare"}, {"acc-001"}, id="industry_any_case"),
    pytest.param({"owner": "u-bob"}, {"acc-002", "acc-003"}, id="owner"),
    pytest.param({"arr_min": 20000}, {"acc-001"}, id="arr_min"),
    pytest.param({"arr_max": 20000}, set(), id="arr_max_excludes_larger_and_unknown"),
    pytest.param({"permission": "public_quote"}, {"acc-001"}, id="granted_permission"),
    pytest.param({"eligible": "referral"}, {"acc-001", "acc-002"}, id="eligible_at_any_rank"),
    pytest.param({"ask_type": "referral"}, set(), id="recommended_is_not_eligible"),
    pytest.param({"status": "not_triggered"}, {"acc-003"}, id="status"),
    pytest.param({"review_status": "none"}, {"acc-003"}, id="no_review_yet"),
    pytest.param({"review_status": "pending"}, {"acc-001", "acc-002"}, id="review_status"),
    pytest.param({"trigger": "nps"}, {"acc-001", "acc-002"}, id="trigger_kind"),
]


@pytest.mark.parametrize(("params", "expected"), FILTERS)
def test_filters(api: Api, params: dict[str, Any], expected: set[str]) -> None:
    assert set(by_id(items(api, "admin", **params))) == expected


@pytest.mark.parametrize(
    ("params", "words"),
    [
        ({"segment": "startup"}, "'startup' matches no account; known values: smb"),
        ({"industry": "mining"}, "known values: healthcare"),
        ({"owner": "u-nobody"}, "no owner 'u-nobody'"),
        ({"arr_min": 10, "arr_max": 5}, "arr_min: 10 is larger than arr_max 5"),
        ({"eligible": "podcast"}, "eligible"),
    ],
)
def test_a_filter_that_matches_nothing_is_a_422_naming_it(
    api: Api, params: dict[str, Any], words: str
) -> None:
    for path in ("/v1/candidates", "/v1/candidates.csv"):
        answer = api.get(path, "mkt", **params)
        assert answer.status_code == 422, answer.text
        assert words in answer.text


def test_a_narrow_scan_does_not_hide_the_other_accounts(api: Api) -> None:
    services = api.client.app.state.services  # type: ignore[attr-defined]
    first = {item["account_id"]: item["scan_id"] for item in items(api)}
    narrow = run_scan(services=services, now=NOW, account_ids=["acc-003"])
    latest = {item["account_id"]: item["scan_id"] for item in items(api)}
    assert latest == {**first, "acc-003": narrow}
    assert set(by_id(items(api, scan=narrow))) == {"acc-003"}


def test_pages_follow_the_cursor_with_the_same_filters(api: Api) -> None:
    first = api.get("/v1/candidates", "admin", segment="smb", limit=2).json()
    assert len(first["items"]) == 2 and first["next_cursor"]
    rest = api.get(
        "/v1/candidates", "admin", segment="smb", limit=2, cursor=first["next_cursor"]
    ).json()
    assert [i["account_id"] for i in first["items"] + rest["items"]] == [
        "acc-001", "acc-002", "acc-003",
    ]  # fmt: skip
    assert rest["next_cursor"] is None


def test_the_csv_export_is_rfc4180_utf8_with_a_header(api: Api) -> None:
    answer = api.get("/v1/candidates.csv", "admin", segment="smb")
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/csv")
    assert "attachment" in answer.headers["content-disposition"]
    assert answer.content.decode("utf-8").count("\r\n") == 4
    rows = list(csv.DictReader(io.StringIO(answer.content.decode("utf-8"))))
    assert [r["account_id"] for r in rows] == ["acc-001", "acc-002", "acc-003"]
    assert rows[0]["contact_email"] == "lee@northwind.example"
    assert rows[0]["trigger"].startswith("NPS 10")
    assert rows[2]["review_status"] == ""
