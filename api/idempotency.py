"""Idempotency-Key: the first answer to a key is stored and replayed for the same request.

A key is reserved before the work starts (status 0), so two requests with one key never both
run; the answer replaces the reservation. Same key, other request: 422. Key still running: 409.
A reservation older than its lease was lost with its process: the next request with the key
takes it over and runs the work again as a replay (`work(True)`), which finds the first
attempt's outcome if it had one.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session, sessionmaker

from agent.bootstrap import Services
from api.errors import Answer, ApiError
from store.auth_models import IdempotencyRecord
from store.db import transaction
from store.idempotency import IN_PROGRESS, forget_key, keep_answer, reserve_key, take_over_key


def _take_over(
    session: Session,
    record: IdempotencyRecord,
    key: str,
    user_id: str,
    mine: str,
    now: datetime,
    lease: timedelta,
) -> bool:
    """True when the key's holder lost it and we took it over; 409 while it may still run."""
    reserved_at = record.created_at
    if reserved_at >= now - lease or not take_over_key(
        session=session,
        key=key,
        user_id=user_id,
        reserved_at=reserved_at,
        reservation=mine,
        now=now,
    ):
        raise ApiError(409, "a request with this Idempotency-Key is still being processed")
    return True


def request_hash(method: str, path: str, body: Any) -> str:
    text = json.dumps([method, path, body], sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def once(
    *,
    session_factory: sessionmaker[Session],
    key: str | None,
    user_id: str,
    fingerprint: str,
    now: datetime,
    lease: timedelta,
    work: Callable[[bool], Answer],
) -> Answer:
    """Run `work` once per (key, user); replay its stored answer for the same request."""
    if key is None:
        return work(False)
    mine = uuid.uuid4().hex
    with transaction(session_factory) as session:
        record = reserve_key(
            session=session,
            key=key,
            user_id=user_id,
            fingerprint=fingerprint,
            reservation=mine,
            now=now,
        )
        if record.request_hash != fingerprint:
            raise ApiError(422, "Idempotency-Key was already used with another request body")
        stored: Answer | None = None
        replay = False
        if record.status_code != IN_PROGRESS:
            stored = (record.status_code, dict(record.response_body))
        elif record.response_body.get("reservation") != mine:
            replay = _take_over(session, record, key, user_id, mine, now, lease)
    if stored is not None:
        return stored
    try:
        status, body = work(replay)
    except BaseException:
        with transaction(session_factory) as session:
            forget_key(session=session, key=key, user_id=user_id)
        raise
    with transaction(session_factory) as session:
        keep_answer(session=session, key=key, user_id=user_id, status_code=status, body=body)
    return status, body


def answered_once(
    *,
    services: Services,
    user_id: str,
    key: str | None,
    path: str,
    body: Any,
    work: Callable[[bool], Answer],
) -> JSONResponse:
    """`once` for a POST route: keyed by (key, user), fingerprinted by the path and body, leased
    for `claim_lease_seconds`; the answer as JSON with its status."""
    deps = services.deps
    code, answer = once(
        session_factory=deps.session_factory,
        key=key,
        user_id=user_id,
        fingerprint=request_hash("POST", path, body),
        now=deps.clock(),
        lease=timedelta(seconds=deps.settings.claim_lease_seconds),
        work=work,
    )
    return JSONResponse(answer, status_code=code)
