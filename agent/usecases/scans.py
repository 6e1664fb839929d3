"""Scans: queue one and run it in the background (API), or run it now (CLI); record a failure."""

from __future__ import annotations

import logging
from concurrent.futures import Executor
from datetime import datetime

from agent.bootstrap import Services
from agent.deps import Deps
from agent.runner import this_runner
from agent.scan import Progress, ScanDeps, ScanState, new_scan_id, no_progress
from agent.usecases.reads import scan_view
from agent.usecases.results import ScanOut
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
    """Scan the selected accounts as of `now` and return the scan id; a failure marks it failed."""
    scan_id = scan_id or new_scan_id()
    state: ScanState = {
        "scan_id": scan_id,
        "now": now.isoformat(),
        "segment": segment,
        "account_ids": account_ids,
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


def start_scan(
    *,
    services: Services,
    executor: Executor,
    now: datetime | None,
    segment: str | None,
    account_ids: list[str] | None,
    limit: int | None,
) -> ScanOut:
    """Record a queued scan and run it on `executor`; its id is returned at once."""
    deps = services.deps
    as_of = now or deps.clock()
    scan_id = new_scan_id()
    with transaction(deps.session_factory) as session:
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
            )
        except Exception:
            log.exception("scan %s failed", scan_id)

    executor.submit(run)
    return out
