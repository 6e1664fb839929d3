"""The review state machine, generated: scans, decisions (and second decisions), urgent tickets,
the clock, decisions killed mid-way and recovery, in any order, on a real SQLite file with the
real graphs, checked after every step against a small model of what must hold:

- at most one open review (drafting, pending, deciding) per account; none drafting after a scan;
- a review is decided at most once: exactly one ask_approved / ask_rejected / ask_deferred event
  per decided review, none for an open one; a second decision raises AlreadyDecided;
- an approval refused because of an urgent ticket leaves the review pending with its refusal;
- once the claim lease has passed and recovery has run, no review stays `deciding`;
- every pending review can be decided (checked at the end of each run)."""

from __future__ import annotations

import json
import shutil
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import select

from agent.bootstrap import Services, open_services
from agent.settings import Settings
from agent.usecases.decisions import AlreadyDecided, GatesNowFailing, decide
from agent.usecases.intake import receive_event
from agent.usecases.recovery import recover
from agent.usecases.scans import run_scan
from checkpoints.reviews import OPEN_STATUSES, claim_for_decision
from checkpoints.schemas import Decision
from domain.actors import Actor
from store.bundle import TicketRow
from store.db import transaction
from store.importer import import_bundle
from store.models import MeasurementEvent, Review, Ticket
from tests.e2e.api_fixtures import BOB_BUNDLE

FIXTURES = Path(__file__).parent.parent / "fixtures"
EXAMPLE = FIXTURES / "design_example.json"
NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
LEASE = 60.0
DECIDED = {"approved": "ask_approved", "rejected": "ask_rejected", "deferred": "ask_deferred"}
ADMIN = Actor(id="admin-1", role="admin")

ACCOUNTS = ("acc-001", "acc-002", "acc-003")


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


def _template(folder: Path) -> Path:
    """A migrated SQLite file with the accounts imported, copied for every run."""
    path = folder / "template.db"
    if not path.exists():
        bob = folder / "bob.json"
        bob.write_text(json.dumps(BOB_BUNDLE))
        with open_services(_settings(path), clock=Clock()) as services:
            import_bundle(engine=services.engine, source=EXAMPLE)
            import_bundle(engine=services.engine, source=bob)
    return path


def _settings(path: Path) -> Settings:
    return Settings(
        database_url=f"sqlite:///{path}", draft_lease_seconds=LEASE, claim_lease_seconds=LEASE
    )


class ReviewMachine(RuleBasedStateMachine):
    folder: Path  # set by the test: one pytest tmp_path for all runs
    runs_started = 0

    def __init__(self) -> None:
        super().__init__()
        self.stack = ExitStack()
        self.clock = Clock()
        # The model.
        self.decided: dict[str, str] = {}  # review -> the status its one decision gave
        self.urgent: set[str] = set()  # accounts with an urgent ticket open
        self.tickets = 0
        self.crashed: dict[str, datetime] = {}  # review -> when its lost claim was taken
        self.deferred_until: dict[str, datetime] = {}  # account -> until

    @initialize()
    def open(self) -> None:
        ReviewMachine.runs_started += 1
        path = self.folder / f"run-{ReviewMachine.runs_started}.db"
        shutil.copyfile(_template(self.folder), path)
        self.services: Services = self.stack.enter_context(
            open_services(_settings(path), clock=self.clock)
        )
        self.scan()  # reviews to decide from the first step on

    def teardown(self) -> None:
        try:
            if hasattr(self, "services"):
                self.advance_the_clock(LEASE + 1)
                self.run_recovery()
                assert self.crashed == {}, self.crashed
                self._every_pending_review_can_be_decided()
        finally:
            self.stack.close()

    # --- reading -------------------------------------------------------------------------------

    def reviews(self) -> list[Review]:
        with self.services.deps.session_factory() as session:
            return list(session.scalars(select(Review).order_by(Review.created_at, Review.id)))

    def review(self, review_id: str) -> Review:
        with self.services.deps.session_factory() as session:
            found = session.get(Review, review_id)
        assert found is not None
        return found

    def pending(self) -> list[str]:
        return [review.id for review in self.reviews() if review.status == "pending"]

    def decide(self, review_id: str, decision: Decision) -> Review:
        return decide(
            deps=self.services.deps,
            advocate=self.services.advocate,
            review_id=review_id,
            decision=decision,
        )

    # --- rules ---------------------------------------------------------------------------------

    @rule()
    def scan(self) -> None:
        before = {review.id for review in self.reviews()}
        run_scan(services=self.services, now=self.clock.now)
        for review in self.reviews():
            assert review.status != "drafting", f"{review.id} still drafting after the scan"
            if review.id in before:
                continue
            assert review.status == "pending", review.status
            assert review.account_id not in self.urgent, f"{review.id}: held account opened"
            until = self.deferred_until.get(review.account_id)
            assert until is None or until <= self.clock.now, f"{review.id}: still deferred"

    @precondition(lambda self: bool(self.pending() or self.crashed))
    @rule(data=st.data(), action=st.sampled_from(["approve", "reject", "defer"]))
    def decide_a_pending_review(self, data: st.DataObject, action: str) -> None:
        """A pending review, or one whose decider was killed (its claim then blocks until the
        lease has passed; after that a new decision releases it first)."""
        choices = self.pending() + sorted(self.crashed)
        review = self.review(data.draw(st.sampled_from(choices), label="review"))
        if review.status == "deciding":
            assert review.claimed_at is not None
            if review.claimed_at >= self.clock.now - timedelta(seconds=LEASE):
                with pytest.raises(AlreadyDecided, match="deciding"):
                    self.decide(
                        review.id, Decision(action="reject", by=review.owner_id, reason="x")
                    )
                return
        self.crashed.pop(review.id, None)
        if action == "approve":
            decision = Decision(action="approve", by=review.owner_id)
        elif action == "reject":
            decision = Decision(action="reject", by=review.owner_id, reason="not now")
        else:
            days = data.draw(st.integers(1, 3), label="days")
            until = self.clock.now + timedelta(days=days)
            decision = Decision(action="defer", by=review.owner_id, until=until)
        try:
            closed = self.decide(review.id, decision)
        except GatesNowFailing as refused:
            assert action == "approve"
            after = self.review(review.id)
            assert after.status == "pending", after.status
            assert after.refusal is not None and after.refusal["reasons"] == refused.reasons
            return
        assert action != "approve" or review.account_id not in self.urgent, (
            f"approved {review.id} although {review.account_id} has an urgent ticket open"
        )
        assert closed.status == {"approve": "approved", "reject": "rejected"}.get(
            action, "deferred"
        )
        self.decided[review.id] = closed.status
        with pytest.raises(AlreadyDecided):  # at once, too: a decision applies exactly once
            self.decide(review.id, decision)
        if action == "defer":
            self.deferred_until[review.account_id] = decision.until  # type: ignore[assignment]

    def held_pending(self) -> list[str]:
        return [
            review.id
            for review in self.reviews()
            if review.status == "pending" and review.account_id in self.urgent
        ]

    @precondition(lambda self: bool(self.held_pending()))
    @rule(data=st.data())
    def approve_despite_an_urgent_ticket(self, data: st.DataObject) -> None:
        review = self.review(data.draw(st.sampled_from(self.held_pending()), label="review"))
        with pytest.raises(GatesNowFailing) as refused:
            self.decide(review.id, Decision(action="approve", by=review.owner_id))
        assert "open_ticket" in refused.value.reasons
        after = self.review(review.id)
        assert after.status == "pending", after.status
        assert after.refusal is not None and after.refusal["reasons"] == refused.value.reasons

    @precondition(lambda self: bool(self.decided))
    @rule(data=st.data(), action=st.sampled_from(["approve", "reject"]))
    def decide_twice(self, data: st.DataObject, action: str) -> None:
        review_id = data.draw(st.sampled_from(sorted(self.decided)), label="decided review")
        review = self.review(review_id)
        reason = "again" if action == "reject" else None
        with pytest.raises(AlreadyDecided):
            self.decide(review_id, Decision(action=action, by=review.owner_id, reason=reason))  # type: ignore[arg-type]
        assert self.review(review_id).status == self.decided[review_id]

    @rule(account=st.sampled_from(ACCOUNTS))
    def open_an_urgent_ticket(self, account: str) -> None:
        self.tickets += 1
        row = TicketRow(
            id=f"t-sm-{self.tickets}",
            account_id=account,
            status="open",
            priority="urgent",
            category="support",
            opened_at=self.clock.now - timedelta(minutes=1),
        )
        receive_event(services=self.services, actor=ADMIN, kind="ticket", row=row)
        self.urgent.add(account)

    @precondition(lambda self: bool(self.urgent))
    @rule(data=st.data())
    def close_the_urgent_tickets(self, data: st.DataObject) -> None:
        account = data.draw(st.sampled_from(sorted(self.urgent)), label="account")
        for number in range(1, self.tickets + 1):
            with self.services.deps.session_factory() as session:
                ticket = session.get(Ticket, f"t-sm-{number}")
            if ticket is None or ticket.account_id != account or ticket.status == "closed":
                continue
            row = TicketRow(
                id=ticket.id,
                account_id=account,
                status="closed",
                priority="urgent",
                category="support",
                opened_at=ticket.opened_at,
                closed_at=self.clock.now,
            )
            receive_event(services=self.services, actor=ADMIN, kind="ticket", row=row)
        self.urgent.discard(account)

    @rule(
        seconds=st.sampled_from(
            [LEASE / 2, LEASE + 1, 86_400 + 1, 3 * 86_400 + 1]  # into, past a lease; a deferral
        )
    )
    def advance_the_clock(self, seconds: float) -> None:
        self.clock.now += timedelta(seconds=seconds)

    @precondition(lambda self: bool(self.pending()))
    @rule(data=st.data())
    def crash_mid_decision(self, data: st.DataObject) -> None:
        """A decider claims the review, then its process is killed before it resumes."""
        review_id = data.draw(st.sampled_from(self.pending()), label="review")
        with transaction(self.services.deps.session_factory) as session:
            assert claim_for_decision(session=session, review_id=review_id, now=self.clock.now)
        self.crashed[review_id] = self.clock.now

    @rule()
    def run_recovery(self) -> None:
        recover(self.services.deps, self.services.advocate)
        lease = timedelta(seconds=LEASE)
        for review in self.reviews():
            if review.status == "deciding":
                assert review.claimed_at is not None
                assert review.claimed_at >= self.clock.now - lease, (
                    f"{review.id} still deciding after its lease and recovery"
                )
        for review_id, claimed_at in list(self.crashed.items()):
            if claimed_at < self.clock.now - lease:
                assert self.review(review_id).status == "pending"
                del self.crashed[review_id]

    # --- invariants ----------------------------------------------------------------------------

    @invariant()
    def at_most_one_open_review_per_account_and_none_drafting(self) -> None:
        if not hasattr(self, "services"):
            return
        open_per_account: dict[str, list[str]] = {}
        for review in self.reviews():
            assert review.status != "drafting", review.id
            if review.status in OPEN_STATUSES:
                open_per_account.setdefault(review.account_id, []).append(review.id)
        assert all(len(ids) == 1 for ids in open_per_account.values()), open_per_account

    @invariant()
    def a_review_is_decided_at_most_once(self) -> None:
        if not hasattr(self, "services"):
            return
        with self.services.deps.session_factory() as session:
            events = session.scalars(
                select(MeasurementEvent.id).where(MeasurementEvent.kind.in_(DECIDED.values()))
            ).all()
        for review in self.reviews():
            found = sorted(event for event in events if event.split(":", 1)[1] == review.id)
            if review.status in DECIDED:
                assert found == [f"{DECIDED[review.status]}:{review.id}"], found
                assert self.decided.get(review.id) == review.status, review.id
            else:
                assert found == [], (review.id, review.status, found)
                assert review.id not in self.decided

    # --- the end of a run ----------------------------------------------------------------------

    def _every_pending_review_can_be_decided(self) -> None:
        for review_id in self.pending():
            review = self.review(review_id)
            decision = Decision(action="reject", by=review.owner_id, reason="end of the run")
            assert self.decide(review_id, decision).status == "rejected"


def test_the_review_state_machine(tmp_path: Path) -> None:
    ReviewMachine.folder = tmp_path
    run_state_machine_as_test(
        ReviewMachine,
        settings=settings(
            max_examples=15,
            stateful_step_count=12,
            deadline=None,
            derandomize=True,
            database=None,
        ),
    )
