"""The Candidates page: customer marketing's list with its filters, saved lists and the CSV
download — the same use-cases as `/v1/candidates` and `/v1/lists`, signed in by the page's
session instead of a token."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from agent.usecases.candidate_list import (
    CandidateFilters,
    candidate_list_page,
    checked_query,
)
from agent.usecases.lists import LIST_EDITORS, ListRequest, create_list, find_list, saved_lists
from api.deps import ApiUser
from api.routers.candidates import csv_response
from api.web.deps import CheckedForm, PageServices, Visitor, api_user, render
from api.web.deps import text_field as field
from domain.errors import Conflict, DomainError, Forbidden, Invalid
from domain.vocabulary import ASK_TYPES, SCOPES, SIGNAL_KINDS

router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)
FILTER_NAMES = tuple(CandidateFilters.model_fields)
STATUSES = ("candidate", "held", "stopped", "not_triggered")
REVIEW_STATUSES = ("none", "pending", "approved", "edited", "rejected", "deferred")
PAGE_SIZE = 100


def _given(values: Any) -> dict[str, str]:
    """The filters a form or query sent, blanks dropped (an empty select means "any")."""
    return {name: str(values[name]) for name in FILTER_NAMES if values.get(name)}


def _filters(given: dict[str, str]) -> CandidateFilters:
    try:
        return CandidateFilters.model_validate(given)
    except ValidationError as error:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in error.errors())
        raise Invalid(problems) from None


@router.get("/candidates")
def candidates_page(request: Request, services: PageServices, visitor: Visitor) -> Response:
    """Filter the latest results, page through them, save the filters, download them."""
    user = api_user(visitor)
    query = request.query_params
    saved_key = query.get("list") or None
    cursor = query.get("cursor") or None
    with services.deps.session_factory() as session:
        lists = saved_lists(session=session)
        try:
            if saved_key:
                saved = find_list(session=session, key=saved_key)
                given = {k: str(v) for k, v in saved.filters.items()}
            else:
                given = _given(query)
            page = candidate_list_page(
                session=session,
                actor=user,
                filters=_filters(given),
                cursor=cursor,
                limit=PAGE_SIZE,
                now=services.deps.clock(),
            )
            problem = None
        except DomainError as error:
            page, problem = None, error.message
    context = _context(user, given, page, problem, lists, saved_key)
    return render(request, "candidates.html", context, status_code=422 if problem else 200)


def _context(
    user: ApiUser,
    given: dict[str, str],
    page: Any,
    problem: str | None,
    lists: list[Any],
    saved_key: str | None,
) -> dict[str, Any]:
    shown = {"list": saved_key} if saved_key else given
    more = page.next_cursor if page else None
    return {
        "title": "Candidates",
        "given": given,
        "items": page.items if page else [],
        "problem": problem,
        "lists": lists,
        "saved_key": saved_key,
        "csv_href": f"/candidates.csv?{urlencode(shown)}",
        "next_href": f"/candidates?{urlencode({**shown, 'cursor': more})}" if more else None,
        "may_save": user.role in LIST_EDITORS and not saved_key and not problem,
        "own": user.is_owner,
        "choices": {
            "status": STATUSES,
            "ask_type": ASK_TYPES,
            "eligible": ASK_TYPES,
            "permission": SCOPES,
            "review_status": REVIEW_STATUSES,
            "trigger": SIGNAL_KINDS,
        },
    }


@router.get("/candidates.csv")
def candidates_csv(request: Request, services: PageServices, visitor: Visitor) -> Response:
    """The page's list as CSV (the filters or the saved list in the link)."""
    user = api_user(visitor)
    query = request.query_params
    with services.deps.session_factory() as session:
        try:
            saved_key = query.get("list") or None
            given = (
                {k: str(v) for k, v in find_list(session=session, key=saved_key).filters.items()}
                if saved_key
                else _given(query)
            )
            filters = _filters(given)
            checked_query(session=session, actor=user, filters=filters)
        except DomainError as error:
            return render(
                request,
                "error.html",
                {"title": "Nothing to download", "message": error.message},
                status_code=422,
            )
    return csv_response(services, user, filters, "candidates.csv")


@router.post("/candidates/lists")
def save_list_from_page(
    request: Request, services: PageServices, visitor: Visitor, form: CheckedForm
) -> Response:
    """Save the filters on the page as a named list (marketing, admin), then show it."""
    user = api_user(visitor)
    try:
        body = ListRequest(name=field(form, "name"), filters=_filters(_given(form)))
        saved = create_list(
            session_factory=services.deps.session_factory,
            actor=user,
            request=body,
            now=services.deps.clock(),
        )
    except ValidationError as error:
        return _refused(request, "; ".join(e["msg"] for e in error.errors()))
    except Forbidden as error:
        return _refused(request, error.message, status_code=403)
    except DomainError as error:
        return _refused(
            request, error.message, status_code=409 if isinstance(error, Conflict) else 422
        )
    return RedirectResponse(f"/candidates?{urlencode({'list': saved.list_id})}", status_code=303)


def _refused(request: Request, message: str, *, status_code: int = 422) -> Response:
    context = {"title": "List not saved", "message": message}
    return render(request, "error.html", context, status_code=status_code)
