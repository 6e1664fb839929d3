"""Evidence tools on a real SQLite file and a real PostgreSQL database."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from domain.settings import PolicySettings
from domain.snapshot import SignalItem, scope_status
from store.db import make_session_factory
from store.models import Account, Ask, Contact, Owner, Permission, Referral, Signal, Ticket
from tools import evidence
from tools.batch import iter_account_id_batches, load_snapshots, triggered_account_ids

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
K = 5


def ago(days: float = 0, **kw: float) -> datetime:
    return NOW - timedelta(days=days, **kw)


@pytest.fixture
def factory(engine: Engine) -> sessionmaker[Session]:
    return make_session_factory(engine)


@pytest.fixture
def session(factory: sessionmaker[Session]) -> Iterator[Session]:
    with factory() as session:
        yield session


def add_account(session: Session, account_id: str, **fields: Any) -> None:
    if session.get(Owner, "u-ana") is None:
        session.add(Owner(id="u-ana", name="Ana Ruiz", email="ana@example.com"))
    session.add(Account(id=account_id, name=f"Name {account_id}", owner_id="u-ana", **fields))
    session.flush()


def tools_args(session: Session, account_id: str = "acc-1", limit: int = K) -> dict[str, Any]:
    return {"session": session, "account_id": account_id, "as_of": NOW, "limit": limit}


def test_profile_joins_owner_and_unknown_is_none(session: Session) -> None:
    add_account(session, "acc-1", segment="smb", arr=24000, health_score=82)
    session.commit()
    profile = evidence.account_profile(**tools_args(session))
    assert profile is not None
    assert (profile.owner_name, profile.segment, profile.arr) == ("Ana Ruiz", "smb", 24000)
    assert evidence.account_profile(**tools_args(session, "nope")) is None
    assert evidence.load_snapshot(**tools_args(session, "nope")) is None


def test_contacts_champions_first_then_name(session: Session) -> None:
    add_account(session, "acc-1")
    for i, (name, champion) in enumerate([("Zoe", True), ("Bob", False), ("Al", False)]):
        session.add(Contact(id=f"c-{i}", account_id="acc-1", name=name, champion=champion))
    for i in range(10):
        session.add(Contact(id=f"cx-{i}", account_id="acc-1", name=f"X{i}"))
    session.commit()
    names = [c.name for c in evidence.contacts(**tools_args(session))]
    assert names == ["Zoe", "Al", "Bob", "X0", "X1"]


def _signal(i: int, kind: str, at: datetime, score: int | None = None) -> Signal:
    return Signal(id=f"s-{i:03d}", account_id="acc-1", kind=kind, occurred_at=at, score=score)


def test_signals_bounded_per_kind_newest_first(session: Session) -> None:
    add_account(session, "acc-1")
    kinds = ["nps", "csat", "outcome", "complaint"]
    for i in range(60):
        session.add(_signal(i, kinds[i % 4], ago(i), score=i % 10))
    # Ties on time: the higher score first, then the smaller id; a scoreless one last.
    session.add(_signal(100, "review", ago(0.5), score=3))
    session.add(_signal(101, "review", ago(0.5), score=5))
    session.add(_signal(102, "review", ago(0.5), score=None))
    session.add(_signal(103, "review", ago(0.5), score=5))
    session.add(_signal(999, "nps", NOW + timedelta(seconds=1), score=10))
    session.commit()

    items = evidence.signals(**tools_args(session))
    by_kind: dict[str, list[SignalItem]] = {}
    for item in items:
        by_kind.setdefault(item.kind, []).append(item)
    assert {k: len(v) for k, v in by_kind.items()} == {**dict.fromkeys(kinds, K), "review": 4}
    assert [s.id for s in by_kind["nps"]] == ["s-000", "s-004", "s-008", "s-012", "s-016"]
    assert [s.id for s in by_kind["review"]] == ["s-101", "s-103", "s-100", "s-102"]
    assert all(a.occurred_at >= b.occurred_at for a, b in pairwise(items))
    assert "s-999" not in {s.id for s in items}


def test_tickets_open_and_pending_first_then_newest(session: Session) -> None:
    add_account(session, "acc-1")
    for i in range(30):
        status = {7: "open", 20: "pending", 25: "open"}.get(i, "closed")
        session.add(
            Ticket(
                id=f"t-{i:02d}",
                account_id="acc-1",
                status=status,
                priority="normal",
                category="support",
                opened_at=ago(i),
            )
        )
    session.add(
        Ticket(
            id="t-future",
            account_id="acc-1",
            status="open",
            priority="urgent",
            category="billing",
            opened_at=NOW + timedelta(hours=1),
        )
    )
    session.commit()
    ids = [t.id for t in evidence.tickets(**tools_args(session))]
    assert ids == ["t-07", "t-20", "t-25", "t-00", "t-01"]


def test_asks_pending_first_then_newest(session: Session) -> None:
    add_account(session, "acc-1")
    for i in range(25):
        outcome = "pending" if i == 24 else "completed"
        session.add(
            Ask(
                id=f"a-{i:02d}",
                account_id="acc-1",
                ask_type="review",
                asked_at=ago(10 * i),
                outcome=outcome,
            )
        )
    session.add(
        Ask(
            id="a-future",
            account_id="acc-1",
            ask_type="review",
            asked_at=NOW + timedelta(days=1),
            outcome="pending",
        )
    )
    session.commit()
    ids = [a.id for a in evidence.ask_history(**tools_args(session))]
    assert ids == ["a-24", "a-00", "a-01", "a-02", "a-03"]


def test_referrals_unresolved_first_then_newest(session: Session) -> None:
    add_account(session, "acc-1")
    for i in range(12):
        session.add(
            Referral(
                id=f"r-{i:02d}",
                account_id="acc-1",
                referred_company="X",
                submitted_at=ago(i),
                status="converted",
                reward_status="paid",
            )
        )
    session.add(
        Referral(
            id="r-disputed",
            account_id="acc-1",
            referred_company="Y",
            submitted_at=ago(400),
            status="lost",
            attribution_disputed=True,
        )
    )
    session.add(
        Referral(
            id="r-reward",
            account_id="acc-1",
            referred_company="Z",
            submitted_at=ago(300),
            status="converted",
            reward_status="pending",
        )
    )
    session.add(
        Referral(
            id="r-future",
            account_id="acc-1",
            referred_company="F",
            submitted_at=NOW + timedelta(days=1),
            status="submitted",
            attribution_disputed=True,
        )
    )
    session.commit()
    ids = [r.id for r in evidence.referrals(**tools_args(session))]
    assert ids == ["r-reward", "r-disputed", "r-00", "r-01", "r-02"]


def _permission(pid: str, scope: str, status: str, at: datetime, **kw: Any) -> Permission:
    return Permission(id=pid, account_id="acc-1", scope=scope, status=status, recorded_at=at, **kw)


def test_permissions_latest_per_scope_keep_ties(session: Session) -> None:
    add_account(session, "acc-1")
    session.add_all(
        [
            _permission("perm:q-old", "public_quote", "denied", ago(30)),
            _permission("perm:q-new", "public_quote", "granted", ago(1)),
            _permission("perm:cs-a", "case_study", "granted", ago(5)),
            _permission("perm:cs-b", "case_study", "revoked", ago(5)),
            _permission("perm:rev", "review", "granted", ago(9), expires_at=ago(2)),
            _permission("perm:mc-future", "marketing_contact", "denied", NOW + timedelta(days=1)),
        ]
    )
    session.commit()
    items = evidence.permissions(**tools_args(session))
    assert sorted(p.id for p in items) == ["perm:cs-a", "perm:cs-b", "perm:q-new", "perm:rev"]
    snapshot = evidence.load_snapshot(**tools_args(session))
    assert snapshot is not None
    assert scope_status(snapshot, "public_quote", NOW) == "granted"
    assert scope_status(snapshot, "case_study", NOW) == "unclear"
    assert scope_status(snapshot, "review", NOW) == "expired"
    assert scope_status(snapshot, "marketing_contact", NOW) == "unknown"


def test_permission_tie_cut_at_limit_still_shows_every_status(session: Session) -> None:
    add_account(session, "acc-1")
    session.add_all(
        [_permission(f"perm:a{i}", "logo", "granted", ago(1)) for i in range(6)]
        + [_permission("perm:z", "logo", "denied", ago(1))]
    )
    session.commit()
    items = evidence.permissions(**tools_args(session, limit=3))
    assert len(items) == 3
    assert {p.status for p in items} == {"granted", "denied"}


def _varied(session: Session, n: int) -> list[str]:
    """n accounts with random evidence of every kind, some empty, some past the bound."""
    rng = random.Random(7)
    ids = [f"acc-{i:02d}" for i in range(n)]
    kinds = ["nps", "csat", "review", "feedback", "outcome", "complaint", "renewal"]
    for a in ids:
        add_account(session, a, segment=rng.choice(["smb", "ent", None]))
        size = rng.choice([0, 1, 3, 12])
        for j in range(size):
            session.add(
                Contact(
                    id=f"{a}-c{j}",
                    account_id=a,
                    name=rng.choice("ABC"),
                    champion=rng.random() < 0.3,
                )
            )
        for j in range(size * 3):
            session.add(
                Signal(
                    id=f"{a}-s{j}",
                    account_id=a,
                    kind=rng.choice(kinds),
                    occurred_at=ago(rng.randint(-5, 50)),
                    score=rng.randint(0, 10),
                    sentiment=rng.choice(["positive", "neutral", None]),
                )
            )
        for j in range(size):
            session.add(
                Ticket(
                    id=f"{a}-t{j}",
                    account_id=a,
                    status=rng.choice(["open", "pending", "closed"]),
                    priority="low",
                    category="support",
                    opened_at=ago(rng.randint(-5, 50)),
                )
            )
            session.add(
                Ask(
                    id=f"{a}-a{j}",
                    account_id=a,
                    ask_type="review",
                    asked_at=ago(rng.randint(-5, 50)),
                    outcome=rng.choice(["pending", "completed", "declined"]),
                )
            )
            session.add(
                Referral(
                    id=f"{a}-r{j}",
                    account_id=a,
                    referred_company="X",
                    submitted_at=ago(rng.randint(-5, 50)),
                    status="submitted",
                    attribution_disputed=rng.random() < 0.2,
                    reward_status=rng.choice(["none", "pending", None]),
                )
            )
            session.add(
                Permission(
                    id=f"perm:{a}-{j}",
                    account_id=a,
                    scope=rng.choice(["logo", "review"]),
                    status=rng.choice(["granted", "denied"]),
                    recorded_at=ago(rng.choice([1, 2, -1])),
                )
            )
    session.commit()
    return ids


def test_load_snapshots_equals_load_snapshot(session: Session) -> None:
    ids = _varied(session, 30)
    batch = load_snapshots(session=session, account_ids=[*ids, "unknown"], as_of=NOW, limit=K)
    assert sorted(batch) == ids
    for account_id in ids:
        single = evidence.load_snapshot(**tools_args(session, account_id))
        assert single is not None
        assert batch[account_id] == single, account_id
        assert batch[account_id].model_dump() == single.model_dump()


def test_construct_matches_pydantic(session: Session) -> None:
    values: dict[str, Any] = {
        "id": "s-1",
        "kind": "nps",
        "occurred_at": NOW,
        "contact_id": None,
        "source": None,
        "score": 9,
        "text": None,
        "public": None,
        "sentiment": None,
        "metric": None,
        "value": None,
    }
    built = evidence.construct(SignalItem, dict(values))
    assert built == SignalItem.model_validate(values) == SignalItem.model_construct(**values)
    assert built.model_fields_set == SignalItem.model_construct(**values).model_fields_set


def test_triggered_account_ids_boundaries(session: Session) -> None:
    since = ago(90)
    cases = {
        "nps-9-at-since": ("nps", since, 9, None),
        "nps-8": ("nps", ago(1), 8, None),
        "csat-4": ("csat", ago(1), 4, None),
        "csat-3": ("csat", ago(1), 3, None),
        "review-4": ("review", ago(1), 4, None),
        "feedback-neutral": ("feedback", ago(1), None, "neutral"),
        "feedback-positive": ("feedback", ago(1), None, "positive"),
        "outcome": ("outcome", ago(1), None, None),
        "nps-before-since": ("nps", since - timedelta(seconds=1), 10, None),
        "nps-after-as-of": ("nps", NOW + timedelta(seconds=1), 10, None),
        "complaint": ("complaint", ago(1), None, None),
    }
    for account_id, (kind, at, score, sentiment) in cases.items():
        add_account(session, account_id)
        session.add(
            Signal(
                id=f"s-{account_id}",
                account_id=account_id,
                kind=kind,
                occurred_at=at,
                score=score,
                sentiment=sentiment,
            )
        )
    add_account(session, "referral")
    session.add(
        Referral(
            id="r-1",
            account_id="referral",
            referred_company="X",
            submitted_at=NOW,
            status="submitted",
        )
    )
    add_account(session, "referral-old")
    session.add(
        Referral(
            id="r-2",
            account_id="referral-old",
            referred_company="X",
            submitted_at=ago(91),
            status="submitted",
        )
    )
    session.commit()
    found = triggered_account_ids(
        session=session,
        account_ids=[*cases, "referral", "referral-old"],
        since=since,
        as_of=NOW,
        policy=PolicySettings(),
    )
    assert found == {
        "nps-9-at-since",
        "csat-4",
        "review-4",
        "feedback-positive",
        "outcome",
        "referral",
    }


def test_iter_account_id_batches(session: Session) -> None:
    for i in range(7):
        add_account(session, f"acc-{i}", segment="ent" if i % 2 else "smb")
    session.commit()
    batches = list(iter_account_id_batches(session=session, batch_size=3))
    assert batches == [["acc-0", "acc-1", "acc-2"], ["acc-3", "acc-4", "acc-5"], ["acc-6"]]
    ent = list(iter_account_id_batches(session=session, batch_size=2, segment="ent"))
    assert ent == [["acc-1", "acc-3"], ["acc-5"]]
    given = iter_account_id_batches(
        session=session, batch_size=2, account_ids=["acc-6", "nope", "acc-1", "acc-1"]
    )
    assert list(given) == [["acc-1", "acc-6"]]
