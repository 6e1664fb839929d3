"""Property: the scan's SQL pre-filter picks exactly the accounts the pure trigger rule picks.

`tools.batch.triggered_account_ids` decides in SQL which accounts the scan loads evidence for;
an account it leaves out is `not_triggered` without a look. The gates decide with
`domain.policy.trigger_ids` (a positive signal by `is_positive`, or a submitted referral, in the
trigger window). Hypothesis generates evidence around the window's edges and random thresholds;
the two must agree on every account, on SQLite and on PostgreSQL.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from typing import get_args

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from domain.policy import trigger_ids
from domain.settings import PolicySettings
from domain.snapshot import AccountProfile, EvidenceSnapshot, ReferralItem, SignalItem
from domain.vocabulary import SCORE_RANGES, SIGNAL_KINDS, ReferralStatus, Sentiment
from store.db import make_engine, make_session_factory
from store.migrate import upgrade
from store.models import Account, Owner, Referral, Signal
from tools.batch import triggered_account_ids

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
OWNER = "u-ana"
UNKNOWN = "acc-unknown"
# Time zones the caller may hand the bounds in: the pre-filter must read them as instants.
ZONES = (UTC, timezone(timedelta(hours=-5)), timezone(timedelta(hours=5, minutes=30)))

SECOND = timedelta(seconds=1)
MICRO = timedelta(microseconds=1)


@dataclass(frozen=True)
class Evidence:
    account_id: str
    signals: tuple[SignalItem, ...]
    referrals: tuple[ReferralItem, ...]

    def snapshot(self, as_of: datetime) -> EvidenceSnapshot:
        # Everything generated, future rows too: `trigger_ids` itself ignores what is after `now`.
        profile = AccountProfile(id=self.account_id, name=self.account_id, owner_id=OWNER)
        return EvidenceSnapshot(
            as_of=as_of, account=profile, signals=self.signals, referrals=self.referrals
        )


@dataclass(frozen=True)
class Case:
    policy: PolicySettings
    as_of: datetime
    zone: timezone
    accounts: tuple[Evidence, ...]
    queried: tuple[str, ...]

    @property
    def since(self) -> datetime:
        # What agent/scan.py passes: the start of the trigger window that `trigger_ids` reads
        # through `domain.policy.within` (now - days <= moment <= now, both ends inclusive).
        return self.as_of - timedelta(days=self.policy.trigger_window_days)


def _moments(since: datetime, as_of: datetime) -> st.SearchStrategy[datetime]:
    """Mostly instants on, just inside or just outside an edge; else anywhere around the window
    (as much of it before the window as in it, and some after `as_of`)."""
    edges = st.sampled_from(
        [
            since,
            as_of,
            since - SECOND,
            as_of + SECOND,
            since + SECOND,
            as_of - SECOND,
            since - MICRO,
            as_of + MICRO,
        ]
    )
    span = int((as_of - since).total_seconds())
    around = st.integers(-span - 86_400, span + 2 * 86_400).map(
        lambda seconds: since + timedelta(seconds=seconds)
    )
    return st.one_of(edges, edges, around)


def _thresholds(policy: PolicySettings) -> dict[str, int]:
    return {
        "nps": policy.nps_promoter_min,
        "csat": policy.csat_positive_min,
        "review": policy.review_positive_min,
    }


def _score(kind: str, policy: PolicySettings) -> st.SearchStrategy[int | None]:
    """None or a score in the kind's range, often the threshold or one either side of it."""
    low, high = SCORE_RANGES.get(kind, (0, 10))
    anywhere = st.integers(low, high)
    threshold = _thresholds(policy).get(kind)
    if threshold is None:
        return st.none() | anywhere
    near = [score for score in (threshold - 1, threshold, threshold + 1) if low <= score <= high]
    return st.none() | anywhere | st.sampled_from(near)


# Half of the signals are of a kind whose positivity depends on a score or a sentiment.
KINDS = st.sampled_from(("nps", "csat", "review", "feedback")) | st.sampled_from(SIGNAL_KINDS)


@dataclass(frozen=True)
class _Draw:
    """What every item of one case is drawn against."""

    policy: PolicySettings
    moments: st.SearchStrategy[datetime]


@st.composite
def _signal(draw: st.DrawFn, ident: str, on: _Draw) -> SignalItem:
    kind = draw(KINDS)
    return SignalItem(
        id=ident,
        kind=kind,
        occurred_at=draw(on.moments),
        score=draw(_score(kind, on.policy)),
        sentiment=draw(st.none() | st.sampled_from(get_args(Sentiment))),
    )


@st.composite
def _referral(draw: st.DrawFn, ident: str, on: _Draw) -> ReferralItem:
    return ReferralItem(
        id=ident,
        referred_company="X",
        submitted_at=draw(on.moments),
        status=draw(st.sampled_from(get_args(ReferralStatus))),
    )


@st.composite
def _evidence(draw: st.DrawFn, account_id: str, on: _Draw) -> Evidence:
    # Mostly few items, so that one misjudged item is often the account's only trigger.
    signals = draw(st.integers(0, 2) | st.integers(0, 6))
    referrals = draw(st.just(0) | st.integers(0, 2))
    return Evidence(
        account_id=account_id,
        signals=tuple(draw(_signal(f"{account_id}-s{i}", on)) for i in range(signals)),
        referrals=tuple(draw(_referral(f"{account_id}-r{i}", on)) for i in range(referrals)),
    )


@st.composite
def cases(draw: st.DrawFn) -> Case:
    policy = PolicySettings(
        trigger_window_days=draw(st.sampled_from([1, 7, 90]) | st.integers(1, 120)),
        nps_promoter_min=draw(st.integers(7, 10)),
        csat_positive_min=draw(st.integers(3, 5)),
        review_positive_min=draw(st.integers(3, 5)),
    )
    as_of = NOW + timedelta(microseconds=draw(st.sampled_from([0, 250_000])))
    since = as_of - timedelta(days=policy.trigger_window_days)
    on = _Draw(policy=policy, moments=_moments(since, as_of))
    ids = [f"acc-{i}" for i in range(draw(st.just(6) | st.integers(1, 6)))]
    left_out = draw(st.sets(st.sampled_from(ids), max_size=1))
    return Case(
        policy=policy,
        as_of=as_of,
        zone=draw(st.sampled_from(ZONES)),
        accounts=tuple(draw(_evidence(account_id, on)) for account_id in ids),
        queried=(*(a for a in ids if a not in left_out), UNKNOWN),
    )


def _insert(session: Session, case: Case) -> None:
    session.add(Owner(id=OWNER, name="Ana Ruiz", email="ana@example.com"))
    for evidence in case.accounts:
        session.add(Account(id=evidence.account_id, name=evidence.account_id, owner_id=OWNER))
        session.add_all(
            Signal(
                id=s.id,
                account_id=evidence.account_id,
                kind=s.kind,
                occurred_at=s.occurred_at,
                score=s.score,
                sentiment=s.sentiment,
            )
            for s in evidence.signals
        )
        session.add_all(
            Referral(
                id=r.id,
                account_id=evidence.account_id,
                referred_company=r.referred_company,
                submitted_at=r.submitted_at,
                status=r.status,
            )
            for r in evidence.referrals
        )
    session.flush()


def _expected(case: Case) -> set[str]:
    """The queried accounts that the gates' own rule calls triggered.

    `trigger_ids` is usable as is: its window, `within(moment, now, trigger_window_days)`, is
    `now - days <= moment <= now`, which is exactly the pre-filter's `[since, as_of]` when
    `since = as_of - days` (as agent/scan.py computes it), and it reads `is_positive`.
    """
    queried = set(case.queried)
    return {
        evidence.account_id
        for evidence in case.accounts
        if evidence.account_id in queried
        and trigger_ids(evidence.snapshot(case.as_of), case.policy, case.as_of)
    }


def _check_property(engine: Engine, max_examples: int) -> None:
    factory: sessionmaker[Session] = make_session_factory(engine)
    seen: Counter[str] = Counter()

    # Hypothesis runs this inner function, so no pytest fixture is shared between examples;
    # each example writes its rows in a transaction that it rolls back.
    @settings(max_examples=max_examples, deadline=None, derandomize=True, database=None)
    @given(case=cases())
    def prefilter_matches_rule(case: Case) -> None:
        with factory() as session:
            try:
                _insert(session, case)
                found = triggered_account_ids(
                    session=session,
                    account_ids=list(case.queried),
                    since=case.since.astimezone(case.zone),
                    as_of=case.as_of.astimezone(case.zone),
                    policy=case.policy,
                )
            finally:
                session.rollback()
        expected = _expected(case)
        assert found == expected, (
            f"SQL picked {sorted(found)}, the rule {sorted(expected)}; "
            f"since={case.since.isoformat()} as_of={case.as_of.isoformat()} policy={case.policy}"
        )
        seen["triggered"] += len(expected)
        seen["not_triggered"] += len(case.queried) - 1 - len(expected)

    prefilter_matches_rule()
    # Both answers must have come up, or the property proved little.
    assert seen["triggered"] > 0 and seen["not_triggered"] > 0, seen


@contextmanager
def _migrated_engine(url: str) -> Iterator[Engine]:
    engine = make_engine(url)
    try:
        upgrade(engine)
        yield engine
    finally:
        engine.dispose()


def test_prefilter_matches_trigger_rule_sqlite(sqlite_url: str) -> None:
    with _migrated_engine(sqlite_url) as engine:
        _check_property(engine, max_examples=60)


@pytest.mark.postgres
def test_prefilter_matches_trigger_rule_postgres(pg_url: str) -> None:
    with _migrated_engine(pg_url) as engine:
        _check_property(engine, max_examples=25)
