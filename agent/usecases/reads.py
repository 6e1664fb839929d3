"""Reads on someone's behalf: scans, candidates, the review queue, one review, metrics, the inbox.

Visibility is decided here: an owner sees only their own accounts' rows, and another owner's
object is reported missing (NotFound), never forbidden.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Row
from sqlalchemy.orm import Session

from agent.metrics import funnel
from agent.settings import Settings
from agent.usecases.cursors import decode_cursor, encode_cursor
from agent.usecases.results import (
    ReviewOut,
    ReviewPage,
    ReviewSummary,
    ScanOut,
)
from checkpoints.reviews import get_review, pending_reviews
from domain.actors import Actor
from domain.errors import Invalid, not_found
from store import queries
from store.models import Owner, Review, Scan, ScanResult
from store.queries import PendingRow
from store.queue_workers import live_workers

# --- scans ----------------------------------------------------------------------------------------


def scan_view(scan: Scan, *, workers: int | None) -> ScanOut:
    return ScanOut(
        scan_id=scan.id,
        status=scan.status,
        as_of=scan.as_of,
        started_at=scan.started_at,
        finished_at=scan.finished_at,
        filters=_filters_view(scan.filters or {}),
        counts={k: int(v) for k, v in (scan.counts or {}).items()},
        phase=scan.phase,
        progress={
            "processed": scan.processed or 0,
            "total": scan.total or 0,
            "drafted": scan.drafted or 0,
            "to_draft": scan.to_draft or 0,
        },
        error=scan.error,
        workers=workers,
    )


def queue_workers(*, session: Session, settings: Settings) -> int | None:
    """The queue's workers heard from within `stalled_job_seconds` (after that long another
    worker runs their jobs again); None where scans run in the process that starts them."""
    if not settings.uses_job_queue:
        return None
    return live_workers(session=session, heard_within_seconds=settings.stalled_job_seconds)


def _filters_view(filters: dict[str, Any]) -> dict[str, Any]:
    """The selection as asked, with the count of ids given rather than the ids themselves."""
    shown = {key: value for key, value in filters.items() if key != "account_ids"}
    shown.setdefault("segment", None)
    shown["account_count"] = len(filters.get("account_ids") or []) or None
    return shown


def get_scan(*, session: Session, scan_id: str, settings: Settings) -> ScanOut:
    scan = session.get(Scan, scan_id)
    if scan is None:
        raise not_found(f"scan {scan_id}")
    return scan_view(scan, workers=queue_workers(session=session, settings=settings))


def recent_scans(*, session: Session, limit: int, settings: Settings) -> list[ScanOut]:
    workers = queue_workers(session=session, settings=settings)
    scans = queries.recent_scans(session=session, limit=limit)
    return [scan_view(scan, workers=workers) for scan in scans]


def scan_results(*, session: Session, scan_id: str) -> list[ScanResult]:
    """Every account's result in the scan, by account id."""
    return queries.scan_results(session=session, scan_id=scan_id)


def scan_write_failures(*, session: Session, scan_id: str) -> list[list[str]]:
    """The failures the writer recorded for each summary and draft of the scan's reviews."""
    return [
        list(written.get("failures") or [])
        for payload in queries.review_payloads_of_scan(session=session, scan_id=scan_id)
        for written in (payload.get("written_by") or {}).values()
    ]


# --- candidates -----------------------------------------------------------------------------------


def owner_filter(actor: Actor, owner_id: str | None) -> str | None:
    """The owner to filter by: an owner only ever gets their own; others may name any owner."""
    if actor.is_owner:
        if owner_id not in (None, actor.id):
            raise not_found(f"owner {owner_id}")
        return actor.id
    return owner_id


# --- reviews --------------------------------------------------------------------------------------


def visible_review(*, session: Session, actor: Actor, review_id: str) -> Review:
    """The review if the caller may see it; another owner's review is simply not found."""
    review = get_review(session=session, review_id=review_id)
    if review is None or (actor.is_owner and review.owner_id != actor.id):
        raise not_found(f"review {review_id}")
    return review


def reviews_page(
    *, session: Session, actor: Actor, owner_id: str | None, cursor: str | None, limit: int
) -> ReviewPage:
    """Pending reviews, oldest trigger first: an owner's own; an admin's all (or one owner's)."""
    owner_id = owner_filter(actor, owner_id)
    rows = queries.pending_review_rows(
        session=session, owner_id=owner_id, after=_review_cursor(cursor), limit=limit + 1
    )
    items = [_review_summary(row) for row in rows[:limit]]
    next_cursor = None
    if len(rows) > limit:
        last_item = items[-1]
        next_cursor = encode_cursor(
            {"at": last_item.trigger_at.isoformat(), "id": last_item.review_id}
        )
    return ReviewPage(items=items, next_cursor=next_cursor)


def _review_cursor(cursor: str | None) -> tuple[datetime, str] | None:
    after = decode_cursor(cursor)
    if after is None:
        return None
    try:
        return datetime.fromisoformat(str(after["at"])), str(after["id"])
    except (KeyError, ValueError):
        raise Invalid("cursor: not a cursor this API returned") from None


def _review_summary(row: PendingRow) -> ReviewSummary:
    return ReviewSummary(
        review_id=row.id,
        account_id=row.account_id,
        owner_id=row.owner_id,
        ask_type=row.ask_type,
        flags=list(row.flags),
        trigger_at=row.trigger_at,
        created_at=row.created_at,
    )


def review_detail(*, session: Session, actor: Actor, review_id: str) -> ReviewOut:
    """The whole checkpoint payload plus status, decision and refusal."""
    review = visible_review(session=session, actor=actor, review_id=review_id)
    payload: dict[str, Any] = {**review.payload, "review_id": review.id}
    return ReviewOut(
        **payload, status=review.status, decision=review.decision, refusal=review.refusal
    )


def find_review(*, session: Session, review_id: str) -> Review | None:
    """Any review by id (the CLI's operator sees them all)."""
    return get_review(session=session, review_id=review_id)


def review_queue(*, session: Session, owner_id: str | None) -> list[Review]:
    """Pending reviews, oldest trigger first (one owner's, or everyone's)."""
    return pending_reviews(session=session, owner_id=owner_id)


def decided_review(*, session: Session, owner_id: str, review_id: str | None) -> Review | None:
    """The owner's review just decided, to confirm it on the inbox; None otherwise."""
    if review_id is None:
        return None
    review = get_review(session=session, review_id=review_id)
    if review is None or review.owner_id != owner_id or review.status == "pending":
        return None
    return review


def not_proposed_results(
    *, session: Session, owner_id: str, statuses: Sequence[str]
) -> tuple[Scan | None, Sequence[Row[str, str, str, list[str]]]]:
    """The latest finished scan and the owner's accounts in it with these statuses."""
    latest = queries.latest_done_scan(session=session)
    if latest is None:
        return None, []
    rows = queries.owner_results_with_status(
        session=session, scan_id=latest.id, owner_id=owner_id, statuses=statuses
    )
    return latest, rows


# --- metrics --------------------------------------------------------------------------------------


def metrics_for(
    *,
    session: Session,
    actor: Actor,
    since: datetime | None = None,
    until: datetime | None = None,
    owner_id: str | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """The funnel, filtered by period and owner; an owner always gets their own figures."""
    owner_id = owner_filter(actor, owner_id)
    if not actor.is_owner and owner_id is not None and session.get(Owner, owner_id) is None:
        raise not_found(f"owner {owner_id}")
    if since is not None and until is not None and since >= until:
        raise Invalid("from must be before to")
    return funnel(session=session, since=since, until=until, owner_id=owner_id, now=now)
