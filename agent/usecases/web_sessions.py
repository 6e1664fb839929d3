"""Browser sessions: a bearer token is exchanged once for a random session id in a cookie.

Only the id's sha256 is stored (like the tokens). The CSRF token of a session is derived from
its id, so it needs no column and is unknown to anyone who cannot read the cookie.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from agent.usecases.users import authenticate
from store.auth_models import User, WebSession
from store.db import transaction
from store.users import delete_expired_sessions, delete_session

SESSION_LIFETIME = timedelta(hours=12)


@dataclass(frozen=True)
class SignedIn:
    """A live session: who it is and the CSRF token its forms must carry."""

    user_id: str
    role: str
    csrf: str


def _sha256(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def csrf_token(session_id: str) -> str:
    return _sha256(f"csrf:{session_id}")


def tokens_match(given: str | None, expected: str) -> bool:
    return given is not None and hmac.compare_digest(given.encode(), expected.encode())


def start_session(
    *, session_factory: sessionmaker[Session], token: str, now: datetime
) -> str | None:
    """A new session id for the user of this bearer token, or None for an unknown token."""
    with transaction(session_factory) as session:
        user = authenticate(session=session, token=token)
        if user is None:
            return None
        session_id = secrets.token_urlsafe(32)
        session.add(
            WebSession(
                id_hash=_sha256(session_id),
                user_id=user.id,
                created_at=now,
                expires_at=now + SESSION_LIFETIME,
            )
        )
        delete_expired_sessions(session=session, user_id=user.id, now=now)
    return session_id


def signed_in(*, session: Session, session_id: str, now: datetime) -> SignedIn | None:
    """The session's user while the session is unexpired and the user's token not revoked."""
    row = session.get(WebSession, _sha256(session_id))
    if row is None or row.expires_at <= now:
        return None
    user = session.get(User, row.user_id)
    if user is None or user.revoked_at is not None:
        return None
    return SignedIn(user_id=user.id, role=user.role, csrf=csrf_token(session_id))


def end_session(*, session_factory: sessionmaker[Session], session_id: str) -> None:
    with transaction(session_factory) as session:
        delete_session(session=session, id_hash=_sha256(session_id))
