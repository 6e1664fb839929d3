"""Evidence for many accounts at once, and the scan's set-based helpers.

`load_snapshots` runs one query per kind for a whole batch (the first rows of each account, as
many as the limit, kept while grouping) and returns, per account, exactly what
`tools.evidence.load_snapshot` returns.
"""

from __future__ import annotations

import gc
from collections import Counter, defaultdict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, case, func, or_, select, union
from sqlalchemy.orm import Session

from domain.clock import utc
from domain.settings import PolicySettings
from domain.snapshot import EvidenceSnapshot
from domain.vocabulary import ALWAYS_POSITIVE_KINDS, VALUE_PROOF_KINDS
from store.ids import ids_in
from store.models import Account, Referral, Signal
from store.queries import AccountSelection
from tools.evidence import (
    PERMISSIONS,
    RANKED_KINDS,
    EvidenceKind,
    build_preference,
    build_profile,
    build_snapshot,
    permissions_select,
    preferences_select,
    profiles_select,
)

# Bound parameters per statement stay well under SQLite's limit (32766) and PostgreSQL's.
MAX_IDS_PER_QUERY = 2000


def _chunks(ids: Sequence[str], size: int) -> Iterator[Sequence[str]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def _grouped(session: Session, kind: EvidenceKind[Any], stmt: Select[Any]) -> dict[str, list[Any]]:
    # account_id is the last column; `build` reads only the leading item columns.
    groups: dict[str, list[Any]] = defaultdict(list)
    build = kind.build
    for row in session.connection().execute(stmt).all():
        groups[row[-1]].append(build(row))
    return groups


def _ordered_select(kind: EvidenceKind[Any], *, account_ids: Sequence[str], as_of: datetime) -> Any:
    """Every row of the kind the batch reads, account by account in the kind's order, with the
    partition columns (`kind.per`) and `account_id` last. `_first_rows` keeps the first `limit`
    of each partition: the rows `ranked_select` returns, without its window over a materialised
    subquery (SQLite sorted every row twice: 3-4x the time of this one sort)."""
    t = kind.table.c
    return (
        select(*kind.columns(t), *(t[p] for p in kind.per), t.account_id)
        .where(*kind.kept(t, account_ids, as_of))
        .order_by(t.account_id, *kind.order(t))
    )


def _first_rows(
    session: Session, kind: EvidenceKind[Any], stmt: Select[Any], limit: int
) -> dict[str, list[Any]]:
    # Rows come in the kind's order within each account, so a partition's first `limit` rows
    # here are its first `limit` by that order: its row_number() <= limit.
    groups: dict[str, list[Any]] = defaultdict(list)
    taken: Counter[tuple[Any, ...]] = Counter()
    build, partition = kind.build, len(kind.fields)
    for row in session.connection().execute(stmt).all():
        key = tuple(row[partition:])
        if taken[key] < limit:
            taken[key] += 1
            groups[row[-1]].append(build(row))
    return groups


def _load_chunk(
    session: Session, ids: Sequence[str], as_of: datetime, limit: int
) -> dict[str, EvidenceSnapshot]:
    profiles = {
        row[0]: build_profile(row) for row in session.execute(profiles_select(account_ids=ids))
    }
    if not profiles:
        return {}
    found = list(profiles)
    parts = {
        name: _first_rows(
            session, kind, _ordered_select(kind, account_ids=found, as_of=as_of), limit
        )
        for name, kind in RANKED_KINDS.items()
    }
    parts["permissions"] = _grouped(
        session, PERMISSIONS, permissions_select(account_ids=found, as_of=as_of, limit=limit)
    )
    preferences: dict[str, list[Any]] = defaultdict(list)
    for row in session.execute(preferences_select(account_ids=found)):
        preferences[row[-1]].append(build_preference(row))
    parts["preferences"] = preferences
    return {
        account_id: build_snapshot(
            as_of=as_of,
            account=profile,
            parts={name: groups.get(account_id, ()) for name, groups in parts.items()},
        )
        for account_id, profile in profiles.items()
    }


@contextmanager
def gc_paused() -> Iterator[None]:
    # Building ~40 items per account triggers many generation-2 collections that scan every
    # live object and found nothing to free (items are acyclic): a third of the scan's time.
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def load_snapshots(
    *, session: Session, account_ids: Sequence[str], as_of: datetime, limit: int
) -> dict[str, EvidenceSnapshot]:
    """Snapshots for many accounts in a few queries per 2000 accounts; unknown ids are left out."""
    as_of = utc(as_of)
    ids = list(dict.fromkeys(account_ids))
    snapshots: dict[str, EvidenceSnapshot] = {}
    for chunk in _chunks(ids, MAX_IDS_PER_QUERY):
        with gc_paused():
            snapshots.update(_load_chunk(session, chunk, as_of, limit))
    return snapshots


def iter_account_id_batches(
    *,
    session: Session,
    batch_size: int,
    segment: str | None = None,
    account_ids: Sequence[str] | None = None,
) -> Iterator[list[str]]:
    """Existing account ids in id order, `batch_size` at a time (keyset pagination, no OFFSET).

    With `account_ids`, only those (unknown ones are skipped); with `segment`, only that segment.
    """
    if batch_size < 1:
        raise ValueError("batch_size must be >= 1")
    if account_ids is not None:
        yield from _given_batches(session, sorted(set(account_ids)), batch_size, segment)
        return
    a = Account.__table__.c
    last: str | None = None
    while True:
        stmt = select(a.id).order_by(a.id).limit(batch_size)
        if segment is not None:
            stmt = stmt.where(a.segment == segment)
        if last is not None:
            stmt = stmt.where(a.id > last)
        batch = list(session.scalars(stmt))
        if batch:
            yield batch
        if len(batch) < batch_size:
            return
        last = batch[-1]


def _given_batches(
    session: Session, ids: Sequence[str], batch_size: int, segment: str | None
) -> Iterator[list[str]]:
    # The given ids are already in memory: keep the existing ones, then cut full batches.
    a = Account.__table__.c
    existing: list[str] = []
    for chunk in _chunks(ids, MAX_IDS_PER_QUERY):
        stmt = select(a.id).where(ids_in(a.id, chunk))
        if segment is not None:
            stmt = stmt.where(a.segment == segment)
        existing.extend(session.scalars(stmt))
    existing.sort()
    for batch in _chunks(existing, batch_size):
        yield list(batch)


def triggered_account_ids(
    *,
    session: Session,
    account_ids: Sequence[str],
    since: datetime,
    as_of: datetime,
    policy: PolicySettings,
) -> set[str]:
    """Accounts with a positive signal or a submitted referral in [since, as_of], both inclusive.

    The scan's pre-filter: an account not returned is `not_triggered` and needs no evidence.
    """
    since, as_of = utc(since), utc(as_of)
    triggered: set[str] = set()
    for chunk in _chunks(list(account_ids), MAX_IDS_PER_QUERY):
        triggered.update(session.scalars(_triggered_select(chunk, since, as_of, policy)))
    return triggered


def _triggered_select(
    ids: Sequence[str], since: datetime, as_of: datetime, policy: PolicySettings
) -> Any:
    s = Signal.__table__.c
    r = Referral.__table__.c
    positive = positive_signal(policy)
    from_signals = select(s.account_id).where(
        ids_in(s.account_id, ids), s.occurred_at >= since, s.occurred_at <= as_of, positive
    )
    from_referrals = select(r.account_id).where(
        ids_in(r.account_id, ids), r.submitted_at >= since, r.submitted_at <= as_of
    )
    return union(from_signals, from_referrals)


def positive_signal(policy: PolicySettings) -> Any:
    """SQL for "this signal row is positive", as the pure positivity rule reads it."""
    s = Signal.__table__.c
    return or_(
        and_(s.kind == "nps", s.score >= policy.nps_promoter_min),
        and_(s.kind == "csat", s.score >= policy.csat_positive_min),
        and_(s.kind == "review", s.score >= policy.review_positive_min),
        and_(s.kind == "feedback", s.sentiment == "positive"),
        s.kind.in_(sorted(ALWAYS_POSITIVE_KINDS)),
    )


def most_promising_ids(
    *,
    session: Session,
    selection: AccountSelection,
    limit: int,
    since: datetime,
    as_of: datetime,
    policy: PolicySettings,
) -> list[str]:
    """The `limit` selected accounts most worth scanning first: the most recent positive
    trigger in [since, as_of] first, an account with value proof in that window before one
    without on the same moment, then by id; accounts with no recent trigger come last."""
    s = Signal.__table__.c
    in_window = and_(s.occurred_at >= utc(since), s.occurred_at <= utc(as_of))
    proof = case((s.kind.in_(sorted(VALUE_PROOF_KINDS)), 1), else_=0)
    triggers = (
        select(
            s.account_id.label("account_id"),
            func.max(s.occurred_at).label("latest"),
            func.max(proof).label("proof"),
        )
        .where(in_window, positive_signal(policy))
        .group_by(s.account_id)
        .subquery()
    )
    query = (
        select(Account.id)
        .outerjoin(triggers, triggers.c.account_id == Account.id)
        .where(*selection.conditions())
        .order_by(
            triggers.c.latest.desc().nulls_last(),
            triggers.c.proof.desc().nulls_last(),
            Account.id,
        )
        .limit(limit)
    )
    return list(session.scalars(query))


def selected_ids(*, session: Session, selection: AccountSelection) -> list[str]:
    """Every selected account id, by id."""
    return list(
        session.scalars(select(Account.id).where(*selection.conditions()).order_by(Account.id))
    )
