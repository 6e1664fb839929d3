"""Scans: queue one (the job queue on PostgreSQL, a thread of this process on SQLite), or run it
now (CLI); record a failure."""

from __future__ import annotations

import logging
from concurrent.futures import Executor
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from agent.bootstrap import Services
from agent.runner import this_runner
from agent.scan import Progress, ScanDeps, ScanState, new_scan_id, no_progress
from agent.scan_batches import fail_scan
from agent.usecases.known import check_program, spelled_in_data
from agent.usecases.reads import queue_workers, scan_view
from agent.usecases.results import ScanOut
from domain.errors import Invalid
from store import queries
from store.db import transaction
from store.models import Account, Owner
from store.queries import AccountSelection
from store.scans import add_queued_scan
from tools.batch import most_promising_ids, selected_ids

log = logging.getLogger("advocacy.api")


def run_scan(
    *,
    services: Services,
    now: datetime,
    segment: str | None = None,
    account_ids: list[str] | None = None,
    progress: Progress = no_progress,
    scan_id: str | None = None,
    asked: dict[str, Any] | None = None,
    program_id: str | None = None,
) -> str:
    """Scan the selected accounts as of `now` in this process and return the scan id; a failure
    marks it failed. The scan graph runs the batch tasks a queue worker runs
    (agent/scan_batches.py), gating batch N+1 while batch N drafts."""
    scan_id = scan_id or new_scan_id()
    state: ScanState = {
        "scan_id": scan_id,
        "now": now.isoformat(),
        "segment": segment,
        "account_ids": account_ids,
        "asked": asked or {},
        "program_id": program_id,
    }
    context = ScanDeps(deps=services.deps, advocate=services.advocate, progress=progress)
    try:
        services.scan.invoke(state, context=context)
    except BaseException as error:
        fail_scan(services.deps, scan_id, error)
        raise
    return scan_id


def checked_selection(
    *,
    session: Session,
    segment: str | None,
    account_ids: list[str] | None,
    industry: str | None = None,
    owner_id: str | None = None,
    arr_min: int | None = None,
    arr_max: int | None = None,
    program_id: str | None = None,
) -> AccountSelection:
    """The scan's selection, or Invalid naming what matches nothing: a typo must not record an
    empty scan that then hides every candidate as "the latest".

    Segments and industries match case-insensitively (`SMB` is `smb`); unknown ones list the
    known ones.
    """
    if arr_min is not None and arr_max is not None and arr_min > arr_max:
        raise Invalid(f"arr_min: {arr_min} is larger than arr_max {arr_max}")
    if owner_id is not None and session.get(Owner, owner_id) is None:
        raise Invalid(f"owner: no owner {owner_id!r}")
    if account_ids:
        unknown = queries.unknown_account_ids(session=session, account_ids=account_ids)
        if unknown:
            more = f" and {len(unknown) - 10} more" if len(unknown) > 10 else ""
            raise Invalid(f"account_ids: no account {', '.join(unknown[:10])}{more}")
    chosen = AccountSelection(
        segment=spelled_in_data(session, "segment", Account.segment, segment, known_as="segments"),
        industry=spelled_in_data(
            session, "industry", Account.industry, industry, known_as="industries"
        ),
        owner_id=owner_id,
        arr_min=arr_min,
        arr_max=arr_max,
        account_ids=account_ids or None,
        program_id=program_id,
    )
    check_program(session, program_id)
    if chosen.narrowed and not queries.selected_count(session=session, selection=chosen):
        raise Invalid("the scan selects no account: no account matches all of its filters")
    return chosen


def scanned_ids(
    *,
    session: Session,
    services: Services,
    selection: AccountSelection,
    limit: int | None,
    as_of: datetime,
) -> list[str] | None:
    """The ids the scan is given, or None when the segment and ids say it all.

    With a `limit`, the most promising accounts first (see `tools.batch.most_promising_ids`).
    """
    if limit is None and not selection.needs_ids:
        return selection.account_ids
    if limit is None:
        return selected_ids(session=session, selection=selection)
    policy = services.deps.settings.policy
    return most_promising_ids(
        session=session,
        selection=selection,
        limit=limit,
        since=as_of - timedelta(days=policy.trigger_window_days),
        as_of=as_of,
        policy=policy,
    )


def start_scan(
    *,
    services: Services,
    executor: Executor | None,
    now: datetime | None,
    segment: str | None,
    account_ids: list[str] | None,
    limit: int | None,
    **more: Any,
) -> ScanOut:
    """Record a queued scan and hand it to its runner; its id is returned at once.

    With the job queue (PostgreSQL), its planning job is enqueued in the transaction that
    records it: both commit, or neither. Without (SQLite), it runs on `executor` in this process;
    with neither (`scan --queue` on SQLite) it is Invalid and nothing is recorded.
    `more`: industry, owner_id, arr_min, arr_max, program_id (see `checked_selection`).
    """
    deps = services.deps
    as_of = now or deps.clock()
    scan_id = new_scan_id()
    queue = services.queue
    if queue is None and executor is None:
        raise Invalid("--queue: there is no job queue: it needs PostgreSQL (ADVOCACY_DATABASE_URL)")
    with transaction(deps.session_factory) as session:
        chosen = checked_selection(
            session=session, segment=segment, account_ids=account_ids, **more
        )
        segment = chosen.segment
        account_ids = scanned_ids(
            session=session, services=services, selection=chosen, limit=limit, as_of=as_of
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
            selection=described(chosen, limit),
            program_id=chosen.program_id,
        )
        if queue is not None:
            session.flush()
            queue.enqueue_scan(session, scan_id)
        out = scan_view(scan, workers=queue_workers(session=session, settings=deps.settings))
    if executor is not None and queue is None:
        executor.submit(_run_logged, services, scan_id, as_of)
    return out


def _run_logged(services: Services, scan_id: str, as_of: datetime) -> None:
    try:
        run_scan(services=services, now=as_of, scan_id=scan_id)
    except Exception:
        log.exception("scan %s failed", scan_id)  # run_scan marked it failed


def described(chosen: AccountSelection, limit: int | None) -> dict[str, Any]:
    """What the requester asked for, shown with the scan (the ids it was given are separate)."""
    asked = {
        "industry": chosen.industry,
        "owner": chosen.owner_id,
        "arr_min": chosen.arr_min,
        "arr_max": chosen.arr_max,
        "limit": limit,
    }
    return {key: value for key, value in asked.items() if value is not None}
