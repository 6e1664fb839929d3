"""Advocates over HTTP on SQLite and PostgreSQL: the reference finder, a profile, preferences
(who may edit them, their audit, the gates reading them), an account's roll-up and the
referral-ready queue."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.api_fixtures import Api, open_api


@pytest.fixture
def api(migrated_url: str, tmp_path: Path) -> Iterator[Api]:
    yield from open_api(migrated_url, tmp_path)


def put(api: Api, contact_id: str, who: str, body: dict[str, Any]) -> Any:
    return api.client.put(
        f"/v1/advocates/{contact_id}/preferences", headers=api.headers(who), json=body
    )


def test_profile_derives_from_the_ledger(api: Api) -> None:
    answer = api.get("/v1/advocates/c-1", "ana")
    assert answer.status_code == 200
    profile = answer.json()
    # The design example: a completed review in March, a public_quote grant, an open review.
    assert profile["asks_by_type"] == {"review": {"completed": 1}}
    assert (profile["completed_asks"], profile["tier"]) == (1, "contributor")
    assert profile["journey_stage"] == "active"
    assert profile["last_asked_at"].startswith("2026-03-02")
    assert [(p["scope"], p["active"]) for p in profile["permissions"]] == [("public_quote", True)]
    assert (profile["references_used_90d"], profile["references_used_365d"]) == (0, 0)
    assert profile["expansion_eligible"] is False
    assert profile["rewards"] == []
    assert profile["preferences"] is None and profile["fatigue"] == []


def test_owners_see_their_own_contacts_only(api: Api) -> None:
    assert api.get("/v1/advocates/c-1", "bob").status_code == 404
    assert api.get("/v1/advocates/c-1", "mkt").status_code == 200
    assert api.get("/v1/advocates/c-1", "admin").status_code == 200
    assert api.get("/v1/advocates/c-404", "admin").status_code == 404
    assert api.get("/v1/accounts/acc-001/advocates", "bob").status_code == 404
    assert [m["contact_id"] for m in api.get("/v1/advocates", "bob").json()] == []
    assert [m["contact_id"] for m in api.get("/v1/advocates", "ana").json()] == ["c-1"]


def test_reference_finder_filters_and_says_why(api: Api) -> None:
    found = api.get("/v1/advocates", "mkt", industry="Healthcare", permission="public_quote")
    assert found.status_code == 200
    (match,) = found.json()
    assert match["contact_id"] == "c-1" and match["account_id"] == "acc-001"
    assert any("public_quote granted" in why for why in match["why"])
    assert api.get("/v1/advocates", "mkt", industry="retail").json() == []
    assert api.get("/v1/advocates", "mkt", ask_type="reference_call").json() == []
    assert len(api.get("/v1/advocates", "mkt", ask_type="testimonial").json()) == 1


def test_unknown_or_bad_query_is_422(api: Api) -> None:
    unknown = api.get("/v1/advocates", "mkt", tier="champion")
    assert unknown.status_code == 422
    assert "ask_type" in unknown.json()["detail"] and "tier" in unknown.json()["detail"]
    assert api.get("/v1/advocates", "mkt", ask_type="podcast").status_code == 422
    assert api.get("/v1/advocates", "mkt", permission="everything").status_code == 422
    assert api.get("/v1/queues/referral", "mkt", owner="u-ana").status_code == 422


def test_preferences_are_edited_by_the_owner_or_an_admin_and_audited(api: Api) -> None:
    body = {"avoid_ask_types": ["testimonial"], "max_asks_per_year": 2,
            "unavailable_until": None, "preferred_channel": "call"}  # fmt: skip
    assert put(api, "c-1", "mkt", body).status_code == 403
    assert put(api, "c-1", "bob", body).status_code == 404
    saved = put(api, "c-1", "ana", body)
    assert saved.status_code == 200, saved.text
    assert saved.json()["preferences"]["avoid_ask_types"] == ["testimonial"]
    (change,) = saved.json()["preference_history"]
    assert change["actor"] == "u-ana"
    assert change["changes"]["max_asks_per_year"] == [None, 2]
    # The same again changes nothing and writes no audit row.
    assert len(put(api, "c-1", "admin", body).json()["preference_history"]) == 1
    again = put(api, "c-1", "admin", {**body, "max_asks_per_year": 1}).json()
    assert [c["actor"] for c in again["preference_history"]] == ["adm-1", "u-ana"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"avoid_ask_types": ["podcast"]}, "avoid_ask_types"),
        ({"max_asks_per_year": -1}, "max_asks_per_year"),
        ({"unavailable_until": "2027-01-01T00:00:00"}, "unavailable_until"),
        ({"preferred_channel": "fax"}, "preferred_channel"),
        ({"mood": "sunny"}, "mood"),
    ],
)
def test_bad_preferences_are_422_and_write_nothing(
    api: Api, body: dict[str, Any], field: str
) -> None:
    answer = put(api, "c-1", "ana", body)
    assert answer.status_code == 422
    assert field in answer.text
    assert api.get("/v1/advocates/c-1", "ana").json()["preference_history"] == []


def test_preferences_gate_the_referral_queue(api: Api) -> None:
    queue = api.get("/v1/queues/referral", "mkt").json()
    # Both candidates have value proof: referral is eligible though neither recommends it.
    assert [(r["account_id"], r["recommended_ask_type"]) for r in queue] == [
        ("acc-001", "case_study"),
        ("acc-002", "case_study"),
    ]
    assert queue[0]["timing"]["send_by"] and "value proof" in queue[0]["why"]
    assert queue[0]["open_review_id"] is not None
    assert [r["account_id"] for r in api.get("/v1/queues/referral", "bob").json()] == ["acc-002"]
    body = {"unavailable_until": "2027-03-01T00:00:00Z"}
    assert put(api, "c-1", "ana", body).status_code == 200
    assert [r["account_id"] for r in api.get("/v1/queues/referral", "mkt").json()] == ["acc-002"]


def test_account_roll_up(api: Api) -> None:
    roll = api.get("/v1/accounts/acc-001/advocates", "ana").json()
    assert (roll["advocates"], roll["completed_asks"], roll["top_tier"]) == (1, 1, "contributor")
    assert roll["stages"]["active"] == 1 and roll["referrals"] == {"converted": 1}
    assert [c["contact_id"] for c in roll["contacts"]] == ["c-1"]
