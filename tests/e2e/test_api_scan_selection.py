"""A scan request is checked against the data (issue 17's first finding): a typo in a segment or
an account id is a 422 naming it, and nothing is recorded as the latest scan."""

from __future__ import annotations

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
