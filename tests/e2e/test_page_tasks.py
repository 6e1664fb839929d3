"""The Tasks page over HTTP, without a browser: the groups, each step once, refusals in words,
ownership and CSRF."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from agent.usecases.timers import tick
from tests.e2e.api_fixtures import NOW, Api
from tests.e2e.page_fixtures import sign_in
from tests.e2e.task_fixtures import (
    MovingClock,
    approve,
    later,
    open_task_api,
    post_step,
    step_path,
    task_row,
)


@pytest.fixture
def clock() -> MovingClock:
    return MovingClock()


@pytest.fixture
def api(migrated_url: str, tmp_path: Path, clock: MovingClock) -> Iterator[Api]:
    yield from open_task_api(migrated_url, tmp_path, clock)


def group(html: str, key: str) -> str:
    """The HTML of one group's section on the Tasks page."""
    found = re.search(rf'<section aria-labelledby="{key}-heading".*?</section>', html, re.S)
    assert found is not None, f"no {key} group"
    return found.group(0)


def accounts_in(html: str, key: str) -> list[str]:
    return re.findall(r'<h3 id="t\d+-name">([^<]+?) <span', group(html, key))


# --- the list -------------------------------------------------------------------------------------


def test_an_owners_tasks_are_grouped_open_overdue_sent_and_accepted(
    api: Api, clock: MovingClock
) -> None:
    tasks = {account: approve(api, "ana", account) for account in ("acc-001", "acc-006", "acc-007")}
    approve(api, "bob", "acc-002")
    csrf = sign_in(api.client, api.tokens["ana"])
    page = api.client.get("/tasks").text
    assert accounts_in(page, "open") == ["Northwind Dental", "Birch Physio", "Cedar Optics"]
    assert accounts_in(page, "overdue") == [] and "Harbor Vets" not in page
    assert "Lee Park &lt;lee@northwind.example&gt;" in page
    assert "Case study by email" in page and '<dd class="due">2026-12-04 (in 7 days)</dd>' in page
    assert 'href="mailto:lee@northwind.example?subject=' in page
    assert "Send now" not in page, "no Send button without ADVOCACY_SMTP_URL"

    later(clock, hours=1)
    assert post_step(api, tasks["acc-006"], "sent", csrf).status_code == 303
    assert post_step(api, tasks["acc-007"], "sent", csrf).status_code == 303
    answered = post_step(api, tasks["acc-007"], "response", csrf, response="accepted")
    assert answered.status_code == 303
    later(clock, days=9)
    sign_in(api.client, api.tokens["ana"])  # a page session lasts 12 hours
    page = api.client.get("/tasks").text
    assert accounts_in(page, "overdue") == ["Northwind Dental"]
    assert "2026-12-04: overdue by 1 day" in group(page, "overdue")
    assert accounts_in(page, "open") == []
    assert accounts_in(page, "awaiting") == ["Birch Physio"]
    assert accounts_in(page, "accepted") == ["Cedar Optics"]
    assert 'name="response"' in group(page, "awaiting")
    assert 'name="response"' not in group(page, "accepted")


def test_marketing_and_admins_read_everyones_tasks_without_actions(api: Api) -> None:
    approve(api, "ana", "acc-001")
    bobs = approve(api, "bob", "acc-002")
    for who in ("mkt", "admin"):
        api.client.cookies.clear()
        csrf = sign_in(api.client, api.tokens[who])
        page = api.client.get("/tasks")
        assert page.status_code == 200
        assert accounts_in(page.text, "open") == ["Northwind Dental", "Harbor Vets"]
        assert "read-only" in page.text and "<dt>Owner</dt>" in page.text
        assert 'action="/tasks/' not in page.text and "Open in mail client" not in page.text
        refused = post_step(api, bobs, "sent", csrf)
        assert refused.status_code == 403 and "for account owners" in refused.text
    assert task_row(api, bobs).status == "open"


# --- the steps ------------------------------------------------------------------------------------


def test_mark_sent_at_a_time_then_a_second_mark_sent_is_refused_in_words(
    api: Api, clock: MovingClock
) -> None:
    task_id = approve(api, "ana", "acc-001")
    csrf = sign_in(api.client, api.tokens["ana"])
    later(clock, hours=2)
    marked = post_step(api, task_id, "sent", csrf, at="2026-11-27T09:30")
    assert marked.status_code == 303
    assert marked.headers["location"] == "/tasks?moved=task%3A" + task_id.split(":", 1)[1]
    shown = api.client.get(marked.headers["location"]).text
    assert "Northwind Dental: marked sent at 2026-11-27 09:30 UTC." in shown
    assert accounts_in(shown, "awaiting") == ["Northwind Dental"]
    task = task_row(api, task_id)
    assert task.status == "sent" and task.sent_by == "u-ana"
    assert task.sent_at == datetime(2026, 11, 27, 9, 30, tzinfo=UTC)

    again = post_step(api, task_id, "sent", csrf)
    assert again.status_code == 409
    assert "Not applied to Northwind Dental." in again.text
    assert "cannot be marked sent: it is sent; nothing changed" in again.text
    assert task_row(api, task_id).sent_at == datetime(2026, 11, 27, 9, 30, tzinfo=UTC)


def test_a_wrong_time_is_422_and_nothing_is_written(api: Api, clock: MovingClock) -> None:
    task_id = approve(api, "ana", "acc-001")
    csrf = sign_in(api.client, api.tokens["ana"])
    later(clock, hours=2)
    for at, words in (
        ("2026-11-27T12:00", "must not be in the future"),
        ("2026-11-27T08:00", "must not be before"),
        ("yesterday", "is not a date and time"),
    ):
        answer = post_step(api, task_id, "sent", csrf, at=at)
        assert answer.status_code == 422, at
        assert words in answer.text and f'value="{at}"' in answer.text
    assert task_row(api, task_id).status == "open"


def test_the_customers_response_is_recorded_once(api: Api, clock: MovingClock) -> None:
    accepted = approve(api, "ana", "acc-001")
    declined = approve(api, "ana", "acc-006")
    csrf = sign_in(api.client, api.tokens["ana"])
    early = post_step(api, accepted, "response", csrf, response="accepted")
    assert early.status_code == 409 and "cannot be answered (accepted): it is open" in early.text
    later(clock, hours=1)
    for task_id in (accepted, declined):
        assert post_step(api, task_id, "sent", csrf).status_code == 303
    later(clock, hours=5)
    missing = post_step(api, accepted, "response", csrf, note="Called her")
    assert missing.status_code == 422 and "choose accepted, declined or no response" in missing.text
    assert ">Called her</textarea>" in missing.text
    note = "Happy to talk to a prospect in January."
    answer = post_step(api, accepted, "response", csrf, response="accepted", note=note)
    assert answer.status_code == 303
    shown = api.client.get(answer.headers["location"]).text
    assert "response recorded, accepted: record the outcome when it happens." in shown
    assert accounts_in(shown, "accepted") == ["Northwind Dental"]
    row = task_row(api, accepted)
    assert (row.status, row.response, row.response_note) == ("sent", "accepted", note)

    closing = post_step(api, declined, "response", csrf, response="declined")
    shown = api.client.get(closing.headers["location"]).text
    assert "Birch Physio: response recorded, declined: the ask is closed." in shown
    assert shown.count("Birch Physio") == 1, "a closed task leaves the list"
    assert task_row(api, declined).status == "closed"
    twice = post_step(api, declined, "response", csrf, response="accepted")
    assert twice.status_code == 409 and "it is closed, declined; nothing changed" in twice.text
    assert task_row(api, declined).response == "declined"


def test_an_outcome_completes_an_accepted_ask_once(api: Api, clock: MovingClock) -> None:
    task_id = approve(api, "ana", "acc-001")
    csrf = sign_in(api.client, api.tokens["ana"])
    later(clock, hours=1)
    post_step(api, task_id, "sent", csrf)
    post_step(api, task_id, "response", csrf, response="accepted")
    page = api.client.get("/tasks").text
    form = group(page, "accepted")
    assert 'name="kind" value="testimonial_collected"' in form
    nonce = re.search(r'name="outcome_id" value="([^"]+)"', form)
    assert nonce is not None
    wrong = post_step(api, task_id, "outcome", csrf, kind="referral_converted", amount="12x")
    assert wrong.status_code == 422 and "whole number" in wrong.text
    done = post_step(
        api, task_id, "outcome", csrf, kind="testimonial_collected", outcome_id=nonce.group(1)
    )
    assert done.status_code == 303
    shown = api.client.get(done.headers["location"]).text
    assert "outcome recorded; the ask is complete" in shown
    assert "Northwind Dental" not in group(shown, "accepted")
    assert task_row(api, task_id).status == "closed"
    again = post_step(
        api, task_id, "outcome", csrf, kind="testimonial_collected", outcome_id=nonce.group(1)
    )
    assert again.status_code == 303  # the same form again: counted once
    counted = api.get("/v1/metrics", "admin").json()
    assert (counted["testimonial_collected"], counted["asks_completed"]) == (1, 1)


# --- ownership and CSRF ---------------------------------------------------------------------------


def test_another_owners_task_is_not_found(api: Api) -> None:
    bobs = approve(api, "bob", "acc-002")
    csrf = sign_in(api.client, api.tokens["ana"])
    assert "Harbor Vets" not in api.client.get("/tasks").text
    for step, fields in (("sent", {}), ("send", {}), ("response", {"response": "declined"})):
        answer = post_step(api, bobs, step, csrf, **fields)
        assert answer.status_code == 404, step
        assert "Not found" in answer.text and "Harbor Vets" not in answer.text
    assert post_step(api, "task:no-such-review", "sent", csrf).status_code == 404
    assert task_row(api, bobs).status == "open"


def test_a_step_without_the_csrf_token_is_refused(api: Api) -> None:
    task_id = approve(api, "ana", "acc-001")
    csrf = sign_in(api.client, api.tokens["ana"])
    for data in ({}, {"csrf": "forged"}):
        refused = api.client.post(step_path(task_id, "sent"), data=data)
        assert refused.status_code == 403
        assert "security token" in refused.text and "nothing was changed" in refused.text
    assert task_row(api, task_id).status == "open"
    assert post_step(api, task_id, "sent", csrf).status_code == 303


def test_the_tasks_page_needs_a_session_and_keeps_the_strict_csp(api: Api) -> None:
    assert api.client.get("/tasks", follow_redirects=False).headers["location"] == "/signin"
    assert api.client.get("/notifications", follow_redirects=False).status_code == 303
    approve(api, "ana", "acc-001")
    sign_in(api.client, api.tokens["ana"])
    page = api.client.get("/tasks")
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert re.findall(r"<script[^>]*>", page.text) == ['<script src="/static/tasks.js" defer>']
    assert "style=" not in page.text and " on" + "click" not in page.text
    assert api.client.get("/static/tasks.js").status_code == 200


# --- the notification badge -----------------------------------------------------------------------


def unread_badge(api: Api) -> str | None:
    found = re.search(r'id="unread-count">(\d+)<', api.client.get("/tasks").text)
    return found.group(1) if found else None


def test_the_badge_counts_unread_notifications_until_the_list_is_opened(api: Api) -> None:
    approve(api, "ana", "acc-001")
    services = api.client.app.state.services  # type: ignore[attr-defined]
    ticked = tick(services=services, now=NOW + timedelta(days=8))
    assert ticked.reminders >= 2, ticked
    anas = api.get("/v1/notifications", "mkt", owner="u-ana").json()
    kinds = sorted((note["task_id"] is not None, note["kind"]) for note in anas)
    assert kinds[-1] == (True, "reminder"), "the overdue task's reminder"

    sign_in(api.client, api.tokens["mkt"])
    everyone = api.client.get("/notifications").text
    assert "to u-ana" in everyone and "to u-bob" in everyone and "read-only" in everyone
    assert unread_badge(api) is None, "marketing gets no notifications"

    api.client.cookies.clear()
    sign_in(api.client, api.tokens["ana"])
    assert unread_badge(api) == str(len(anas))
    listing = api.client.get("/notifications")
    assert listing.status_code == 200
    assert listing.text.count('<span class="badge">new</span>') == len(anas)
    assert "Reminder 1" in listing.text and "Northwind Dental" in listing.text
    assert "to u-bob" not in listing.text and "Harbor Vets" not in listing.text
    assert 'id="unread-count"' not in listing.text, "the list's own header counts after reading"
    assert unread_badge(api) is None
    assert '<span class="badge">new</span>' not in api.client.get("/notifications").text

    api.client.cookies.clear()
    sign_in(api.client, api.tokens["bob"])
    assert unread_badge(api) == "1", "Bob's undecided review: his own reminder stays unread"
