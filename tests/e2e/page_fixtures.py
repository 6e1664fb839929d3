"""Shared set-up of the page tests: the API fixtures plus a hostile feedback signal, sign-in."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from store.importer import import_bundle

SCRIPT = "<script>alert(1)</script>"
IMAGE = "<img src=x onerror=alert(1)>"
HOSTILE_TEXT = f"Loved it {SCRIPT} {IMAGE} really"
# Ana's hostile feedback on acc-001, plus one account of hers held and one stopped.
PAGE_BUNDLE: dict[str, list[dict[str, Any]]] = {
    "accounts": [
        {"id": "acc-004", "name": "Lakeside Clinic", "owner_id": "u-ana", "segment": "smb",
         "customer_since": "2022-05-01", "health_score": 85},
        {"id": "acc-005", "name": "Quiet Dental", "owner_id": "u-ana", "segment": "smb",
         "customer_since": "2022-05-01", "health_score": 85, "do_not_contact": True},
    ],
    "signals": [
        {"id": "s-hostile", "account_id": "acc-001", "contact_id": "c-1", "kind": "feedback",
         "occurred_at": "2026-11-20T10:00:00Z", "source": "web_form", "sentiment": "positive",
         "text": HOSTILE_TEXT},
        {"id": "s-40", "account_id": "acc-004", "kind": "nps", "score": 9,
         "occurred_at": "2026-11-15T10:00:00Z"},
        {"id": "s-50", "account_id": "acc-005", "kind": "nps", "score": 10,
         "occurred_at": "2026-11-15T10:00:00Z"},
    ],
    "tickets": [
        {"id": "t-40", "account_id": "acc-004", "status": "open", "priority": "high",
         "category": "billing", "opened_at": "2026-11-20T10:00:00Z", "subject": "Invoice"},
    ],
}  # fmt: skip
CSRF_FIELD = re.compile(r'name="csrf" value="([^"]+)"')


def import_page_extras(engine: Any, folder: Path) -> None:
    """Customer text a page must show as text (a script tag, an image with an onerror), and
    Ana's held and stopped accounts."""
    source = folder / "page_extras.json"
    source.write_text(json.dumps(PAGE_BUNDLE))
    import_bundle(engine=engine, source=source)


def csrf_of(html: str) -> str:
    found = CSRF_FIELD.search(html)
    assert found is not None, "the page has no CSRF field"
    return found.group(1)


def sign_in(client: TestClient, token: str) -> str:
    """Sign the client in with a bearer token; returns the session's CSRF token."""
    form = client.get("/signin")
    answer = client.post(
        "/signin", data={"csrf": csrf_of(form.text), "token": token}, follow_redirects=False
    )
    assert answer.status_code == 303, answer.text
    return csrf_of(client.get("/metrics").text)
