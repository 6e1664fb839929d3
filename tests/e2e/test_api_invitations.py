"""Invitations to a program's activities over the API (issue 12), on SQLite and PostgreSQL: the
owner invites an expansion-eligible advocate, a review opens with the activity as its ask type
and a draft, and approving it makes the task and the ask history the rules read next time."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from agent.usecases.scans import run_scan
from store.importer import import_bundle
from store.models import Ask, AuditEntry, OwnerTask
from tests.e2e.api_fixtures import NOW, Api
from tests.e2e.page_fixtures import sign_in
from tests.e2e.test_api_programs import api_with_programs

INSIDERS: dict[str, Any] = {
    "id": "insiders",
    "name": "Customer insiders",
    "activities": ["advisory_board", "beta_access", "event_speaking", "community"],
    "capacity": [{"max": 1, "per": "quarter", "ask_type": "beta_access"}],
}
# Ana's advocate with two completed asks (expansion-eligible), nothing within the 90-day
# frequency hold; no recent praise is needed for an invitation.
ADVOCATE: dict[str, list[dict[str, Any]]] = {
    "accounts": [
        {"id": "acc-010", "name": "Alder Clinic", "owner_id": "u-ana", "segment": "smb",
         "industry": "healthcare", "customer_since": "2022-03-01", "health_score": 88},
    ],
    "contacts": [
        {"id": "c-10", "account_id": "acc-010", "name": "Mira Holt", "champion": True},
        {"id": "c-11", "account_id": "acc-010", "name": "Theo Park"},
    ],
    "asks": [
        {"id": "a-10", "account_id": "acc-010", "contact_id": "c-10", "ask_type": "review",
         "asked_at": "2026-02-01T10:00:00Z", "outcome": "completed"},
        {"id": "a-11", "account_id": "acc-010", "contact_id": "c-10", "ask_type": "testimonial",
         "asked_at": "2026-05-04T10:00:00Z", "outcome": "completed"},
    ],
}  # fmt: skip


@pytest.fixture
def api(migrated_url: str, tmp_path: Path) -> Iterator[Api]:
    for opened in api_with_programs(migrated_url, tmp_path, [INSIDERS]):
        bundle = tmp_path / "advocate.json"
        bundle.write_text(json.dumps(ADVOCATE))
        services = opened.client.app.state.services  # type: ignore[attr-defined]
        import_bundle(engine=services.engine, source=bundle)
        yield opened


def invite(api: Api, who: str, contact: str = "c-10", **body: Any) -> Any:
    return api.post(f"/v1/advocates/{contact}/invitations", who, {"program": "insiders", **body})


def rows(api: Api, model: Any) -> list[Any]:
    services = api.client.app.state.services  # type: ignore[attr-defined]
    with services.deps.session_factory() as session:
        return list(session.scalars(select(model).where(model.account_id == "acc-010")))


def audit_of(api: Api, review_id: str) -> list[AuditEntry]:
    services = api.client.app.state.services  # type: ignore[attr-defined]
    with services.deps.session_factory() as session:
        return list(session.scalars(select(AuditEntry).where(AuditEntry.review_id == review_id)))


def test_an_invitation_opens_a_review_that_approval_turns_into_a_task(api: Api) -> None:
    answer = invite(api, "ana", activity="advisory_board")
    assert answer.status_code == 201, answer.text
    opened = answer.json()
    assert opened["activity"] == "advisory_board" and opened["status"] == "pending"
    review = api.get(f"/v1/reviews/{opened['review_id']}", "ana").json()
    payload = review.get("payload", review)
    assert payload["recommended_ask_type"] == "advisory_board"
    assert payload["contact"]["id"] == "c-10"
    assert payload["program_id"] == "insiders"
    draft = payload["draft"]
    assert "advisory board" in draft["body"] and draft["evidence_ids"]
    assert {"a-10", "a-11"} <= set(payload["summary"]["evidence_ids"])
    (invited,) = audit_of(api, opened["review_id"])
    assert (invited.actor, invited.action) == ("u-ana", "invited")
    assert invited.changes == {
        "program": "insiders",
        "activity": "advisory_board",
        "contact_id": "c-10",
    }
    decided = api.post(f"/v1/reviews/{opened['review_id']}/decision", "ana", {"action": "approve"})
    assert decided.status_code == 200, decided.text
    (task,) = rows(api, OwnerTask)
    assert task.ask_type == "advisory_board" and task.contact_id == "c-10"
    asks = {a.id: a for a in rows(api, Ask)}
    assert [a.ask_type for a in asks.values() if a.outcome == "pending"] == ["advisory_board"]
    # The ask history is read next time: the invitation is pending with the customer now.
    again = invite(api, "ana", activity="advisory_board")
    assert again.status_code == 409
    assert "invitation_pending" in again.json()["reasons"]


def test_a_second_invitation_is_refused_while_one_waits_for_the_owner(api: Api) -> None:
    assert invite(api, "ana", activity="community").status_code == 201
    again = invite(api, "ana", activity="community")
    assert again.status_code == 409
    assert again.json()["reasons"] == ["invitation_pending"]
    other = invite(api, "ana", activity="beta_access")
    assert other.json()["reasons"] == ["review_open"]


def test_no_activity_given_takes_the_programs_first_open_one(api: Api) -> None:
    answer = invite(api, "admin")
    assert answer.status_code == 201, answer.text
    assert answer.json()["activity"] == "advisory_board"


@pytest.mark.parametrize(
    ("contact", "body", "reasons"),
    [
        ("c-11", {"activity": "advisory_board"}, ["not_expansion_eligible"]),
        ("c-10", {"activity": "event_speaking"}, ["public_permission_needed"]),
        ("c-1", {"activity": "community"}, ["not_expansion_eligible", "review_open"]),
    ],
)
def test_a_blocked_invitation_is_refused_with_reasons_and_words(
    api: Api, contact: str, body: dict[str, Any], reasons: list[str]
) -> None:
    answer = invite(api, "ana", contact, **body)
    assert answer.status_code == 409, answer.text
    assert answer.json()["reasons"] == reasons
    assert answer.json()["why"] and "refused" in answer.json()["detail"]
    assert rows(api, OwnerTask) == []


def test_an_activity_the_owner_noted_to_avoid_is_refused(api: Api) -> None:
    avoid = {"avoid_ask_types": ["advisory_board"]}
    noted = api.client.put("/v1/advocates/c-10/preferences", headers=api.headers("ana"), json=avoid)
    assert noted.status_code == 200, noted.text
    answer = invite(api, "ana", activity="advisory_board")
    assert answer.status_code == 409 and answer.json()["reasons"] == ["activity_avoided"]
    assert invite(api, "ana").json()["activity"] == "beta_access"  # the first one still open


def test_an_activity_the_program_does_not_run_is_refused(api: Api) -> None:
    put = {"programs": [{**INSIDERS, "activities": ["community"], "capacity": []}]}
    assert api.client.put("/v1/programs", headers=api.headers("admin"), json=put).status_code == 200
    answer = invite(api, "ana", activity="advisory_board")
    assert answer.status_code == 409 and answer.json()["reasons"] == ["activity_not_in_program"]


def test_only_the_accounts_owner_or_an_admin_invites(api: Api) -> None:
    assert invite(api, "bob").status_code == 404  # another owner's contact
    assert invite(api, "mkt").status_code == 403
    assert invite(api, "ana", "c-none").status_code == 404


@pytest.mark.parametrize(
    "body",
    [{"program": "nope"}, {"program": "insiders", "activity": "golf"}, {"activity": "community"},
     {"program": "insiders", "extra": 1}],
)  # fmt: skip
def test_bad_input_is_422(api: Api, body: dict[str, Any]) -> None:
    answer = api.post("/v1/advocates/c-10/invitations", "ana", body)
    assert answer.status_code == 422, answer.text


def test_the_profile_page_invites_and_shows_why_not(api: Api) -> None:
    csrf = sign_in(api.client, api.tokens["ana"])
    page = api.client.get("/advocates/c-10")
    assert page.status_code == 200 and "Invite to an activity" in page.text
    assert 'value="insiders:advisory_board"' in page.text
    # Event speaking is listed as not open, with the reason in words.
    assert "Event speaking (Customer insiders): Public permission needed" in page.text
    posted = api.client.post(
        "/advocates/c-10/invitations",
        data={"csrf": csrf, "choice": "insiders:community"},
        follow_redirects=False,
    )
    assert posted.status_code == 303, posted.text
    review = api.client.get(posted.headers["location"])
    assert review.status_code == 200 and "Community" in review.text
    assert "an invitation, no recent trigger" in review.text
    assert "send within 7 days of your approval" in review.text
    refused = api.client.post(
        "/advocates/c-10/invitations", data={"csrf": csrf, "choice": "insiders:community"}
    )
    assert refused.status_code == 409 and "Invitation already pending" in refused.text
    forged = api.client.post(
        "/advocates/c-10/invitations", data={"csrf": "nope", "choice": "insiders:beta_access"}
    )
    assert forged.status_code == 403


def test_marketing_sees_no_invitation_form_and_may_not_invite(api: Api) -> None:
    csrf = sign_in(api.client, api.tokens["mkt"])
    page = api.client.get("/advocates/c-10")
    assert page.status_code == 200 and "Invite to an activity" not in page.text
    posted = api.client.post(
        "/advocates/c-10/invitations", data={"csrf": csrf, "choice": "insiders:community"}
    )
    assert posted.status_code == 403 and rows(api, OwnerTask) == []
    assert api.review_of("acc-010") is None


def test_approval_rechecks_the_invitation_rules(api: Api) -> None:
    opened = invite(api, "ana", activity="beta_access").json()
    ticket = {
        "id": "t-10",
        "account_id": "acc-010",
        "status": "open",
        "priority": "high",
        "category": "support",
        "opened_at": "2026-11-26T10:00:00Z",
    }
    assert api.post("/v1/events", "ana", {"kind": "ticket", "row": ticket}).status_code < 300
    refused = api.post(f"/v1/reviews/{opened['review_id']}/decision", "ana", {"action": "approve"})
    assert refused.status_code == 409, refused.text
    assert refused.json()["reasons"] == ["open_ticket"]
    assert rows(api, OwnerTask) == []
    assert api.review_of("acc-010").status == "pending"  # back in the queue, still decidable


def test_an_approved_invitation_is_read_by_the_next_scan(api: Api) -> None:
    opened = invite(api, "ana", activity="community").json()
    api.post(f"/v1/reviews/{opened['review_id']}/decision", "ana", {"action": "approve"})
    services = api.client.app.state.services  # type: ignore[attr-defined]
    run_scan(services=services, now=NOW)
    roll = api.get("/v1/accounts/acc-010/advocates", "ana").json()
    (mira,) = [c for c in roll["contacts"] if c["contact_id"] == "c-10"]
    assert mira["asks_by_type"]["community"] == {"pending": 1}


def test_an_invitation_leaves_the_agents_rates_and_pilot_alone(api: Api) -> None:
    """The baseline rates and the pilot thresholds measure the agent's own candidates: an
    owner's invitation (no new praise, no value proof needed) is not one."""
    approve_first = api.review_of("acc-001")
    api.post(f"/v1/reviews/{approve_first.id}/decision", "ana", {"action": "approve"})
    keys = ("advocate_candidate_eligibility_rate", "pilot_approved_with_value_proof_share")
    before = api.get("/v1/metrics", "admin").json()
    opened = invite(api, "ana", activity="community").json()
    api.post(f"/v1/reviews/{opened['review_id']}/decision", "ana", {"action": "approve"})
    after = api.get("/v1/metrics", "admin").json()
    assert [after[k] for k in keys] == [before[k] for k in keys]
    assert after["ask_approved"] == before["ask_approved"] + 1
