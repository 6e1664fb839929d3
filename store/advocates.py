"""What the advocate profile reads of the ledger, and the owner's preferences (issue 12).

Each contact's history in a few set-based queries per 2000 contacts: their asks, the consent
records for them or their whole account, the outcomes recorded on their approved asks, the
open review naming them, their preferences and, once that table exists, their rewards.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from domain.profile import ContactHistory, OutcomeRecord
from domain.snapshot import AccountProfile, AskItem, ContactItem, PermissionItem, PreferenceItem
from domain.vocabulary import OUTCOME_KINDS
from store.models import (
    Account,
    AdvocatePreference,
    Ask,
    Contact,
    MeasurementEvent,
    Owner,
    Permission,
    PreferenceChange,
    Review,
)
from store.program_models import Reward

CHUNK = 2000
OPEN_REVIEW_STATUSES = ("drafting", "pending", "deciding")
# The rewards ledger is the programs half of issue 12; until its table exists, no rewards.


def _chunks(ids: Sequence[str]) -> Iterator[Sequence[str]]:
    for start in range(0, len(ids), CHUNK):
        yield ids[start : start + CHUNK]


@dataclass(frozen=True)
class Pool:
    """What narrows the reference finder's pool in SQL before any profile is built; the pure
    rules (domain/finder.py) decide the rest. Each condition here is implied by a match."""

    industry: str | None = None
    segment: str | None = None
    scopes: frozenset[str] = frozenset()


def contact_rows(
    *,
    session: Session,
    contact_ids: Sequence[str] | None = None,
    account_id: str | None = None,
    owner_id: str | None = None,
    pool: Pool | None = None,
) -> list[tuple[ContactItem, AccountProfile]]:
    """Contacts with their account, by contact id. With `pool`: only contacts with a granted
    consent record (their own or their whole account's; of each of `pool.scopes`) who match
    its other conditions (the reference finder's pool)."""
    c, a = Contact.__table__.c, Account.__table__.c
    account_columns = [a[name] for name in ACCOUNT_FIELDS]
    stmt = (
        select(*(c[name] for name in ContactItem.model_fields), *account_columns, Owner.name)
        .join(Account.__table__, a.id == c.account_id)
        .outerjoin(Owner.__table__, Owner.id == a.owner_id)
        .order_by(c.id)
    )
    if account_id is not None:
        stmt = stmt.where(c.account_id == account_id)
    if owner_id is not None:
        stmt = stmt.where(a.owner_id == owner_id)
    if pool is not None:
        stmt = stmt.where(*_pool(pool))
    if contact_ids is not None:
        found: list[Any] = []
        for chunk in _chunks(list(contact_ids)):
            found += session.execute(stmt.where(c.id.in_(chunk))).all()
        rows = sorted(found, key=lambda row: row[0])
    else:
        rows = list(session.execute(stmt).all())
    return [_pair(row) for row in rows]


def account_profile(*, session: Session, account_id: str) -> AccountProfile | None:
    """The account with its owner's name; None when there is no such account."""
    a = Account.__table__.c
    row = session.execute(
        select(*(a[name] for name in ACCOUNT_FIELDS), Owner.name)
        .outerjoin(Owner.__table__, Owner.id == a.owner_id)
        .where(a.id == account_id)
    ).first()
    return None if row is None else _account(tuple(row))


def _pool(pool: Pool) -> list[Any]:
    a = Account.__table__.c
    conditions = [_granted(None)] + [_granted(scope) for scope in sorted(pool.scopes)]
    if pool.industry is not None:
        conditions.append(func.lower(a.industry) == pool.industry.lower())
    if pool.segment is not None:
        conditions.append(func.lower(a.segment) == pool.segment.lower())
    return conditions


def _granted(scope: str | None) -> Any:
    """A granted record (of `scope`, or of any scope) for the contact or their whole account.

    Two uncorrelated sets, each read once: a correlated EXISTS per contact scanned the
    permissions for every contact (no index on their contact), minutes at 20k accounts."""
    p, c = Permission.__table__.c, Contact.__table__.c
    granted = [p.status == "granted"] + ([p.scope == scope] if scope else [])
    own = select(p.contact_id).where(*granted, p.contact_id.is_not(None))
    account_wide = select(p.account_id).where(*granted, p.contact_id.is_(None))
    return or_(c.id.in_(own), c.account_id.in_(account_wide))


def pool_contacts(*, session: Session, owner_id: str | None, pool: Pool) -> list[tuple[str, bool]]:
    """The reference finder's pool (`contact_rows` with `pool`) as (contact id, champion) only:
    the finder ranks them by what it can bound before building any profile."""
    c, a = Contact.__table__.c, Account.__table__.c
    stmt = (
        select(c.id, c.champion)
        .join(Account.__table__, a.id == c.account_id)
        .where(*_pool(pool))
        .order_by(c.id)
    )
    if owner_id is not None:
        stmt = stmt.where(a.owner_id == owner_id)
    return [(contact_id, bool(champion)) for contact_id, champion in session.execute(stmt)]


def completed_ask_types(*, session: Session, now: datetime) -> dict[str, list[str]]:
    """Per contact, the ask types of their completed asks up to `now` (one row per ask)."""
    t = Ask.__table__.c
    stmt = select(t.contact_id, t.ask_type).where(
        t.outcome == "completed", t.asked_at <= now, t.contact_id.is_not(None)
    )
    found: dict[str, list[str]] = defaultdict(list)
    for contact_id, ask_type in session.execute(stmt):
        found[contact_id].append(ask_type)
    return found


ACCOUNT_FIELDS = tuple(name for name in AccountProfile.model_fields if name != "owner_name")
CONTACT_WIDTH = len(ContactItem.model_fields)


def _pair(row: Sequence[Any]) -> tuple[ContactItem, AccountProfile]:
    values = dict(zip(ContactItem.model_fields, row[:CONTACT_WIDTH], strict=True))
    values["champion"] = bool(values["champion"])
    return ContactItem.model_construct(**values), _account(tuple(row[CONTACT_WIDTH:]))


def _account(row: tuple[Any, ...]) -> AccountProfile:
    """An account row (ACCOUNT_FIELDS, then the owner's name); the data was checked on import."""
    values = dict(zip(ACCOUNT_FIELDS, row[:-1], strict=True))
    values["sensitive"] = bool(values["sensitive"])
    values["do_not_contact"] = bool(values["do_not_contact"])
    return AccountProfile.model_construct(owner_name=row[-1], **values)


def histories(
    *, session: Session, contacts: Sequence[tuple[ContactItem, AccountProfile]], now: datetime
) -> list[ContactHistory]:
    """Each contact's history up to `now`, in the order given."""
    ids = [contact.id for contact, _ in contacts]
    account_ids = sorted({account.id for _, account in contacts})
    asks = _by_contact(session, _asks_select, ids, now, keep_contact=True)
    outcomes = _by_contact(session, _outcomes_select, ids, now, keep_contact=False)
    permissions = _permissions(session, ids, account_ids, now)
    reviews = _open_reviews(session, account_ids)
    preferences = _preferences(session, ids)
    rewards = _rewards(session, ids)
    return [
        ContactHistory(
            account=account,
            contact=contact,
            asks=tuple(AskItem(**row) for row in asks.get(contact.id, ())),
            permissions=tuple(
                p for p in permissions.get(account.id, ()) if p.contact_id in (None, contact.id)
            ),
            outcomes=tuple(OutcomeRecord(**row) for row in outcomes.get(contact.id, ())),
            open_review_ids=tuple(reviews.get(contact.id, ())),
            rewards=tuple(rewards.get(contact.id, ())),
            preference=preferences.get(contact.id),
        )
        for contact, account in contacts
    ]


def _asks_select(ids: Sequence[str], now: datetime) -> Select[Any]:
    t = Ask.__table__.c
    columns = [t[name] for name in AskItem.model_fields]
    return select(*columns).where(t.contact_id.in_(ids), t.asked_at <= now).order_by(t.asked_at)


def _outcomes_select(ids: Sequence[str], now: datetime) -> Select[Any]:
    e, t = MeasurementEvent.__table__.c, Ask.__table__.c
    return (
        select(e.kind, e.occurred_at, e.review_id, t.contact_id)
        .join(Ask.__table__, t.review_id == e.review_id)
        .where(t.contact_id.in_(ids), e.kind.in_(OUTCOME_KINDS), e.occurred_at <= now)
        .order_by(e.occurred_at)
    )


def _by_contact(
    session: Session, build: Any, ids: Sequence[str], now: datetime, *, keep_contact: bool
) -> dict[str, list[dict[str, Any]]]:
    """Rows of `build(chunk, now)` grouped by their `contact_id` (kept when the item has one)."""
    grouped: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for chunk in _chunks(ids):
        for row in session.execute(build(chunk, now)).mappings():
            values = dict(row)
            contact_id = values["contact_id"] if keep_contact else values.pop("contact_id")
            grouped[contact_id].append(values)
    return grouped


def _permissions(
    session: Session, ids: Sequence[str], account_ids: Sequence[str], now: datetime
) -> dict[str, list[PermissionItem]]:
    p = Permission.__table__.c
    columns = [p[name] for name in PermissionItem.model_fields]
    grouped: dict[str, list[PermissionItem]] = defaultdict(list)
    wanted = set(ids)
    for chunk in _chunks(list(account_ids)):
        stmt = select(*columns, p.account_id).where(p.account_id.in_(chunk), p.recorded_at <= now)
        for row in session.execute(stmt).mappings():
            values = dict(row)
            account_id = values.pop("account_id")
            if values["contact_id"] is None or values["contact_id"] in wanted:
                grouped[account_id].append(PermissionItem(**values))
    return grouped


def _open_reviews(session: Session, account_ids: Sequence[str]) -> dict[str, list[str]]:
    """Open reviews by the contact their payload names (at most one open per account)."""
    named: dict[str, list[str]] = defaultdict(list)
    for chunk in _chunks(list(account_ids)):
        stmt = select(Review.id, Review.payload).where(
            Review.account_id.in_(chunk), Review.status.in_(OPEN_REVIEW_STATUSES)
        )
        for review_id, payload in session.execute(stmt):
            contact_id = ((payload or {}).get("contact") or {}).get("id")
            if contact_id:
                named[contact_id].append(review_id)
    return named


def _preferences(session: Session, ids: Sequence[str]) -> dict[str, PreferenceItem]:
    found: dict[str, PreferenceItem] = {}
    for chunk in _chunks(ids):
        rows = session.scalars(
            select(AdvocatePreference).where(AdvocatePreference.contact_id.in_(chunk))
        )
        found.update({row.contact_id: preference_item(row) for row in rows})
    return found


def preference_item(row: AdvocatePreference) -> PreferenceItem:
    """The stored preferences as the rules read them."""
    return PreferenceItem(
        contact_id=row.contact_id,
        avoid_ask_types=tuple(row.avoid_ask_types or ()),
        max_asks_per_year=row.max_asks_per_year,
        unavailable_until=row.unavailable_until,
        preferred_channel=row.preferred_channel,
    )


def _rewards(session: Session, ids: Sequence[str]) -> dict[str, list[dict[str, Any]]]:
    """The rewards ledger's rows per contact, as plain values."""
    grouped: dict[str, list[dict[str, Any]]] = defaultdict(list)
    table = Reward.__table__
    for chunk in _chunks(ids):
        for row in session.execute(select(table).where(table.c.contact_id.in_(chunk))).mappings():
            grouped[row["contact_id"]].append({key: _plain(value) for key, value in row.items()})
    return grouped


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


# --- the owner's preferences ------------------------------------------------------------------


def get_preference(*, session: Session, contact_id: str) -> AdvocatePreference | None:
    """The contact's stored preferences row, if any."""
    return session.get(AdvocatePreference, contact_id)


def save_preference(
    *,
    session: Session,
    contact_id: str,
    account_id: str,
    values: dict[str, Any],
    actor: str,
    at: datetime,
) -> dict[str, list[Any]]:
    """Write the contact's preferences (all four fields) and, when anything changed, one audit
    row with each changed field's old and new value; returns those changes."""
    row = session.get(AdvocatePreference, contact_id, with_for_update=True)
    before = _values(row) if row is not None else dict.fromkeys(values)
    before["avoid_ask_types"] = before.get("avoid_ask_types") or []
    changes = {k: [_plain(before[k]), _plain(v)] for k, v in values.items() if before[k] != v}
    if not changes:
        return {}
    if row is None:
        row = AdvocatePreference(contact_id=contact_id, account_id=account_id)
        session.add(row)
    for key, value in values.items():
        setattr(row, key, value)
    row.updated_at, row.updated_by = at, actor
    number = session.scalar(select(func.count()).where(PreferenceChange.contact_id == contact_id))
    session.add(
        PreferenceChange(
            id=f"{contact_id}:{(number or 0) + 1:06d}",
            contact_id=contact_id,
            account_id=account_id,
            actor=actor,
            at=at,
            changes=changes,
        )
    )
    return changes


def _values(row: AdvocatePreference) -> dict[str, Any]:
    return {
        "avoid_ask_types": list(row.avoid_ask_types or []),
        "max_asks_per_year": row.max_asks_per_year,
        "unavailable_until": row.unavailable_until,
        "preferred_channel": row.preferred_channel,
    }


def preference_changes(*, session: Session, contact_id: str) -> list[PreferenceChange]:
    """The audit of a contact's preferences, newest first."""
    stmt = (
        select(PreferenceChange)
        .where(PreferenceChange.contact_id == contact_id)
        .order_by(PreferenceChange.id.desc())
    )
    return list(session.scalars(stmt))
