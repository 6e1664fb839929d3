"""Ownership on every write route: a caller changes only rows of accounts it may act on, and a
row id stored for one account can never be moved to another (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from store.models import Base
from tests.e2e.api_fixtures import Api, open_api

OPENED = "2026-11-20T10:00:00Z"
ROWS: dict[str, dict[str, Any]] = {
    "signal": {"kind": "nps", "score": 3, "occurred_at": OPENED},
    "ticket": {"status": "open", "priority": "urgent", "category": "support", "opened_at": OPENED},
    "referral": {"referred_company": "Bayside", "submitted_at": OPENED, "status": "submitted",
                 "attribution_disputed": True},
    "permission": {"scope": "review", "status": "denied", "recorded_at": OPENED},
}  # fmt: skip
TABLES = {"signal": "signals", "ticket": "tickets", "referral": "referrals"}
TABLES["permission"] = "permissions"
CALLERS = ("ana", "mkt", "admin")


@pytest.fixture
def api(migrated_url: str, tmp_path: Path) -> Iterator[Api]:
    yield from open_api(migrated_url, tmp_path, scan=False)


def event(kind: str, row_id: str, account_id: str, **changes: Any) -> dict[str, Any]:
    return {"kind": kind, "row": {"id": row_id, "account_id": account_id, **ROWS[kind], **changes}}


def stored(api: Api, kind: str, row_id: str) -> dict[str, Any] | None:
    table = Base.metadata.tables[TABLES[kind]]
    services = api.client.app.state.services  # type: ignore[attr-defined]
    with services.deps.session_factory() as session:
        row = session.execute(select(table).where(table.c.id == row_id)).mappings().first()
    return dict(row) if row is not None else None


def bobs_row(api: Api, kind: str) -> dict[str, Any]:
    """A row of Bob's account, written by Bob himself."""
    answer = api.post("/v1/events", "bob", event(kind, f"{kind}-of-bob", "acc-002"))
    assert answer.status_code == 200, answer.text
    row = stored(api, kind, f"{kind}-of-bob")
    assert row is not None
    return row


@pytest.mark.parametrize("kind", list(ROWS))
@pytest.mark.parametrize("who", CALLERS)
def test_a_row_of_another_owner_cannot_be_moved_or_changed(api: Api, kind: str, who: str) -> None:
    before = bobs_row(api, kind)
    moved = event(kind, before["id"], "acc-001", status="closed") if kind == "ticket" else None
    body = moved or event(kind, before["id"], "acc-001")
    answer = api.post("/v1/events", who, body)
    assert answer.status_code == 409, answer.text
    assert "another account" in answer.json()["detail"]
    assert stored(api, kind, before["id"]) == before


@pytest.mark.parametrize("kind", list(ROWS))
def test_an_owner_cannot_write_on_another_owners_account(api: Api, kind: str) -> None:
    answer = api.post("/v1/events", "ana", event(kind, f"{kind}-new", "acc-002"))
    assert answer.status_code == 404, answer.text
    assert stored(api, kind, f"{kind}-new") is None


@pytest.mark.parametrize("kind", list(ROWS))
@pytest.mark.parametrize("who", ("mkt", "admin"))
def test_marketing_and_admin_write_on_any_account(api: Api, kind: str, who: str) -> None:
    answer = api.post("/v1/events", who, event(kind, f"{kind}-new", "acc-002"))
    assert answer.status_code == 200, answer.text
    row = stored(api, kind, f"{kind}-new")
    assert row is not None and row["account_id"] == "acc-002"


@pytest.mark.parametrize("kind", list(ROWS))
@pytest.mark.parametrize("who", ("ana", "mkt", "admin"))
def test_a_row_is_updated_in_place_on_its_own_account(api: Api, kind: str, who: str) -> None:
    first = api.post("/v1/events", "ana", event(kind, f"{kind}-of-ana", "acc-001"))
    assert first.status_code == 200, first.text
    change = {"status": "closed"} if kind == "ticket" else {}
    again = api.post("/v1/events", who, event(kind, f"{kind}-of-ana", "acc-001", **change))
    assert again.status_code == 200, again.text
    row = stored(api, kind, f"{kind}-of-ana")
    assert row is not None and row["account_id"] == "acc-001"
    if kind == "ticket":
        assert row["status"] == "closed"


@pytest.fixture
def scanned(migrated_url: str, tmp_path: Path) -> Iterator[Api]:
    yield from open_api(migrated_url, tmp_path, scan=True)


def test_an_outcome_cannot_move_another_accounts_consent_record(scanned: Api) -> None:
    api = scanned
    before = bobs_row(api, "permission")
    review = api.review_of("acc-001")
    # Approved, so that the only reason left to refuse the outcome is the consent record's move.
    approved = api.post(f"/v1/reviews/{review.id}/decision", "ana", {"action": "approve"})
    assert approved.status_code == 200, approved.text
    granted = {**ROWS["permission"], "status": "granted", "id": before["id"]}
    body = {
        "kind": "permission_granted",
        "review_id": review.id,
        "outcome_id": "o-move",
        "permission": {**granted, "account_id": "acc-001", "contact_id": "c-1"},
    }
    answer = api.post("/v1/outcomes", "ana", body)
    assert answer.status_code == 409, answer.text
    assert "another account" in answer.json()["detail"]
    assert stored(api, "permission", before["id"]) == before
    events = api.get("/v1/metrics", "admin").json()
    assert events["permission_granted"] == 0
