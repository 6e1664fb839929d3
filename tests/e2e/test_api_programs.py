"""Programs, the rewards ledger, the KPIs and pilots over the API and the page (issue 12), on
SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from agent.usecases.scans import run_scan
from tests.e2e.api_fixtures import NOW, Api, open_api
from tests.e2e.page_fixtures import sign_in

VOICE: dict[str, Any] = {
    "id": "voice",
    "name": "Customer voice",
    "ask_types": ["review", "testimonial", "referral"],
    "capacity": [{"max": 10, "per": "month"}],
    "incentives": [
        {"id": "gc", "description": "A $25 gift card, whatever you write.", "value": 25,
         "currency": "USD"}
    ],
    "disclosure": "Everyone who takes part gets the same card, whatever they say.",
    "timing": [{"segment": "smb", "within_days": 30}],
}  # fmt: skip
REFS: dict[str, Any] = {
    "id": "refs",
    "name": "Reference champions",
    "ask_types": ["reference_call", "case_study"],
    "activities": ["advisory_board"],
    "min_tier": "contributor",
}
PARAGRAPH = f"{VOICE['incentives'][0]['description']}\n\n{VOICE['disclosure']}"
KPIS = (
    "advocate_pool_size",
    "promoter_rate",
    "activities_per_advocate",
    "program_participation",
    "repeat_advocacy_rate",
    "advocate_retention_rate",
    "referral_conversion_rate",
    "referral_pipeline_amount",
    "referral_revenue_amount",
    "asks_per_customer",
    "response_rate_by_days_since_trigger",
    "advocate_candidate_eligibility_rate",
    "referral_request_readiness_rate",
)


def api_with_programs(url: str, tmp_path: Path, programs: list[dict[str, Any]]) -> Iterator[Api]:
    """The API with these programs put by an admin, then scanned (so reviews list them)."""
    for opened in open_api(url, tmp_path, scan=False):
        answer = opened.client.put(
            "/v1/programs", headers=opened.headers("admin"), json={"programs": programs}
        )
        assert answer.status_code == 200, answer.text
        run_scan(services=opened.client.app.state.services, now=NOW)  # type: ignore[attr-defined]
        yield opened


@pytest.fixture
def api(migrated_url: str, tmp_path: Path) -> Iterator[Api]:
    yield from api_with_programs(migrated_url, tmp_path, [VOICE, REFS])


def put(api: Api, who: str, programs: list[dict[str, Any]]) -> Any:
    return api.client.put("/v1/programs", headers=api.headers(who), json={"programs": programs})


def approve(api: Api, account_id: str, who: str, **fields: Any) -> Any:
    review = api.review_of(account_id)
    return api.post(f"/v1/reviews/{review.id}/decision", who, {"action": "approve", **fields})


def as_review(api: Api, **fields: Any) -> Any:
    """Bob edits acc-002's case-study ask into a review ask (which the voice program runs)."""
    review = api.review_of("acc-002")
    body = "Hi Ola, would you share your experience with us in a short public review?"
    edit = {"action": "edit", "ask_type": "review", "body": body, **fields}
    return api.post(f"/v1/reviews/{review.id}/decision", "bob", edit)


def test_admins_edit_programs_and_everyone_reads_them(api: Api) -> None:
    assert put(api, "ana", [VOICE]).status_code == 403
    assert put(api, "mkt", [VOICE]).status_code == 403
    listed = api.get("/v1/programs", "ana").json()
    assert [p["program"]["id"] for p in listed] == ["refs", "voice"]
    voice = api.get("/v1/programs/voice", "mkt").json()
    assert voice["capacity"][0] | {"since": None} == {
        "ask_type": None, "per": "month", "per_contact": False, "max": 10, "used": 0, "left": 10,
        "since": None, "contacts_at_limit": [],
    }  # fmt: skip
    assert api.get("/v1/programs/nope", "mkt").status_code == 404


def test_a_bad_program_is_422_naming_it_and_changes_nothing(api: Api) -> None:
    bad = {**VOICE, "incentives": [{**VOICE["incentives"][0], "currency": "dollars"}]}
    answer = put(api, "admin", [REFS, bad])
    assert answer.status_code == 422
    assert "programs.1.incentives.0.currency" in answer.json()["detail"]
    praise = {
        **VOICE,
        "incentives": [{**VOICE["incentives"][0], "description": "$25 per 5-star review"}],
    }
    assert "depends on praise" in put(api, "admin", [praise]).json()["detail"]
    assert len(api.get("/v1/programs", "admin").json()) == 2


def test_candidates_show_the_programs_they_fit(api: Api) -> None:
    items = {c["account_id"]: c for c in api.get("/v1/candidates", "mkt").json()["items"]}
    assert items["acc-001"]["programs"] == ["refs", "voice"]  # c-1 completed a review: contributor
    assert items["acc-002"]["programs"] == ["voice"]  # c-2 has done nothing yet: tier new


def test_a_scan_names_an_unknown_program_with_422(api: Api) -> None:
    answer = api.post("/v1/scans", "mkt", {"program": "nope"})
    assert answer.status_code == 422
    assert "no program 'nope'; known programs: refs, voice" in answer.json()["detail"]


def test_a_program_scan_keeps_only_what_the_program_runs(api: Api) -> None:
    services = api.client.app.state.services  # type: ignore[attr-defined]
    scan = run_scan(services=services, now=NOW, account_ids=["acc-002"], program_id="refs")
    (refs,) = api.get("/v1/candidates", "mkt", scan=scan).json()["items"]
    assert (refs["status"], refs["reasons"]) == ("held", ["not_in_program"])
    scan = run_scan(services=services, now=NOW, account_ids=["acc-002"], program_id="voice")
    (voice,) = api.get("/v1/candidates", "mkt", scan=scan).json()["items"]
    assert voice["status"] == "candidate"
    assert set(voice["eligible_ask_types"]) <= {"review", "testimonial", "referral"}
    assert voice["ask_type"] == "testimonial"


def test_an_incentive_on_approval_enters_the_ledger_with_its_disclosure(api: Api) -> None:
    refused = approve(api, "acc-002", "bob", incentive="gc")
    assert refused.status_code == 422
    assert "not allowed for a case_study ask of this account; allowed: none" in refused.text
    wrong = as_review(api, incentive="pass")
    assert (wrong.status_code, wrong.json()["detail"].endswith("allowed: gc (voice)")) == (
        422,
        True,
    )
    review = api.review_of("acc-002")
    assert as_review(api, incentive="gc").status_code == 200
    task = api.get(f"/v1/tasks/task:{review.id}", "bob").json()
    assert task["body"].endswith(PARAGRAPH)
    (reward,) = api.get("/v1/rewards", "bob", contact_id="c-2").json()
    assert (reward["status"], reward["value"], reward["currency"]) == ("proposed", 25.0, "USD")
    assert (reward["program_id"], reward["review_id"]) == ("voice", review.id)
    assert api.get("/v1/rewards", "ana").json() == []
    outcome = {"kind": "participation", "review_id": review.id, "outcome_id": "o-1"}
    assert api.post("/v1/outcomes", "bob", outcome).status_code == 201
    (due,) = api.get("/v1/rewards", "mkt").json()
    assert due["status"] == "approved"
    services = api.client.app.state.services  # type: ignore[attr-defined]
    scan = run_scan(services=services, now=NOW, account_ids=["acc-002"])
    (held,) = api.get("/v1/candidates", "mkt", scan=scan).json()["items"]
    assert "reward_unresolved" in held["reasons"]
    path = f"/v1/rewards/{reward['reward_id']}"
    assert api.post(f"{path}/fulfil", "mkt", {}).status_code == 403
    assert api.post(f"{path}/fulfil", "ana", {}).status_code == 404
    fulfilled = api.post(f"{path}/fulfil", "bob", {})
    assert (fulfilled.status_code, fulfilled.json()["status"]) == (200, "fulfilled")
    assert api.post(f"{path}/fulfil", "bob", {}).status_code == 409
    assert api.post(f"{path}/cancel", "admin", {}).status_code == 409
    figures = api.get("/v1/metrics", "mkt").json()
    assert figures["program_participation"]["voice"]["asks_completed"] == 1
    assert (figures["reward_proposed"], figures["reward_fulfilled"]) == (1, 1)


def test_a_referral_reward_follows_the_referral(api: Api) -> None:
    review = api.review_of("acc-001")
    body = "Hi Lee, do you know a practice that could use the same scheduling help?"
    answer = approve(api, "acc-001", "ana", ask_type="referral", body=body, incentive="gc")
    assert answer.status_code == 422  # approve carries no edit fields
    edit = {"action": "edit", "ask_type": "referral", "body": body, "incentive": "gc"}
    decided = api.post(f"/v1/reviews/{review.id}/decision", "ana", edit)
    assert decided.status_code == 200, decided.text
    assert api.get("/v1/rewards", "ana").json() == []  # nothing owed before a referral
    generated = {"kind": "referral_generated", "review_id": review.id, "amount": 9000}
    assert api.post("/v1/outcomes", "ana", generated).status_code == 201
    assert [r["status"] for r in api.get("/v1/rewards", "ana").json()] == ["proposed"]
    converted = {"kind": "referral_converted", "review_id": review.id, "amount": 12000}
    assert api.post("/v1/outcomes", "ana", converted).status_code == 201
    assert [r["status"] for r in api.get("/v1/rewards", "ana").json()] == ["approved"]
    figures = api.get("/v1/metrics", "admin").json()
    assert (figures["referral_pipeline_amount"], figures["referral_revenue_amount"]) == (
        9000,
        12000,
    )


def test_metrics_gain_the_seeds_kpis(api: Api) -> None:
    figures = api.get("/v1/metrics", "mkt").json()
    assert set(KPIS) <= set(figures)
    assert figures["advocate_pool_size"] == 1  # c-1's completed review
    assert figures["promoter_rate"] == 1.0
    # Two candidates; neither has a recorded permission for its case-study scope.
    assert figures["advocate_candidate_eligibility_rate"] == 0.0
    assert figures["referral_request_readiness_rate"] == 0.0  # nothing approved yet
    assert approve(api, "acc-002", "bob").status_code == 200
    after = api.get("/v1/metrics", "mkt").json()
    # Approved, with value proof, but asked 26 days after the trigger: past the timing rule.
    assert after["referral_request_readiness_rate"] == 0.0


def test_a_pilot_reports_each_threshold_and_the_accounts_that_fail(api: Api) -> None:
    assert api.post("/v1/pilots", "ana", {"name": "p", "segment": "smb"}).status_code == 403
    both = {"name": "p", "segment": "smb", "top_healthy": 5}
    assert api.post("/v1/pilots", "mkt", both).status_code == 422
    assert api.post("/v1/pilots", "mkt", {"name": "p", "segment": "retail"}).status_code == 422
    started = api.post("/v1/pilots", "mkt", {"name": "Q1", "top_healthy": 2, "days": 60})
    assert started.status_code == 201, started.text
    pilot = started.json()
    assert pilot["cohort"] == ["acc-002", "acc-003"]  # health 90, 90, then acc-001's 82
    assert approve(api, "acc-002", "bob").status_code == 200
    report = api.get(f"/v1/pilots/{pilot['pilot_id']}/report", "admin").json()
    candidates, referrals = report["thresholds"]
    assert (candidates["counted"], candidates["passing"], candidates["passed"]) == (1, 1, True)
    assert referrals["passed"] is None
    assert [p["pilot_id"] for p in api.get("/v1/pilots", "mkt").json()] == [pilot["pilot_id"]]
    assert api.get("/v1/pilots/pl-none/report", "mkt").status_code == 404


def test_the_pages_show_programs_rewards_pilots_and_the_incentive_choice(api: Api) -> None:
    assert as_review(api, incentive="gc").status_code == 200
    client = api.client
    sign_in(client, api.tokens["ana"])
    assert "fits refs, voice" in client.get("/inbox").text
    review = client.get(f"/reviews/{api.review_of('acc-001').id}").text
    assert 'name="incentive"' in review and "A $25 gift card, whatever you write." in review
    client.cookies.clear()
    sign_in(client, api.tokens["admin"])
    page = client.get("/programs")
    assert page.status_code == 200
    assert 'data-program-id="voice"' in page.text and "Reference champions" in page.text
    assert "reward:" in page.text and ">proposed<" in page.text
    assert "Start a pilot" in page.text
    metrics = client.get("/metrics").text
    assert 'id="kpi-advocate_pool_size"' in metrics and "Program participation" in metrics


def test_the_page_moves_a_reward_once_and_starts_a_pilot(api: Api) -> None:
    assert as_review(api, incentive="gc").status_code == 200
    (reward,) = api.get("/v1/rewards", "bob").json()
    client = api.client
    csrf = sign_in(client, api.tokens["bob"])
    path = f"/rewards/{quote(reward['reward_id'])}"
    early = client.post(f"{path}/fulfil", data={"csrf": csrf}, follow_redirects=False)
    assert early.status_code == 409
    assert "is proposed: it cannot be fulfilled" in early.text
    done = client.post(f"{path}/cancel", data={"csrf": csrf}, follow_redirects=False)
    assert (done.status_code, done.headers["location"]) == (303, "/programs#rewards")
    assert api.get("/v1/rewards", "bob").json()[0]["status"] == "cancelled"
    assert client.post(f"{path}/cancel", data={"csrf": csrf}).status_code == 409
    assert client.post(f"{path}/cancel", data={}).status_code == 403  # no CSRF token
    client.cookies.clear()
    csrf = sign_in(client, api.tokens["mkt"])
    form = {"csrf": csrf, "name": "Q1", "segment": "smb", "days": "60"}
    assert client.post("/pilots", data=form, follow_redirects=False).status_code == 303
    page = client.get("/programs").text
    assert "Q1" in page and "candidates with value proof" in page
    bad = client.post("/pilots", data={**form, "top_healthy": "5"})
    assert bad.status_code == 422 and "exactly one of segment or top_healthy" in bad.text


def test_the_candidate_list_filters_by_program(api: Any) -> None:
    fits = api.get("/v1/candidates", "admin", program="refs")
    assert fits.status_code == 200, fits.text
    assert fits.json()["items"] and all("refs" in i["programs"] for i in fits.json()["items"])
    unknown = api.get("/v1/candidates", "admin", program="nope")
    assert unknown.status_code == 422 and "known programs" in unknown.text
