"""Reviews: the caller's queue, one review in full, and the owner's decision."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Path, Query
from fastapi.responses import JSONResponse

from agent.usecases.decisions import check_decision, decide_review
from agent.usecases.labels import label_review, label_reviews
from agent.usecases.reads import review_detail, reviews_page
from agent.usecases.results import DecisionOut, ReviewOut, ReviewPage
from api.deps import OwnerUser, ReaderOfReviews, ServicesDep, SessionDep
from api.errors import answer_of
from api.idempotency import answered_once
from api.schemas import DecisionBody
from domain.text import NO_NUL_PATTERN

router = APIRouter(prefix="/reviews", tags=["reviews"])
ReviewIdPath = Annotated[str, Path(max_length=200, pattern=NO_NUL_PATTERN)]


@router.get("", response_model=ReviewPage)
def list_reviews(
    session: SessionDep,
    user: ReaderOfReviews,
    owner: Annotated[str | None, Query(max_length=64, pattern=NO_NUL_PATTERN)] = None,
    cursor: Annotated[str | None, Query(max_length=500, pattern=NO_NUL_PATTERN)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    labels: Annotated[
        bool, Query(description="Add `labels`: each code of the answer in words.")
    ] = False,
) -> ReviewPage:
    """Pending reviews, oldest trigger signal first.

    An owner gets their own; an admin gets everyone's (or one owner's with `owner`);
    marketing: 403 (it reads candidates instead).
    """
    page = reviews_page(session=session, actor=user, owner_id=owner, cursor=cursor, limit=limit)
    return label_reviews(page) if labels else page


@router.get("/{review_id}", response_model=ReviewOut)
def read_review(
    review_id: ReviewIdPath,
    session: SessionDep,
    user: ReaderOfReviews,
    labels: Annotated[
        bool, Query(description="Add `labels`: each code of the answer in words.")
    ] = False,
) -> ReviewOut:
    """The whole checkpoint payload (evidence, gate report, summary, draft) plus status,
    decision and refusal."""
    review = review_detail(session=session, actor=user, review_id=review_id)
    return label_review(review) if labels else review


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
    decision = check_decision(
        services=services,
        actor=user,
        review_id=review_id,
        fields=body.model_dump(exclude_none=True),
    )
    fields = body.model_dump(mode="json", exclude_none=True)
    return answered_once(
        services=services,
        user_id=user.id,
        key=idempotency_key,
        path=f"/v1/reviews/{review_id}/decision",
        body=fields,
        work=lambda replay: answer_of(
            lambda: decide_review(
                services=services, review_id=review_id, decision=decision, replay=replay
            )
        ),
    )
