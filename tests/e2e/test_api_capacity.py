"""A program's capacity is enforced at the owner's approval (issue 12), on SQLite and
PostgreSQL: a full program or a contact at its limit refuses the approval with 409 and writes
nothing; the owner may defer; two approvals racing for the last slot: exactly one wins."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, text

from agent.records import record_events
from agent.usecases.decisions import decide
from checkpoints.schemas import Decision
from domain.errors import DomainError
from domain.events import event_row
from store.db import make_engine, transaction
from store.migrate import upgrade
from store.models import Ask, MeasurementEvent, OwnerTask
from tests.e2e.api_fixtures import Api
from tests.e2e.page_fixtures import sign_in
from tests.e2e.test_api_programs import REFS, VOICE, api_with_programs

TIGHT_VOICE = {**VOICE, "capacity": [{"max": 1, "per": "month"}]}
REFS_PER_CONTACT = {
    **REFS,
    "capacity": [{"max": 1, "per": "quarter", "ask_type": "reference_call", "per_contact": True}],
}
REVIEW_BODY = "Hi {name}, would you share your experience with us in a short public review?"
CALL_BODY = "Hi Lee, would you take a short reference call with a practice that is like yours?"


def opened(url: str, tmp_path: Path) -> Iterator[Api]:
    yield from api_with_programs(url, tmp_path, [TIGHT_VOICE, REFS_PER_CONTACT])


@pytest.fixture
def api(migrated_url: str, tmp_path: Path) -> Iterator[Api]:
    yield from opened(migrated_url, tmp_path)


def as_review(account_id: str, who: str, name: str) -> tuple[str, dict[str, Any]]:
    body = REVIEW_BODY.format(name=name)
    return who, {"action": "edit", "ask_type": "review", "body": body, "accept_problems": True}


def decide_over_api(api: Api, account_id: str, who: str, fields: dict[str, Any]) -> Any:
    review = api.review_of(account_id)
    return api.post(f"/v1/reviews/{review.id}/decision", who, fields)


def written_for(api: Api, review_id: str) -> dict[str, int]:
    services = api.client.app.state.services  # type: ignore[attr-defined]
    with services.deps.session_factory() as session:
        return {
            model.__name__: session.scalar(
                select(func.count()).select_from(model).where(model.review_id == review_id)
            )
            or 0
            for model in (OwnerTask, Ask, MeasurementEvent)
        }


def test_a_full_program_refuses_the_approval_and_writes_nothing(api: Api) -> None:
    assert decide_over_api(api, "acc-002", *as_review("acc-002", "bob", "Ola")).status_code == 200
    review = api.review_of("acc-001")
    before = written_for(api, review.id)
    refused = decide_over_api(api, "acc-001", *as_review("acc-001", "ana", "Lee"))
    assert refused.status_code == 409, refused.text
    body = refused.json()
    assert body["reasons"] == ["program_full"]
    assert "voice: 1 of 1 asks approved this month (since 2026-11-01)" in body["detail"]
    assert "defer it until 2026-12-01" in body["detail"]
    assert written_for(api, review.id) == before  # no task, no ask, no approval event
    shown = api.get(f"/v1/reviews/{review.id}", "ana").json()
    assert shown["status"] == "pending"
    assert shown["refusal"]["reasons"] == ["program_full"]
    sign_in(api.client, api.tokens["ana"])
    page = api.client.get(f"/reviews/{review.id}").text
    assert "no program this ask counts against has room" in page and "held or stopped" not in page
    assert "Defer it until 2026-12-01" in page
    api.client.cookies.clear()
    deferred = decide_over_api(
        api, "acc-001", "ana", {"action": "defer", "until": "2026-12-01T00:00:00Z"}
    )
    assert (deferred.status_code, deferred.json().get("status")) == (200, "deferred"), deferred.text


def test_another_ask_type_counts_against_a_program_with_room(api: Api) -> None:
    assert decide_over_api(api, "acc-002", *as_review("acc-002", "bob", "Ola")).status_code == 200
    assert decide_over_api(api, "acc-001", *as_review("acc-001", "ana", "Lee")).status_code == 409
    approved = decide_over_api(api, "acc-001", "ana", {"action": "approve"})  # a case study: refs
    assert approved.status_code == 200, approved.text
    (refs,) = [p for p in api.get("/v1/programs", "mkt").json() if p["program"]["id"] == "refs"]
    assert refs["participation"]["asks_approved"] == 1


def approved_before(api: Api, contact_id: str, at: datetime) -> None:
    """An earlier reference call to the contact, approved against refs this quarter."""
    services = api.client.app.state.services  # type: ignore[attr-defined]
    data = {"program_id": "refs", "ask_type": "reference_call", "contact_id": contact_id}
    row = event_row(
        kind="ask_approved", key="rv-earlier", at=at, account_id="acc-001", owner_id="u-ana",
        review_id=None, data=data,
    )  # fmt: skip
    with transaction(services.deps.session_factory) as session:
        record_events(session, [row])


@pytest.mark.parametrize(("contact", "status"), [("c-1", 409), ("c-9", 200)])
def test_the_contacts_own_limit_is_enforced(api: Api, contact: str, status: int) -> None:
    approved_before(api, contact, datetime(2026, 10, 15, tzinfo=UTC))
    call = {"action": "edit", "ask_type": "reference_call", "body": CALL_BODY}
    answer = decide_over_api(api, "acc-001", "ana", {**call, "accept_problems": True})
    assert answer.status_code == status, answer.text
    if status == 409:
        assert answer.json()["reasons"] == ["contact_at_program_limit"]
        assert "1 of 1 reference call asks to c-1 approved this quarter" in answer.text


@pytest.fixture
def pg_api(pg_url: str, tmp_path: Path) -> Iterator[Api]:
    engine = make_engine(pg_url)
    upgrade(engine)
    engine.dispose()
    yield from opened(pg_url, tmp_path)


def waiting_on_locks(api: Api) -> int:
    services = api.client.app.state.services  # type: ignore[attr-defined]
    query = "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
    with services.engine.connect() as connection:
        return int(connection.scalar(text(query)) or 0)


@pytest.mark.postgres
def test_two_approvals_racing_for_the_last_slot_exactly_one_wins(pg_api: Api) -> None:
    services = pg_api.client.app.state.services  # type: ignore[attr-defined]
    outcomes: dict[str, str] = {}

    def approve(account_id: str, who: str, name: str) -> None:
        _, fields = as_review(account_id, who, name)
        decision = Decision.model_validate({**fields, "by": who})
        review_id = pg_api.review_of(account_id).id
        try:
            decide(deps=services.deps, advocate=services.advocate, review_id=review_id,
                   decision=decision)  # fmt: skip
            outcomes[account_id] = "approved"
        except DomainError as error:
            outcomes[account_id] = type(error).__name__

    racers = [
        threading.Thread(target=approve, args=("acc-001", "u-ana", "Lee")),
        threading.Thread(target=approve, args=("acc-002", "u-bob", "Ola")),
    ]
    # Hold the program's row so both approvals reach their check before either commits.
    with services.engine.connect() as holder, holder.begin():
        holder.execute(text("SELECT id FROM programs WHERE id = 'voice' FOR UPDATE"))
        for racer in racers:
            racer.start()
        deadline = time.monotonic() + 20
        while waiting_on_locks(pg_api) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
    for racer in racers:
        racer.join(timeout=60)
    assert sorted(outcomes.values()) == ["ProgramCapacityReached", "approved"], outcomes
    (voice,) = [
        p for p in pg_api.get("/v1/programs", "mkt").json() if p["program"]["id"] == "voice"
    ]
    assert voice["participation"]["asks_approved"] == 1
