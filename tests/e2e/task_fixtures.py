"""Shared set-up of the Tasks page tests: three of Ana's accounts approved, a clock that moves,
a real SMTP server on loopback."""

from __future__ import annotations

import email
import json
import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import Message
from pathlib import Path
from typing import Any
from urllib.parse import quote

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP as SmtpServer
from aiosmtpd.smtp import Envelope
from aiosmtpd.smtp import Session as SmtpSession

from agent.usecases.scans import run_scan
from store.importer import import_bundle
from store.models import OwnerTask
from tests.e2e.api_fixtures import NOW, Api, open_api

# Two more of Ana's accounts, each ready for an ask to a contact with an email address.
TASK_BUNDLE: dict[str, list[dict[str, Any]]] = {
    "accounts": [
        {"id": "acc-006", "name": "Birch Physio", "owner_id": "u-ana", "segment": "smb",
         "customer_since": "2022-03-01", "health_score": 88},
        {"id": "acc-007", "name": "Cedar Optics", "owner_id": "u-ana", "segment": "smb",
         "customer_since": "2022-03-01", "health_score": 88},
    ],
    "contacts": [
        {"id": "c-6", "account_id": "acc-006", "name": "Mia Holm", "email": "mia@birch.example",
         "champion": True},
        {"id": "c-7", "account_id": "acc-007", "name": "Noor Aziz", "email": "noor@cedar.example",
         "champion": True},
    ],
    "signals": [
        {"id": "s-60", "account_id": "acc-006", "contact_id": "c-6", "kind": "nps",
         "occurred_at": "2026-11-20T10:00:00Z", "score": 10, "text": "Great team"},
        {"id": "s-61", "account_id": "acc-006", "kind": "outcome",
         "occurred_at": "2026-11-10T10:00:00Z", "metric": "visits", "value": "+20%"},
        {"id": "s-70", "account_id": "acc-007", "contact_id": "c-7", "kind": "nps",
         "occurred_at": "2026-11-20T10:00:00Z", "score": 10, "text": "Love it"},
        {"id": "s-71", "account_id": "acc-007", "kind": "outcome",
         "occurred_at": "2026-11-10T10:00:00Z", "metric": "no-shows", "value": "-25%"},
    ],
}  # fmt: skip


@dataclass
class MovingClock:
    """The app's clock; a test moves it to make a task overdue or to send after approving."""

    now: datetime = NOW

    def __call__(self) -> datetime:
        return self.now


@dataclass
class Captured:
    """Every mail the loopback SMTP server received."""

    messages: list[Envelope] = field(default_factory=list)

    async def handle_DATA(
        self, _server: SmtpServer, _session: SmtpSession, envelope: Envelope
    ) -> str:
        self.messages.append(envelope)
        return "250 OK"

    def parsed(self) -> list[Message]:
        return [email.message_from_bytes(m.content) for m in self.messages]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def smtp_server() -> Iterator[tuple[str, Captured]]:
    """A real SMTP server on loopback (aiosmtpd, in a thread): its URL and what it received."""
    captured = Captured()
    controller = Controller(captured, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield f"smtp://127.0.0.1:{controller.port}", captured
    finally:
        controller.stop()


def open_task_api(
    url: str, folder: Path, clock: MovingClock, settings: dict[str, Any] | None = None
) -> Iterator[Api]:
    """The API fixtures plus Ana's two extra accounts, scanned at NOW."""
    for api in open_api(url, folder, scan=False, clock=clock, settings=settings):
        services = api.client.app.state.services  # type: ignore[attr-defined]
        source = folder / "task_extras.json"
        source.write_text(json.dumps(TASK_BUNDLE))
        import_bundle(engine=services.engine, source=source)
        run_scan(services=services, now=NOW)
        yield api


def approve(api: Api, who: str, account_id: str) -> str:
    """Approve the account's review as drafted (the API's decision route); its task's id."""
    review_id = api.review_of(account_id).id
    answer = api.post(f"/v1/reviews/{review_id}/decision", who, {"action": "approve"})
    assert answer.status_code == 200, answer.text
    return f"task:{review_id}"


def task_row(api: Api, task_id: str) -> OwnerTask:
    services = api.client.app.state.services  # type: ignore[attr-defined]
    with services.deps.session_factory() as session:
        task = session.get(OwnerTask, task_id)
        assert task is not None
        return task


def step_path(task_id: str, step: str) -> str:
    return f"/tasks/{quote(task_id, safe='')}/{step}"


def post_step(
    api: Api, task_id: str, step: str, csrf: str, **fields: str
) -> Any:  # an httpx.Response
    return api.client.post(
        step_path(task_id, step), data={"csrf": csrf, **fields}, follow_redirects=False
    )


def later(clock: MovingClock, **delta: float) -> None:
    clock.now = NOW + timedelta(**delta)
