"""API users and their bearer tokens: only a token's sha256 is stored; the token is shown once."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from domain.actors import ROLES
from domain.errors import Invalid
from store.auth_models import User
from store.db import transaction
from store.models import Owner
from store.users import all_users, user_by_token_hash


class UserError(Invalid):
    """The user could not be created or changed; the message says why."""


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_user(
    *, session_factory: sessionmaker[Session], user_id: str, role: str, now: datetime
) -> str:
    """Store a new user and return its bearer token (the only time it is ever visible)."""
    if role not in ROLES:
        raise UserError(f"role must be one of {', '.join(ROLES)}, not {role!r}")
    if not 1 <= len(user_id) <= 64:
        raise UserError("the user id must be 1 to 64 characters")
    token = secrets.token_urlsafe(32)
    with transaction(session_factory) as session:
        if session.get(User, user_id) is not None:
            raise UserError(f"user {user_id!r} exists already; revoke it or choose another id")
        if role == "owner" and session.get(Owner, user_id) is None:
            raise UserError(
                f"an owner user's id must be an owner id (owners.id): no owner {user_id!r}"
            )
        session.add(User(id=user_id, role=role, token_hash=hash_token(token), created_at=now))
    return token


def rotate_token(
    *, session_factory: sessionmaker[Session], user_id: str, role: str, now: datetime
) -> str:
    """A new token for the user, created if missing; its old token stops working at once."""
    with transaction(session_factory) as session:
        user = session.get(User, user_id)
        if user is not None:
            token = secrets.token_urlsafe(32)
            user.token_hash, user.role, user.revoked_at = hash_token(token), role, None
            return token
    return create_user(session_factory=session_factory, user_id=user_id, role=role, now=now)


def revoke_user(*, session_factory: sessionmaker[Session], user_id: str, now: datetime) -> User:
    """Revoke the user's token from now on (its requests get 401)."""
    with transaction(session_factory) as session:
        user = session.get(User, user_id)
        if user is None:
            raise UserError(f"no user {user_id!r}")
        if user.revoked_at is None:
            user.revoked_at = now
        return user


def list_users(*, session: Session) -> list[User]:
    return all_users(session=session)


def authenticate(*, session: Session, token: str) -> User | None:
    """The active user whose token this is, or None (unknown or revoked)."""
    user = user_by_token_hash(session=session, token_hash=hash_token(token))
    if user is None or user.revoked_at is not None:
        return None
    return user
