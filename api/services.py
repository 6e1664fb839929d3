"""API-only use-cases for reads and scans: what a router calls, one function per route.

Visibility is decided here: an owner sees only their own accounts' rows, and another owner's
object is reported missing (404), never forbidden.
"""

from __future__ import annotations

import logging
from concurrent.futures import Executor
from datetime import datetime
from typing import Any

from sqlalchemy import String, cast, select
from sqlalchemy.orm import Session

from agent.bootstrap import Services
from agent.metrics import funnel
from agent.scan import new_scan_id, queue_scan, run_scan
from api.deps import ApiUser
from api.errors import ApiError, not_found
from api.pages import decode_cursor, encode_cursor
from api.schemas import (
    CandidateOut,
    CandidatePage,
    ReviewOut,
    ReviewPage,
    ReviewSummary,
    ScanOut,
    ScanRequest,
)
from store.db import transaction
from store.models import Account, Owner, Review, Scan, ScanResult

log = logging.getLogger("advocacy.api")


# --- scans --------------------------------------------------------------------------------------


def start_scan(*, services: Services, executor: Executor, request: ScanRequest) -> ScanOut:
    """Record a queued scan and run it in the background; its id is returned at once."""
    deps = services.deps
    now = request.now or deps.clock()
    scan_id = new_scan_id()
    with transaction(deps.session_factory) as session:
        account_ids = _selected_ids(session, request)
        scan = queue_scan(
            session,
            scan_id=scan_id,
            now=now,
            started_at=deps.clock(),
            segment=request.segment,
            account_ids=account_ids,
        )
        out = scan_view(scan)

    def run() -> None:
        try:
            run_scan(
                deps=deps,
                advocate=services.advocate,
                now=now,
                segment=request.segment,
                account_ids=account_ids,
                scan_id=scan_id,
            )
        except Exception:
            log.exception("scan %s failed", scan_id)

    executor.submit(run)
    return out


def _selected_ids(session: Session, request: ScanRequest) -> list[str] | None:
    if request.limit is None:
        return request.account_ids
    query = select(Account.id).order_by(Account.id).limit(request.limit)
    if request.segment:
        query = query.where(Account.segment == request.segment)
    if request.account_ids:
        query = query.where(Account.id.in_(request.account_ids))
    return list(session.scalars(query))


def scan_view(scan: Scan) -> ScanOut:
    return ScanOut(
        scan_id=scan.id,
        status=scan.status,
        as_of=scan.as_of,
        started_at=scan.started_at,
        finished_at=scan.finished_at,
        filters={
            "segment": (scan.filters or {}).get("segment"),
            "account_count": len((scan.filters or {}).get("account_ids") or []) or None,
        },
        counts={k: int(v) for k, v in (scan.counts or {}).items()},
        progress={"processed": scan.processed or 0, "total": scan.total or 0},
        error=scan.error,
    )


def get_scan(*, session: Session, scan_id: str) -> ScanOut:
    scan = session.get(Scan, scan_id)
    if scan is None:
        raise not_found(f"scan {scan_id}")
    return scan_view(scan)


def recent_scans(*, session: Session, limit: int) -> list[ScanOut]:
    query = select(Scan).order_by(Scan.started_at.desc(), Scan.id.desc()).limit(limit)
    return [scan_view(scan) for scan in session.scalars(query)]


# --- candidates -----------------------------------------------------------------------------------


def candidates_page(
    *,
    session: Session,
    user: ApiUser,
    scan_id: str | None,
    status: str | None,
    reason: str | None,
    ask_type: str | None,
    owner_id: str | None,
    cursor: str | None,
    limit: int,
) -> CandidatePage:
    """One page of a scan's results (default: the latest finished scan), by account id."""
    after = decode_cursor(cursor)
    if after is not None:
        scan_id = str(after.get("scan", ""))
    scan_id = scan_id or _latest_done_scan(session)
    if scan_id is None:
        return CandidatePage(scan_id=None, items=[], next_cursor=None)
    if session.get(Scan, scan_id) is None:
        raise not_found(f"scan {scan_id}")
    if user.is_owner:
        if owner_id not in (None, user.id):
            raise not_found(f"owner {owner_id}")
        owner_id = user.id
    query = (
        select(ScanResult, Account.owner_id)
        .join(Account, Account.id == ScanResult.account_id)
        .where(ScanResult.scan_id == scan_id)
    )
    if status:
        query = query.where(ScanResult.status == status)
    if reason:
        query = query.where(cast(ScanResult.reasons, String).like(f'%"{reason}"%'))
    if ask_type:
        query = query.where(ScanResult.ask_type == ask_type)
    if owner_id:
        query = query.where(Account.owner_id == owner_id)
    if after is not None:
        query = query.where(ScanResult.account_id > str(after.get("after", "")))
    rows = session.execute(query.order_by(ScanResult.account_id).limit(limit + 1)).all()
    items = [_candidate(result, owner) for result, owner in rows[:limit]]
    next_cursor = (
        encode_cursor({"scan": scan_id, "after": items[-1].account_id})
        if len(rows) > limit
        else None
    )
    return CandidatePage(scan_id=scan_id, items=items, next_cursor=next_cursor)


def _latest_done_scan(session: Session) -> str | None:
    query = (
        select(Scan.id)
        .where(Scan.status == "done")
        .order_by(Scan.finished_at.desc(), Scan.id.desc())
        .limit(1)
    )
    return session.scalar(query)


def _candidate(result: ScanResult, owner_id: str) -> CandidateOut:
    return CandidateOut(
        scan_id=result.scan_id,
        account_id=result.account_id,
        owner_id=owner_id,
        status=result.status,
        reasons=list(result.reasons),
        flags=list(result.flags),
        eligible_ask_types=list(result.eligible_ask_types),
        ask_type=result.ask_type,
        review_id=result.review_id,
    )


# --- reviews --------------------------------------------------------------------------------------


def visible_review(*, session: Session, user: ApiUser, review_id: str) -> Review:
    """The review if the caller may see it; another owner's review is simply not found."""
    review = session.get(Review, review_id)
    if review is None or (user.is_owner and review.owner_id != user.id):
        raise not_found(f"review {review_id}")
    return review


def reviews_page(
    *, session: Session, user: ApiUser, owner_id: str | None, cursor: str | None, limit: int
) -> ReviewPage:
    """Pending reviews, oldest trigger first: an owner's own; an admin's all (or one owner's)."""
    if user.is_owner:
        if owner_id not in (None, user.id):
            raise not_found(f"owner {owner_id}")
        owner_id = user.id
    columns = (
        Review.id,
        Review.account_id,
        Review.owner_id,
        Review.ask_type,
        Review.flags,
        Review.trigger_at,
        Review.created_at,
    )
    query = select(*columns).where(Review.status == "pending")
    if owner_id is not None:
        query = query.where(Review.owner_id == owner_id)
    after = decode_cursor(cursor)
    if after is not None:
        try:
            at = datetime.fromisoformat(str(after["at"]))
            last = str(after["id"])
        except (KeyError, ValueError):
            raise ApiError(422, "cursor: not a cursor this API returned") from None
        query = query.where(
            (Review.trigger_at > at) | ((Review.trigger_at == at) & (Review.id > last))
        )
    rows = session.execute(query.order_by(Review.trigger_at, Review.id).limit(limit + 1)).all()
    items = [
        ReviewSummary(
            review_id=r.id,
            account_id=r.account_id,
            owner_id=r.owner_id,
            ask_type=r.ask_type,
            flags=list(r.flags),
            trigger_at=r.trigger_at,
            created_at=r.created_at,
        )
        for r in rows[:limit]
    ]
    next_cursor = None
    if len(rows) > limit:
        last_item = items[-1]
        next_cursor = encode_cursor(
            {"at": last_item.trigger_at.isoformat(), "id": last_item.review_id}
        )
    return ReviewPage(items=items, next_cursor=next_cursor)


def review_detail(*, session: Session, user: ApiUser, review_id: str) -> ReviewOut:
    """The whole checkpoint payload plus status, decision and refusal."""
    review = visible_review(session=session, user=user, review_id=review_id)
    payload: dict[str, Any] = {**review.payload, "review_id": review.id}
    return ReviewOut(
        **payload, status=review.status, decision=review.decision, refusal=review.refusal
    )


# --- metrics --------------------------------------------------------------------------------------


def metrics_for(
    *,
    session: Session,
    user: ApiUser,
    since: datetime | None,
    until: datetime | None,
    owner_id: str | None,
) -> dict[str, Any]:
    """The funnel, filtered by period and owner; an owner always gets their own figures."""
    if user.is_owner:
        if owner_id not in (None, user.id):
            raise not_found(f"owner {owner_id}")
        owner_id = user.id
    elif owner_id is not None and session.get(Owner, owner_id) is None:
        raise not_found(f"owner {owner_id}")
    if since is not None and until is not None and since >= until:
        raise ApiError(422, "from must be before to")
    return funnel(session=session, since=since, until=until, owner_id=owner_id)
