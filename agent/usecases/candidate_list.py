"""The candidate list customer marketing turns into campaigns: filters checked against the
data, a page at a time or every row (for the CSV), each item readable by a person.

Rows are the latest scan that covered each account (or one named scan). Owners see their own
accounts only; contact emails go to the account's owner and admins, never to marketing.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from agent.usecases.cursors import decode_cursor, encode_cursor
from agent.usecases.known import check_program, spelled_in_data
from agent.usecases.reads import owner_filter
from agent.usecases.results import CandidateOut, CandidatePage
from domain.actors import Actor
from domain.errors import Invalid, not_found
from domain.listing import TriggerFacts, describe_trigger
from domain.vocabulary import AskType, ReasonCode, Scope, SignalKind
from domain.vocabulary import Status as GateStatus
from store.candidate_list import (
    ListQuery,
    candidate_list_rows,
)
from store.models import Account, Owner, Scan

ReviewStatus = Literal[
    "none", "drafting", "pending", "deciding", "approved", "edited", "rejected", "deferred"
]
Name = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[^\x00]*$")]
# Rows read per query while streaming every row (the CSV).
CHUNK = 500


class CandidateFilters(BaseModel):
    """The candidate list's filters; every one optional, all of them combined (AND).

    A saved list stores exactly these. Unknown names are refused, never ignored.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)
    scan: Name | None = Field(
        None, description="One scan's results; default: the latest per account."
    )
    status: GateStatus | None = None
    reason: ReasonCode | None = Field(None, description="Has this hold or stop reason.")
    ask_type: AskType | None = Field(None, description="The recommended ask type.")
    eligible: AskType | None = Field(None, description="This ask type is eligible (any rank).")
    permission: Scope | None = Field(None, description="This consent scope is granted, unexpired.")
    segment: Name | None = Field(None, description="Case-insensitive, e.g. smb.")
    industry: Name | None = Field(None, description="Case-insensitive, e.g. healthcare.")
    owner: Name | None = Field(None, description="The account owner's id.")
    arr_min: Annotated[int, Field(ge=0)] | None = None
    arr_max: Annotated[int, Field(ge=0)] | None = None
    review_status: ReviewStatus | None = Field(None, description="`none`: no review yet.")
    trigger: SignalKind | None = Field(None, description="The kind of the newest trigger.")
    program: Name | None = Field(None, description="Fits this program (its id).")

    def given(self) -> dict[str, Any]:
        """The filters actually set, as JSON (what a saved list stores)."""
        return self.model_dump(mode="json", exclude_none=True)


def checked_query(*, session: Session, actor: Actor, filters: CandidateFilters) -> ListQuery:
    """The filters in the data's own spelling, or Invalid/NotFound naming what matches nothing."""
    if filters.scan is not None and session.get(Scan, filters.scan) is None:
        raise not_found(f"scan {filters.scan}")
    low, high = filters.arr_min, filters.arr_max
    if low is not None and high is not None and low > high:
        raise Invalid(f"arr_min: {low} is larger than arr_max {high}")
    check_program(session, filters.program)
    owner_id = owner_filter(actor, filters.owner)
    if owner_id is not None and session.get(Owner, owner_id) is None:
        raise Invalid(f"owner: no owner {owner_id!r}")
    return ListQuery(
        scan_id=filters.scan,
        status=filters.status,
        reason=filters.reason,
        ask_type=filters.ask_type,
        eligible=filters.eligible,
        permission=filters.permission,
        segment=spelled_in_data(session, "segment", Account.segment, filters.segment),
        industry=spelled_in_data(session, "industry", Account.industry, filters.industry),
        owner_id=owner_id,
        arr_min=filters.arr_min,
        arr_max=filters.arr_max,
        review_status=filters.review_status,
        trigger=filters.trigger,
        program=filters.program,
    )


def candidate_list_page(
    *,
    session: Session,
    actor: Actor,
    filters: CandidateFilters,
    cursor: str | None,
    limit: int,
    now: datetime,
) -> CandidatePage:
    """One page of the list, by account id; `next_cursor` fetches the next (same filters)."""
    query = checked_query(session=session, actor=actor, filters=filters)
    after = decode_cursor(cursor)
    after_id = str(after.get("after", "")) if after is not None else None
    rows = candidate_list_rows(
        session=session, query=query, after_account_id=after_id, limit=limit + 1
    )
    items = [_item(row, actor, now) for row in rows[:limit]]
    more = len(rows) > limit
    next_cursor = encode_cursor({"after": items[-1].account_id}) if more else None
    return CandidatePage(scan_id=query.scan_id, items=items, next_cursor=next_cursor)


def iter_candidates(
    *, session: Session, actor: Actor, filters: CandidateFilters, now: datetime
) -> Iterator[CandidateOut]:
    """Every row of the list, read a chunk at a time (constant memory however long)."""
    query = checked_query(session=session, actor=actor, filters=filters)
    after: str | None = None
    while True:
        rows = candidate_list_rows(
            session=session, query=query, after_account_id=after, limit=CHUNK
        )
        for row in rows:
            yield _item(row, actor, now)
        if len(rows) < CHUNK:
            return
        after = rows[-1][0].account_id


def _item(row: Any, actor: Actor, now: datetime) -> CandidateOut:
    result, account, owner_name, contact, trigger, review_status, review_created, as_of = row
    may_see_email = actor.role == "admin" or (actor.is_owner and account.owner_id == actor.id)
    return CandidateOut(
        scan_id=result.scan_id,
        account_id=result.account_id,
        owner_id=account.owner_id,
        status=result.status,
        reasons=list(result.reasons),
        flags=list(result.flags),
        eligible_ask_types=list(result.eligible_ask_types),
        ask_type=result.ask_type,
        review_id=result.review_id,
        scanned_at=as_of,
        account_name=account.name,
        segment=account.segment,
        industry=account.industry,
        arr=account.arr,
        owner_name=owner_name,
        contact_id=contact.id if contact else None,
        contact_name=contact.name if contact else None,
        contact_title=contact.title if contact else None,
        contact_email=contact.email if contact and may_see_email else None,
        trigger_kind=trigger.kind if trigger else None,
        trigger_at=trigger.occurred_at if trigger else None,
        trigger=describe_trigger(_trigger_facts(trigger), now) if trigger else None,
        permission_status=result.permission_status,
        granted_scopes=list(result.granted_scopes or []),
        review_status=review_status if result.review_id else None,
        review_age_days=(now - review_created).days if review_created else None,
        programs=list(result.programs or []),
    )


def _trigger_facts(signal: Any) -> TriggerFacts:
    return TriggerFacts(
        kind=signal.kind,
        occurred_at=signal.occurred_at,
        source=signal.source,
        score=signal.score,
        metric=signal.metric,
        value=signal.value,
        text=signal.text,
    )
