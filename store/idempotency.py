"""The stored answers of Idempotency-Keys: reserve a key, keep its answer, or forget it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, update
from sqlalchemy.orm import Session

from store.auth_models import IdempotencyRecord
from store.writes import insert_or_ignore

IN_PROGRESS = 0


def reserve_key(
    *,
    session: Session,
    key: str,
    user_id: str,
    fingerprint: str,
    reservation: str,
    now: datetime,
) -> IdempotencyRecord:
    """The key's record: ours (reserved in progress) if it was new, else the one stored before."""
    row = {
        "key": key,
        "user_id": user_id,
        "request_hash": fingerprint,
        "status_code": IN_PROGRESS,
        "response_body": {"reservation": reservation},
        "created_at": now,
    }
    insert_or_ignore(session, IdempotencyRecord, [row])
    return session.get_one(IdempotencyRecord, (key, user_id))


def keep_answer(
    *, session: Session, key: str, user_id: str, status_code: int, body: dict[str, Any]
) -> None:
    session.execute(
        _mine(update(IdempotencyRecord), key, user_id).values(
            status_code=status_code, response_body=body
        )
    )


def forget_key(*, session: Session, key: str, user_id: str) -> None:
    session.execute(_mine(delete(IdempotencyRecord), key, user_id))


def _mine(statement: Any, key: str, user_id: str) -> Any:
    return statement.where(IdempotencyRecord.key == key, IdempotencyRecord.user_id == user_id)


def take_over_key(
    *,
    session: Session,
    key: str,
    user_id: str,
    reserved_at: datetime,
    reservation: str,
    now: datetime,
) -> bool:
    """Take over the reservation made at `reserved_at`, lost by its holder; False when another
    request took it over first (taking it over moves `created_at`)."""
    result = session.execute(
        _mine(update(IdempotencyRecord), key, user_id)
        .where(IdempotencyRecord.status_code == IN_PROGRESS)
        .where(IdempotencyRecord.created_at == reserved_at)
        .values(response_body={"reservation": reservation}, created_at=now)
        .returning(IdempotencyRecord.key)
    )
    return result.first() is not None
