"""Users: admins list, create and revoke API users (the CLI does the same)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from agent.usecases.users import UserError, create_user, list_users, revoke_user
from api.deps import AdminUser, ServicesDep, SessionDep
from api.errors import ApiError
from api.schemas import NewUserOut, UserBody, UserOut
from domain.errors import not_found
from domain.text import NO_NUL_PATTERN

router = APIRouter(prefix="/users", tags=["users"])


@router.get("", response_model=list[UserOut])
def read_users(session: SessionDep, _user: AdminUser) -> list[UserOut]:
    """Every API user with role and revocation time (admin)."""
    return [
        UserOut(id=u.id, role=u.role, created_at=u.created_at, revoked_at=u.revoked_at)
        for u in list_users(session=session)
    ]


@router.post("", status_code=201, response_model=NewUserOut)
def add_user(body: UserBody, services: ServicesDep, _user: AdminUser) -> NewUserOut:
    """Create a user and return its bearer token, this once (admin)."""
    now = services.deps.clock()
    try:
        token = create_user(
            session_factory=services.deps.session_factory, user_id=body.id, role=body.role, now=now
        )
    except UserError as error:
        raise ApiError(422, str(error)) from None
    return NewUserOut(id=body.id, role=body.role, created_at=now, revoked_at=None, token=token)


@router.post("/{user_id}/revoke", response_model=UserOut)
def revoke(
    user_id: Annotated[str, Path(max_length=64, pattern=NO_NUL_PATTERN)],
    services: ServicesDep,
    _user: AdminUser,
) -> UserOut:
    """Revoke a user's token: its requests get 401 from now on (admin)."""
    try:
        user = revoke_user(
            session_factory=services.deps.session_factory,
            user_id=user_id,
            now=services.deps.clock(),
        )
    except UserError:
        raise not_found(f"user {user_id}") from None
    return UserOut(
        id=user.id, role=user.role, created_at=user.created_at, revoked_at=user.revoked_at
    )
