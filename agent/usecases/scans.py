"""Scans: queue one (the job queue on PostgreSQL, a thread of this process on SQLite), or run it
now (CLI); record a failure."""

from __future__ import annotations

import logging
from concurrent.futures import Executor
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from agent.bootstrap import Services
from agent.deps import Deps
from agent.runner import this_runner
from agent.scan import Progress, new_scan_id, no_progress
from agent.scan_batches import run_in_process
from agent.usecases.reads import scan_view
from agent.usecases.results import ScanOut
from domain.errors import Invalid
from store import queries
from store.db import transaction
from store.models import Scan
from store.queries import first_account_ids
from store.scans import add_queued_scan

log = logging.getLogger("advocacy.api")


def run_scan(
    *,
    services: Services,
    now: datetime,
    segment: str | None = None,
    account_ids: list[str] | None = None,
    progress: Progress = no_progress,
    scan_id: str | None = None,
) -> str:
    """Scan the selected accounts as of `now` in this process, batch after batch (the same
    batch functions a queue worker runs), and return the scan id; a failure marks it failed."""
    scan_id = scan_id or new_scan_id()
    deps = services.deps
    with transaction(deps.session_factory) as session:
        if session.get(Scan, scan_id) is None:
            add_queued_scan(
                session,
                scan_id=scan_id,
                now=now,
                started_at=deps.clock(),
                segment=segment,
                account_ids=account_ids,
                runner=this_runner(),
            )
    try:
        run_in_process(services, scan_id, runner=this_runner(), progress=progress)
    except BaseException as error:
        _mark_failed(services.deps, scan_id, error)
        raise
    return scan_id


def _mark_failed(deps: Deps, scan_id: str, error: BaseException) -> None:
    with transaction(deps.session_factory) as session:
        scan = session.get(Scan, scan_id)
        if scan is not None:
            scan.status = "failed"
            scan.error = f"{type(error).__name__}: {error}"[:2000]
            scan.finished_at = deps.clock()


@dataclass(frozen=True)
class Selection:
    """What a scan selects, checked against the data: the segment as the accounts spell it."""

    segment: str | None
    account_ids: list[str] | None


def checked_selection(
    *, session: Session, segment: str | None, account_ids: list[str] | None
) -> Selection:
    """The scan's selection, or Invalid naming what matches nothing: a typo must not record an
    empty scan that then hides every candidate as "the latest".

    Segments match case-insensitively (`SMB` is `smb`); unknown ones list the known ones.
    """
    if segment is not None:
        known = queries.known_segments(session=session)
        spelled = {value.casefold(): value for value in known}.get(segment.casefold())
        if spelled is None:
            listed = ", ".join(known) or "none: no account has a segment"
            raise Invalid(f"segment: {segment!r} matches no account; known segments: {listed}")
        segment = spelled
    if account_ids:
        unknown = queries.unknown_account_ids(session=session, account_ids=account_ids)
        if unknown:
            more = f" and {len(unknown) - 10} more" if len(unknown) > 10 else ""
            raise Invalid(f"account_ids: no account {', '.join(unknown[:10])}{more}")
    chosen = Selection(segment=segment, account_ids=account_ids or None)
    filtered = segment is not None or bool(account_ids)
    if filtered and not queries.selected_count(session=session, **vars(chosen)):
        raise Invalid("the scan selects no account: no account has both that segment and id")
    return chosen


def check_scan_selection(
    *, services: Services, segment: str | None, account_ids: list[str] | None
) -> Selection:
    with services.deps.session_factory() as session:
        return checked_selection(session=session, segment=segment, account_ids=account_ids)


def start_scan(
    *,
    services: Services,
    executor: Executor | None,
    now: datetime | None,
    segment: str | None,
    account_ids: list[str] | None,
    limit: int | None,
) -> ScanOut:
    """Record a queued scan and hand it to its runner; its id is returned at once.

    With the job queue (PostgreSQL), its planning job is enqueued in the transaction that
    records it: both commit, or neither. Without (SQLite), it runs on `executor` in this process;
    with neither (`scan --queue` on SQLite) it is Invalid and nothing is recorded.
    """
    deps = services.deps
    as_of = now or deps.clock()
    scan_id = new_scan_id()
    queue = services.queue
    if queue is None and executor is None:
        raise Invalid("--queue: there is no job queue: it needs PostgreSQL (ADVOCACY_DATABASE_URL)")
    with transaction(deps.session_factory) as session:
        chosen = checked_selection(session=session, segment=segment, account_ids=account_ids)
        segment, account_ids = chosen.segment, chosen.account_ids
        if limit is not None:
            account_ids = first_account_ids(
                session=session, limit=limit, segment=segment, account_ids=account_ids
            )
        scan = add_queued_scan(
            session,
            scan_id=scan_id,
            now=as_of,
            started_at=deps.clock(),
            segment=segment,
            account_ids=account_ids,
            # A queued scan belongs to no process: the queue retries its jobs elsewhere.
            runner=None if queue else this_runner(),
        )
        if queue is not None:
            session.flush()
            queue.enqueue_scan(session, scan_id)
        out = scan_view(scan)
    if executor is not None and queue is None:
        executor.submit(_run_logged, services, scan_id)
    return out


def _run_logged(services: Services, scan_id: str) -> None:
    try:
        run_in_process(services, scan_id, runner=this_runner())
    except Exception as error:
        _mark_failed(services.deps, scan_id, error)
        log.exception("scan %s failed", scan_id)
