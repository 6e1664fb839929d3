"""`/healthz`: is the database reachable? No token needed."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from api.deps import ServicesDep
from api.schemas import Health
from store.queries import database_answers

router = APIRouter(tags=["health"])


@router.get("/healthz", response_model=Health, responses={503: {"model": Health}})
def healthz(services: ServicesDep) -> JSONResponse:
    """200 when the database answers `SELECT 1`, 503 when it does not."""
    if not database_answers(services.engine):
        return JSONResponse({"status": "unavailable", "database": False}, status_code=503)
    return JSONResponse({"status": "ok", "database": True})
