"""A scan request is checked against the data (issue 17's first finding): a typo in a segment or
an account id is a 422 naming it, and nothing is recorded as the latest scan."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.api_fixtures import Api, open_api
from tests.e2e.test_cli import run


@pytest.fixture
def api(migrated_url: str, tmp_path: Path) -> Iterator[Api]:
    yield from open_api(migrated_url, tmp_path, scan=False)


def scans(api: Api) -> list[dict[str, Any]]:
    return list(api.get("/v1/scans", "mkt").json()["items"])


@pytest.mark.parametrize(
    ("body", "words"),
    [
        pytest.param({"segment": "startup"}, "'startup' matches no account; known segments: smb",
                     id="unknown_segment"),
        pytest.param({"account_ids": ["acc-999999", "acc-001"]}, "no account acc-999999",
                     id="unknown_account"),
        pytest.param({"segment": "SMB", "account_ids": ["acc-999"]}, "no account acc-999",
                     id="unknown_account_in_a_segment"),
    ],
)  # fmt: skip
def test_a_scan_that_matches_nothing_is_refused_and_not_recorded(
    api: Api, body: dict[str, Any], words: str
) -> None:
    answer = api.post("/v1/scans", "mkt", body)
    assert answer.status_code == 422, answer.text
    assert words in answer.json()["detail"]
    assert scans(api) == []


def test_a_segment_matches_whatever_its_case(api: Api) -> None:
    answer = api.post("/v1/scans", "mkt", {"segment": "SMB"})
    assert answer.status_code == 202, answer.text
    (scan,) = scans(api)
    assert scan["filters"]["segment"] == "smb"


def test_the_cli_refuses_an_unknown_segment_with_exit_2(tmp_path: Path) -> None:
    assert run(tmp_path, "demo", "--accounts", "20").returncode == 0
    done = run(tmp_path, "scan", "--segment", "startup")
    assert done.returncode == 2 and "known segments" in done.stderr
    listed = run(tmp_path, "scan", "--segment", "SMB", "--json")
    assert listed.returncode == 0, listed.stderr


@pytest.mark.parametrize(
    ("path", "params"),
    [("/v1/candidates", {"colour": "red"}), ("/v1/candidates.csv", {"sector": "health"}),
     ("/v1/reviews", {"owner": "u-ana", "sort": "age"}), ("/v1/tasks", {"state": "open"})],
)  # fmt: skip
def test_an_unknown_filter_is_a_422_not_an_unfiltered_list(
    api: Api, path: str, params: dict[str, str]
) -> None:
    answer = api.get(path, "admin", **params)
    assert answer.status_code == 422, answer.text
    assert "unknown query parameter" in answer.json()["detail"]
    assert api.get(path, "admin").status_code == 200


@pytest.mark.parametrize(
    ("body", "words"),
    [
        pytest.param({"industry": "mining"}, "known industries: healthcare", id="unknown_industry"),
        pytest.param({"owner": "u-nobody"}, "no owner 'u-nobody'", id="unknown_owner"),
        pytest.param({"arr_min": 30000}, "selects no account", id="arr_above_every_account"),
        pytest.param({"arr_min": 9, "arr_max": 1}, "larger than arr_max", id="arr_upside_down"),
        pytest.param({"industry": "healthcare", "owner": "u-bob"}, "selects no account",
                     id="filters_that_exclude_each_other"),
    ],
)  # fmt: skip
def test_new_selections_that_match_nothing_are_refused(
    api: Api, body: dict[str, Any], words: str
) -> None:
    answer = api.post("/v1/scans", "mkt", body)
    assert answer.status_code == 422, answer.text
    assert words in answer.json()["detail"]
    assert scans(api) == []


@pytest.mark.parametrize(
    ("body", "shown", "total"),
    [
        ({"industry": "HEALTHCARE"}, {"industry": "healthcare", "account_count": 1}, 1),
        ({"owner": "u-bob"}, {"owner": "u-bob", "account_count": 2}, 2),
        ({"arr_min": 20000, "arr_max": 30000}, {"arr_min": 20000, "arr_max": 30000}, 1),
        ({"owner": "u-bob", "limit": 1}, {"owner": "u-bob", "limit": 1}, 1),
    ],
)
def test_scans_select_by_industry_owner_arr_and_limit(
    api: Api, body: dict[str, Any], shown: dict[str, Any], total: int
) -> None:
    answer = api.post("/v1/scans", "mkt", body)
    assert answer.status_code == 202, answer.text
    scan = api.get(answer.json()["href"], "mkt").json()
    for _ in range(100):
        if scan["status"] == "done":
            break
        time.sleep(0.05)
        scan = api.get(answer.json()["href"], "mkt").json()
    assert scan["status"] == "done", scan
    assert shown.items() <= scan["filters"].items()
    assert scan["progress"]["total"] == total
