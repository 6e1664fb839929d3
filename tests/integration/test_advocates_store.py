"""Advocates' store on a real SQLite file and a real PostgreSQL database: the preferences reach
the evidence snapshot (one account and a batch alike) and the gates, the audit of each edit,
outcome events attached to the contact, and the rewards ledger read once its table exists."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from agent.settings import Settings
from agent.usecases.referral_queue import referral_queue
from domain.actors import Actor
from domain.gates import evaluate
from domain.profile import build_profile
from domain.settings import PolicySettings
from store import advocates as store
from store.db import make_session_factory, transaction
from store.models import Account, Ask, Contact, MeasurementEvent, Owner, Signal
from store.program_models import Reward
from tools.batch import load_snapshots
from tools.evidence import load_snapshot

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
POLICY = PolicySettings()
ADMIN = Actor(id="adm-1", role="admin")


def ago(days: float) -> datetime:
    return NOW - timedelta(days=days)


@pytest.fixture
def factory(engine: Engine) -> Iterator[sessionmaker[Session]]:
    factory = make_session_factory(engine)
    with transaction(factory) as session:
        session.add(Owner(id="u-ana", name="Ana Ruiz"))
        session.add(
            Account(
                id="acc-1",
                name="Northwind",
                owner_id="u-ana",
                customer_since=ago(400).date(),
                health_score=80,
            )
        )
        session.add(Contact(id="c-1", account_id="acc-1", name="Lee Park", champion=True))
        session.add(Contact(id="c-2", account_id="acc-1", name="Sam Lee"))
        session.add(
            Signal(
                id="s-1",
                account_id="acc-1",
                contact_id="c-1",
                kind="nps",
                score=10,
                occurred_at=ago(5),
            )
        )
        session.add(
            Ask(
                id="a-1",
                account_id="acc-1",
                contact_id="c-1",
                ask_type="testimonial",
                asked_at=ago(200),
                outcome="completed",
            )
        )
        session.add(
            Ask(
                id="ask:rv-1",
                account_id="acc-1",
                contact_id="c-1",
                ask_type="reference_call",
                asked_at=ago(150),
                outcome="completed",
                review_id="rv-1",
            )
        )
        session.add(
            MeasurementEvent(
                id="e-1",
                kind="reference_used",
                account_id="acc-1",
                review_id="rv-1",
                occurred_at=ago(140),
                data={},
            )
        )
        session.add(
            MeasurementEvent(
                id="e-2",
                kind="reference_used",
                account_id="acc-1",
                review_id="rv-1",
                occurred_at=ago(60),
                data={},
            )
        )
    yield factory  # fmt: skip


def save(factory: sessionmaker[Session], actor: str, **values: object) -> dict[str, list[object]]:
    full = {"avoid_ask_types": [], "max_asks_per_year": None, "unavailable_until": None,
            "preferred_channel": None, **values}  # fmt: skip
    with transaction(factory) as session:
        return store.save_preference(
            session=session, contact_id="c-1", account_id="acc-1", values=full, actor=actor, at=NOW
        )


def test_preferences_reach_the_snapshot_and_the_gates(factory: sessionmaker[Session]) -> None:
    with factory() as session:
        before = load_snapshot(session=session, account_id="acc-1", as_of=NOW, limit=10)
    assert before is not None and before.preferences == ()
    assert evaluate(before, POLICY, NOW).status == "candidate"
    save(factory, "u-ana", unavailable_until=NOW + timedelta(days=30), avoid_ask_types=["review"])
    with factory() as session:
        one = load_snapshot(session=session, account_id="acc-1", as_of=NOW, limit=10)
        batch = load_snapshots(session=session, account_ids=["acc-1"], as_of=NOW, limit=10)
    assert one is not None and batch["acc-1"] == one
    (preference,) = one.preferences
    assert (preference.contact_id, preference.avoid_ask_types) == ("c-1", ("review",))
    assert preference.unavailable_until == NOW + timedelta(days=30)
    report = evaluate(one, POLICY, NOW)
    assert (report.status, report.reasons) == ("held", ("advocate_unavailable",))


def test_each_edit_is_audited_once(factory: sessionmaker[Session]) -> None:
    assert save(factory, "u-ana", max_asks_per_year=2) == {"max_asks_per_year": [None, 2]}
    assert save(factory, "adm-1", max_asks_per_year=2) == {}
    assert save(factory, "adm-1", max_asks_per_year=1, preferred_channel="call") == {
        "max_asks_per_year": [2, 1],
        "preferred_channel": [None, "call"],
    }
    with factory() as session:
        changes = store.preference_changes(session=session, contact_id="c-1")
        row = store.get_preference(session=session, contact_id="c-1")
    assert [(c.id, c.actor) for c in changes] == [("c-1:000002", "adm-1"), ("c-1:000001", "u-ana")]
    assert row is not None and (row.max_asks_per_year, row.updated_by) == (1, "adm-1")


def test_history_attaches_outcomes_to_the_contact(factory: sessionmaker[Session]) -> None:
    with factory() as session:
        rows = store.contact_rows(session=session, account_id="acc-1")
        first, second = store.histories(session=session, contacts=rows, now=NOW)
    assert [o.kind for o in first.outcomes] == ["reference_used", "reference_used"]
    profile = build_profile(first, POLICY, NOW)
    # Two reference_used outcomes on the approved call; the call itself is not counted again.
    assert (profile.references_used_90d, profile.references_used_365d) == (1, 2)
    assert (profile.tier, profile.journey_stage) == ("repeat", "expanding")
    assert second.asks == () and build_profile(second, POLICY, NOW).journey_stage == "listening"


def test_the_ledger_s_rewards_make_the_contact_rewarded(factory: sessionmaker[Session]) -> None:
    rows_of = {"contact_ids": ["c-2"]}
    with factory() as session:
        rows = store.contact_rows(session=session, **rows_of)
        (history,) = store.histories(session=session, contacts=rows, now=NOW)
    assert history.rewards == ()
    with transaction(factory) as session:
        session.add(
            Reward(id="rw-1", account_id="acc-1", contact_id="c-2", incentive_id="gift",
                   kind="review", description="A gift card", disclosure="Incentivised.",
                   value=50.0, currency="USD", status="fulfilled", created_at=NOW)
        )  # fmt: skip
    with factory() as session:
        (history,) = store.histories(session=session, contacts=rows, now=NOW)
    assert [(r["id"], r["status"]) for r in history.rewards] == [("rw-1", "fulfilled")]
    assert build_profile(history, POLICY, NOW).journey_stage == "rewarded"


def test_the_referral_queue_reads_the_referral_contact(factory: sessionmaker[Session]) -> None:
    # Sam's praise is the newest trigger, so a referral ask would go to Sam; the case study the
    # ladder recommends goes to the champion, Lee, who is available.
    with transaction(factory) as session:
        session.add(
            Signal(
                id="s-2",
                account_id="acc-1",
                contact_id="c-2",
                kind="nps",
                score=10,
                occurred_at=ago(2),
            )
        )
        proof = {"kind": "outcome", "metric": "visits", "value": "+9%", "occurred_at": ago(20)}
        session.add(Signal(id="s-3", account_id="acc-1", **proof))

    def queued() -> list[tuple[str, str | None, str | None]]:
        with factory() as session:
            rows = referral_queue(session=session, settings=Settings(), actor=ADMIN, now=NOW)
        return [(r.account_id, r.contact_id, r.recommended_ask_type) for r in rows]

    assert queued() == [("acc-1", "c-2", "case_study")]
    with transaction(factory) as session:
        store.save_preference(
            session=session,
            contact_id="c-2",
            account_id="acc-1",
            values={"avoid_ask_types": [], "max_asks_per_year": None,
                    "unavailable_until": NOW + timedelta(days=9), "preferred_channel": None},
            actor="u-ana",
            at=NOW,
        )  # fmt: skip
    with factory() as session:
        snapshot = load_snapshot(session=session, account_id="acc-1", as_of=NOW, limit=10)
    assert snapshot is not None and evaluate(snapshot, POLICY, NOW).status == "candidate"
    assert queued() == []
