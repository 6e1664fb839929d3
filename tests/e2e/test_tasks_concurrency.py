"""Timers and task steps run at once (threads sharing the app, SQLite file and PostgreSQL):
each due step happens once, never twice."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from pathlib import Path
from threading import Barrier
from typing import Any, TypeVar

import pytest
from sqlalchemy import func, select

from agent.usecases.timers import tick
from store.models import MeasurementEvent, Notification
from tests.e2e.api_fixtures import NOW, Api, open_api

T = TypeVar("T")
RUNNERS = 4


@pytest.fixture
def api(migrated_url: str, tmp_path: Path) -> Iterator[Api]:
    yield from open_api(migrated_url, tmp_path, clock=lambda: NOW + timedelta(hours=1))


def at_once(call: Callable[[], T]) -> list[T]:
    """`call` from RUNNERS threads released together."""
    start = Barrier(RUNNERS)

    def run() -> T:
        start.wait()
        return call()

    with ThreadPoolExecutor(RUNNERS) as pool:
        return list(pool.map(lambda _: run(), range(RUNNERS)))


def approve_both(api: Api) -> list[str]:
    tasks = []
    for account_id, who in (("acc-001", "ana"), ("acc-002", "bob")):
        review = api.review_of(account_id)
        answer = api.post(f"/v1/reviews/{review.id}/decision", who, {"action": "approve"})
        assert answer.status_code == 200, answer.text
        tasks.append(f"task:{review.id}")
    return tasks


def counted(api: Api, model: Any, **where: Any) -> int:
    services = api.client.app.state.services  # type: ignore[attr-defined]
    with services.deps.session_factory() as session:
        query = select(func.count()).select_from(model).filter_by(**where)
        return int(session.scalar(query) or 0)


def test_timers_run_at_once_write_one_reminder_per_step(api: Api) -> None:
    tasks = approve_both(api)
    services = api.client.app.state.services  # type: ignore[attr-defined]
    send_by = datetime.fromisoformat(api.get(f"/v1/tasks/{tasks[0]}", "ana").json()["send_by"])
    totals = []
    for days in (0, 5, 10):
        results = at_once(lambda d=days: tick(services=services, now=send_by + timedelta(days=d)))
        totals.append((sum(r.reminders for r in results), sum(r.escalations for r in results)))
    assert totals == [(2, 0), (2, 0), (0, 2)]
    assert counted(api, Notification) == 6
    assert counted(api, MeasurementEvent, kind="reminder_sent") == 4
    assert counted(api, MeasurementEvent, kind="escalated") == 2


def test_no_response_closes_once_when_timers_race(api: Api) -> None:
    tasks = approve_both(api)
    for task_id, who in zip(tasks, ("ana", "bob"), strict=True):
        assert api.post(f"/v1/tasks/{task_id}/sent", who, {}).status_code == 200
    services = api.client.app.state.services  # type: ignore[attr-defined]
    later = NOW + timedelta(days=15)
    results = at_once(lambda: tick(services=services, now=later))
    assert sum(r.closed_no_response for r in results) == 2
    assert counted(api, MeasurementEvent, kind="ask_no_response") == 2


def test_two_clicks_on_sent_record_it_once(api: Api) -> None:
    task_id = approve_both(api)[0]
    answers = at_once(lambda: api.post(f"/v1/tasks/{task_id}/sent", "ana", {}).status_code)
    assert sorted(answers) == [200, 409, 409, 409]
    assert counted(api, MeasurementEvent, kind="ask_sent") == 1
