"""The ask after approval over HTTP (SQLite file and PostgreSQL): the task's steps once each, the
ask leaving `pending`, outcomes only on approved asks, the timers, and who may see what."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from agent.usecases.notices import unread
from agent.usecases.reads import scan_results
from agent.usecases.scans import run_scan
from agent.usecases.timers import tick
from domain.actors import Actor
from store.importer import import_bundle
from store.models import Ask, MeasurementEvent, Signal
from tests.e2e.api_fixtures import NOW, Api, open_api


class Clock:
    """The app's clock, moved forward by the test."""

    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def api(migrated_url: str, tmp_path: Path, clock: Clock) -> Iterator[Api]:
    yield from open_api(migrated_url, tmp_path, clock=clock)


def services(api: Api) -> Any:
    return api.client.app.state.services  # type: ignore[attr-defined]


def approve(api: Api, account_id: str = "acc-001", who: str = "ana") -> str:
    review = api.review_of(account_id)
    answer = api.post(f"/v1/reviews/{review.id}/decision", who, {"action": "approve"})
    assert answer.status_code == 200, answer.text
    return review.id


def task_path(review_id: str, step: str = "") -> str:
    return f"/v1/tasks/task:{review_id}" + (f"/{step}" if step else "")


def ask_outcome(api: Api, review_id: str) -> str:
    with services(api).deps.session_factory() as session:
        return session.scalars(select(Ask.outcome).where(Ask.review_id == review_id)).one()


def events(api: Api, kind: str) -> list[MeasurementEvent]:
    with services(api).deps.session_factory() as session:
        query = select(MeasurementEvent).where(MeasurementEvent.kind == kind)
        return list(session.scalars(query))


def gate_result(api: Api, account_id: str, now: datetime) -> tuple[str, list[str]]:
    built = services(api)
    scan_id = run_scan(services=built, now=now, account_ids=[account_id])
    with built.deps.session_factory() as session:
        (result,) = scan_results(session=session, scan_id=scan_id)
    return result.status, list(result.reasons)


def test_an_approval_opens_a_task_its_owner_lists(api: Api) -> None:
    review_id = approve(api)
    tasks = api.get("/v1/tasks", "ana").json()
    assert [t["task_id"] for t in tasks] == [f"task:{review_id}"]
    task = tasks[0]
    contract = {"task_id", "review_id", "account_id", "contact_id", "owner_id", "ask_type"}
    contract |= {"channel", "status", "send_by", "sent_at", "subject", "body"}
    assert contract <= set(task)
    assert task["status"] == "open" and task["contact_id"] == "c-1"
    assert task["mailto"].startswith("mailto:lee@northwind.example?subject=")
    assert api.get("/v1/tasks", "ana", status="sent").json() == []


def test_an_owner_sees_and_acts_on_their_own_tasks_only(api: Api) -> None:
    review_id = approve(api)
    assert api.get("/v1/tasks", "bob").json() == []
    assert api.get(task_path(review_id), "bob").status_code == 404
    assert api.post(task_path(review_id, "sent"), "bob", {}).status_code == 404
    assert api.get("/v1/tasks", "ana", owner="u-bob").status_code == 404
    for reader in ("mkt", "admin"):
        assert len(api.get("/v1/tasks", reader).json()) == 1
        assert api.post(task_path(review_id, "sent"), reader, {}).status_code == 403
    assert api.get(task_path(review_id), "ana").json()["status"] == "open"


def test_each_step_happens_once_and_the_ask_completes_with_its_outcome(
    api: Api, clock: Clock
) -> None:
    review_id = approve(api)
    clock.advance(hours=2)
    sent = api.post(task_path(review_id, "sent"), "ana", {})
    assert sent.status_code == 200, sent.text
    assert sent.json()["status"] == "sent" and sent.json()["sent_at"] is not None
    again = api.post(task_path(review_id, "sent"), "ana", {})
    assert again.status_code == 409 and again.json()["status"] == "sent"
    accepted = api.post(task_path(review_id, "response"), "ana", {"response": "accepted"})
    assert accepted.json()["response"] == "accepted"
    assert ask_outcome(api, review_id) == "pending"
    twice = api.post(task_path(review_id, "response"), "ana", {"response": "declined"})
    assert twice.status_code == 409
    outcome = {"kind": "participation", "review_id": review_id, "outcome_id": "o-1"}
    assert api.post("/v1/outcomes", "ana", outcome).status_code == 201
    assert ask_outcome(api, review_id) == "completed"
    assert api.get(task_path(review_id), "ana").json()["status"] == "closed"
    assert [len(events(api, k)) for k in ("ask_sent", "ask_accepted", "participation")] == [1, 1, 1]


def test_a_completed_ask_no_longer_holds_the_account_as_pending(api: Api, clock: Clock) -> None:
    review_id = approve(api)
    _, reasons = gate_result(api, "acc-001", clock.advance(days=1))
    assert "pending_ask" in reasons
    api.post(task_path(review_id, "sent"), "ana", {})
    api.post(task_path(review_id, "response"), "ana", {"response": "accepted"})
    api.post("/v1/outcomes", "ana", {"kind": "reference_used", "review_id": review_id})
    _, reasons = gate_result(api, "acc-001", clock.advance(days=1))
    assert "pending_ask" not in reasons and "recent_ask" in reasons


def test_a_declined_ask_closes_and_holds_the_account(api: Api, clock: Clock) -> None:
    review_id = approve(api)
    api.post(task_path(review_id, "sent"), "ana", {})
    answer = api.post(task_path(review_id, "response"), "ana", {"response": "declined"})
    assert answer.json()["status"] == "closed"
    assert ask_outcome(api, review_id) == "declined"
    _, reasons = gate_result(api, "acc-001", clock.advance(days=10))
    assert "recent_decline" in reasons and "pending_ask" not in reasons


@pytest.mark.parametrize("status", ["pending", "rejected"])
def test_outcomes_are_refused_for_an_ask_never_approved(api: Api, status: str) -> None:
    review = api.review_of("acc-001")
    if status == "rejected":
        body = {"action": "reject", "reason": "mid-renewal"}
        assert api.post(f"/v1/reviews/{review.id}/decision", "ana", body).status_code == 200
    outcome = {"kind": "testimonial_collected", "review_id": review.id}
    answer = api.post("/v1/outcomes", "ana", outcome)
    assert answer.status_code == 409, answer.text
    assert "approved" in answer.json()["detail"]
    assert events(api, "testimonial_collected") == []


def test_a_rejected_account_is_held_for_the_cooldown(api: Api, clock: Clock) -> None:
    review = api.review_of("acc-001")
    body = {"action": "reject", "reason": "not now"}
    assert api.post(f"/v1/reviews/{review.id}/decision", "ana", body).status_code == 200
    assert gate_result(api, "acc-001", clock.advance(days=1)) == ("held", ["recently_rejected"])
    _, reasons = gate_result(api, "acc-001", NOW + timedelta(days=91))
    assert "recently_rejected" not in reasons


def test_a_complaint_outcome_holds_the_account(api: Api, clock: Clock) -> None:
    review_id = approve(api)
    body = {"kind": "complaint", "review_id": review_id, "note": "Too many emails"}
    assert api.post("/v1/outcomes", "ana", body).status_code == 201
    with services(api).deps.session_factory() as session:
        (signal,) = session.scalars(select(Signal).where(Signal.source == "outcome"))
    assert signal.kind == "complaint" and signal.account_id == "acc-001"
    _, reasons = gate_result(api, "acc-001", clock.advance(days=1))
    assert "recent_complaint" in reasons


def test_a_converted_referral_carries_its_amount(api: Api) -> None:
    review_id = approve(api)
    body = {"kind": "referral_converted", "review_id": review_id, "amount": 24000}
    assert api.post("/v1/outcomes", "ana", body).status_code == 201
    (event,) = events(api, "referral_converted")
    assert event.data["amount"] == 24000
    wrong = {"kind": "participation", "review_id": review_id, "amount": 5}
    answer = api.post("/v1/outcomes", "ana", wrong)
    assert answer.status_code == 422 and "amount" in answer.json()["detail"]


@pytest.mark.parametrize(
    ("at", "message"),
    [("2026-12-27T09:00:00Z", "future"), ("2026-01-01T09:00:00Z", "before")],
    ids=["future", "before_approval"],
)
def test_a_step_time_must_be_possible(api: Api, at: str, message: str) -> None:
    review_id = approve(api)
    answer = api.post(task_path(review_id, "sent"), "ana", {"at": at})
    assert answer.status_code == 422 and message in answer.json()["detail"]
    assert api.get(task_path(review_id), "ana").json()["status"] == "open"


def test_an_idempotency_key_replays_the_first_answer(api: Api) -> None:
    review_id = approve(api)
    first = api.post(task_path(review_id, "sent"), "ana", {}, **{"Idempotency-Key": "k-1"})
    again = api.post(task_path(review_id, "sent"), "ana", {}, **{"Idempotency-Key": "k-1"})
    assert first.status_code == again.status_code == 200
    assert first.json() == again.json()
    assert len(events(api, "ask_sent")) == 1


def test_no_answer_in_14_days_closes_the_ask_by_the_timer(api: Api, clock: Clock) -> None:
    review_id = approve(api)
    api.post(task_path(review_id, "sent"), "ana", {})
    built = services(api)
    assert tick(services=built, now=clock.advance(days=13, hours=23)).closed_no_response == 0
    assert tick(services=built, now=clock.advance(hours=1)).closed_no_response == 1
    assert tick(services=built, now=clock.now).closed_no_response == 0
    task = api.get(task_path(review_id), "ana").json()
    assert (task["status"], task["response"]) == ("closed", "no_response")
    assert ask_outcome(api, review_id) == "no_response"
    assert len(events(api, "ask_no_response")) == 1


def test_an_overdue_task_reminds_twice_then_escalates(api: Api, clock: Clock) -> None:
    review_id = approve(api)
    approve(api, "acc-002", "bob")  # Bob's task is overdue too: it is chased on its own
    send_by = datetime.fromisoformat(api.get(task_path(review_id), "ana").json()["send_by"])
    built = services(api)
    counts = []
    for days in (0, 1, 5, 6, 10, 11, 40):
        done = tick(services=built, now=send_by + timedelta(days=days, seconds=1))
        counts.append((done.reminders, done.escalations))
    assert counts == [(2, 0), (0, 0), (2, 0), (0, 0), (0, 2), (0, 0), (0, 0)]
    notes = api.get("/v1/notifications", "admin").json()
    kinds = sorted(
        (n["kind"], n["recipient_id"], n["number"]) for n in notes if n["owner_id"] == "u-ana"
    )
    # The design example's owner has no manager: the escalation goes to the admins.
    assert kinds == [
        ("escalation", "admins", 3),
        ("reminder", "u-ana", 1),
        ("reminder", "u-ana", 2),
    ]
    assert [n["number"] for n in api.get("/v1/notifications", "ana").json()] == [2, 1]
    assert {n["owner_id"] for n in api.get("/v1/notifications", "bob").json()} == {"u-bob"}
    assert api.get("/v1/notifications", "ana", owner="u-bob").status_code == 404
    assert (len(events(api, "reminder_sent")), len(events(api, "escalated"))) == (4, 2)


def test_an_undecided_review_reminds_its_owner(api: Api, clock: Clock) -> None:
    review = api.review_of("acc-001")
    built = services(api)
    assert tick(services=built, now=review.created_at + timedelta(days=2)).reminders == 0
    # Ana's review and Bob's: one reminder each, to each owner.
    assert tick(services=built, now=review.created_at + timedelta(days=3)).reminders == 2
    (note,) = api.get("/v1/notifications", "ana").json()
    assert note["review_id"] == review.id and note["task_id"] is None
    assert f"/reviews/{review.id}" in note["text"]


def test_an_ended_deferral_wakes_the_account_up(api: Api, clock: Clock) -> None:
    review = api.review_of("acc-001")
    until = (NOW + timedelta(days=10)).isoformat()
    body = {"action": "defer", "until": until}
    assert api.post(f"/v1/reviews/{review.id}/decision", "ana", body).status_code == 200
    built = services(api)
    assert tick(services=built, now=NOW + timedelta(days=9)).woken == 0
    assert tick(services=built, now=NOW + timedelta(days=10)).woken == 1
    assert tick(services=built, now=NOW + timedelta(days=10)).woken == 0
    newest = api.review_of("acc-001")
    assert newest.id != review.id and newest.status == "pending"


def test_defer_until_in_the_past_is_refused(api: Api) -> None:
    review = api.review_of("acc-001")
    body = {"action": "defer", "until": "2026-11-01T00:00:00Z"}
    answer = api.post(f"/v1/reviews/{review.id}/decision", "ana", body)
    assert answer.status_code == 422 and "future" in answer.json()["detail"]


def test_metrics_count_accounts_entering_held_not_scans(api: Api, clock: Clock) -> None:
    ticket = {"id": "t-bob-1", "account_id": "acc-002", "status": "open", "priority": "urgent",
              "category": "support", "opened_at": "2026-11-27T09:30:00Z"}  # fmt: skip
    clock.advance(hours=1)
    assert api.post("/v1/events", "bob", {"kind": "ticket", "row": ticket}).status_code == 200
    built = services(api)
    for _ in range(2):
        scan_id = run_scan(services=built, now=clock.advance(hours=1))
    with built.deps.session_factory() as session:
        held = [r.account_id for r in scan_results(session=session, scan_id=scan_id)]
    assert "acc-002" in held
    assert len(events(api, "ask_held")) >= 2  # recorded again by each later run
    assert api.get("/v1/metrics", "admin").json()["ask_held"] == 1


def test_metrics_follow_the_ask_after_approval(api: Api, clock: Clock) -> None:
    review = api.review_of("acc-001")
    clock.advance(hours=10)
    approve(api)
    clock.advance(hours=4)
    api.post(task_path(review.id, "sent"), "ana", {})
    clock.advance(hours=20)
    api.post(task_path(review.id, "response"), "ana", {"response": "accepted"})
    api.post("/v1/outcomes", "ana", {"kind": "testimonial_collected", "review_id": review.id})
    figures = api.get("/v1/metrics", "admin").json()
    life = {k: figures[k] for k in ("asks_sent", "asks_responded", "asks_accepted")}
    assert life | {"asks_completed": figures["asks_completed"]} == {
        "asks_sent": 1,
        "asks_responded": 1,
        "asks_accepted": 1,
        "asks_completed": 1,
    }
    trigger_hours = (NOW + timedelta(hours=10) - review.trigger_at) / timedelta(hours=1)
    assert figures["hours_trigger_to_approval"]["median"] == round(trigger_hours, 2)
    assert figures["hours_approval_to_send"] == {"median": 4.0, "p90": 4.0, "n": 1}
    assert figures["hours_send_to_response"] == {"median": 20.0, "p90": 20.0, "n": 1}
    assert figures["by_owner"]["u-ana"]["asks_completed"] == 1
    assert "u-bob" not in api.get("/v1/metrics", "ana").json()["by_owner"]


def test_metrics_count_overdue_tasks_and_escalations(api: Api, clock: Clock) -> None:
    review_id = approve(api)
    api.post(
        f"/v1/reviews/{api.review_of('acc-002').id}/decision",
        "bob",
        {"action": "reject", "reason": "later"},
    )
    send_by = datetime.fromisoformat(api.get(task_path(review_id), "ana").json()["send_by"])
    clock.now = send_by + timedelta(days=11)
    for days in (0, 5, 10):
        tick(services=services(api), now=send_by + timedelta(days=days, seconds=1))
    mine = api.get("/v1/metrics", "ana").json()
    assert (mine["overdue_tasks"], mine["escalations"]) == (1, 1)
    assert mine["by_owner"]["u-ana"]["overdue_tasks"] == 1


def test_serve_runs_the_timers_by_itself(migrated_url: str, tmp_path: Path) -> None:
    clock = Clock()
    for api in open_api(migrated_url, tmp_path, clock=clock, settings={"tick_every_seconds": 0.1}):
        clock.advance(days=3, seconds=1)  # both scanned reviews are now undecided for 3 days
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and not api.get("/v1/notifications", "ana").json():
            time.sleep(0.1)
        (note,) = api.get("/v1/notifications", "ana").json()
        assert note["kind"] == "reminder" and note["number"] == 1


def test_an_outcome_may_name_the_task_instead_of_the_review(api: Api) -> None:
    review_id = approve(api)
    body = {"kind": "testimonial_collected", "task_id": f"task:{review_id}"}
    answer = api.post("/v1/outcomes", "ana", body)
    assert answer.status_code == 201 and answer.json()["review_id"] == review_id
    assert api.post("/v1/outcomes", "bob", body).status_code == 404
    both = {**body, "review_id": review_id}
    assert api.post("/v1/outcomes", "ana", both).status_code == 422


def test_an_escalation_goes_to_the_owners_manager(api: Api, tmp_path: Path) -> None:
    managed = tmp_path / "managed.json"
    owners = [{"id": "u-ana", "name": "Ana Ruiz", "email": "ana@example.com",
               "manager_id": "u-bob"}]  # fmt: skip
    managed.write_text(json.dumps({"owners": owners}))
    import_bundle(engine=services(api).engine, source=managed)
    review_id = approve(api)
    api.post(
        f"/v1/reviews/{api.review_of('acc-002').id}/decision",
        "bob",
        {"action": "reject", "reason": "later"},
    )
    send_by = datetime.fromisoformat(api.get(task_path(review_id), "ana").json()["send_by"])
    for days in (0, 5, 10):
        tick(services=services(api), now=send_by + timedelta(days=days, seconds=1))
    (escalation,) = api.get("/v1/notifications", "bob").json()
    assert (escalation["kind"], escalation["owner_id"]) == ("escalation", "u-ana")
    assert "Ana Ruiz's" in escalation["text"]
    assert [n["kind"] for n in api.get("/v1/notifications", "ana").json()] == ["reminder"] * 2


def test_admins_share_one_inbox_for_escalations(api: Api) -> None:
    review_id = approve(api)
    bobs = api.review_of("acc-002").id
    api.post(f"/v1/reviews/{bobs}/decision", "bob", {"action": "reject", "reason": "later"})
    send_by = datetime.fromisoformat(api.get(task_path(review_id), "ana").json()["send_by"])
    for days in (0, 5, 10):
        tick(services=services(api), now=send_by + timedelta(days=days, seconds=1))
    admin = Actor(id="adm-1", role="admin")
    with services(api).deps.session_factory() as session:
        assert unread(session=session, actor=admin) == 1
    assert api.get("/v1/notifications", "mkt").status_code == 200  # marketing reads, unmarked
    with services(api).deps.session_factory() as session:
        assert unread(session=session, actor=admin) == 1
    api.get("/v1/notifications", "admin")
    with services(api).deps.session_factory() as session:
        assert unread(session=session, actor=admin) == 0
