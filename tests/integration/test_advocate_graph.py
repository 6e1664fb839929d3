"""The scan and advocate graphs on a real SQLite file and the real PostgreSQL, with real savers."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from agent.bootstrap import Services, open_services
from agent.settings import Settings
from agent.state import thread_config
from agent.usecases.decisions import AlreadyDecided, GatesNowFailing, NotAllowed, decide
from agent.usecases.intake import review_account
from agent.usecases.scans import run_scan
from checkpoints.schemas import Decision
from store.db import transaction
from store.importer import import_bundle
from store.models import (
    Account,
    Ask,
    AuditEntry,
    MeasurementEvent,
    Owner,
    OwnerTask,
    Review,
    ScanResult,
    Ticket,
)

NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
EXAMPLE = Path(__file__).parent.parent / "fixtures" / "design_example.json"


@pytest.fixture
def services(migrated_url: str) -> Iterator[Services]:
    with open_services(Settings(database_url=migrated_url), clock=lambda: NOW) as built:
        import_bundle(engine=built.engine, source=EXAMPLE)
        yield built


def scan_once(services: Services) -> str:
    return run_scan(services=services, now=NOW)


def the_review(services: Services) -> Review:
    with services.deps.session_factory() as session:
        return session.scalars(select(Review)).one()


def count(services: Services, model: type, **where: object) -> int:
    with services.deps.session_factory() as session:
        query = select(func.count()).select_from(model).filter_by(**where)
        return session.scalar(query) or 0


def decision(action: str, **fields: object) -> Decision:
    return Decision.model_validate({"action": action, "by": "u-ana", **fields})


def test_a_candidate_pauses_at_the_owner_checkpoint(services: Services) -> None:
    scan_id = scan_once(services)
    review = the_review(services)
    assert review.status == "pending"
    assert review.account_id == "acc-001"
    assert review.ask_type == "case_study"
    state = services.advocate.get_state(thread_config(review.id))
    assert state.next == ("owner_review",)
    assert state.interrupts[0].value["review_id"] == review.id
    assert state.interrupts[0].value["draft"]["body"]
    with services.deps.session_factory() as session:
        result = session.get_one(ScanResult, (scan_id, "acc-001"))
    assert (result.status, result.review_id) == ("candidate", review.id)
    assert count(services, MeasurementEvent, kind="candidate_identified") == 1


def test_a_rescan_opens_no_second_review(services: Services) -> None:
    scan_once(services)
    second = scan_once(services)
    assert count(services, Review) == 1
    with services.deps.session_factory() as session:
        result = session.get_one(ScanResult, (second, "acc-001"))
    assert result.review_id == the_review(services).id


def test_approve_applies_once_and_a_second_decision_changes_nothing(services: Services) -> None:
    scan_once(services)
    review_id = the_review(services).id
    closed = decide(
        deps=services.deps,
        advocate=services.advocate,
        review_id=review_id,
        decision=decision("approve"),
    )
    assert closed.status == "approved"
    assert count(services, OwnerTask, review_id=review_id) == 1
    assert count(services, Ask, review_id=review_id, outcome="pending") == 1
    assert count(services, MeasurementEvent, kind="ask_approved") == 1
    assert count(services, AuditEntry, review_id=review_id) == 1
    with pytest.raises(AlreadyDecided):
        decide(
            deps=services.deps,
            advocate=services.advocate,
            review_id=review_id,
            decision=decision("reject", reason="late"),
        )
    assert the_review(services).status == "approved"
    assert count(services, MeasurementEvent, kind="ask_rejected") == 0
    assert count(services, AuditEntry, review_id=review_id) == 1


def test_edit_records_the_text_before_and_after(services: Services) -> None:
    scan_once(services)
    review = the_review(services)
    edited = decision(
        "edit", ask_type="testimonial", subject="A favour", body="Lee, would you share a quote?"
    )
    closed = decide(
        deps=services.deps, advocate=services.advocate, review_id=review.id, decision=edited
    )
    assert closed.status == "edited"
    with services.deps.session_factory() as session:
        task = session.scalars(select(OwnerTask)).one()
        audit = session.scalars(select(AuditEntry)).one()
    assert (task.ask_type, task.subject, task.body) == (
        "testimonial",
        "A favour",
        "Lee, would you share a quote?",
    )
    assert audit.changes["before"]["body"] == review.payload["draft"]["body"]
    assert audit.changes["after"]["body"] == "Lee, would you share a quote?"
    assert set(audit.changes["changed"]) == {"ask_type", "subject", "body"}
    assert count(services, MeasurementEvent, kind="ask_edited") == 1


def test_reject_and_defer_each_apply_once(services: Services) -> None:
    scan_once(services)
    review_id = the_review(services).id
    decide(
        deps=services.deps,
        advocate=services.advocate,
        review_id=review_id,
        decision=decision("reject", reason="renewal talks"),
    )
    assert the_review(services).status == "rejected"
    assert count(services, OwnerTask) == 0
    assert count(services, MeasurementEvent, kind="ask_rejected") == 1


def test_defer_blocks_a_new_review_until_the_date(services: Services) -> None:
    scan_once(services)
    review_id = the_review(services).id
    until = NOW + timedelta(days=20)
    decide(
        deps=services.deps,
        advocate=services.advocate,
        review_id=review_id,
        decision=decision("defer", until=until.isoformat()),
    )
    assert the_review(services).status == "deferred"
    assert count(services, MeasurementEvent, kind="ask_deferred") == 1
    scan_once(services)
    assert count(services, Review) == 1


def test_approval_is_refused_when_a_ticket_opened_while_the_draft_waited(
    services: Services,
) -> None:
    scan_once(services)
    review_id = the_review(services).id
    with transaction(services.deps.session_factory) as session:
        session.add(
            Ticket(
                id="t-new",
                account_id="acc-001",
                status="open",
                priority="urgent",
                category="support",
                opened_at=NOW - timedelta(hours=1),
                subject="Outage",
            )
        )
    with pytest.raises(GatesNowFailing) as refused:
        decide(
            deps=services.deps,
            advocate=services.advocate,
            review_id=review_id,
            decision=decision("approve"),
        )
    assert refused.value.reasons == ["open_ticket"]
    review = the_review(services)
    assert review.status == "pending"
    assert review.refusal is not None and review.refusal["reasons"] == ["open_ticket"]
    assert count(services, OwnerTask) == 0
    decide(
        deps=services.deps,
        advocate=services.advocate,
        review_id=review_id,
        decision=decision("reject", reason="outage"),
    )
    assert the_review(services).status == "rejected"


def test_an_owner_only_review_refuses_another_decider(services: Services) -> None:
    with transaction(services.deps.session_factory) as session:
        session.add(Owner(id="u-bo", name="Bo", email=None))
        session.get_one(Account, "acc-001").arr = 250_000
    scan_once(services)
    review = the_review(services)
    assert review.owner_only
    with pytest.raises(NotAllowed):
        decide(
            deps=services.deps,
            advocate=services.advocate,
            review_id=review.id,
            decision=Decision(action="approve", by="u-bo"),
        )
    assert the_review(services).status == "pending"


def test_a_new_process_resumes_a_paused_review(migrated_url: str) -> None:
    settings = Settings(database_url=migrated_url)
    with open_services(settings, clock=lambda: NOW) as first:
        import_bundle(engine=first.engine, source=EXAMPLE)
        scan_once(first)
        review_id = the_review(first).id
    with open_services(settings, clock=lambda: NOW) as second:
        closed = decide(
            deps=second.deps,
            advocate=second.advocate,
            review_id=review_id,
            decision=decision("approve"),
        )
        assert closed.status == "approved"
        assert second.advocate.get_state(thread_config(review_id)).next == ()


def test_one_account_run_opens_one_review_and_holds_on_an_urgent_ticket(
    services: Services,
) -> None:
    first = review_account(
        deps=services.deps, advocate=services.advocate, account_id="acc-001", now=NOW, cause="ev-1"
    )
    again = review_account(
        deps=services.deps, advocate=services.advocate, account_id="acc-001", now=NOW, cause="ev-2"
    )
    assert first is not None and first.opened and first.status == "candidate"
    assert again is not None and not again.opened and again.review_id == first.review_id
    assert count(services, Review) == 1
    with transaction(services.deps.session_factory) as session:
        session.add(
            Ticket(
                id="t-new",
                account_id="acc-001",
                status="open",
                priority="urgent",
                category="support",
                opened_at=NOW - timedelta(hours=1),
                subject="Down",
            )
        )
    held = review_account(
        deps=services.deps, advocate=services.advocate, account_id="acc-001", now=NOW, cause="ev-3"
    )
    assert held is not None and held.status == "held" and held.reasons == ("open_ticket",)
    assert held.review_id is None
    assert count(services, MeasurementEvent, kind="ask_held") == 1
    assert (
        review_account(
            deps=services.deps, advocate=services.advocate, account_id="nope", now=NOW, cause="ev-4"
        )
        is None
    )
