"""Evidence tools: one read-only, bounded query per source kind (DESIGN.md section 1).

Every tool returns at most `limit` items of its kind (signals: per signal kind; permissions: per
scope), nothing after `as_of`, ordered so that what the gates need comes first. The batch loader
(tools/batch.py) runs the same orderings over many accounts at once and returns what these do.

Rows become items without validation (`construct`): the data was validated when it was
imported, and the scan reads millions of rows, where validating each again costs more than the
query.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from typing import Any, Generic, TypeVar

from pydantic import BaseModel
from sqlalchemy import ColumnElement, FromClause, Select, case, func, or_, select, true
from sqlalchemy.orm import Session

from domain.clock import utc
from domain.rewards import UNRESOLVED_STATES
from domain.snapshot import (
    AccountProfile,
    AskItem,
    ContactItem,
    EvidenceSnapshot,
    PermissionItem,
    PreferenceItem,
    ReferralItem,
    RejectionItem,
    RewardItem,
    SignalItem,
    TicketItem,
)
from store.ids import ids_in
from store.models import (
    Account,
    AdvocatePreference,
    Ask,
    Contact,
    Owner,
    Permission,
    Referral,
    Review,
    Reward,
    Signal,
    Ticket,
)
from tools.rows import binary, construct, row_builder

ItemT = TypeVar("ItemT", bound=BaseModel)
Columns = Any  # a table's or subquery's `.c`; SQLAlchemy's own type for it is not generic enough
Order = Callable[[Columns], list[ColumnElement[Any]]]
Where = Callable[[Columns], ColumnElement[bool]]


def _first_when(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return case((condition, 0), else_=1)


@dataclass(frozen=True)
class EvidenceKind(Generic[ItemT]):
    """How one kind is read: its table, item model, `as_of` column, order, extra partition and
    the rows of the table it keeps (all when `where` is None)."""

    table: FromClause
    item: type[ItemT]
    time: str | None
    order: Order
    per: tuple[str, ...] = ()
    where: Where | None = None

    def kept(self, source: Columns, account_ids: Sequence[str], as_of: datetime) -> list[Any]:
        """The conditions a row meets to be read: its account, its date, the kind's filter."""
        conditions: list[Any] = [ids_in(source.account_id, account_ids)]
        if self.time is not None:
            conditions.append(source[self.time] <= as_of)
        if self.where is not None:
            conditions.append(self.where(source))
        return conditions

    @cached_property
    def fields(self) -> tuple[str, ...]:
        return tuple(self.item.model_fields)

    def columns(self, source: Columns) -> list[ColumnElement[Any]]:
        return [source[name] for name in self.fields]

    @cached_property
    def build(self) -> Callable[[Sequence[Any]], ItemT]:
        """An item from a row whose leading columns are `fields` (trailing ones are ignored)."""
        return row_builder(self.item, self.fields)


CONTACTS = EvidenceKind(
    table=Contact.__table__,
    item=ContactItem,
    time=None,
    order=lambda c: [_first_when(c.champion == true()), binary(c.name), binary(c.id)],
)
SIGNALS = EvidenceKind(
    table=Signal.__table__,
    item=SignalItem,
    time="occurred_at",
    order=lambda c: [c.occurred_at.desc(), c.score.desc().nulls_last(), binary(c.id)],
    per=("kind",),
)
TICKETS = EvidenceKind(
    table=Ticket.__table__,
    item=TicketItem,
    time="opened_at",
    order=lambda c: [
        _first_when(c.status.in_(("open", "pending"))),
        c.opened_at.desc(),
        binary(c.id),
    ],
)
ASKS = EvidenceKind(
    table=Ask.__table__,
    item=AskItem,
    time="asked_at",
    order=lambda c: [_first_when(c.outcome == "pending"), c.asked_at.desc(), binary(c.id)],
)
REFERRALS = EvidenceKind(
    table=Referral.__table__,
    item=ReferralItem,
    time="submitted_at",
    order=lambda c: [
        _first_when(
            or_(c.attribution_disputed == true(), c.reward_status.in_(("pending", "disputed")))
        ),
        c.submitted_at.desc(),
        binary(c.id),
    ],
)
PERMISSIONS = EvidenceKind(
    table=Permission.__table__,
    item=PermissionItem,
    time="recorded_at",
    order=lambda c: [binary(c.scope), c.rank],
)

REJECTIONS = EvidenceKind(
    table=Review.__table__,
    item=RejectionItem,
    time="decided_at",
    order=lambda c: [c.decided_at.desc(), binary(c.id)],
    where=lambda c: c.status == "rejected",
)
REWARDS = EvidenceKind(
    table=Reward.__table__,
    item=RewardItem,
    time="created_at",
    order=lambda c: [c.created_at.desc(), binary(c.id)],
    where=lambda c: c.status.in_(tuple(UNRESOLVED_STATES)),
)

# The snapshot field each kind fills; permissions have their own query (latest per scope).
RANKED_KINDS: Mapping[str, EvidenceKind[Any]] = {
    "contacts": CONTACTS,
    "signals": SIGNALS,
    "tickets": TICKETS,
    "asks": ASKS,
    "referrals": REFERRALS,
    "rejections": REJECTIONS,
    "rewards": REWARDS,
}


def ranked_select(
    kind: EvidenceKind[Any], *, account_ids: Sequence[str], as_of: datetime, limit: int
) -> Select[Any]:
    """The kind's first `limit` rows per account (and per `kind.per`), then `account_id`."""
    t = kind.table.c
    rank = func.row_number().over(
        partition_by=[t.account_id, *(t[p] for p in kind.per)], order_by=kind.order(t)
    )
    inner = select(*kind.columns(t), t.account_id, rank.label("rank")).where(
        *kind.kept(t, account_ids, as_of)
    )
    sub = inner.subquery()
    return (
        select(*kind.columns(sub.c), sub.c.account_id)
        .where(sub.c.rank <= limit)
        .order_by(sub.c.account_id, *kind.order(sub.c))
    )


def permissions_select(*, account_ids: Sequence[str], as_of: datetime, limit: int) -> Select[Any]:
    """Per account and scope, the records at the latest `recorded_at` <= `as_of`, then `account_id`.

    Ties are kept so that the consent rule sees disagreement. Within a tie the first record of
    each status comes first (a grant: the one expiring soonest), so even a tie cut at `limit`
    still shows every status and the earliest expiry.
    """
    p = Permission.__table__.c
    latest = (
        select(p.account_id, p.scope, func.max(p.recorded_at).label("recorded_at"))
        .where(ids_in(p.account_id, account_ids), p.recorded_at <= as_of)
        .group_by(p.account_id, p.scope)
        .subquery()
    )
    first_of_status = func.row_number().over(
        partition_by=[p.account_id, p.scope, p.status],
        order_by=[p.expires_at.asc().nulls_last(), binary(p.id)],
    )
    tied = (
        select(*PERMISSIONS.columns(p), p.account_id, first_of_status.label("nth"))
        .join(
            latest,
            (latest.c.account_id == p.account_id)
            & (latest.c.scope == p.scope)
            & (latest.c.recorded_at == p.recorded_at),
        )
        .subquery()
    )
    rank = func.row_number().over(
        partition_by=[tied.c.account_id, tied.c.scope],
        order_by=[tied.c.nth, binary(tied.c.status), binary(tied.c.id)],
    )
    ranked = select(*PERMISSIONS.columns(tied.c), tied.c.account_id, rank.label("rank")).subquery()
    return (
        select(*PERMISSIONS.columns(ranked.c), ranked.c.account_id)
        .where(ranked.c.rank <= limit)
        .order_by(ranked.c.account_id, *PERMISSIONS.order(ranked.c))
    )


def preferences_select(*, account_ids: Sequence[str]) -> Select[Any]:
    """The owner's preferences for the accounts' contacts, then `account_id` (one per contact)."""
    p = AdvocatePreference.__table__.c
    columns = [p[name] for name in PreferenceItem.model_fields]
    return (
        select(*columns, p.account_id)
        .where(p.account_id.in_(account_ids))
        .order_by(p.account_id, binary(p.contact_id))
    )


def build_preference(row: Sequence[Any]) -> PreferenceItem:
    """A preference item from a row of `preferences_select` (a stored list becomes a tuple)."""
    values = dict(zip(PreferenceItem.model_fields, row, strict=False))
    values["avoid_ask_types"] = tuple(values["avoid_ask_types"] or ())
    return construct(PreferenceItem, values)


def profiles_select(*, account_ids: Sequence[str]) -> Select[Any]:
    """Accounts with their owner's name, in `AccountProfile` field order."""
    a = Account.__table__.c
    owner_name = Owner.__table__.c.name.label("owner_name")
    columns = [owner_name if f == "owner_name" else a[f] for f in AccountProfile.model_fields]
    return (
        select(*columns)
        .select_from(
            Account.__table__.outerjoin(Owner.__table__, Owner.__table__.c.id == a.owner_id)
        )
        .where(ids_in(a.id, account_ids))
    )


def build_profile(row: Sequence[Any]) -> AccountProfile:
    """An account profile from a row of `profiles_select` (every field, in field order)."""
    return construct(AccountProfile, dict(zip(AccountProfile.model_fields, row, strict=False)))


def build_snapshot(
    *, as_of: datetime, account: AccountProfile, parts: Mapping[str, Sequence[Any]]
) -> EvidenceSnapshot:
    """The snapshot from its account and item lists; missing kinds are empty."""
    values: dict[str, Any] = {"as_of": as_of, "account": account}
    for name in EvidenceSnapshot.model_fields:
        if name not in values:
            values[name] = tuple(parts.get(name, ()))
    # Every field is set: the fast constructor (tools/rows.py) builds what model_construct does.
    return construct(EvidenceSnapshot, values)


# --- one account: the tools ---------------------------------------------------------------------


def _single(
    kind: EvidenceKind[ItemT], *, session: Session, account_id: str, as_of: datetime, limit: int
) -> tuple[ItemT, ...]:
    if kind.per:
        stmt = ranked_select(kind, account_ids=[account_id], as_of=utc(as_of), limit=limit)
    else:
        t = kind.table.c
        stmt = select(*kind.columns(t)).where(*kind.kept(t, [account_id], utc(as_of)))
        stmt = stmt.order_by(*kind.order(t)).limit(limit)
    return tuple(kind.build(row) for row in session.execute(stmt))


def account_profile(
    *, session: Session, account_id: str, as_of: datetime, limit: int
) -> AccountProfile | None:
    """The account with its owner's name; None when there is no such account.

    `as_of` and `limit` are accepted for a uniform tool signature: an account is one current row.
    """
    row = session.execute(profiles_select(account_ids=[account_id])).first()
    return None if row is None else build_profile(row)


def contacts(
    *, session: Session, account_id: str, as_of: datetime, limit: int
) -> tuple[ContactItem, ...]:
    """At most `limit` contacts: champions first, then by name."""
    return _single(CONTACTS, session=session, account_id=account_id, as_of=as_of, limit=limit)


def signals(
    *, session: Session, account_id: str, as_of: datetime, limit: int
) -> tuple[SignalItem, ...]:
    """At most `limit` signals of each kind up to `as_of`, newest first (then score, then id)."""
    return _single(SIGNALS, session=session, account_id=account_id, as_of=as_of, limit=limit)


def tickets(
    *, session: Session, account_id: str, as_of: datetime, limit: int
) -> tuple[TicketItem, ...]:
    """At most `limit` tickets opened up to `as_of`: open and pending first, then newest."""
    return _single(TICKETS, session=session, account_id=account_id, as_of=as_of, limit=limit)


def permissions(
    *, session: Session, account_id: str, as_of: datetime, limit: int
) -> tuple[PermissionItem, ...]:
    """Per scope, the records at its latest `recorded_at` up to `as_of` (ties kept, <= `limit`)."""
    stmt = permissions_select(account_ids=[account_id], as_of=utc(as_of), limit=limit)
    return tuple(PERMISSIONS.build(row) for row in session.execute(stmt))


def ask_history(
    *, session: Session, account_id: str, as_of: datetime, limit: int
) -> tuple[AskItem, ...]:
    """At most `limit` asks made up to `as_of`: pending first, then newest."""
    return _single(ASKS, session=session, account_id=account_id, as_of=as_of, limit=limit)


def referrals(
    *, session: Session, account_id: str, as_of: datetime, limit: int
) -> tuple[ReferralItem, ...]:
    """At most `limit` referrals up to `as_of`: unresolved (disputed, reward open) first, newest."""
    return _single(REFERRALS, session=session, account_id=account_id, as_of=as_of, limit=limit)


def rejections(
    *, session: Session, account_id: str, as_of: datetime, limit: int
) -> tuple[RejectionItem, ...]:
    """At most `limit` reviews of the account its owner rejected up to `as_of`, newest first."""
    return _single(REJECTIONS, session=session, account_id=account_id, as_of=as_of, limit=limit)


def preferences(*, session: Session, account_id: str) -> tuple[PreferenceItem, ...]:
    """The owner's preferences for the account's contacts (current: they are not dated)."""
    stmt = preferences_select(account_ids=[account_id])
    return tuple(build_preference(row) for row in session.execute(stmt))


def load_snapshot(
    *, session: Session, account_id: str, as_of: datetime, limit: int
) -> EvidenceSnapshot | None:
    """Every kind for one account as of `as_of`; None when there is no such account."""
    args: dict[str, Any] = {
        "session": session,
        "account_id": account_id,
        "as_of": as_of,
        "limit": limit,
    }
    account = account_profile(**args)
    if account is None:
        return None
    parts = {
        "contacts": contacts(**args),
        "signals": signals(**args),
        "tickets": tickets(**args),
        "permissions": permissions(**args),
        "asks": ask_history(**args),
        "referrals": referrals(**args),
        "rejections": rejections(**args),
        "preferences": preferences(session=session, account_id=account_id),
        "rewards": _single(REWARDS, **args),
    }
    return build_snapshot(as_of=utc(as_of), account=account, parts=parts)
