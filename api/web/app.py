"""The pages' own small app, mounted at the root of the API app.

It shares the API's services (read through the parent app's state at request time) and adds
what only HTML needs: a strict Content-Security-Policy, HTML error pages and static files.
Only the pages' own paths reach it; every other path (the API's, and routes added later) stays
with the API app and its JSON answers.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match, Mount
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from agent.bootstrap import Services
from api.errors import ApiError, status_of
from api.web.advocate_pages import router as advocate_router
from api.web.candidate_pages import router as candidate_router
from api.web.deps import PageError, SignInRequired, render
from api.web.pages import router
from api.web.task_pages import router as task_router
from domain.errors import DomainError

STATIC = Path(__file__).parent / "static"
PAGE_PATHS = (
    "/signin",
    "/signout",
    "/inbox",
    "/reviews",
    "/tasks",
    "/notifications",
    "/backlog",
    "/candidates",
    "/candidates.csv",
    "/advocates",
    "/metrics",
    "/static",
    "/favicon.ico",
)
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "frame-ancestors 'none'; form-action 'self'"
)
SECURITY_HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
]


class SecurityHeaders:
    """Every page answer gets the CSP and friends; pages (not static files) are never cached."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        static = str(scope.get("path", "")).startswith("/static/")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                extra = [] if static else [(b"cache-control", b"no-store")]
                message["headers"] = [*message.get("headers", []), *SECURITY_HEADERS, *extra]
            await send(message)

        await self.app(scope, receive, send_with_headers)


async def _page_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, PageError)
    return render(
        request,
        "error.html",
        {"title": exc.title, "message": exc.message},
        status_code=exc.status_code,
    )


async def _api_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    title = "Not found" if exc.status_code == 404 else "Not possible"
    return render(
        request,
        "error.html",
        {"title": title, "message": exc.detail},
        status_code=exc.status_code,
    )


async def _domain_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, DomainError)
    code = status_of(exc)
    title = "Not found" if code == 404 else "Not possible"
    return render(request, "error.html", {"title": title, "message": exc.message}, status_code=code)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    title = "Not found" if exc.status_code == 404 else "Not possible"
    message = "There is no page at this address." if exc.status_code == 404 else str(exc.detail)
    return render(
        request, "error.html", {"title": title, "message": message}, status_code=exc.status_code
    )


async def _favicon() -> Response:
    """Browsers ask for /favicon.ico on every page, whatever the page links: no 404 for it."""
    return FileResponse(STATIC / "favicon.svg", media_type="image/svg+xml")


async def _sign_in(_request: Request, _exc: Exception) -> Response:
    return RedirectResponse("/signin", status_code=303)


def create_pages(services_of: Callable[[], Services]) -> FastAPI:
    """The review pages over the services `services_of` returns (the API app's, once started)."""
    pages = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
    pages.state.services_of = services_of
    pages.include_router(router)
    pages.include_router(task_router)
    pages.include_router(candidate_router)
    pages.include_router(advocate_router)
    pages.mount("/static", StaticFiles(directory=STATIC), name="static")
    pages.add_api_route("/favicon.ico", _favicon, include_in_schema=False)
    pages.add_exception_handler(PageError, _page_error)
    pages.add_exception_handler(ApiError, _api_error)
    pages.add_exception_handler(DomainError, _domain_error)
    pages.add_exception_handler(StarletteHTTPException, _http_error)
    pages.add_exception_handler(SignInRequired, _sign_in)
    pages.add_middleware(SecurityHeaders)
    return pages


class PageMount(Mount):
    """A root mount that takes only the pages' paths, so the API keeps its own 404 and 405."""

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        path = str(scope.get("path", ""))
        if path == "/" or any(path == p or path.startswith(f"{p}/") for p in PAGE_PATHS):
            return super().matches(scope)
        return Match.NONE, {}


def page_mount(api: FastAPI) -> PageMount:
    """The pages, for `api.router.routes.append(...)` after every API route."""
    return PageMount("", app=create_pages(lambda: api.state.services))
