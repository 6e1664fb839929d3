"""The Advocates pages (issue 12): the reference finder with the referral-ready queue, and one
contact's profile with the owner's preferences form.

Thin like the other pages: each calls the use-case the API and the CLI call. An owner sees their
own accounts' contacts and edits their preferences; marketing and admins see everyone (an admin
may edit too; marketing reads).
"""

from __future__ import annotations

from datetime import UTC, datetime, time
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import FormData

from agent.bootstrap import Services
from agent.usecases.advocates import PreferencesIn, advocate_profile, search_advocates
from agent.usecases.advocates import set_preferences as save_preferences
from agent.usecases.invitations import InvitationIn, invitation_options, invite
from agent.usecases.referral_queue import referral_queue
from api.deps import ApiUser
from api.errors import ApiError, error_body, status_of
from api.web.deps import CheckedForm, PageServices, Visitor, api_user, parsed, render
from api.web.deps import text_field as field
from domain.errors import DomainError
from domain.finder import ReferenceQuery
from domain.text import NO_NUL_PATTERN
from domain.vocabulary import ACTIVITIES, ASK_TYPES, CHANNELS, SCOPES, AskType, Scope

router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)
IdPath = Annotated[str, Path(max_length=64, pattern=NO_NUL_PATTERN)]
Word = Annotated[str | None, Query(max_length=64, pattern=NO_NUL_PATTERN)]


def _blank(value: str | None) -> str | None:
    return value.strip() or None if value else None


@router.get("/advocates")
def advocates_page(
    request: Request,
    services: PageServices,
    visitor: Visitor,
    industry: Word = None,
    segment: Word = None,
    ask_type: Annotated[AskType | None, Query()] = None,
    permission: Annotated[Scope | None, Query()] = None,
    available: bool = False,
    find: bool = False,
) -> Response:
    """Find references like a prospect (best first, with why), and the accounts ready for a
    referral ask now with their timing. The finder runs once asked (a filter or Find)."""
    user = api_user(visitor)
    deps = services.deps
    query = ReferenceQuery(
        industry=_blank(industry),
        segment=_blank(segment),
        ask_type=ask_type,
        permission=permission,
        available=available,
    )
    now = deps.clock()
    asked = find or any((query.industry, query.segment, ask_type, permission, available))
    with deps.session_factory() as session:
        found = (
            search_advocates(
                session=session,
                actor=user,
                query=query,
                policy=deps.settings.policy,
                now=now,
                limit=50,
            )
            if asked
            else None
        )
        ready = referral_queue(session=session, settings=deps.settings, actor=user, now=now)
    context = {
        "title": "Advocates",
        "query": query,
        "found": found,
        "ready": ready,
        "ask_types": ASK_TYPES,
        "scopes": SCOPES,
    }
    return render(request, "advocates.html", context)


@router.get("/advocates/{contact_id}")
def advocate_page(
    contact_id: IdPath,
    request: Request,
    services: PageServices,
    visitor: Visitor,
    saved: bool = False,
) -> Response:
    """One contact's profile; the preferences form for their account's owner and admins."""
    notice = "Preferences saved: the gates read them from now on." if saved else None
    return _profile(request, services, api_user(visitor), contact_id, notice=notice)


def _profile(
    request: Request,
    services: Services,
    user: ApiUser,
    contact_id: str,
    *,
    problem: dict[str, Any] | None = None,
    notice: str | None = None,
    status_code: int = 200,
) -> Response:
    deps = services.deps
    edits = user.role in ("owner", "admin")
    with deps.session_factory() as session:
        profile = advocate_profile(
            session=session,
            actor=user,
            contact_id=contact_id,
            policy=deps.settings.policy,
            now=deps.clock(),
        )
        options = (
            invitation_options(
                session=session,
                actor=user,
                contact_id=contact_id,
                settings=deps.settings,
                now=deps.clock(),
            )
            if edits
            else []
        )
    context = {
        "title": f"Advocate {profile.name}",
        "p": profile,
        "edits": edits,
        "open_activities": [o for o in options if not o.blockers],
        "blocked_activities": [o for o in options if o.blockers],
        "ask_types": (*ASK_TYPES, *ACTIVITIES),  # what the contact may avoid
        "channels": CHANNELS,
        "problem": problem,
        "notice": notice,
    }
    return render(request, "advocate.html", context, status_code=status_code)


@router.post("/advocates/{contact_id}/preferences")
def post_preferences(
    contact_id: IdPath,
    request: Request,
    services: PageServices,
    visitor: Visitor,
    form: CheckedForm,
) -> Response:
    """Record the contact's preferences from the form (the API's checks), then show them."""
    user = api_user(visitor)
    try:
        wanted = preferences_of(form)
        save_preferences(services=services, actor=user, contact_id=contact_id, preferences=wanted)
    except (ApiError, DomainError) as refused:
        code, answer = _refused_answer(refused)
    else:
        return RedirectResponse(f"/advocates/{contact_id}?saved=1", status_code=303)
    return _profile(request, services, user, contact_id, problem=answer, status_code=code)


@router.post("/advocates/{contact_id}/invitations")
def post_invitation(
    contact_id: IdPath,
    request: Request,
    services: PageServices,
    visitor: Visitor,
    form: CheckedForm,
) -> Response:
    """Invite the contact to the chosen program activity (the API's use-case), then open the
    review it drafted; refused: the profile again, with every reason in words."""
    user = api_user(visitor)
    program, _, activity = (field(form, "choice") or "").partition(":")
    try:
        wanted = parsed(InvitationIn, {"program": program, "activity": activity or None})
        opened = invite(services=services, actor=user, contact_id=contact_id, invitation=wanted)
    except (ApiError, DomainError) as refused:
        code, answer = _refused_answer(refused)
    else:
        return RedirectResponse(f"/reviews/{opened.review_id}", status_code=303)
    return _profile(request, services, user, contact_id, problem=answer, status_code=code)


def _refused_answer(refused: ApiError | DomainError) -> tuple[int, Any]:
    """The status and body a refused form shows on the profile; not found stays a 404 page."""
    if isinstance(refused, ApiError):
        return refused.status_code, refused.body()
    if status_of(refused) == 404:
        raise refused
    return status_of(refused), error_body(refused)


def preferences_of(form: FormData) -> PreferencesIn:
    """The form's fields as the API's body: an empty field clears it; a date is midnight UTC."""
    avoid = [v for v in form.getlist("avoid_ask_types") if isinstance(v, str)]
    limit = field(form, "max_asks_per_year")
    if limit and not limit.isdigit():
        raise ApiError(422, f"max_asks_per_year: {limit!r} is not a whole number")
    until = field(form, "unavailable_until")
    data: dict[str, Any] = {
        "avoid_ask_types": avoid,
        "max_asks_per_year": int(limit) if limit else None,
        "unavailable_until": _day(until) if until else None,
        "preferred_channel": field(form, "preferred_channel") or None,
    }
    return parsed(PreferencesIn, data)


def _day(value: str) -> datetime:
    try:
        return datetime.combine(datetime.fromisoformat(value).date(), time(), tzinfo=UTC)
    except ValueError:
        raise ApiError(422, f"unavailable_until: {value!r} is not a date (YYYY-MM-DD)") from None
