"""Candidates: the latest gate result per account, readable by people, filtered, paged or as
CSV (owners see their own accounts only)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.exceptions import RequestValidationError
from fastapi.responses import StreamingResponse
from pydantic import ValidationError

from agent.usecases.candidate_list import (
    CandidateFilters,
    ReviewStatus,
    candidate_list_page,
    checked_query,
    iter_candidates,
)
from agent.usecases.candidates_csv import csv_lines
from agent.usecases.labels import label_candidates
from agent.usecases.results import CandidatePage
from api.deps import AnyUser, ServicesDep, SessionDep
from domain.actors import Actor
from domain.text import NO_NUL_PATTERN
from domain.vocabulary import AskType, ReasonCode, Scope, SignalKind
from domain.vocabulary import Status as GateStatus

router = APIRouter(tags=["candidates"])

Text = Annotated[str | None, Query(min_length=1, max_length=64, pattern=NO_NUL_PATTERN)]


def candidate_filters(
    scan: Annotated[
        str | None,
        Query(
            min_length=1,
            max_length=64,
            pattern=NO_NUL_PATTERN,
            description="One scan's results. Default: the latest scan that covered each account.",
        ),
    ] = None,
    status: GateStatus | None = None,
    reason: Annotated[ReasonCode | None, Query(description="Has this reason.")] = None,
    ask_type: Annotated[AskType | None, Query(description="Recommended ask type.")] = None,
    eligible: Annotated[AskType | None, Query(description="This ask type is eligible.")] = None,
    permission: Annotated[Scope | None, Query(description="This scope is granted.")] = None,
    segment: Text = None,
    industry: Text = None,
    owner: Text = None,
    arr_min: Annotated[int | None, Query(ge=0)] = None,
    arr_max: Annotated[int | None, Query(ge=0)] = None,
    review_status: Annotated[ReviewStatus | None, Query(description="`none`: no review.")] = None,
    trigger: Annotated[SignalKind | None, Query(description="Newest trigger's kind.")] = None,
) -> CandidateFilters:
    """The list's filters, all combined; segment and industry match case-insensitively and an
    unknown value is a 422 that lists the known ones."""
    fields = {
        "scan": scan,
        "status": status,
        "reason": reason,
        "ask_type": ask_type,
        "eligible": eligible,
        "permission": permission,
        "segment": segment,
        "industry": industry,
        "owner": owner,
        "arr_min": arr_min,
        "arr_max": arr_max,
        "review_status": review_status,
        "trigger": trigger,
    }
    try:
        return CandidateFilters(**fields)
    except ValidationError as error:  # the same checks as the query's: kept in step by this
        raise RequestValidationError(error.errors(include_url=False)) from None


Filters = Annotated[CandidateFilters, Depends(candidate_filters)]


@router.get("/candidates", response_model=CandidatePage)
def list_candidates(
    session: SessionDep,
    services: ServicesDep,
    user: AnyUser,
    filters: Filters,
    cursor: Annotated[str | None, Query(max_length=500, pattern=NO_NUL_PATTERN)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    labels: Annotated[
        bool, Query(description="Add `labels`: each code of the answer in words.")
    ] = False,
) -> CandidatePage:
    """A page of candidates (every gate status unless `status` says), by account id, each with
    the account, its owner, the contact the ask would go to (email for the owner and admins
    only), the trigger in words, consent and the review; `next_cursor` fetches the next page.

    Owners see only their own accounts (another owner's id: 404).
    """
    page = candidate_list_page(
        session=session,
        actor=user,
        filters=filters,
        cursor=cursor,
        limit=limit,
        now=services.deps.clock(),
    )
    return label_candidates(page) if labels else page


@router.get(
    "/candidates.csv",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/csv": {}}, "description": "RFC 4180, UTF-8, header row."}},
)
def export_candidates(
    session: SessionDep, services: ServicesDep, user: AnyUser, filters: Filters
) -> StreamingResponse:
    """Every candidate matching the filters as CSV, streamed (same filters as `/candidates`).

    Cells that a spreadsheet would run as a formula (starting with `=`, `+`, `-`, `@`) are
    prefixed with `'`.
    """
    checked_query(session=session, actor=user, filters=filters)  # 4xx before streaming starts
    return csv_response(services, user, filters, "candidates.csv")


def csv_response(
    services: ServicesDep, user: Actor, filters: CandidateFilters, filename: str
) -> StreamingResponse:
    """The list as a streamed CSV download; it reads in its own session, chunk by chunk."""

    def lines() -> Iterator[str]:
        with services.deps.session_factory() as session:
            rows = iter_candidates(
                session=session, actor=user, filters=filters, now=services.deps.clock()
            )
            yield from csv_lines(rows)

    return StreamingResponse(
        lines(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
