"""API users and browser sessions: the rows behind bearer tokens and session cookies."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from store.auth_models import User, WebSession


def all_users(*, session: Session) -> list[User]:
    return list(session.scalars(select(User).order_by(User.id)))


def user_by_token_hash(*, session: Session, token_hash: str) -> User | None:
    return session.scalars(select(User).where(User.token_hash == token_hash)).first()


def delete_expired_sessions(*, session: Session, user_id: str, now: datetime) -> None:
    session.execute(
        delete(WebSession).where(WebSession.user_id == user_id, WebSession.expires_at <= now)
    )


def delete_session(*, session: Session, id_hash: str) -> None:
    session.execute(delete(WebSession).where(WebSession.id_hash == id_hash))
