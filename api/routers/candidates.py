"""Candidates: a scan's per-account results, filtered and paged (owners see their own)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from agent.usecases.labels import label_candidates
from agent.usecases.reads import candidates_page
from agent.usecases.results import CandidatePage
from api.deps import AnyUser, SessionDep
from domain.text import NO_NUL_PATTERN
from domain.vocabulary import AskType, ReasonCode
from domain.vocabulary import Status as GateStatus

router = APIRouter(prefix="/candidates", tags=["candidates"])


@router.get("", response_model=CandidatePage)
def list_candidates(
    session: SessionDep,
    user: AnyUser,
    scan: Annotated[
        str | None,
        Query(max_length=64, pattern=NO_NUL_PATTERN, description="Default: latest done scan."),
    ] = None,
    status: GateStatus | None = None,
    reason: ReasonCode | None = None,
    ask_type: AskType | None = None,
    owner: Annotated[str | None, Query(max_length=64, pattern=NO_NUL_PATTERN)] = None,
    cursor: Annotated[str | None, Query(max_length=500, pattern=NO_NUL_PATTERN)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    labels: Annotated[
        bool, Query(description="Add `labels`: each code of the answer in words.")
    ] = False,
) -> CandidatePage:
    """A page of scan results by account id; `next_cursor` fetches the next page.

    Owners see only their own accounts (another owner's id: 404).
    """
    page = candidates_page(
        session=session,
        actor=user,
        scan_id=scan,
        status=status,
        reason=reason,
        ask_type=ask_type,
        owner_id=owner,
        cursor=cursor,
        limit=limit,
    )
    return label_candidates(page) if labels else page
