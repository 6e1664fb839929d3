"""A scan's recording threads open their reviews in groups (agent/scan_drafting.GroupOpener):
reviews that wait for the database are opened together in one transaction, each with its
candidate event, and a review of an account that has one open already is a duplicate that
records nothing. On a real SQLite file, with the process's write lock held to make them wait.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, func, select

from agent.advocate_nodes import Opening, open_reviews
from agent.bootstrap import Services
from agent.scan_drafting import GroupOpener
from agent.state import thread_config
from agent.usecases.scans import run_scan
from domain.events import event_row
from store.db import sqlite_path, sqlite_write_lock, transaction
from store.models import Account, MeasurementEvent, Review
from tests.demo_services import demo_services

NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
WAIT_SECONDS = 20


@pytest.fixture
def services(sqlite_url: str, tmp_path: Path) -> Iterator[Services]:
    with demo_services(sqlite_url, tmp_path, accounts=12, now=NOW) as built:
        yield built


def accounts(services: Services) -> list[tuple[str, str]]:
    with services.deps.session_factory() as session:
        rows = session.execute(select(Account.id, Account.owner_id).order_by(Account.id)).all()
    return [(account_id, owner_id) for account_id, owner_id in rows]


def opening(account_id: str, owner_id: str, review_id: str) -> Opening:
    row: dict[str, Any] = {
        "id": review_id,
        "account_id": account_id,
        "owner_id": owner_id,
        "scan_id": None,
        "status": "drafting",
        "created_at": NOW,
        "trigger_at": NOW,
        "ask_type": "review",
        "owner_only": False,
        "flags": [],
        "payload": {"review_id": review_id},
        "claimed_at": NOW,
    }
    candidate = event_row(
        kind="candidate_identified", key=review_id, at=NOW, account_id=account_id, owner_id=owner_id
    )
    return Opening(review_id, row, candidate)


def counted_commits(services: Services) -> list[int]:
    commits: list[int] = []
    event.listen(services.engine, "commit", lambda _connection: commits.append(1))
    return commits


def test_reviews_waiting_for_the_database_open_in_one_transaction(services: Services) -> None:
    openings = [opening(a, o, f"rv-group-{a}") for a, o in accounts(services)[:8]]
    opener = GroupOpener(services.deps)
    commits = counted_commits(services)
    database = sqlite_write_lock(sqlite_path(str(services.engine.url)))
    with ThreadPoolExecutor(len(openings)) as pool:
        with database:  # another writer holds the database: every recording thread queues
            results = [pool.submit(opener.open, item) for item in openings]
            deadline = time.monotonic() + WAIT_SECONDS
            while len(opener._queued) < len(openings) and time.monotonic() < deadline:
                time.sleep(0.01)
        assert [r.result(timeout=WAIT_SECONDS) for r in results] == ["inserted"] * len(openings)
    assert len(commits) == 1
    with services.deps.session_factory() as session:
        assert session.scalar(select(func.count()).select_from(Review)) == len(openings)
        candidate_events = select(func.count()).where(
            MeasurementEvent.kind == "candidate_identified"
        )
        assert session.scalar(candidate_events) == len(openings)


def test_a_second_review_of_an_account_is_a_duplicate_and_records_nothing(
    services: Services,
) -> None:
    (account_id, owner_id), *_ = accounts(services)
    opener = GroupOpener(services.deps)
    assert opener.open(opening(account_id, owner_id, "rv-first")) == "inserted"
    # A replay of the same run finds its own review: nothing written twice.
    assert opener.open(opening(account_id, owner_id, "rv-first")) == "existing"
    assert opener.open(opening(account_id, owner_id, "rv-second")) == "duplicate"
    with services.deps.session_factory() as session:
        assert list(session.scalars(select(Review.id))) == ["rv-first"]
        events = list(session.scalars(select(MeasurementEvent.id)))
    assert events == ["candidate_identified:rv-first"]


@pytest.fixture
def services_on_each_database(migrated_url: str, tmp_path: Path) -> Iterator[Services]:
    with demo_services(migrated_url, tmp_path, accounts=12, now=NOW) as built:
        yield built


def test_one_group_tells_new_replayed_and_duplicate_reviews_apart(
    services_on_each_database: Services,
) -> None:
    services = services_on_each_database
    (a1, o1), (a2, o2), (a3, o3), (a4, o4) = accounts(services)[:4]
    with transaction(services.deps.session_factory) as session:
        open_reviews(session, [opening(a1, o1, "rv-open-1"), opening(a2, o2, "rv-open-2")])
    group = [
        opening(a3, o3, "rv-new-3"),
        opening(a1, o1, "rv-open-1"),  # a replay of its own run
        opening(a2, o2, "rv-other-2"),  # another review of an account with one open
        opening(a4, o4, "rv-new-4"),
    ]
    with transaction(services.deps.session_factory) as session:
        results = open_reviews(session, group)
    assert results == {
        "rv-new-3": "inserted",
        "rv-open-1": "existing",
        "rv-other-2": "duplicate",
        "rv-new-4": "inserted",
    }
    with services.deps.session_factory() as session:
        reviews = set(session.scalars(select(Review.id)))
        events = sorted(session.scalars(select(MeasurementEvent.id)))
    assert reviews == {"rv-open-1", "rv-open-2", "rv-new-3", "rv-new-4"}
    # The replay's event is the same row, recorded once; the duplicate records none.
    assert events == sorted(f"candidate_identified:{r}" for r in reviews)


def test_a_failed_transaction_fails_every_review_of_its_group(services: Services) -> None:
    (account_id, owner_id), *_ = accounts(services)
    broken = opening("no-such-account", owner_id, "rv-broken")  # its foreign key fails
    opener = GroupOpener(services.deps)
    database = sqlite_write_lock(sqlite_path(str(services.engine.url)))
    with ThreadPoolExecutor(2) as pool:
        with database:
            first = pool.submit(opener.open, broken)
            deadline = time.monotonic() + WAIT_SECONDS
            while len(opener._queued) < 1 and time.monotonic() < deadline:
                time.sleep(0.01)
            second = pool.submit(opener.open, opening(account_id, owner_id, "rv-ok"))
            while len(opener._queued) < 2 and time.monotonic() < deadline:
                time.sleep(0.01)
        for future in (first, second):
            with pytest.raises(Exception, match="FOREIGN KEY"):
                future.result(timeout=WAIT_SECONDS)
    with services.deps.session_factory() as session:
        assert session.scalar(select(func.count()).select_from(Review)) == 0
    # The opener is not left stuck: the next review opens.
    assert opener.open(opening(account_id, owner_id, "rv-after")) == "inserted"


def test_a_scanned_review_pauses_showing_its_stored_payload(services: Services) -> None:
    # The first pause takes the payload from the opening, not from the database: the same.
    scan_id = run_scan(services=services, now=NOW)
    with services.deps.session_factory() as session:
        reviews = list(session.scalars(select(Review).where(Review.scan_id == scan_id)))
    assert reviews
    for review in reviews:
        paused = services.advocate.get_state(thread_config(review.id))
        assert [i.value for i in paused.interrupts] == [review.payload]
        assert paused.next == ("owner_review",)
