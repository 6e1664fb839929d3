"""Scans: queue one and run it in the background (API), or run it now (CLI); record a failure."""

from __future__ import annotations

import logging
from concurrent.futures import Executor
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from agent.bootstrap import Services
from agent.deps import Deps
from agent.runner import this_runner
from agent.scan import Progress, ScanDeps, ScanState, new_scan_id, no_progress
from agent.usecases.reads import scan_view
from agent.usecases.results import ScanOut
from domain.errors import Invalid
from store import programs as program_store
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
    program_id: str | None = None,
) -> str:
    """Scan the selected accounts as of `now` and return the scan id; a failure marks it failed."""
    scan_id = scan_id or new_scan_id()
    state: ScanState = {
        "scan_id": scan_id,
        "now": now.isoformat(),
        "segment": segment,
        "account_ids": account_ids,
        "program_id": program_id,
    }
    context = ScanDeps(deps=services.deps, advocate=services.advocate, progress=progress)
    try:
        services.scan.invoke(state, context=context)
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
    program_id: str | None = None


def checked_selection(
    *,
    session: Session,
    segment: str | None,
    account_ids: list[str] | None,
    program_id: str | None = None,
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
    _check_program(session, program_id)
    chosen = Selection(segment=segment, account_ids=account_ids or None, program_id=program_id)
    filtered = segment is not None or bool(account_ids)
    if filtered and not queries.selected_count(
        session=session, segment=chosen.segment, account_ids=chosen.account_ids
    ):
        raise Invalid("the scan selects no account: no account has both that segment and id")
    return chosen


def _check_program(session: Session, program_id: str | None) -> None:
    if program_id is None or program_store.program(session=session, program_id=program_id):
        return
    known = ", ".join(p.id for p in program_store.programs(session=session)) or "none defined"
    raise Invalid(f"program: no program {program_id!r}; known programs: {known}")


def check_scan_selection(
    *,
    services: Services,
    segment: str | None,
    account_ids: list[str] | None,
    program_id: str | None = None,
) -> Selection:
    with services.deps.session_factory() as session:
        return checked_selection(
            session=session, segment=segment, account_ids=account_ids, program_id=program_id
        )


def start_scan(
    *,
    services: Services,
    executor: Executor,
    now: datetime | None,
    segment: str | None,
    account_ids: list[str] | None,
    limit: int | None,
    program_id: str | None = None,
) -> ScanOut:
    """Record a queued scan and run it on `executor`; its id is returned at once."""
    deps = services.deps
    as_of = now or deps.clock()
    scan_id = new_scan_id()
    with transaction(deps.session_factory) as session:
        chosen = checked_selection(
            session=session, segment=segment, account_ids=account_ids, program_id=program_id
        )
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
            runner=this_runner(),
            program_id=program_id,
        )
        out = scan_view(scan)

    def run() -> None:
        try:
            run_scan(
                services=services,
                now=as_of,
                segment=segment,
                account_ids=account_ids,
                scan_id=scan_id,
                program_id=program_id,
            )
        except Exception:
            log.exception("scan %s failed", scan_id)

    executor.submit(run)
    return out
