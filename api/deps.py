"""FastAPI dependencies that read like nouns: ServicesDep, SessionDep, CurrentUser, roles."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from agent.bootstrap import Services
from agent.usecases.users import authenticate
from api.errors import ApiError
from domain.actors import Actor

bearer = HTTPBearer(auto_error=False, description="The token printed by `advocacy users add`.")


def get_services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


ServicesDep = Annotated[Services, Depends(get_services)]


def get_session(services: ServicesDep) -> Iterator[Session]:
    """A read session; use-cases that write open their own transaction."""
    with services.deps.session_factory() as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]


ApiUser = Actor


UNAUTHORIZED = {"WWW-Authenticate": "Bearer"}


def current_user(
    services: ServicesDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> ApiUser:
    """The caller, from `Authorization: Bearer <token>`; 401 when missing, unknown or revoked."""
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise ApiError(401, "missing bearer token", headers=UNAUTHORIZED)
    with services.deps.session_factory() as session:
        user = authenticate(session=session, token=credentials.credentials)
    if user is None:
        raise ApiError(401, "invalid or revoked token", headers=UNAUTHORIZED)
    return ApiUser(id=user.id, role=user.role)


CurrentUser = Annotated[ApiUser, Depends(current_user)]


def allow(*roles: str) -> Callable[[ApiUser], ApiUser]:
    """A dependency that lets only these roles use the route (403 for the others)."""

    def check(user: CurrentUser) -> ApiUser:
        if user.role not in roles:
            raise ApiError(403, f"the {user.role} role may not use this route")
        return user

    return check


OwnerUser = Annotated[ApiUser, Depends(allow("owner"))]
ReaderOfReviews = Annotated[ApiUser, Depends(allow("owner", "admin"))]
ScanUser = Annotated[ApiUser, Depends(allow("marketing"))]
ScanReader = Annotated[ApiUser, Depends(allow("marketing", "admin"))]
AnyUser = Annotated[ApiUser, Depends(allow("owner", "marketing", "admin"))]
AdminUser = Annotated[ApiUser, Depends(allow("admin"))]


def _query_names(dependant: Dependant) -> set[str]:
    """Every query parameter a route reads, its dependencies' included."""
    names = {param.alias for param in dependant.query_params}
    for sub in dependant.dependencies:
        names |= _query_names(sub)
    return names


def refuse_unknown_query(request: Request) -> None:
    """422 for a query parameter the route does not read: `?segment=smb` on a route that cannot
    filter by segment must not answer the unfiltered list as if it had."""
    route = request.scope.get("route")
    if not isinstance(route, APIRoute):
        return
    known = _query_names(route.dependant)
    unknown = sorted(set(request.query_params) - known)
    if unknown:
        listed = ", ".join(sorted(known)) or "none"
        raise ApiError(
            422, f"unknown query parameter(s) {', '.join(unknown)}; this route takes: {listed}"
        )
