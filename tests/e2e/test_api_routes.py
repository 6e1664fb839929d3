"""The HTTP API through the real app (lifespan, middleware, auth) on SQLite and PostgreSQL."""

from __future__ import annotations

import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from fastapi.routing import APIRoute

from tests.e2e.api_fixtures import NOW, Api, open_api


@pytest.fixture
def api(migrated_url: str, tmp_path: Path) -> Iterator[Api]:
    yield from open_api(migrated_url, tmp_path)


def ana_review(api: Api) -> str:
    return api.review_of("acc-001").id


def bob_review(api: Api) -> str:
    return api.review_of("acc-002").id


# --- authentication and roles ---------------------------------------------------------------------


def walk_routes(routes: list[Any], prefix: str = "") -> Iterator[tuple[str, str]]:
    """(method, path) of every route, inside included routers too (FastAPI keeps them nested)."""
    for route in routes:
        if isinstance(route, APIRoute):
            for method in route.methods:
                yield method, prefix + route.path
        elif hasattr(route, "original_router"):
            inner = prefix + route.include_context.prefix
            yield from walk_routes(route.original_router.routes, inner)


def test_every_route_refuses_a_request_without_a_token(api: Api) -> None:
    app: Any = api.client.app
    walked = sorted(set(walk_routes(app.routes)))
    documented = set(app.openapi()["paths"])
    assert {path for _, path in walked} == documented
    protected = [(method, path) for method, path in walked if path != "/healthz"]
    assert len(protected) == 42
    for method, path in protected:
        concrete = path.replace("{review_id}", "rv-x").replace("{scan_id}", "sc-x")
        concrete = concrete.replace("{user_id}", "u-x")
        for headers in ({}, {"Authorization": "Bearer not-a-token"}, {"Authorization": "Basic x"}):
            answer = api.client.request(method, concrete, headers=headers, json={})
            assert answer.status_code == 401, (method, path, headers)
            assert answer.headers["www-authenticate"] == "Bearer"


def test_open_routes_need_no_token(api: Api) -> None:
    assert api.client.get("/healthz").json() == {"status": "ok", "database": True}
    assert api.client.get("/openapi.json").status_code == 200
    assert api.client.get("/docs").status_code == 200


def test_a_revoked_token_gets_401(api: Api) -> None:
    assert api.get("/v1/reviews", "ana").status_code == 200
    revoked = api.post("/v1/users/u-ana/revoke", "admin", {})
    assert revoked.status_code == 200 and revoked.json()["revoked_at"]
    assert api.get("/v1/reviews", "ana").status_code == 401


@pytest.mark.parametrize(
    ("who", "method", "path", "body"),
    [
        ("ana", "POST", "/v1/scans", {}),
        ("ana", "GET", "/v1/scans", None),
        ("admin", "POST", "/v1/scans", {}),
        ("mkt", "GET", "/v1/reviews", None),
        ("mkt", "POST", "/v1/reviews/rv-x/decision", {"action": "approve"}),
        ("admin", "POST", "/v1/reviews/rv-x/decision", {"action": "approve"}),
        ("ana", "GET", "/v1/users", None),
        ("mkt", "POST", "/v1/users", {"id": "x", "role": "admin"}),
    ],
)
def test_a_role_that_may_not_use_a_route_gets_403(
    api: Api, who: str, method: str, path: str, body: Any
) -> None:
    answer = api.client.request(method, path, headers=api.headers(who), json=body)
    assert answer.status_code == 403, answer.text


def test_admins_create_users_whose_token_works_once_shown(api: Api) -> None:
    created = api.post("/v1/users", "admin", {"id": "mkt-2", "role": "marketing"})
    assert created.status_code == 201
    token = created.json()["token"]
    assert (
        api.client.get("/v1/scans", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    )
    listed = api.get("/v1/users", "admin").json()
    assert "token" not in listed[0] and {u["id"] for u in listed} >= {"mkt-2", "u-ana"}
    bad = api.post("/v1/users", "admin", {"id": "u-nobody", "role": "owner"})
    assert bad.status_code == 422 and "owner" in bad.json()["detail"]


# --- scans ----------------------------------------------------------------------------------------


def test_a_scan_is_accepted_at_once_and_finishes_in_the_background(api: Api) -> None:
    started = api.post("/v1/scans", "mkt", {"segment": "smb", "limit": 2, "now": NOW.isoformat()})
    assert started.status_code == 202
    scan_id = started.json()["scan_id"]
    for _ in range(100):
        scan = api.get(f"/v1/scans/{scan_id}", "mkt").json()
        if scan["status"] in ("done", "failed"):
            break
        time.sleep(0.05)
    assert scan["status"] == "done", scan
    assert scan["phase"] == "done"
    # The fixture's own scan opened both reviews already: nothing left to draft.
    assert scan["progress"] == {"processed": 2, "total": 2, "drafted": 0, "to_draft": 0}
    assert scan["counts"]["candidate"] == 2 == scan["counts"]["reviews_already_open"]
    recent = api.get("/v1/scans", "admin").json()["items"]
    assert scan_id in {s["scan_id"] for s in recent}
    started_at = [s["started_at"] for s in recent]
    assert started_at == sorted(started_at, reverse=True), "newest first"
    assert api.get("/v1/scans/sc-nope", "mkt").status_code == 404
    assert api.post("/v1/scans", "mkt", {"limit": 0}).status_code == 422


# --- candidates -----------------------------------------------------------------------------------


def test_candidates_are_filtered_paged_and_owners_see_their_own(api: Api) -> None:
    everyone = api.get("/v1/candidates", "mkt").json()
    assert {c["account_id"] for c in everyone["items"]} == {"acc-001", "acc-002", "acc-003"}
    first = api.get("/v1/candidates", "mkt", limit=2).json()
    assert len(first["items"]) == 2 and first["next_cursor"]
    rest = api.get("/v1/candidates", "mkt", limit=2, cursor=first["next_cursor"]).json()
    assert [c["account_id"] for c in rest["items"]] == ["acc-003"] and rest["next_cursor"] is None
    quiet = api.get("/v1/candidates", "mkt", status="not_triggered").json()["items"]
    assert [c["account_id"] for c in quiet] == ["acc-003"]
    by_reason = api.get("/v1/candidates", "admin", reason="no_positive_signal").json()["items"]
    assert [c["account_id"] for c in by_reason] == ["acc-003"]
    assert api.get("/v1/candidates", "mkt", ask_type="case_study", owner="u-bob").status_code == 200
    own = api.get("/v1/candidates", "ana").json()["items"]
    assert [c["account_id"] for c in own] == ["acc-001"]
    assert api.get("/v1/candidates", "ana", owner="u-bob").status_code == 404
    assert api.get("/v1/candidates", "mkt", cursor="garbage!").status_code == 422
    assert api.get("/v1/candidates", "mkt", limit=201).status_code == 422
    assert api.get("/v1/candidates", "mkt", scan="sc-nope").status_code == 404


# --- reviews and decisions ------------------------------------------------------------------------


def test_an_owner_lists_and_reads_only_their_own_reviews(api: Api) -> None:
    listed = api.get("/v1/reviews", "ana").json()
    assert [r["account_id"] for r in listed["items"]] == ["acc-001"]
    all_of_them = api.get("/v1/reviews", "admin").json()["items"]
    assert {r["account_id"] for r in all_of_them} == {"acc-001", "acc-002"}
    review = api.get(f"/v1/reviews/{ana_review(api)}", "ana").json()
    assert review["status"] == "pending" and review["draft"]["body"] and review["evidence"]
    assert api.get("/v1/reviews/rv-none", "ana").status_code == 404


def test_owner_a_gets_404_for_every_route_with_owner_bs_ids_and_b_is_unchanged(api: Api) -> None:
    rid = bob_review(api)
    before = api.get(f"/v1/reviews/{rid}", "bob").json()
    assert api.get(f"/v1/reviews/{rid}", "ana").status_code == 404
    decided = api.post(f"/v1/reviews/{rid}/decision", "ana", {"action": "approve"})
    assert decided.status_code == 404
    outcome = api.post("/v1/outcomes", "ana", {"kind": "participation", "review_id": rid})
    assert outcome.status_code == 404
    signal = {"id": "s-99", "account_id": "acc-002", "kind": "renewal",
              "occurred_at": "2026-11-26T00:00:00Z"}  # fmt: skip
    assert api.post("/v1/events", "ana", {"kind": "signal", "row": signal}).status_code == 404
    assert api.get("/v1/metrics", "ana", owner="u-bob").status_code == 404
    assert api.get("/v1/reviews", "ana", owner="u-bob").status_code == 404
    assert api.get(f"/v1/reviews/{rid}", "bob").json() == before
    assert api.get("/v1/metrics", "admin")["participation"] if False else True


def test_a_decision_applies_once_with_idempotent_replays(api: Api) -> None:
    rid = ana_review(api)
    path = f"/v1/reviews/{rid}/decision"
    first = api.post(path, "ana", {"action": "approve"}, **{"Idempotency-Key": "k-1"})
    assert first.status_code == 200 and first.json()["status"] == "approved"
    replay = api.post(path, "ana", {"action": "approve"}, **{"Idempotency-Key": "k-1"})
    assert (replay.status_code, replay.json()) == (200, first.json())
    other = {"action": "reject", "reason": "changed my mind"}
    assert api.post(path, "ana", other, **{"Idempotency-Key": "k-1"}).status_code == 422
    again = api.post(path, "ana", other, **{"Idempotency-Key": "k-2"})
    assert again.status_code == 409 and "already decided" in again.json()["detail"]
    replay_409 = api.post(path, "ana", other, **{"Idempotency-Key": "k-2"})
    assert (replay_409.status_code, replay_409.json()) == (409, again.json())
    assert api.get(f"/v1/reviews/{rid}", "ana").json()["status"] == "approved"


@pytest.mark.parametrize(
    ("body", "says"),
    [
        ({"action": "reject"}, "reason"),
        ({"action": "approve", "subject": "x"}, "only go with action 'edit'"),
        ({"action": "shout"}, "action"),
        ({"action": "approve", "by": "u-bob"}, "by"),
        ({"action": "edit", "body": "x" * 5001}, "body"),
    ],
)
def test_a_bad_decision_is_422_with_the_field(api: Api, body: Any, says: str) -> None:
    answer = api.post(f"/v1/reviews/{ana_review(api)}/decision", "ana", body)
    assert answer.status_code == 422
    assert says in answer.json()["detail"]


def test_an_ineligible_ask_type_is_422(api: Api) -> None:
    body = {"action": "edit", "ask_type": "billboard"}
    answer = api.post(f"/v1/reviews/{ana_review(api)}/decision", "ana", body)
    assert answer.status_code == 422 and "not eligible" in answer.json()["detail"]


def test_a_new_ask_type_needs_the_owners_new_text(api: Api) -> None:
    """The draft was written for case_study: a testimonial in its words is refused (issue 11)."""
    rid = ana_review(api)
    path = f"/v1/reviews/{rid}/decision"
    draft = api.get(f"/v1/reviews/{rid}", "ana").json()["draft"]
    for body in (
        {"action": "edit", "ask_type": "testimonial"},
        {"action": "edit", "ask_type": "testimonial", "accept_problems": True},
        {"action": "edit", "ask_type": "testimonial", "subject": "Would you share a few words?"},
        {"action": "edit", "ask_type": "testimonial", "body": draft["body"]},
    ):
        answer = api.post(path, "ana", body)
        assert answer.status_code == 422, answer.text
        detail = answer.json()["detail"]
        assert "case_study" in detail and "testimonial" in detail and "new text" in detail
    assert api.get(f"/v1/reviews/{rid}", "ana").json()["status"] == "pending"
    own = {"action": "edit", "ask_type": "testimonial", "subject": "A few words, Lee?",
           "body": "Hi Lee,\n\nIn my own words: thank you.\n\nAna"}  # fmt: skip
    edited = api.post(path, "ana", own)
    assert edited.status_code == 200, edited.text
    assert edited.json()["status"] == "edited"


def test_two_concurrent_decisions_exactly_one_applies(api: Api) -> None:
    rid = ana_review(api)
    bodies = [{"action": "approve"}, {"action": "reject", "reason": "no"}] * 3
    with ThreadPoolExecutor(len(bodies)) as pool:
        answers = list(
            pool.map(lambda b: api.post(f"/v1/reviews/{rid}/decision", "ana", b), bodies)
        )
    codes = sorted(a.status_code for a in answers)
    assert codes == [200, 409, 409, 409, 409, 409], [a.text for a in answers]
    assert api.get(f"/v1/reviews/{rid}", "ana").json()["status"] in ("approved", "rejected")
    metrics = api.get("/v1/metrics", "ana").json()
    assert metrics["ask_approved"] + metrics["ask_rejected"] == 1


def test_approval_is_refused_with_reasons_when_an_urgent_ticket_arrived(api: Api) -> None:
    ticket = {"id": "t-77", "account_id": "acc-001", "status": "open", "priority": "urgent",
              "category": "support", "opened_at": "2026-11-27T08:00:00Z"}  # fmt: skip
    held = api.post("/v1/events", "ana", {"kind": "ticket", "row": ticket})
    assert held.status_code == 200
    body = held.json()
    assert body["triggered"] is False and body["opened"] is False
    assert body["gate"]["status"] == "held" and "open_ticket" in body["gate"]["reasons"]
    refused = api.post(f"/v1/reviews/{ana_review(api)}/decision", "ana", {"action": "approve"})
    assert refused.status_code == 409
    assert refused.json()["reasons"] == ["open_ticket"]
    assert api.get(f"/v1/reviews/{ana_review(api)}", "ana").json()["status"] == "pending"


# --- events ---------------------------------------------------------------------------------------


def test_a_positive_signal_opens_a_review_for_an_untriggered_account(api: Api) -> None:
    signal = {"id": "s-30", "account_id": "acc-003", "contact_id": "c-3", "kind": "nps",
              "occurred_at": "2026-11-26T10:00:00Z", "score": 10, "text": "Superb"}  # fmt: skip
    answer = api.post("/v1/events", "bob", {"kind": "signal", "row": signal})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["triggered"] and body["opened"] and body["gate"]["status"] == "candidate"
    assert api.get(f"/v1/reviews/{body['review_id']}", "bob").json()["status"] == "pending"
    replay = api.post("/v1/events", "mkt", {"kind": "signal", "row": signal}).json()
    assert replay["review_id"] == body["review_id"] and replay["opened"] is False


def test_an_event_row_is_validated_like_the_import(api: Api) -> None:
    signal = {"id": "s-31", "account_id": "acc-003", "kind": "nps",
              "occurred_at": "2026-11-26T10:00:00Z", "score": 42, "colour": "red"}  # fmt: skip
    answer = api.post("/v1/events", "mkt", {"kind": "signal", "row": signal})
    assert answer.status_code == 422
    detail = answer.json()["detail"]
    assert "row.score" in detail and "between 0 and 10" in detail and "row.colour" in detail
    unknown = {**signal, "account_id": "acc-404", "score": 9}
    unknown.pop("colour")
    assert api.post("/v1/events", "mkt", {"kind": "signal", "row": unknown}).status_code == 404
    assert api.post("/v1/events", "mkt", {"kind": "tweet", "row": {}}).status_code == 422


def test_a_body_over_the_limit_is_413(api: Api) -> None:
    big = b'{"kind": "signal", "row": {"text": "' + b"x" * 300_000 + b'"}}'
    answer = api.client.post(
        "/v1/events",
        content=big,
        headers=api.headers("mkt", **{"Content-Type": "application/json"}),
    )
    assert answer.status_code == 413

    def chunks() -> Iterator[bytes]:
        for _ in range(30):
            yield b"x" * 10_000

    streamed = api.client.post("/v1/events", content=chunks(), headers=api.headers("mkt"))
    assert streamed.status_code == 413


# --- outcomes and metrics -------------------------------------------------------------------------


def test_outcomes_move_the_metrics_by_exactly_the_events_recorded(api: Api) -> None:
    rid = ana_review(api)
    # Outcomes belong to an approved ask.
    approved = api.post(f"/v1/reviews/{rid}/decision", "ana", {"action": "approve"})
    assert approved.status_code == 200, approved.text
    before = api.get("/v1/metrics", "mkt").json()
    posts = [
        ({"kind": "participation", "review_id": rid, "outcome_id": "o-1"}, 201),
        ({"kind": "participation", "review_id": rid, "outcome_id": "o-1"}, 200),
        ({"kind": "referral_generated", "review_id": rid, "outcome_id": "o-2"}, 201),
        ({"kind": "testimonial_collected", "review_id": rid}, 201),
    ]
    for body, code in posts:
        answer = api.post("/v1/outcomes", "ana", body)
        assert answer.status_code == code, answer.text
    keyed = {"kind": "complaint", "review_id": rid, "note": "too pushy"}
    assert api.post("/v1/outcomes", "mkt", keyed, **{"Idempotency-Key": "c-1"}).status_code == 201
    assert api.post("/v1/outcomes", "mkt", keyed, **{"Idempotency-Key": "c-1"}).status_code == 200
    permission = {"account_id": "acc-001", "contact_id": "c-1", "scope": "case_study",
                  "status": "granted", "recorded_at": "2026-11-27T08:00:00Z"}  # fmt: skip
    granted = {"kind": "permission_granted", "review_id": rid, "permission": permission}
    assert api.post("/v1/outcomes", "ana", granted).status_code == 201
    after = api.get("/v1/metrics", "mkt").json()
    moved = {k: after[k] - before[k] for k in before if isinstance(before[k], int)
             and not isinstance(before[k], bool) and after[k] != before[k]}  # fmt: skip
    assert moved == {
        "participation": 1,
        "referral_generated": 1,
        "testimonial_collected": 1,
        "complaint": 1,
        "permission_granted": 1,
        "asks_completed": 1,  # the participation completed the approved ask
    }
    assert api.get("/v1/metrics", "bob").json()["participation"] == 0
    assert api.get("/v1/metrics", "admin", owner="u-ana").json()["participation"] == 1
    later = api.get("/v1/metrics", "admin", **{"from": "2027-01-01T00:00:00Z"}).json()
    assert later["participation"] == 0
    missing = {"kind": "permission_granted", "review_id": rid}
    assert api.post("/v1/outcomes", "ana", missing).status_code == 422
    assert api.post("/v1/outcomes", "ana", {"kind": "party", "review_id": rid}).status_code == 422


def test_an_unexpected_error_is_a_500_with_a_request_id_and_no_trace(
    api: Api, caplog: pytest.LogCaptureFixture
) -> None:
    app: Any = api.client.app

    def boom() -> None:
        raise RuntimeError("secret internals")

    app.add_api_route("/boom", boom)
    answer = api.client.get("/boom")
    assert answer.status_code == 500
    body = answer.json()
    assert body["detail"] == "internal error" and body["request_id"]
    assert "secret" not in answer.text and "Traceback" not in answer.text
    assert "secret internals" in caplog.text
