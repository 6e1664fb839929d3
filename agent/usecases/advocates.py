"""Advocates (issue 12): a contact's profile, an account's roll-up, the reference finder, and
the preferences an account owner records for a contact.

Visibility: an owner reads and edits their own accounts' contacts only (another owner's contact
is reported missing); marketing and admins read every contact; preferences are edited by the
contact's account owner or an admin (marketing: 403). Each edit is audited.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    field_validator,
)
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from agent.bootstrap import Services
from domain.actors import Actor
from domain.advocates import TIERS, Tier
from domain.errors import Conflict, Forbidden, not_found
from domain.finder import ReferenceMatch, ReferenceQuery, find_references, score_bound
from domain.profile import JOURNEY_STAGES, AdvocateProfile, build_profile
from domain.settings import PolicySettings
from domain.text import in_utc
from domain.vocabulary import AskKind, Channel
from store import advocates as store
from store.db import transaction
from store.models import Contact, Referral

# Profiles built per round of the reference finder (each round: a few set-based queries).
PROFILE_CHUNK = 500


class PreferencesIn(BaseModel):
    """What the owner records of how a contact wants to be asked; replaces the previous."""

    avoid_ask_types: list[AskKind] = Field(
        default_factory=list,
        description="Ask types (or program activities) never to propose for this contact.",
    )
    max_asks_per_year: int | None = Field(
        None, ge=0, le=52, description="At most this many asks in 365 days (held after)."
    )
    unavailable_until: Annotated[AwareDatetime, AfterValidator(in_utc)] | None = Field(
        None, description="Held until this time (advocate_unavailable); with a zone."
    )
    preferred_channel: Channel | None = None

    @field_validator("avoid_ask_types")
    @classmethod
    def _once_each(cls, value: list[AskKind]) -> list[AskKind]:
        return sorted(set(value))

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "avoid_ask_types": ["case_study"],
                    "max_asks_per_year": 2,
                    "unavailable_until": "2027-01-15T00:00:00Z",
                    "preferred_channel": "call",
                }
            ]
        },
    )


class PreferenceChangeOut(BaseModel):
    change_id: str
    actor: str
    at: datetime
    changes: dict[str, list[Any]]


class AdvocateDetail(AdvocateProfile):
    """The profile, with the preferences' audit."""

    preference_history: list[PreferenceChangeOut] = Field(default_factory=list)


class AccountAdvocates(BaseModel):
    """An account's roll-up: its contacts' profiles and the totals over them."""

    account_id: str
    account_name: str
    owner_id: str
    segment: str | None
    industry: str | None
    advocates: int = Field(description="Contacts with at least one completed ask.")
    completed_asks: int
    participations: int
    references_used_90d: int
    references_used_365d: int
    top_tier: Tier
    stages: dict[str, int]
    expansion_eligible: list[str] = Field(description="Contact ids eligible for expansion.")
    referrals: dict[str, int] = Field(description="The account's referrals per status.")
    contacts: list[AdvocateProfile]


def _owner_scope(actor: Actor) -> str | None:
    return actor.id if actor.is_owner else None


def _profiles(
    session: Session, contacts: list[Any], policy: PolicySettings, now: datetime
) -> list[AdvocateProfile]:
    return [
        build_profile(history, policy, now)
        for history in store.histories(session=session, contacts=contacts, now=now)
    ]


def advocate_profile(
    *, session: Session, actor: Actor, contact_id: str, policy: PolicySettings, now: datetime
) -> AdvocateDetail:
    """One contact's profile at `now`; another owner's contact is not found."""
    rows = store.contact_rows(
        session=session, contact_ids=[contact_id], owner_id=_owner_scope(actor)
    )
    if not rows:
        raise not_found(f"contact {contact_id}")
    (profile,) = _profiles(session, rows, policy, now)
    history = [
        PreferenceChangeOut(change_id=c.id, actor=c.actor, at=c.at, changes=c.changes)
        for c in store.preference_changes(session=session, contact_id=contact_id)
    ]
    return AdvocateDetail(**profile.model_dump(), preference_history=history)


def account_advocates(
    *, session: Session, actor: Actor, account_id: str, policy: PolicySettings, now: datetime
) -> AccountAdvocates:
    """The account's contacts' profiles and their totals; another owner's account: not found."""
    rows = store.contact_rows(session=session, account_id=account_id, owner_id=_owner_scope(actor))
    account = store.account_profile(session=session, account_id=account_id)
    if account is None or (actor.is_owner and account.owner_id != actor.id):
        raise not_found(f"account {account_id}")
    profiles = _profiles(session, rows, policy, now)
    stages = Counter(p.journey_stage for p in profiles)
    referrals = Counter(
        session.scalars(select(Referral.status).where(Referral.account_id == account_id))
    )
    return AccountAdvocates(
        account_id=account.id,
        account_name=account.name,
        owner_id=account.owner_id,
        segment=account.segment,
        industry=account.industry,
        advocates=sum(1 for p in profiles if p.completed_asks),
        completed_asks=sum(p.completed_asks for p in profiles),
        participations=sum(p.participations for p in profiles),
        references_used_90d=sum(p.references_used_90d for p in profiles),
        references_used_365d=sum(p.references_used_365d for p in profiles),
        top_tier=max((p.tier for p in profiles), key=TIERS.index, default="new"),
        stages={stage: stages.get(stage, 0) for stage in JOURNEY_STAGES},
        expansion_eligible=[p.contact_id for p in profiles if p.expansion_eligible],
        referrals=dict(sorted(referrals.items())),
        contacts=profiles,
    )


def search_advocates(
    *,
    session: Session,
    actor: Actor,
    query: ReferenceQuery,
    policy: PolicySettings,
    now: datetime,
    limit: int,
) -> list[ReferenceMatch]:
    """The reference finder (domain/finder.py) over the contacts the caller may see.

    Set-based: the pool in one query, ranked by each contact's score bound (their completed
    asks, another query); profiles are built a chunk at a time, best bound first, until no
    bound left can beat the `limit`-th match. Building every profile of the pool took seconds
    at 20k accounts; the answer is the same."""
    pool = store.Pool(
        industry=query.industry,
        segment=query.segment,
        scopes=frozenset(query.scopes() or ()),
    )
    owner = _owner_scope(actor)
    completed = store.completed_ask_types(session=session, now=now)
    ranked = sorted(
        (score_bound(completed.get(contact_id, ()), champion, query), contact_id)
        for contact_id, champion in store.pool_contacts(session=session, owner_id=owner, pool=pool)
    )
    ranked.sort(key=lambda pair: -pair[0])  # stable: ids ascending within a bound
    found: list[ReferenceMatch] = []
    for start in range(0, len(ranked), PROFILE_CHUNK):
        if _settled(found, ranked[start][0], limit):
            break
        ids = [contact_id for _, contact_id in ranked[start : start + PROFILE_CHUNK]]
        rows = store.contact_rows(session=session, contact_ids=ids, owner_id=owner)
        found += find_references(_profiles(session, rows, policy, now), query)
    return find_references([m.profile for m in found], query)[:limit]


def _settled(found: list[ReferenceMatch], next_bound: int, limit: int) -> bool:
    """Whether `limit` matches already score above any contact not yet read (strictly: a tie
    would be ordered by the time since last asked)."""
    if limit < 1:
        return True
    scores = sorted((m.score for m in found), reverse=True)
    return len(scores) >= limit and scores[limit - 1] > next_bound


def set_preferences(
    *, services: Services, actor: Actor, contact_id: str, preferences: PreferencesIn
) -> AdvocateDetail:
    """Record the contact's preferences (replacing the previous ones), audited; the gates read
    them from the next evaluation on. The contact's account owner or an admin only."""
    if actor.role not in ("owner", "admin"):
        raise Forbidden(f"the {actor.role} role may not edit an advocate's preferences")
    deps = services.deps
    now = deps.clock()
    try:
        _save(deps.session_factory, actor, contact_id, preferences, now)
    except IntegrityError:
        # Another edit of this contact's preferences took the same audit number first.
        raise Conflict(
            f"the preferences of {contact_id} were edited at the same moment; read them again"
        ) from None
    with deps.session_factory() as session:
        return advocate_profile(
            session=session,
            actor=actor,
            contact_id=contact_id,
            policy=deps.settings.policy,
            now=now,
        )


def _save(
    factory: sessionmaker[Session],
    actor: Actor,
    contact_id: str,
    preferences: PreferencesIn,
    now: datetime,
) -> None:
    with transaction(factory) as session:
        contact = session.get(Contact, contact_id)
        account = (
            store.account_profile(session=session, account_id=contact.account_id)
            if contact
            else None
        )
        if contact is None or account is None or (actor.is_owner and account.owner_id != actor.id):
            raise not_found(f"contact {contact_id}")
        store.save_preference(
            session=session,
            contact_id=contact_id,
            account_id=contact.account_id,
            values=preferences.model_dump(),
            actor=actor.id,
            at=now,
        )
