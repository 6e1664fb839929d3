"""Idempotency-Key: the first answer to a key is stored and replayed for the same request.

A key is reserved before the work starts (status 0), so two requests with one key never both
run; the answer replaces the reservation. Same key, other request: 422. Key still running: 409.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import delete, update
from sqlalchemy.orm import Session, sessionmaker

from api.errors import ApiError
from store.db import transaction
from store.models import IdempotencyRecord
from store.writes import insert_or_ignore

IN_PROGRESS = 0
Answer = tuple[int, dict[str, Any]]


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
    work: Callable[[], Answer],
) -> Answer:
    """Run `work` once per (key, user); replay its stored answer for the same request."""
    if key is None:
        return work()
    mine = uuid.uuid4().hex
    with transaction(session_factory) as session:
        row = {
            "key": key,
            "user_id": user_id,
            "request_hash": fingerprint,
            "status_code": IN_PROGRESS,
            "response_body": {"reservation": mine},
            "created_at": now,
        }
        insert_or_ignore(session, IdempotencyRecord, [row])
        record = session.get_one(IdempotencyRecord, (key, user_id))
        if record.request_hash != fingerprint:
            raise ApiError(422, "Idempotency-Key was already used with another request body")
        stored: Answer | None = None
        if record.status_code != IN_PROGRESS:
            stored = (record.status_code, dict(record.response_body))
        elif record.response_body.get("reservation") != mine:
            raise ApiError(409, "a request with this Idempotency-Key is still being processed")
    if stored is not None:
        return stored
    try:
        status, body = work()
    except BaseException:
        with transaction(session_factory) as session:
            session.execute(_mine(delete(IdempotencyRecord), key, user_id))
        raise
    with transaction(session_factory) as session:
        session.execute(
            _mine(update(IdempotencyRecord), key, user_id).values(
                status_code=status, response_body=body
            )
        )
    return status, body


def _mine(statement: Any, key: str, user_id: str) -> Any:
    return statement.where(IdempotencyRecord.key == key, IdempotencyRecord.user_id == user_id)
