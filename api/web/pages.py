"""The page routes: sign-in, inbox, one review and its decision, measurements.

Thin like the API's routers: a route reads the form, calls one use-case, renders the answer.
A decision goes through the decision use-case the API calls, with the same error mapping.
"""

from __future__ import annotations

import secrets
from datetime import UTC, date, datetime
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import FormData

from agent.bootstrap import Services
from agent.usecases.decisions import check_decision, decide_review
from agent.usecases.reads import decided_review, metrics_for, visible_review
from agent.usecases.web_sessions import SESSION_LIFETIME, end_session, start_session, tokens_match
from api.deps import ApiUser
from api.errors import ApiError, error_body, status_of
from api.schemas import DecisionBody
from api.web.deps import (
    SESSION_COOKIE,
    SIGNIN_COOKIE,
    CheckedForm,
    OwnerVisitor,
    PageError,
    PageServices,
    PostedForm,
    ReviewReader,
    SignInRequired,
    Visitor,
    api_user,
    current_visitor,
    parsed,
    render,
    text_field,
)
from api.web.views import (
    funnel_bars,
    inbox_rows,
    life_rows,
    not_proposed,
    rate_rows,
    review_context,
)
from domain.errors import DomainError, NotFound
from domain.text import NO_NUL_PATTERN
from store.models import Review

router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)
ReviewIdPath = Annotated[str, Path(max_length=200, pattern=NO_NUL_PATTERN)]
APPROVALS = ("approve", "edit")  # both approve buttons: the form as it stands is the decision


def _home(role: str) -> str:
    return "/inbox" if role == "owner" else "/metrics"


def _set_cookie(response: Response, request: Request, name: str, value: str, age: int) -> None:
    response.set_cookie(
        name,
        value,
        max_age=age,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
        path="/",
    )


# --- sign-in --------------------------------------------------------------------------------------


@router.get("/")
@router.get("/signin")
def signin_page(request: Request, services: PageServices) -> Response:
    """The sign-in form; a signed-in visitor goes straight to their start page."""
    try:
        visitor = current_visitor(request, services)
    except SignInRequired:
        return _signin_form(request)
    return RedirectResponse(_home(visitor.role), status_code=303)


def _signin_form(request: Request, *, error: str | None = None, status_code: int = 200) -> Response:
    csrf = request.cookies.get(SIGNIN_COOKIE) or secrets.token_urlsafe(24)
    response = render(
        request, "signin.html", {"csrf": csrf, "error": error}, status_code=status_code
    )
    _set_cookie(response, request, SIGNIN_COOKIE, csrf, 3600)
    return response


@router.post("/signin")
def sign_in(request: Request, services: PageServices, form: PostedForm) -> Response:
    """Exchange the bearer token for a session cookie (HttpOnly, SameSite=Strict)."""
    given = form.get("csrf")
    expected = request.cookies.get(SIGNIN_COOKIE)
    if expected is None or not tokens_match(given if isinstance(given, str) else None, expected):
        raise PageError(
            403,
            "Form refused",
            "The sign-in form had expired or did not come from this site. Open /signin again.",
        )
    session_id = start_session(
        session_factory=services.deps.session_factory,
        token=text_field(form, "token"),
        now=services.deps.clock(),
    )
    if session_id is None:
        return _signin_form(
            request, error="That token is unknown or has been revoked.", status_code=401
        )
    response = RedirectResponse("/", status_code=303)
    _set_cookie(
        response, request, SESSION_COOKIE, session_id, int(SESSION_LIFETIME.total_seconds())
    )
    response.delete_cookie(SIGNIN_COOKIE, path="/")
    return response


@router.post("/signout")
def sign_out(request: Request, services: PageServices, _form: CheckedForm) -> Response:
    """End this browser's session."""
    session_id = request.cookies.get(SESSION_COOKIE, "")
    end_session(session_factory=services.deps.session_factory, session_id=session_id)
    response = RedirectResponse("/signin", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


# --- inbox and reviews ----------------------------------------------------------------------------


@router.get("/inbox")
def inbox(
    request: Request,
    services: PageServices,
    visitor: OwnerVisitor,
    decided: Annotated[str | None, Query(max_length=200, pattern=NO_NUL_PATTERN)] = None,
) -> Response:
    """The owner's pending reviews, oldest trigger first, and why other accounts wait."""
    now = services.deps.clock()
    with services.deps.session_factory() as session:
        rows = inbox_rows(session=session, owner_id=visitor.user_id, now=now)
        others = not_proposed(session=session, owner_id=visitor.user_id)
        just_decided = decided_review(session=session, owner_id=visitor.user_id, review_id=decided)
    context = {"title": "Inbox", "rows": rows, "others": others, "decided": just_decided}
    return render(request, "inbox.html", context)


@router.get("/reviews/{review_id}")
def review_page(
    review_id: ReviewIdPath, request: Request, services: PageServices, visitor: ReviewReader
) -> Response:
    """One review in full: evidence, summary, gate report, permission, the draft to decide
    (an admin reads it without the forms: decisions stay the owners')."""
    return _review(request, services, api_user(visitor), review_id)


def _review(
    request: Request,
    services: Services,
    user: ApiUser,
    review_id: str,
    *,
    problem: dict[str, Any] | None = None,
    values: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    with services.deps.session_factory() as session:
        review = visible_review(session=session, actor=user, review_id=review_id)
        context = review_context(review, services.deps.clock())
    draft = context["draft"]
    context["values"] = {
        "ask_type": review.ask_type,
        "subject": draft.get("subject") or "",
        "body": draft.get("body") or "",
        "reason": "",
        "until": "",
        **(values or {}),
    }
    context["problem"] = problem
    context["title"] = f"Review: {context['account'].get('name', review.account_id)}"
    return render(request, "review.html", context, status_code=status_code)


@router.post("/reviews/{review_id}/decision")
def post_decision(
    review_id: ReviewIdPath,
    request: Request,
    services: PageServices,
    visitor: OwnerVisitor,
    form: CheckedForm,
) -> Response:
    """Approve, edit and approve, reject or defer, through the API's decision use-case."""
    user = api_user(visitor)
    with services.deps.session_factory() as session:
        review = visible_review(session=session, actor=user, review_id=review_id)
    values = {name: text_field(form, name) for name in ("ask_type", "subject", "body")}
    values |= {name: text_field(form, name) for name in ("reason", "until")}
    try:
        fields = decision_body(form, review).model_dump(exclude_none=True)
        decision = check_decision(services=services, actor=user, review_id=review_id, fields=fields)
        decide_review(services=services, review_id=review_id, decision=decision)
    except ApiError as refused:
        code, answer = refused.status_code, refused.body()
    except NotFound as missing:
        raise PageError(404, "Not found", missing.message) from None
    except DomainError as refused:
        code, answer = status_of(refused), error_body(refused)
    else:
        return RedirectResponse(f"/inbox?decided={quote(review_id)}", status_code=303)
    kept = {k: v for k, v in values.items() if v} if form.get("action") in APPROVALS else {}
    return _review(
        request, services, user, review_id, problem=answer, values=kept,
        status_code=code,
    )  # fmt: skip


def decision_body(form: FormData, review: Review) -> DecisionBody:
    """The decision the pressed button means; an edit sends only what the owner changed.

    Either approve button sends the form as it stands: an approval of a form that differs from
    the draft is that edit (with its checks), so no change of the owner's is dropped.
    """
    action = text_field(form, "action")
    data: dict[str, Any] = {"action": action}
    if action in APPROVALS:
        data = _edits(form, review)
        if data["action"] == "edit" and text_field(form, "accept_problems") == "true":
            data["accept_problems"] = True
    elif action == "reject":
        data["reason"] = text_field(form, "reason") or None
    elif action == "defer":
        data["until"] = _day(text_field(form, "until"))
    return parsed(DecisionBody, data)


def _edits(form: FormData, review: Review) -> dict[str, Any]:
    draft = review.payload.get("draft", {})
    current = {
        "ask_type": review.ask_type,
        "subject": str(draft.get("subject") or "").strip(),
        "body": str(draft.get("body") or "").replace("\r\n", "\n").strip(),
    }
    changed = {
        name: text_field(form, name)
        for name, was in current.items()
        if text_field(form, name) and text_field(form, name) != was
    }
    return {"action": "edit", **changed} if changed else {"action": "approve"}


def _day(value: str) -> datetime | None:
    if not value:
        return None
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise ApiError(422, f"until: {value!r} is not a date (YYYY-MM-DD)") from None
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


# --- measurements ---------------------------------------------------------------------------------


@router.get("/metrics")
def metrics_page(request: Request, services: PageServices, visitor: Visitor) -> Response:
    """The funnel and rates of DESIGN.md section 7: all owners' for marketing and admin,
    an owner's own for an owner."""
    with services.deps.session_factory() as session:
        figures = metrics_for(session=session, actor=api_user(visitor), now=services.deps.clock())
    bars = funnel_bars(figures)
    context = {
        "title": "Measurements",
        "bars": bars,
        "rates": rate_rows(figures),
        "life": life_rows(figures),
        "own": visitor.role == "owner",
        "chart_height": len(bars) * 26,
    }
    return render(request, "metrics.html", context)
