"""Scans: start one in the background, poll it, list the recent ones (marketing; admin reads)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, status

from agent.usecases.reads import get_scan, recent_scans
from agent.usecases.results import ScanOut
from agent.usecases.scans import start_scan
from api.deps import ScanReader, ScanUser, ServicesDep, SessionDep
from api.schemas import ScanAccepted, ScanList, ScanRequest
from domain.text import NO_NUL_PATTERN

router = APIRouter(prefix="/scans", tags=["scans"])


@router.post("", status_code=status.HTTP_202_ACCEPTED, response_model=ScanAccepted)
def post_scan(
    body: ScanRequest, request: Request, services: ServicesDep, _user: ScanUser
) -> ScanAccepted:
    """Queue a scan and return its id at once; it runs in the background (poll `GET /scans/{id}`).

    Marketing only. Candidates get a summary, a draft and a review for their owner. On
    PostgreSQL the scan and its job are recorded in one transaction and `advocacy worker`
    processes run it in batches; on SQLite a thread of this server runs it.
    """
    scan = start_scan(
        services=services,
        executor=request.app.state.executor,
        now=body.now,
        segment=body.segment,
        account_ids=body.account_ids,
        limit=body.limit,
        industry=body.industry,
        owner_id=body.owner,
        arr_min=body.arr_min,
        arr_max=body.arr_max,
        program_id=body.program,
    )
    href = f"/v1/scans/{scan.scan_id}"
    return ScanAccepted(scan_id=scan.scan_id, status=scan.status, href=href, workers=scan.workers)


@router.get("", response_model=ScanList)
def list_scans(
    session: SessionDep,
    services: ServicesDep,
    _user: ScanReader,
    limit: Annotated[int, Query(ge=1, le=200)] = 20,
) -> ScanList:
    """Recent scans, newest first (marketing, admin)."""
    settings = services.deps.settings
    return ScanList(items=recent_scans(session=session, limit=limit, settings=settings))


@router.get("/{scan_id}", response_model=ScanOut)
def read_scan(
    scan_id: Annotated[str, Path(max_length=64, pattern=NO_NUL_PATTERN)],
    session: SessionDep,
    services: ServicesDep,
    _user: ScanReader,
) -> ScanOut:
    """A scan's status (queued, running, done, failed, interrupted), counts and progress, and
    on PostgreSQL how many queue workers are alive to run it."""
    return get_scan(session=session, scan_id=scan_id, settings=services.deps.settings)
