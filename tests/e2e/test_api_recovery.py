"""An Idempotency-Key whose request died with its process is not stuck: after the lease, the
same request gets the real answer (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from api.idempotency import request_hash
from checkpoints.reviews import claim_for_decision
from store.db import transaction
from store.idempotency import reserve_key
from tests.e2e.api_fixtures import NOW, Api, open_api

LEASE = 30.0
KEY = "k-crashed"
BODY = {"action": "approve"}


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def api(migrated_url: str, tmp_path: Path, clock: Clock) -> Iterator[Api]:
    settings = {"claim_lease_seconds": LEASE}
    yield from open_api(migrated_url, tmp_path, clock=clock, settings=settings)


def decide(api: Api, review_id: str) -> object:
    return api.post(f"/v1/reviews/{review_id}/decision", "ana", BODY, **{"Idempotency-Key": KEY})


def crashed_request(api: Api, review_id: str, *, applied: bool) -> None:
    """What a request killed mid-way leaves: its key reserved in progress, and the review
    claimed (killed before applying) or decided (killed after applying, before answering)."""
    services = api.client.app.state.services  # type: ignore[attr-defined]
    if applied:
        assert api.post(f"/v1/reviews/{review_id}/decision", "ana", BODY).status_code == 200
    path = f"/v1/reviews/{review_id}/decision"
    with transaction(services.deps.session_factory) as session:
        if not applied:
            assert claim_for_decision(session=session, review_id=review_id, now=NOW)
        reserve_key(
            session=session,
            key=KEY,
            user_id="u-ana",
            fingerprint=request_hash("POST", path, BODY),
            reservation="the-dead-process",
            now=NOW,
        )


@pytest.mark.parametrize("applied", [False, True], ids=["not_applied", "applied"])
def test_a_key_lost_in_a_crash_answers_with_the_real_outcome_after_the_lease(
    api: Api, clock: Clock, applied: bool
) -> None:
    review_id = api.review_of("acc-001").id
    crashed_request(api, review_id, applied=applied)
    still = decide(api, review_id)
    assert still.status_code == 409, still.text
    assert "still being processed" in still.json()["detail"]

    clock.now = NOW + timedelta(seconds=LEASE + 1)
    answer = decide(api, review_id)
    assert answer.status_code == 200, answer.text
    assert answer.json()["status"] == "approved"
    assert decide(api, review_id).json() == answer.json()  # stored now: replayed as it is
    metrics = api.get("/v1/metrics", "admin").json()
    assert metrics["ask_approved"] == 1
