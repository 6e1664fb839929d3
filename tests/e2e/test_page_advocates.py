"""The Advocates pages over HTTP: the finder with the referral-ready section, a profile, and the
preferences form (owner and admin edit it, CSRF-checked, refusals in words, escaping)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.api_fixtures import Api, open_api
from tests.e2e.page_fixtures import sign_in


@pytest.fixture
def api(sqlite_url: str, tmp_path: Path) -> Iterator[Api]:
    yield from open_api(sqlite_url, tmp_path)


def post_prefs(api: Api, contact_id: str, csrf: str, **fields: object) -> object:
    return api.client.post(
        f"/advocates/{contact_id}/preferences",
        data={"csrf": csrf, **fields},
        follow_redirects=False,
    )


def test_the_finder_and_the_referral_section(api: Api) -> None:
    sign_in(api.client, api.tokens["mkt"])
    page = api.client.get("/advocates?industry=healthcare&permission=public_quote")
    assert page.status_code == 200
    assert 'data-contact-id="c-1"' in page.text and "public_quote granted" in page.text
    assert 'data-account-id="acc-001"' in page.text and 'data-account-id="acc-002"' in page.text
    assert '<a href="/advocates">Advocates</a>' in page.text
    none = api.client.get("/advocates?industry=retail")
    assert 'data-contact-id="c-1"' not in none.text and "No contact matches" in none.text
    # The finder runs once asked: the bare page shows the form and the referral section.
    bare = api.client.get("/advocates")
    assert "match(es)" not in bare.text and 'data-account-id="acc-001"' in bare.text
    assert 'data-contact-id="c-1"' in api.client.get("/advocates?find=true").text


def test_an_owner_sees_their_own_and_saves_preferences(api: Api) -> None:
    csrf = sign_in(api.client, api.tokens["ana"])
    page = api.client.get("/advocates/c-1")
    assert page.status_code == 200 and "stage: active" in page.text
    assert 'name="avoid_ask_types"' in page.text
    assert api.client.get("/advocates/c-2").status_code == 404
    saved = post_prefs(
        api,
        "c-1",
        csrf,
        avoid_ask_types="testimonial",
        max_asks_per_year="2",
        unavailable_until="2027-02-01",
        preferred_channel="call",
    )
    assert saved.status_code == 303  # type: ignore[attr-defined]
    shown = api.client.get("/advocates/c-1?saved=1").text
    assert "Preferences saved" in shown and "by u-ana" in shown
    assert 'value="testimonial" checked' in shown and 'value="2027-02-01"' in shown
    profile = api.get("/v1/advocates/c-1", "ana").json()
    assert profile["preferences"]["unavailable_until"] == "2027-02-01T00:00:00Z"


def test_refusals_are_shown_in_words_and_nothing_is_saved(api: Api) -> None:
    csrf = sign_in(api.client, api.tokens["ana"])
    bad = post_prefs(api, "c-1", csrf, max_asks_per_year="many")
    assert bad.status_code == 422  # type: ignore[attr-defined]
    assert "max_asks_per_year" in bad.text and "Not saved" in bad.text  # type: ignore[attr-defined]
    forged = post_prefs(api, "c-1", "not-the-token", max_asks_per_year="1")
    assert forged.status_code == 403  # type: ignore[attr-defined]
    assert api.get("/v1/advocates/c-1", "ana").json()["preference_history"] == []


def test_marketing_reads_without_the_form(api: Api) -> None:
    csrf = sign_in(api.client, api.tokens["mkt"])
    page = api.client.get("/advocates/c-1")
    assert page.status_code == 200 and 'name="avoid_ask_types"' not in page.text
    refused = post_prefs(api, "c-1", csrf, max_asks_per_year="1")
    assert refused.status_code == 403  # type: ignore[attr-defined]
    assert "marketing role may not edit" in refused.text  # type: ignore[attr-defined]
