"""Reviews: the caller's queue, one review in full, and the owner's decision."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Path, Query
from fastapi.responses import JSONResponse

from api.actions import decide_review
from api.deps import OwnerUser, ReaderOfReviews, ServicesDep, SessionDep
from api.schemas import DecisionBody, DecisionOut, ReviewOut, ReviewPage
from api.services import review_detail, reviews_page

router = APIRouter(prefix="/reviews", tags=["reviews"])
ReviewIdPath = Annotated[str, Path(max_length=200)]


@router.get("", response_model=ReviewPage)
def list_reviews(
    session: SessionDep,
    user: ReaderOfReviews,
    owner: Annotated[str | None, Query(max_length=64)] = None,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> ReviewPage:
    """Pending reviews, oldest trigger signal first.

    An owner gets their own; an admin gets everyone's (or one owner's with `owner`);
    marketing: 403 (it reads candidates instead).
    """
    return reviews_page(session=session, user=user, owner_id=owner, cursor=cursor, limit=limit)


@router.get("/{review_id}", response_model=ReviewOut)
def read_review(review_id: ReviewIdPath, session: SessionDep, user: ReaderOfReviews) -> ReviewOut:
    """The whole checkpoint payload (evidence, gate report, summary, draft) plus status,
    decision and refusal."""
    return review_detail(session=session, user=user, review_id=review_id)


@router.post("/{review_id}/decision", response_model=DecisionOut)
def post_decision(
    review_id: ReviewIdPath,
    body: DecisionBody,
    services: ServicesDep,
    user: OwnerUser,
    idempotency_key: Annotated[
        str | None,
        Header(max_length=200, description="Same key and body: the first answer is replayed."),
    ] = None,
) -> JSONResponse:
    """Approve, edit, reject or defer the review, exactly once (owners, their own reviews).

    Approval re-checks the gates: refused with 409 and the `reasons` when the account is now
    held or stopped. A second decision: 409.
    """
    code, answer = decide_review(
        services=services,
        user=user,
        review_id=review_id,
        body=body,
        idempotency_key=idempotency_key,
    )
    return JSONResponse(answer, status_code=code)
