"""Hostile or implausible input answers 422 naming the field, never 500, and writes nothing
(SQLite and PostgreSQL: PostgreSQL refuses NUL characters and naive times reach it otherwise)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from store.models import Signal
from tests.e2e.api_fixtures import Api, open_api


@pytest.fixture
def api(migrated_url: str, tmp_path: Path) -> Iterator[Api]:
    yield from open_api(migrated_url, tmp_path)


def signal(**fields: Any) -> dict[str, Any]:
    row = {"id": "s-in", "account_id": "acc-003", "kind": "nps", "score": 10}
    return {"kind": "signal", "row": {**row, "occurred_at": "2026-11-26T10:00:00Z", **fields}}


def signal_stored(api: Api) -> bool:
    services = api.client.app.state.services  # type: ignore[attr-defined]
    with services.deps.session_factory() as session:
        return session.scalar(select(Signal.id).where(Signal.id == "s-in")) is not None


def refused(answer: Any, field: str) -> None:
    assert answer.status_code == 422, answer.text
    assert field in answer.text


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"text": "fine\x00then"}, "text"),
        ({"id": "s-\x00"}, "id"),
        ({"occurred_at": "3000-01-01T00:00:00Z"}, "occurred_at"),
        ({"occurred_at": "1850-01-01T00:00:00Z"}, "occurred_at"),
    ],
    ids=["nul_in_text", "nul_in_id", "year_3000", "year_1850"],
)
def test_an_event_with_a_nul_or_an_implausible_time_is_refused(
    api: Api, fields: dict[str, Any], field: str
) -> None:
    refused(api.post("/v1/events", "bob", signal(**fields)), field)
    assert not signal_stored(api)
    assert api.review_of("acc-003") is None


def test_a_signal_dated_today_is_still_taken(api: Api) -> None:
    answer = api.post("/v1/events", "bob", signal(occurred_at="2026-11-27T08:59:00Z"))
    assert answer.status_code == 200, answer.text
    assert signal_stored(api)


@pytest.mark.parametrize("name", ["from", "to"])
def test_metrics_times_need_a_time_zone(api: Api, name: str) -> None:
    refused(api.get("/v1/metrics", "admin", **{name: "2026-01-01T00:00:00"}), name)
    refused(api.get("/v1/metrics", "admin", **{name: "9999-12-31T23:00:00-05:00"}), name)
    assert api.get("/v1/metrics", "admin", **{name: "2026-01-01T00:00:00Z"}).status_code == 200


@pytest.mark.parametrize(
    ("path", "params", "field"),
    [
        ("/v1/reviews/rv-%00", {}, "review_id"),
        ("/v1/reviews", {"owner": "u-\x00"}, "owner"),
        ("/v1/candidates", {"scan": "sc-\x00"}, "scan"),
        ("/v1/scans/sc-%00", {}, "scan_id"),
    ],
)
def test_a_nul_in_a_path_or_query_is_422(
    api: Api, path: str, params: dict[str, str], field: str
) -> None:
    who = "mkt" if "scans" in path else "admin"
    refused(api.get(path, who, **params), field)


def test_a_deferral_into_the_past_is_refused_and_the_review_stays_pending(api: Api) -> None:
    review = api.review_of("acc-001")
    body = {"action": "defer", "until": "1970-01-01T00:00:00Z"}
    refused(api.post(f"/v1/reviews/{review.id}/decision", "ana", body), "until")
    assert api.review_of("acc-001").status == "pending"


@pytest.mark.parametrize(
    ("route", "who", "body", "field"),
    [
        ("/v1/scans", "mkt", {"now": "2026-11-27T09:00:00"}, "now"),
        ("/v1/outcomes", "ana", {"kind": "participation", "occurred_at": "2026-11-27T09:00:00"},
         "occurred_at"),
        ("/v1/outcomes", "ana", {"kind": "participation", "note": "a\x00b"}, "note"),
        ("/v1/reviews/{review}/decision", "ana", {"action": "reject", "reason": "no\x00"},
         "reason"),
    ],
)  # fmt: skip
def test_bodies_refuse_naive_times_and_nul_characters(
    api: Api, route: str, who: str, body: dict[str, Any], field: str
) -> None:
    review = api.review_of("acc-001").id
    if route == "/v1/outcomes":
        body = {**body, "review_id": review}
    refused(api.post(route.format(review=review), who, body), field)
    assert api.review_of("acc-001").status == "pending"
    assert api.get("/v1/metrics", "admin").json()["participation"] == 0
