"""The Candidates page (issue 17): marketing filters the list, saves it, downloads the CSV."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.api_fixtures import Api, open_api
from tests.e2e.page_fixtures import sign_in


@pytest.fixture
def api(migrated_url: str, tmp_path: Path) -> Iterator[Api]:
    yield from open_api(migrated_url, tmp_path)


def test_marketing_filters_saves_and_downloads(api: Api) -> None:
    csrf = sign_in(api.client, api.tokens["mkt"])
    page = api.client.get("/candidates", params={"industry": "HEALTHCARE", "status": ""})
    assert page.status_code == 200, page.text
    assert 'data-account-id="acc-001"' in page.text
    assert 'data-account-id="acc-002"' not in page.text
    assert "Northwind Dental" in page.text and "NPS 10" in page.text
    assert "lee@northwind.example" not in page.text  # marketing gets no emails
    assert 'href="/candidates.csv?industry=HEALTHCARE"' in page.text
    saved = api.client.post(
        "/candidates/lists",
        data={"csrf": csrf, "name": "Healthcare", "industry": "HEALTHCARE"},
        follow_redirects=False,
    )
    assert saved.status_code == 303, saved.text
    shown = api.client.get(saved.headers["location"])
    assert '<strong aria-current="true">Healthcare</strong>' in shown.text
    assert 'data-account-id="acc-001"' in shown.text
    exported = api.client.get("/candidates.csv", params={"industry": "healthcare"})
    assert exported.status_code == 200
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    assert [row["account_id"] for row in rows] == ["acc-001"]


def test_a_bad_filter_is_said_in_words(api: Api) -> None:
    sign_in(api.client, api.tokens["mkt"])
    page = api.client.get("/candidates", params={"segment": "startup"})
    assert page.status_code == 422
    assert "known values: smb" in page.text
    assert api.client.get("/candidates.csv", params={"arr_min": "-1"}).status_code == 422


def test_an_owner_sees_their_accounts_with_emails_and_cannot_save(api: Api) -> None:
    csrf = sign_in(api.client, api.tokens["ana"])
    page = api.client.get("/candidates")
    assert 'data-account-id="acc-001"' in page.text and "acc-002" not in page.text
    assert "lee@northwind.example" in page.text
    assert "Save list" not in page.text
    refused = api.client.post("/candidates/lists", data={"csrf": csrf, "name": "mine"})
    assert refused.status_code == 403 and "may not save lists" in refused.text
