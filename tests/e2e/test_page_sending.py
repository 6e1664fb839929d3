"""The Tasks page's *Send* over a real SMTP server on loopback (aiosmtpd): sent once, from the
owner, and never to an account that became do-not-contact."""

from __future__ import annotations

import json
from collections.abc import Iterator
from email import message_from_bytes
from email.message import Message
from pathlib import Path

import pytest

from store.importer import import_bundle
from tests.e2e.api_fixtures import EXAMPLE, Api
from tests.e2e.page_fixtures import sign_in
from tests.e2e.task_fixtures import (
    Captured,
    MovingClock,
    approve,
    open_task_api,
    post_step,
    smtp_server,
    task_row,
)


@pytest.fixture
def smtp() -> Iterator[tuple[str, Captured]]:
    yield from smtp_server()


@pytest.fixture
def api(migrated_url: str, tmp_path: Path, smtp: tuple[str, Captured]) -> Iterator[Api]:
    settings = {"smtp_url": smtp[0]}
    yield from open_task_api(migrated_url, tmp_path, MovingClock(), settings)


@pytest.fixture
def mailbox(smtp: tuple[str, Captured]) -> Captured:
    return smtp[1]


def received(mailbox: Captured) -> list[Message]:
    content = [envelope.content for envelope in mailbox.messages]
    return [message_from_bytes(body) for body in content if isinstance(body, bytes)]


def test_send_mails_the_approved_text_from_the_owner_once(api: Api, mailbox: Captured) -> None:
    task_id = approve(api, "ana", "acc-001")
    csrf = sign_in(api.client, api.tokens["ana"])
    page = api.client.get("/tasks").text
    assert "Send now" in page and "to Lee Park &lt;lee@northwind.example&gt;" in page

    sent = post_step(api, task_id, "send", csrf)
    assert sent.status_code == 303
    task = task_row(api, task_id)
    assert task.status == "sent" and task.message_id is not None
    shown = api.client.get(sent.headers["location"]).text
    assert "Northwind Dental: sent by email (Message-ID &lt;" in shown

    assert [(m.mail_from, m.rcpt_tos) for m in mailbox.messages] == [
        ("ana@example.com", ["lee@northwind.example"])
    ]
    (mail,) = received(mailbox)
    assert mail["Reply-To"] == "ana@example.com" and mail["Message-ID"] == task.message_id
    assert mail["Subject"] == task.subject
    assert mail.get_payload(decode=True).decode().startswith("Hi Lee,")  # type: ignore[union-attr]

    again = post_step(api, task_id, "send", csrf)
    assert again.status_code == 409 and "cannot be sent: it is sent; nothing changed" in again.text
    assert len(mailbox.messages) == 1


def test_send_to_an_account_now_do_not_contact_is_refused_and_nothing_is_mailed(
    api: Api, mailbox: Captured, tmp_path: Path
) -> None:
    task_id = approve(api, "ana", "acc-001")
    csrf = sign_in(api.client, api.tokens["ana"])
    (account,) = json.loads(EXAMPLE.read_text())["accounts"]
    marked = tmp_path / "do_not_contact.json"
    marked.write_text(json.dumps({"accounts": [account | {"do_not_contact": True}]}))
    services = api.client.app.state.services  # type: ignore[attr-defined]
    import_bundle(engine=services.engine, source=marked)

    refused = post_step(api, task_id, "send", csrf)
    assert refused.status_code == 409
    assert "Not applied to Northwind Dental." in refused.text
    assert "Do not contact: The account or its marketing consent says no." in refused.text
    assert mailbox.messages == []
    task = task_row(api, task_id)
    assert (task.status, task.sent_at, task.claimed_at) == ("open", None, None)
