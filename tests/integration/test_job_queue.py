"""The job queue on the real PostgreSQL, its worker run in this process until the queue is empty:
a scan enqueued with its row (or not at all), split into batch jobs whose progress sums up, a
batch run twice changing nothing, a webhook run queued with its row. On SQLite: no queue, the
same batch functions in-process."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, text

from agent.bootstrap import Services, open_services
from agent.queue import SERVICES, build_app, cron_every
from agent.queue_client import conninfo
from agent.scan_batches import gate_scan_batch, plan_scan, run_scan_batch
from agent.scan_context import ScanDeps
from agent.scan_drafting import drafting
from agent.settings import Settings
from agent.usecases.intake import run_queued_review
from agent.usecases.scans import run_scan
from agent.usecases.users import create_user
from api.app import create_app
from store.batch_models import ScanBatch
from store.importer import import_bundle
from store.migrate import include_object
from store.models import Base, MeasurementEvent, Review, Scan, ScanResult
from store.scans import add_queued_scan
from tests.e2e.api_fixtures import BOB_BUNDLE, EXAMPLE

NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)


def drain(services: Services) -> None:
    """Run every job queued (and those they queue) in this process, then return."""
    app = build_app(services.deps.settings)
    app.run_worker(wait=False, additional_context={SERVICES: services}, listen_notify=False)


def jobs(services: Services) -> list[tuple[str, str, dict[str, object]]]:
    with services.engine.connect() as connection:
        rows = connection.execute(
            text("SELECT task_name, status, args FROM procrastinate_jobs ORDER BY id")
        )
        return [(str(task), str(status), dict(args)) for task, status, args in rows.all()]


@pytest.fixture
def services(migrated_url: str, tmp_path: Path) -> Iterator[Services]:
    """Services over the example accounts, the queue on PostgreSQL, 1-account batches."""
    bob = tmp_path / "bob.json"
    bob.write_text(json.dumps(BOB_BUNDLE))
    settings = Settings(database_url=migrated_url, scan_batch_size=1)
    with open_services(settings, clock=lambda: NOW) as built:
        import_bundle(engine=built.engine, source=EXAMPLE)
        import_bundle(engine=built.engine, source=bob)
        yield built


def record_scan(services: Services) -> str:
    with services.deps.session_factory() as session, session.begin():
        add_queued_scan(session, scan_id="sc-q1", now=NOW, started_at=NOW)
    return "sc-q1"


def reviews_per_account(services: Services) -> dict[str, int]:
    with services.deps.session_factory() as session:
        rows = session.execute(select(Review.account_id, func.count()).group_by(Review.account_id))
        return {str(a): int(n) for a, n in rows.all()}


def test_the_queue_runs_on_postgresql_and_in_process_on_sqlite(services: Services) -> None:
    on_postgres = services.deps.settings.database_url.startswith("postgresql")
    assert (services.queue is not None) == on_postgres


@pytest.mark.postgres
def test_a_scan_is_enqueued_with_its_row_and_its_batches_sum_up(
    pg_url: str, tmp_path: Path
) -> None:
    from store.db import make_engine
    from store.migrate import upgrade

    engine = make_engine(pg_url)
    upgrade(engine)
    engine.dispose()
    app = create_app(Settings(database_url=pg_url, scan_batch_size=1), clock=lambda: NOW)
    with TestClient(app) as client:
        built: Services = app.state.services
        import_bundle(engine=built.engine, source=EXAMPLE)
        bob = tmp_path / "bob.json"
        bob.write_text(json.dumps(BOB_BUNDLE))
        import_bundle(engine=built.engine, source=bob)
        token = create_user(
            session_factory=built.deps.session_factory, user_id="mkt", role="marketing", now=NOW
        )
        headers = {"Authorization": f"Bearer {token}"}
        refused = client.post("/v1/scans", json={"segment": "nope"}, headers=headers)
        assert refused.status_code == 422
        assert jobs(built) == [], "a refused scan enqueues nothing"

        started = client.post("/v1/scans", json={"now": NOW.isoformat()}, headers=headers)
        assert started.status_code == 202
        scan_id = started.json()["scan_id"]
        assert jobs(built) == [("advocacy.plan_scan", "todo", {"scan_id": scan_id})]
        assert client.get(f"/v1/scans/{scan_id}", headers=headers).json()["status"] == "queued"

        drain(built)
        scan = client.get(f"/v1/scans/{scan_id}", headers=headers).json()
        assert scan["status"] == "done" and scan["phase"] == "done", scan
        assert scan["progress"] == {"processed": 3, "total": 3, "drafted": 2, "to_draft": 2}
        assert scan["counts"]["candidate"] == 2 and scan["counts"]["reviews_opened"] == 2
        listed = client.get("/v1/candidates", headers=headers).json()["items"]
        assert {row["scan_id"] for row in listed} == {scan_id}, "the latest scan, once finished"
        assert {row["contact_id"] for row in listed if row["status"] == "candidate"} == {
            "c-1",
            "c-2",
        }, "listing facts stored with the results"
        with built.deps.session_factory() as session:
            assert session.scalar(select(func.count()).select_from(ScanBatch)) == 3
        assert reviews_per_account(built) == {"acc-001": 1, "acc-002": 1}
        ran = Counter(task for task, status, _ in jobs(built) if status == "succeeded")
        assert ran["advocacy.plan_scan"] == 1 and ran["advocacy.scan_batch"] == 3
        assert {status for _, status, _ in jobs(built)} == {"succeeded"}, "0 stuck"

        again = client.post("/v1/scans", json={"now": NOW.isoformat()}, headers=headers)
        drain(built)
        rescan = client.get(f"/v1/scans/{again.json()['scan_id']}", headers=headers).json()
        assert rescan["status"] == "done", rescan
        counts = rescan["counts"]
        assert counts["skipped_unchanged"] == 3, "every batch reused the first scan's results"
        assert counts["reviews_already_open"] == 2 and counts["reviews_opened"] == 0
        assert reviews_per_account(built) == {"acc-001": 1, "acc-002": 1}
        with built.deps.session_factory() as session:
            assert session.get_one(Scan, rescan["scan_id"]).base_scan_id == scan_id


@pytest.mark.postgres
def test_a_positive_event_queues_its_run_with_the_row(pg_url: str, tmp_path: Path) -> None:
    from store.db import make_engine
    from store.migrate import upgrade

    engine = make_engine(pg_url)
    upgrade(engine)
    engine.dispose()
    app = create_app(Settings(database_url=pg_url), clock=lambda: NOW)
    with TestClient(app) as client:
        built: Services = app.state.services
        bob = tmp_path / "bob.json"
        bob.write_text(json.dumps(BOB_BUNDLE))
        import_bundle(engine=built.engine, source=bob)
        token = create_user(
            session_factory=built.deps.session_factory, user_id="u-bob", role="owner", now=NOW
        )
        signal = {"id": "s-30", "account_id": "acc-003", "contact_id": "c-3", "kind": "nps",
                  "occurred_at": "2026-11-26T10:00:00Z", "score": 10, "text": "Superb"}  # fmt: skip
        answer = client.post(
            "/v1/events",
            json={"kind": "signal", "row": signal},
            headers={"Authorization": f"Bearer {token}"},
        )
        assert answer.status_code == 200, answer.text
        body = answer.json()
        assert body["queued"] and body["triggered"] and not body["opened"]
        assert body["gate"]["status"] == "candidate"
        assert [task for task, _, _ in jobs(built)] == ["advocacy.review_account"]
        assert reviews_per_account(built) == {}
        drain(built)
        assert reviews_per_account(built) == {"acc-003": 1}


def test_a_scan_says_how_many_queue_workers_are_alive(migrated_url: str) -> None:
    """A scan enqueued while no worker runs waits, recorded: its status says 0 workers (a
    worker heard from within ADVOCACY_STALLED_JOB_SECONDS counts); SQLite has no queue: null."""
    app = create_app(Settings(database_url=migrated_url), clock=lambda: NOW)
    with TestClient(app) as client:
        built: Services = app.state.services
        import_bundle(engine=built.engine, source=EXAMPLE)
        token = create_user(
            session_factory=built.deps.session_factory, user_id="m", role="marketing", now=NOW
        )
        headers = {"Authorization": f"Bearer {token}"}
        started = client.post("/v1/scans", json={"now": NOW.isoformat()}, headers=headers)
        href = started.json()["href"]

        def workers() -> tuple[object, object, object]:
            read = client.get(href, headers=headers).json()["workers"]
            listed = client.get("/v1/scans", headers=headers).json()["items"][0]["workers"]
            return started.json()["workers"], read, listed

        if migrated_url.startswith("sqlite"):
            assert workers() == (None, None, None)
            return
        assert workers() == (0, 0, 0)
        beat = "INSERT INTO procrastinate_workers (last_heartbeat) VALUES (now() - :age)"
        with built.engine.begin() as connection:
            connection.execute(text(beat), {"age": timedelta(seconds=5)})
            connection.execute(text(beat), {"age": timedelta(seconds=61)})  # gone quiet
        assert workers()[1:] == (1, 1)


def test_a_batch_run_again_after_a_crash_mid_draft_opens_nothing_twice(
    services: Services,
) -> None:
    scan_id = record_scan(services)
    numbers = plan_scan(services.deps, scan_id)
    assert numbers == [0, 1, 2]
    assert plan_scan(services.deps, scan_id) == numbers, "planned once"
    context = ScanDeps(deps=services.deps, advocate=services.advocate)
    work = gate_scan_batch(context, scan_id, 0)  # acc-001: a candidate
    assert work is not None and work.candidates == ["acc-001"]
    with drafting(context, scan_id=scan_id, now=work.now) as pool:
        pool.finish(pool.submit(work.number, work.candidates, work.prepared))
    # The worker died mid-draft: the review inserted, its thread not paused yet.
    review_id = f"rv-{scan_id.removeprefix('sc-')}-acc-001"
    with services.deps.session_factory() as session, session.begin():
        session.get_one(Review, review_id).status = "drafting"
    services.advocate.checkpointer.delete_thread(review_id)  # type: ignore[union-attr]

    for number in numbers:  # the queue runs batch 0 again, then the others
        run_scan_batch(context, scan_id, number)
    assert not run_scan_batch(context, scan_id, 0), "once more: it is done, and finishes nothing"

    with services.deps.session_factory() as session:
        scan = session.get_one(Scan, scan_id)
        assert (scan.status, scan.phase) == ("done", "done")
        assert scan.processed == scan.total == 3
        assert scan.counts["candidate"] == 2 and scan.counts["reviews_opened"] == 2
        assert scan.counts["reviews_already_open"] == scan.counts["reviews_not_opened"] == 0
        assert (scan.drafted, scan.to_draft) == (2, 2)
        linked = session.scalars(
            select(ScanResult.review_id).where(ScanResult.status == "candidate")
        ).all()
        assert sorted(linked) == sorted(f"rv-q1-{a}" for a in ("acc-001", "acc-002"))
        results = session.scalar(select(func.count()).select_from(ScanResult))
        assert results == 3, "each result stored once"
        attempts = session.scalars(select(ScanBatch.attempts).order_by(ScanBatch.number)).all()
        assert attempts == [3, 1, 1]
        statuses = session.scalars(select(Review.status)).all()
        candidate_events = session.scalar(
            select(func.count())
            .select_from(MeasurementEvent)
            .where(MeasurementEvent.kind == "candidate_identified")
        )
    assert statuses == ["pending", "pending"]
    assert reviews_per_account(services) == {"acc-001": 1, "acc-002": 1}
    assert candidate_events == 2


def test_an_event_run_again_after_a_crash_mid_draft_drafts_it_again(services: Services) -> None:
    def run() -> str | None:
        done = run_queued_review(
            deps=services.deps,
            advocate=services.advocate,
            account_id="acc-002",
            now=NOW,
            cause="event:signal:s-20",
        )
        assert done is not None
        return done.review_id

    review_id = run()
    assert review_id is not None
    # The worker died mid-draft: the review inserted, its thread not paused yet.
    with services.deps.session_factory() as session, session.begin():
        session.get_one(Review, review_id).status = "drafting"
    services.advocate.checkpointer.delete_thread(review_id)  # type: ignore[union-attr]

    assert run() == review_id, "the job run again finds its own draft"
    with services.deps.session_factory() as session:
        assert session.get_one(Review, review_id).status == "pending"
        events = session.scalar(
            select(func.count())
            .select_from(MeasurementEvent)
            .where(MeasurementEvent.kind == "candidate_identified")
        )
    assert reviews_per_account(services) == {"acc-002": 1}
    assert events == 1


def test_the_in_process_scan_runs_the_batches_too(services: Services) -> None:
    scan_id = run_scan(services=services, now=NOW)
    with services.deps.session_factory() as session:
        batches = session.scalars(select(ScanBatch.status).where(ScanBatch.scan_id == scan_id))
        assert list(batches) == ["done"] * 3
        scan = session.get_one(Scan, scan_id)
    assert scan.status == "done" and scan.counts["reviews_opened"] == 2
    assert scan.runner is not None, "an in-process scan names its process, for recovery"


@pytest.mark.postgres
def test_the_migration_leaves_nothing_to_autogenerate(pg_url: str) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from store.db import make_engine
    from store.migrate import upgrade

    engine = make_engine(pg_url)
    upgrade(engine)
    with engine.connect() as connection:
        queue_tables = connection.execute(
            text("SELECT count(*) FROM pg_tables WHERE tablename LIKE 'procrastinate_%'")
        )
        assert queue_tables.scalar() == 4
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "include_object": include_object}
        )
        assert compare_metadata(context, Base.metadata) == []
    engine.dispose()


@pytest.mark.parametrize(
    ("seconds", "cron"),
    [
        (1, "* * * * * */1"),
        (5, "* * * * * */5"),
        (0.4, "* * * * * */1"),
        (60, "*/1 * * * *"),
        (300, "*/5 * * * *"),
    ],
)
def test_cron_every(seconds: float, cron: str) -> None:
    assert cron_every(seconds) == cron


def test_the_queue_settings_are_checked() -> None:
    assert conninfo("postgresql+psycopg://u:p@h:5/db") == "postgresql://u:p@h:5/db"
    with pytest.raises(ValueError, match="PostgreSQL"):
        conninfo("sqlite:///x.db")
    with pytest.raises(ValueError, match="needs PostgreSQL"):
        Settings(database_url="sqlite:///x.db", job_queue="procrastinate")
    with pytest.raises(ValueError, match="stalled_job_seconds"):
        Settings(worker_heartbeat_seconds=10, stalled_job_seconds=15)
    assert not Settings(database_url="sqlite:///x.db").uses_job_queue
    assert Settings(database_url="postgresql+psycopg://h/db").uses_job_queue
    queue_off = Settings(database_url="postgresql+psycopg://h/db", job_queue="in_process")
    assert not queue_off.uses_job_queue


def test_in_process_gating_of_the_next_batch_overlaps_drafting(services: Services) -> None:
    """The scan graph keeps the pool busy: batch 1 is gated before batch 0's drafts are waited
    for (the bench's wall/ideal depends on it); a worker runs one batch the same way."""
    seen: list[tuple[str, int, int]] = []
    scan_id = run_scan(
        services=services,
        now=NOW,
        progress=lambda phase, done, total: seen.append((phase, done, total)),
    )
    phases = [phase for phase, _, _ in seen]
    assert seen[:2] == [("gating", 1, 3), ("gating", 2, 3)], seen
    assert phases.index("drafting") == 2, "batch 0 drafted after batch 1 was gated"
    assert seen[-1] == ("drafting", 2, 2)
    with services.deps.session_factory() as session:
        scan = session.get_one(Scan, scan_id)
        assert (scan.phase, scan.drafted, scan.to_draft) == ("done", 2, 2)
