"""Sending and delivering for real: the owner's Send over a real SMTP server on loopback
(aiosmtpd), notifications by email and to a real webhook receiver on loopback."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from agent.usecases.timers import tick
from tests.e2e.api_fixtures import NOW, Api, open_api
from tests.e2e.task_fixtures import Captured, free_port, smtp_server


@pytest.fixture
def smtp() -> Iterator[tuple[str, Captured]]:
    yield from smtp_server()


class Receiver:
    """A webhook receiver on loopback: records each JSON body; answers `status`."""

    def __init__(self) -> None:
        self.bodies: list[dict[str, Any]] = []
        self.status = 200
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers["Content-Length"])
                receiver.bodies.append(json.loads(self.rfile.read(length)))
                self.send_response(receiver.status)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    hook = Receiver()
    thread = threading.Thread(target=hook.server.serve_forever, daemon=True)
    thread.start()
    try:
        yield hook
    finally:
        hook.server.shutdown()
        hook.server.server_close()


def started(url: str, folder: Path, **settings: Any) -> Iterator[Api]:
    return open_api(url, folder, clock=lambda: NOW + timedelta(hours=1), settings=settings)


def approved_task(api: Api) -> str:
    review = api.review_of("acc-001")
    answer = api.post(f"/v1/reviews/{review.id}/decision", "ana", {"action": "approve"})
    assert answer.status_code == 200, answer.text
    return f"task:{review.id}"


def test_send_mails_the_approved_text_from_the_owner_once(
    sqlite_url: str, tmp_path: Path, smtp: tuple[str, Captured]
) -> None:
    url, capture = smtp
    for api in started(sqlite_url, tmp_path, smtp_url=url):
        task_id = approved_task(api)
        before = api.get(f"/v1/tasks/{task_id}", "ana").json()
        answer = api.post(f"/v1/tasks/{task_id}/send", "ana", {})
        assert answer.status_code == 200, answer.text
        assert api.post(f"/v1/tasks/{task_id}/send", "ana", {}).status_code == 409
    (envelope,) = capture.messages
    (mail,) = capture.parsed()
    task = answer.json()
    assert envelope.mail_from == "ana@example.com"
    assert envelope.rcpt_tos == ["lee@northwind.example"]
    assert mail["Reply-To"] == "ana@example.com"
    assert mail["Subject"] == before["subject"]
    assert mail["Message-ID"] == task["message_id"]
    sent_body = mail.get_payload(decode=True).decode().replace("\r\n", "\n")
    assert sent_body.strip() == before["body"].strip()
    assert task["status"] == "sent" and task["sent_by"] == "u-ana"


def test_send_is_refused_for_a_revoked_contact_and_nothing_is_mailed(
    sqlite_url: str, tmp_path: Path, smtp: tuple[str, Captured]
) -> None:
    url, capture = smtp
    revoked = {
        "kind": "permission",
        "row": {"account_id": "acc-001", "contact_id": "c-1", "scope": "marketing_contact",
                "status": "revoked", "recorded_at": "2026-11-27T09:30:00Z"},
    }  # fmt: skip
    for api in started(sqlite_url, tmp_path, smtp_url=url):
        task_id = approved_task(api)
        assert api.post("/v1/events", "ana", revoked).status_code == 200
        answer = api.post(f"/v1/tasks/{task_id}/send", "ana", {})
        assert answer.status_code == 409, answer.text
        assert "do_not_contact" in answer.json()["reasons"]
        assert api.get(f"/v1/tasks/{task_id}", "ana").json()["status"] == "open"
    assert capture.messages == []


def test_send_without_smtp_or_with_a_dead_server_sends_nothing(
    sqlite_url: str, tmp_path: Path
) -> None:
    dead = f"smtp://127.0.0.1:{free_port()}"
    for api in started(sqlite_url, tmp_path, smtp_url=dead):
        task_id = approved_task(api)
        answer = api.post(f"/v1/tasks/{task_id}/send", "ana", {})
        assert answer.status_code == 409 and "nothing was sent" in answer.json()["detail"]
        # The claim was released: marking it sent by hand still works.
        assert api.post(f"/v1/tasks/{task_id}/sent", "ana", {}).status_code == 200


def overdue_now(api: Api, task_id: str) -> datetime:
    send_by = api.get(f"/v1/tasks/{task_id}", "ana").json()["send_by"]
    return datetime.fromisoformat(send_by) + timedelta(seconds=1)


def test_a_reminder_goes_out_by_email_and_webhook(
    sqlite_url: str, tmp_path: Path, smtp: tuple[str, Captured], receiver: Receiver
) -> None:
    url, capture = smtp
    for api in started(sqlite_url, tmp_path, smtp_url=url, notify_webhook_url=receiver.url):
        task_id = approved_task(api)
        services = api.client.app.state.services  # type: ignore[attr-defined]
        done = tick(services=services, now=overdue_now(api, task_id))
        notes = api.get("/v1/notifications", "ana").json()
    assert (done.reminders, done.delivered, done.delivery_failures) == (2, 2, 0)
    mine = [n for n in notes if n["task_id"] == task_id]
    assert mine[0]["delivered"] and mine[0]["channels"] == ["email", "webhook"]
    assert len(receiver.bodies) == 2 and all(set(body) == {"text"} for body in receiver.bodies)
    assert any(body["text"] == mine[0]["text"] for body in receiver.bodies)
    # Ana's overdue task, and Bob's review undecided for 3 days: one reminder each, by email.
    recipients = sorted(m["To"] for m in capture.parsed())
    assert recipients == ["Ana Ruiz <ana@example.com>", "Bob Stone <bob@example.com>"]
    assert all(m["Subject"].startswith("Reminder: ") for m in capture.parsed())


def test_a_failed_delivery_is_retried_and_never_blocks_the_timer(
    sqlite_url: str, tmp_path: Path, smtp: tuple[str, Captured], receiver: Receiver
) -> None:
    url, capture = smtp
    receiver.status = 500
    for api in started(sqlite_url, tmp_path, smtp_url=url, notify_webhook_url=receiver.url):
        task_id = approved_task(api)
        services = api.client.app.state.services  # type: ignore[attr-defined]
        when = overdue_now(api, task_id)
        first = tick(services=services, now=when)
        failed = api.get("/v1/notifications", "ana").json()
        receiver.status = 200
        too_soon = tick(services=services, now=when + timedelta(seconds=30))
        retried = tick(services=services, now=when + timedelta(minutes=2))
        delivered = api.get("/v1/notifications", "ana").json()
    assert (first.reminders, first.delivered, first.delivery_failures) == (2, 0, 2)
    assert all(not n["delivered"] and "webhook" in n["last_error"] for n in failed)
    assert all(n["channels"] == ["email"] for n in failed)
    assert (too_soon.delivered, too_soon.delivery_failures) == (0, 0)
    assert (retried.reminders, retried.delivered) == (0, 2)
    assert all(n["delivered"] and n["attempts"] == 2 for n in delivered)
    # Email had succeeded the first time: it is not sent again.
    assert len(capture.messages) == 2
