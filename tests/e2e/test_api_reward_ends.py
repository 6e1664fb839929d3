"""An ask that ends without participation cancels its proposed reward (issue 12), on SQLite and
PostgreSQL: the customer's no, the no-response timer, and a late yes after that timer."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from agent.usecases.scans import run_scan
from agent.usecases.timers import tick
from tests.e2e.api_fixtures import NOW, Api
from tests.e2e.test_api_programs import REFS, VOICE, api_with_programs, as_review


@pytest.fixture
def api(migrated_url: str, tmp_path: Path) -> Iterator[Api]:
    yield from api_with_programs(migrated_url, tmp_path, [VOICE, REFS])


def sent_with_reward(api: Api) -> str:
    """Bob approves acc-002's ask with the voice program's gift card and marks it sent."""
    assert as_review(api, incentive="gc").status_code == 200
    task_id = f"task:{api.review_of('acc-002').id}"
    assert api.post(f"/v1/tasks/{task_id}/sent", "bob", {}).status_code == 200
    assert [r["status"] for r in api.get("/v1/rewards", "bob").json()] == ["proposed"]
    return task_id


def reward(api: Api) -> dict[str, Any]:
    (row,) = api.get("/v1/rewards", "bob").json()
    return row  # type: ignore[no-any-return]


def reasons_now(api: Api) -> list[str]:
    services = api.client.app.state.services  # type: ignore[attr-defined]
    later = NOW + timedelta(days=20)
    scan = run_scan(services=services, now=later, account_ids=["acc-002"])
    (item,) = api.get("/v1/candidates", "mkt", scan=scan).json()["items"]
    return item["reasons"]  # type: ignore[no-any-return]


def test_a_declined_ask_cancels_its_proposed_reward(api: Api) -> None:
    task_id = sent_with_reward(api)
    declined = api.post(f"/v1/tasks/{task_id}/response", "bob", {"response": "declined"})
    assert declined.status_code == 200, declined.text
    row = reward(api)
    assert (row["status"], row["resolved_by"]) == ("cancelled", "ask:declined")
    assert "reward_unresolved" not in reasons_now(api)  # only the decline's own hold is left
    # A participation recorded after a no does not bring the reward back.
    outcome = {"kind": "participation", "review_id": row["review_id"], "outcome_id": "o-9"}
    assert api.post("/v1/outcomes", "bob", outcome).status_code == 201
    assert reward(api)["status"] == "cancelled"


def test_the_no_response_timer_cancels_it_and_a_late_yes_makes_it_due(api: Api) -> None:
    sent_with_reward(api)
    services = api.client.app.state.services  # type: ignore[attr-defined]
    assert tick(services=services, now=NOW + timedelta(days=15)).closed_no_response == 1
    row = reward(api)
    assert (row["status"], row["resolved_by"]) == ("cancelled", "ask:no_response")
    assert "reward_unresolved" not in reasons_now(api)
    outcome = {"kind": "participation", "review_id": row["review_id"], "outcome_id": "o-1"}
    assert api.post("/v1/outcomes", "bob", outcome).status_code == 201
    due = reward(api)
    assert (due["status"], due["resolved_by"], due["resolved_at"]) == ("approved", None, None)


def test_an_owner_cancelled_reward_stays_cancelled_after_a_late_yes(api: Api) -> None:
    sent_with_reward(api)
    reward_id = reward(api)["reward_id"]
    assert api.post(f"/v1/rewards/{reward_id}/cancel", "bob", {}).status_code == 200
    services = api.client.app.state.services  # type: ignore[attr-defined]
    tick(services=services, now=NOW + timedelta(days=15))
    outcome = {"kind": "participation", "review_id": reward(api)["review_id"], "outcome_id": "o"}
    assert api.post("/v1/outcomes", "bob", outcome).status_code == 201
    assert (reward(api)["status"], reward(api)["resolved_by"]) == ("cancelled", "u-bob")
