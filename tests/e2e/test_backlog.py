"""The owners' backlog (issue 17): per owner, pending reviews and open tasks with their oldest age,
over the API, the page and the metrics, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from tests.e2e.api_fixtures import NOW, Api, open_api
from tests.e2e.page_fixtures import sign_in


@pytest.fixture
def api(migrated_url: str, tmp_path: Path) -> Iterator[Api]:
    # The scan ran at NOW; the backlog is read two days later.
    yield from open_api(migrated_url, tmp_path, clock=lambda: NOW + timedelta(days=2))


def approve_bobs(api: Api) -> None:
    review = api.review_of("acc-002")
    answer = api.post(f"/v1/reviews/{review.id}/decision", "bob", {"action": "approve"})
    assert answer.status_code == 200, answer.text


def test_the_backlog_counts_each_owners_waiting_work(api: Api) -> None:
    approve_bobs(api)
    rows = {row["owner_id"]: row for row in api.get("/v1/backlog", "mkt").json()}
    assert set(rows) == {"u-ana", "u-bob"}
    ana, bob = rows["u-ana"], rows["u-bob"]
    assert (ana["pending_reviews"], ana["open_tasks"], ana["owner_name"]) == (1, 0, "Ana Ruiz")
    assert (bob["pending_reviews"], bob["open_tasks"], bob["overdue_tasks"]) == (0, 1, 0)
    assert ana["oldest_review_days"] == pytest.approx(2.0, abs=0.1)
    assert bob["oldest_task_days"] == pytest.approx(0.0, abs=0.1)


@pytest.mark.parametrize(("sort", "first"), [("pending", "u-ana"), ("tasks", "u-bob")])
def test_the_backlog_sorts(api: Api, sort: str, first: str) -> None:
    approve_bobs(api)
    rows = api.get("/v1/backlog", "admin", sort=sort).json()
    assert rows[0]["owner_id"] == first
    assert api.get("/v1/backlog", "admin", sort="size").status_code == 422


def test_owners_may_not_read_the_backlog_but_see_their_own_in_metrics(api: Api) -> None:
    assert api.get("/v1/backlog", "ana").status_code == 403
    mine = api.get("/v1/metrics", "ana").json()["backlog"]
    assert [row["owner_id"] for row in mine] == ["u-ana"]
    assert {row["owner_id"] for row in api.get("/v1/metrics", "mkt").json()["backlog"]} == {
        "u-ana",
        "u-bob",
    }


def test_the_backlog_page_lists_owners_with_sort_links(api: Api) -> None:
    approve_bobs(api)
    sign_in(api.client, api.tokens["mkt"])
    page = api.client.get("/backlog?sort=tasks")
    assert page.status_code == 200
    assert page.text.index('data-owner-id="u-bob"') < page.text.index('data-owner-id="u-ana"')
    assert '<a href="/backlog?sort=pending">most pending reviews</a>' in page.text
    assert '<strong aria-current="true">most open tasks</strong>' in page.text
