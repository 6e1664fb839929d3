"""Saved candidate lists: named filters, re-evaluated on every read, as JSON pages or CSV."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response
from fastapi.responses import StreamingResponse

from agent.usecases.candidate_list import candidate_list_page, checked_query
from agent.usecases.lists import (
    ListOut,
    ListRequest,
    create_list,
    drop_list,
    find_list,
    list_filters,
    list_view,
    saved_lists,
)
from agent.usecases.results import CandidatePage
from api.deps import AnyUser, ServicesDep, SessionDep
from api.routers.candidates import csv_response
from domain.text import NO_NUL_PATTERN

router = APIRouter(prefix="/lists", tags=["lists"])
ListId = Annotated[str, Path(max_length=200, pattern=NO_NUL_PATTERN, description="Id or name.")]


@router.post("", status_code=201, response_model=ListOut)
def post_list(body: ListRequest, services: ServicesDep, user: AnyUser) -> ListOut:
    """Save the candidate list's filters under a name (marketing, admin); 409 if the name is
    taken. The filters take the same names and values as `GET /v1/candidates`."""
    return create_list(
        session_factory=services.deps.session_factory,
        actor=user,
        request=body,
        now=services.deps.clock(),
    )


@router.get("", response_model=list[ListOut])
def read_lists(session: SessionDep, _user: AnyUser) -> list[ListOut]:
    """Every saved list, by name."""
    return saved_lists(session=session)


@router.get("/{list_id}", response_model=ListOut)
def read_list(list_id: ListId, session: SessionDep, _user: AnyUser) -> ListOut:
    """One saved list (by id or name)."""
    return list_view(find_list(session=session, key=list_id))


@router.delete("/{list_id}", status_code=204, response_class=Response)
def delete_list(list_id: ListId, services: ServicesDep, user: AnyUser) -> Response:
    """Delete a saved list (marketing, admin). The candidates are not touched."""
    drop_list(session_factory=services.deps.session_factory, actor=user, key=list_id)
    return Response(status_code=204)


@router.get("/{list_id}/candidates", response_model=CandidatePage)
def list_candidates(
    list_id: ListId,
    session: SessionDep,
    services: ServicesDep,
    user: AnyUser,
    cursor: Annotated[str | None, Query(max_length=500, pattern=NO_NUL_PATTERN)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> CandidatePage:
    """The list's candidates now: its filters over the latest results (owners: their own)."""
    filters = list_filters(session=session, key=list_id)
    return candidate_list_page(
        session=session,
        actor=user,
        filters=filters,
        cursor=cursor,
        limit=limit,
        now=services.deps.clock(),
    )


@router.get(
    "/{list_id}/candidates.csv",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/csv": {}}, "description": "RFC 4180, UTF-8, header row."}},
)
def list_csv(
    list_id: ListId, session: SessionDep, services: ServicesDep, user: AnyUser
) -> StreamingResponse:
    """The list's candidates as CSV, streamed (as `/v1/candidates.csv`)."""
    saved = find_list(session=session, key=list_id)
    filters = list_filters(session=session, key=saved.id)
    checked_query(session=session, actor=user, filters=filters)
    return csv_response(services, user, filters, f"{saved.id}.csv")
