"""Advocates (issue 12): the reference finder, a contact's profile and preferences, an account's
roll-up, and the referral-ready queue. Owners see their own accounts' contacts; marketing and
admins see all; preferences are edited by the contact's account owner or an admin."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query

from agent.usecases.advocates import (
    AccountAdvocates,
    AdvocateDetail,
    PreferencesIn,
    account_advocates,
    advocate_profile,
    search_advocates,
    set_preferences,
)
from agent.usecases.invitations import InvitationIn, InvitationOut, invite
from agent.usecases.referral_queue import ReferralReady, referral_queue
from api.deps import AnyUser, ApiUser, ServicesDep, SessionDep, allow
from domain.finder import ReferenceMatch, ReferenceQuery
from domain.text import NO_NUL_PATTERN
from domain.vocabulary import AskType, Scope

router = APIRouter(tags=["advocates"])

IdPath = Annotated[str, Path(max_length=64, pattern=NO_NUL_PATTERN)]
Word = Annotated[str | None, Query(max_length=64, pattern=NO_NUL_PATTERN)]
PreferenceEditor = Annotated[ApiUser, Depends(allow("owner", "admin"))]


@router.get("/advocates", response_model=list[ReferenceMatch])
def find_advocates(
    session: SessionDep,
    services: ServicesDep,
    user: AnyUser,
    industry: Word = None,
    segment: Word = None,
    ask_type: AskType | None = None,
    permission: Scope | None = None,
    available: bool = False,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> list[ReferenceMatch]:
    """The reference finder: contacts with a granted, unexpired consent scope and no fatigue,
    best matches first, each with why.

    `industry` and `segment` match the account's (any case); `ask_type` needs its scope granted
    and not avoided by the contact; `permission` needs that scope granted; `available` leaves
    out contacts whose owner recorded them unavailable for now. Owners see their own accounts'.
    """
    deps = services.deps
    query = ReferenceQuery(
        industry=industry,
        segment=segment,
        ask_type=ask_type,
        permission=permission,
        available=available,
    )
    return search_advocates(
        session=session,
        actor=user,
        query=query,
        policy=deps.settings.policy,
        now=deps.clock(),
        limit=limit,
    )


@router.get("/advocates/{contact_id}", response_model=AdvocateDetail)
def read_advocate(
    contact_id: IdPath, session: SessionDep, services: ServicesDep, user: AnyUser
) -> AdvocateDetail:
    """A contact's advocate profile: asks by type and outcome, participations, permissions with
    expiry, references used in the last 90/365 days, last asked, journey stage, tier, expansion
    eligibility, preferences (with their audit) and rewards. Another owner's contact: 404."""
    deps = services.deps
    return advocate_profile(
        session=session,
        actor=user,
        contact_id=contact_id,
        policy=deps.settings.policy,
        now=deps.clock(),
    )


@router.put("/advocates/{contact_id}/preferences", response_model=AdvocateDetail)
def put_preferences(
    contact_id: IdPath, body: PreferencesIn, services: ServicesDep, user: PreferenceEditor
) -> AdvocateDetail:
    """Record how the contact wants to be asked (replaces what was recorded; audited): ask types
    to avoid (ineligible), at most N asks a year (`advocate_ask_limit`), unavailable until a
    time (`advocate_unavailable`), preferred channel. The account's owner or an admin."""
    return set_preferences(services=services, actor=user, contact_id=contact_id, preferences=body)


@router.post("/advocates/{contact_id}/invitations", status_code=201, response_model=InvitationOut)
def post_invitation(
    contact_id: IdPath, body: InvitationIn, services: ServicesDep, user: PreferenceEditor
) -> InvitationOut:
    """Invite an expansion-eligible advocate to a program's activity (`advisory_board`,
    `beta_access`, `event_speaking`, `community`; none given: the program's first one open to
    them). A review opens, drafted and pending, for the owner to approve, edit, reject or defer
    like any other; approval makes the owner task and the ask history. The account's owner or
    an admin. Refused with 409, every `reasons` code and the `why` of each, when the program
    does not run the activity, the contact is not expansion-eligible or outside the program,
    its capacity is used up, the gates hold or stop the account, the contact's preferences say
    no, an invitation to it is pending or was completed within 365 days, or (event speaking)
    no granted, unexpired `public_quote` permission exists. An unknown program: 422."""
    return invite(services=services, actor=user, contact_id=contact_id, invitation=body)


@router.get("/accounts/{account_id}/advocates", response_model=AccountAdvocates)
def read_account_advocates(
    account_id: IdPath, session: SessionDep, services: ServicesDep, user: AnyUser
) -> AccountAdvocates:
    """An account's roll-up: each contact's profile and the totals. Another owner's: 404."""
    deps = services.deps
    return account_advocates(
        session=session,
        actor=user,
        account_id=account_id,
        policy=deps.settings.policy,
        now=deps.clock(),
    )


@router.get("/queues/referral", response_model=list[ReferralReady])
def read_referral_queue(
    session: SessionDep, services: ServicesDep, user: AnyUser
) -> list[ReferralReady]:
    """Every account eligible for a referral ask now (whatever its recommended ask type), with
    its timing, freshest trigger first. Nothing is recorded. Owners see their own accounts."""
    deps = services.deps
    return referral_queue(session=session, settings=deps.settings, actor=user, now=deps.clock())
