"""Shared set-up of the API tests: two owners' accounts, a scan, one user per role."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from agent.settings import Settings
from agent.usecases.scans import run_scan
from agent.usecases.users import create_user
from api.app import create_app
from store.importer import import_bundle
from store.models import Review

NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
EXAMPLE = Path(__file__).parent.parent / "fixtures" / "design_example.json"
BOB_BUNDLE: dict[str, list[dict[str, Any]]] = {
    "owners": [{"id": "u-bob", "name": "Bob Stone", "email": "bob@example.com"}],
    "accounts": [
        {"id": "acc-002", "name": "Harbor Vets", "owner_id": "u-bob", "segment": "smb",
         "customer_since": "2022-01-10", "health_score": 90},
        {"id": "acc-003", "name": "Quiet Co", "owner_id": "u-bob", "segment": "smb",
         "customer_since": "2022-01-10", "health_score": 90},
    ],
    "contacts": [
        {"id": "c-2", "account_id": "acc-002", "name": "Ola Berg", "champion": True},
        {"id": "c-3", "account_id": "acc-003", "name": "Ida Lund"},
    ],
    "signals": [
        {"id": "s-20", "account_id": "acc-002", "contact_id": "c-2", "kind": "nps",
         "occurred_at": "2026-11-01T10:00:00Z", "score": 10, "text": "Great support"},
        {"id": "s-21", "account_id": "acc-002", "kind": "outcome",
         "occurred_at": "2026-10-20T10:00:00Z", "metric": "visits", "value": "+20%"},
    ],
}  # fmt: skip


@dataclass
class Api:
    client: TestClient
    tokens: dict[str, str]

    def headers(self, who: str, **extra: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[who]}", **extra}

    def get(self, path: str, who: str, **params: Any) -> Any:
        return self.client.get(path, headers=self.headers(who), params=params)

    def post(self, path: str, who: str, body: Any, **headers: str) -> Any:
        return self.client.post(path, headers=self.headers(who, **headers), json=body)

    def review_of(self, account_id: str) -> Review:
        services = self.client.app.state.services  # type: ignore[attr-defined]
        with services.deps.session_factory() as session:
            query = select(Review).where(Review.account_id == account_id)
            return session.scalars(query.order_by(Review.created_at.desc())).first()


USERS = {"ana": ("u-ana", "owner"), "bob": ("u-bob", "owner"), "mkt": ("mkt-1", "marketing"),
         "admin": ("adm-1", "admin")}  # fmt: skip


def open_api(
    url: str,
    folder: Path,
    *,
    scan: bool = True,
    clock: Callable[[], datetime] = lambda: NOW,
    settings: dict[str, Any] | None = None,
) -> Iterator[Api]:
    """A started app (lifespan run) on `url`, seeded, scanned once, with a token per user."""
    bob = folder / "bob.json"
    bob.write_text(json.dumps(BOB_BUNDLE))
    # In-process runs on PostgreSQL too: these tests need no worker (tests/e2e/test_queue*.py
    # run the job queue with real workers).
    chosen = {"job_queue": "in_process", **(settings or {})}
    app = create_app(Settings(database_url=url, **chosen), clock=clock)
    with TestClient(app, raise_server_exceptions=False) as client:
        services = app.state.services
        import_bundle(engine=services.engine, source=EXAMPLE)
        import_bundle(engine=services.engine, source=bob)
        tokens = {
            name: create_user(
                session_factory=services.deps.session_factory, user_id=uid, role=role, now=NOW
            )
            for name, (uid, role) in USERS.items()
        }
        if scan:
            run_scan(services=services, now=NOW)
        yield Api(client=client, tokens=tokens)
