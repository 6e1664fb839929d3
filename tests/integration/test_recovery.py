"""After a crash nothing stays stuck: lost drafts, lost decision claims and dead scans are
completed or released by the recovery every process runs at start (SQLite and PostgreSQL), and
paused drafts by the timers too.

The crash points are reached through the real graph, stopped where a killed process would
have stopped (`interrupt_before`), with the real checkpointer."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from langgraph.types import Command
from sqlalchemy import func, select

from agent.bootstrap import Services, open_services
from agent.runner import this_runner
from agent.settings import Settings
from agent.state import AdvocateState, thread_config
from agent.usecases.decisions import AlreadyDecided, decide
from agent.usecases.recovery import recover
from agent.usecases.scans import run_scan
from agent.usecases.timers import tick
from checkpoints.reviews import claim_for_decision
from checkpoints.schemas import Decision
from store.db import transaction
from store.importer import import_bundle
from store.models import MeasurementEvent, OwnerTask, Review, Scan
from store.scans import add_queued_scan

NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
LEASE = 60.0
EXAMPLE = Path(__file__).parent.parent / "fixtures" / "design_example.json"


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now

    def pass_the_lease(self) -> None:
        self.now += timedelta(seconds=LEASE + 1)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def services(migrated_url: str, clock: Clock) -> Iterator[Services]:
    settings = Settings(
        database_url=migrated_url, draft_lease_seconds=LEASE, claim_lease_seconds=LEASE
    )
    with open_services(settings, clock=clock) as built:
        import_bundle(engine=built.engine, source=EXAMPLE)
        yield built


def reviews(services: Services) -> list[Review]:
    with services.deps.session_factory() as session:
        return list(session.scalars(select(Review).order_by(Review.created_at)))


def events(services: Services, kind: str) -> int:
    with services.deps.session_factory() as session:
        query = select(func.count()).select_from(MeasurementEvent).filter_by(kind=kind)
        return session.scalar(query) or 0


def approve() -> Decision:
    return Decision(action="approve", by="u-ana")


def draft_until(services: Services, review_id: str, *, stop_before: list[str]) -> None:
    """Run acc-001's thread the way a scan does, stopping where a killed process stopped."""
    inputs: AdvocateState = {
        "account_id": "acc-001",
        "review_id": review_id,
        "now": NOW.isoformat(),
    }
    services.advocate.invoke(
        inputs,
        thread_config(review_id),
        context=services.deps,
        durability="exit",
        interrupt_before=stop_before,  # type: ignore[arg-type]
    )


def test_a_draft_killed_before_the_pause_is_discarded_then_drafted_again(
    services: Services, clock: Clock
) -> None:
    draft_until(services, "rv-lost", stop_before=["owner_review"])
    [lost] = reviews(services)
    assert lost.status == "drafting"
    assert events(services, "candidate_identified") == 1

    assert recover(services.deps, services.advocate).counts == {}  # within the lease: untouched
    clock.pass_the_lease()
    assert recover(services.deps, services.advocate).counts == {"drafts_discarded": 1}

    assert reviews(services) == []
    assert events(services, "candidate_identified") == 0
    assert not services.advocate.get_state(thread_config("rv-lost")).values
    run_scan(services=services, now=NOW)
    [again] = reviews(services)
    assert again.status == "pending"
    assert decide(deps=services.deps, advocate=services.advocate, review_id=again.id,
                  decision=approve()).status == "approved"  # fmt: skip


def test_a_draft_that_paused_before_the_crash_joins_the_queue(
    services: Services, clock: Clock
) -> None:
    draft_until(services, "rv-paused", stop_before=[])
    assert reviews(services)[0].status == "drafting"
    clock.pass_the_lease()
    assert recover(services.deps, services.advocate).counts == {"drafts_published": 1}
    [review] = reviews(services)
    assert review.status == "pending"
    closed = decide(
        deps=services.deps, advocate=services.advocate, review_id=review.id, decision=approve()
    )
    assert closed.status == "approved"


def test_the_timers_publish_a_draft_once_it_paused_however_recent(
    services: Services, clock: Clock
) -> None:
    draft_until(services, "rv-1", stop_before=["owner_review"])
    clock.pass_the_lease()  # discarding a lost draft is the recovery's, at a process start
    assert tick(services=services, now=clock.now).drafts_published == 0
    assert [r.status for r in reviews(services)] == ["drafting"]
    # It pauses but is not published: its drafter stopped between the pause and the publish
    # while this process (serve, whose timers run every minute) went on.
    config = thread_config("rv-1")
    services.advocate.invoke(None, config, context=services.deps, durability="exit")
    assert tick(services=services, now=clock.now).drafts_published == 1
    assert [r.status for r in reviews(services)] == ["pending"]
    assert tick(services=services, now=clock.now).drafts_published == 0
    closed = decide(
        deps=services.deps, advocate=services.advocate, review_id="rv-1", decision=approve()
    )
    assert closed.status == "approved"


def claim(services: Services, review_id: str) -> None:
    with transaction(services.deps.session_factory) as session:
        assert claim_for_decision(session=session, review_id=review_id, now=services.deps.clock())


def test_a_claim_lost_before_the_resume_is_released_and_decided_later(
    services: Services, clock: Clock
) -> None:
    run_scan(services=services, now=NOW)
    [review] = reviews(services)
    claim(services, review.id)  # ... and the process died before resuming

    with pytest.raises(AlreadyDecided, match="deciding"):
        decide(deps=services.deps, advocate=services.advocate, review_id=review.id,
               decision=approve())  # fmt: skip
    clock.pass_the_lease()
    closed = decide(
        deps=services.deps, advocate=services.advocate, review_id=review.id, decision=approve()
    )
    assert closed.status == "approved"
    assert events(services, "ask_approved") == 1


def test_a_claim_lost_after_the_thread_took_the_decision_is_completed(
    services: Services, clock: Clock
) -> None:
    run_scan(services=services, now=NOW)
    [review] = reviews(services)
    claim(services, review.id)
    services.advocate.invoke(
        Command(resume=approve().model_dump(mode="json")),
        thread_config(review.id),
        context=services.deps,
        interrupt_before=["apply_decision"],  # type: ignore[arg-type]
    )
    assert reviews(services)[0].status == "deciding"

    clock.pass_the_lease()
    assert recover(services.deps, services.advocate).counts == {"claims_completed": 1}

    [closed] = reviews(services)
    assert (closed.status, closed.decided_by) == ("approved", "u-ana")
    assert events(services, "ask_approved") == 1
    with services.deps.session_factory() as session:
        assert session.scalar(select(func.count()).select_from(OwnerTask)) == 1


def test_a_scan_of_a_dead_process_is_marked_interrupted_a_live_one_is_not(
    services: Services,
) -> None:
    host = this_runner().split(":")[0]
    with transaction(services.deps.session_factory) as session:
        for scan_id, runner in (("sc-dead", f"{host}:999999:1"), ("sc-live", this_runner())):
            add_queued_scan(session, scan_id=scan_id, now=NOW, started_at=NOW, runner=runner)
    assert recover(services.deps, services.advocate).counts == {"scans_interrupted": 1}
    with services.deps.session_factory() as session:
        dead, live = session.get_one(Scan, "sc-dead"), session.get_one(Scan, "sc-live")
    assert (dead.status, live.status) == ("interrupted", "queued")
    assert dead.error is not None and "run it again" in dead.error
