"""Our HTTP errors: the use-cases' domain errors mapped to status codes once, one JSON shape.

Every error body is `{"detail": str, ...}`; a few add fields (`reasons` for a refused approval).
The JSON API and the review page share the mapping (`status_of`, `answer_of`).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from domain.errors import Conflict, DomainError, Forbidden, Invalid, NotFound, plain_message

log = logging.getLogger("advocacy.api")


class ApiError(Exception):
    """An answer other than success, with its status code and body."""

    def __init__(
        self, status_code: int, detail: str, *, headers: dict[str, str] | None = None, **extra: Any
    ) -> None:
        super().__init__(detail)
        self.status_code = status_code
        self.detail = detail
        self.headers = headers
        self.extra = extra

    def body(self) -> dict[str, Any]:
        return {"detail": self.detail, **self.extra}


# Checked in order: the first class the error is an instance of gives its status.
STATUS_OF_ERROR: tuple[tuple[type[DomainError], int], ...] = (
    (NotFound, 404),
    (Forbidden, 403),
    (Invalid, 422),
    (Conflict, 409),
)
Answer = tuple[int, dict[str, Any]]


def status_of(error: DomainError) -> int:
    return next((code for kind, code in STATUS_OF_ERROR if isinstance(error, kind)), 400)


def error_body(error: DomainError) -> dict[str, Any]:
    return {"detail": error.message, **error.details}


def answer_of(call: Callable[[], BaseModel]) -> Answer:
    """(200, the result as JSON), or the domain error's (status, body): for stored answers."""
    try:
        result = call()
    except DomainError as error:
        return status_of(error), error_body(error)
    return 200, result.model_dump(mode="json")


def _where(loc: Sequence[Any]) -> str:
    return ".".join(str(part) for part in loc)


async def _api_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    return JSONResponse(exc.body(), status_code=exc.status_code, headers=exc.headers)


async def _domain_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DomainError)
    return JSONResponse(error_body(exc), status_code=status_of(exc))


async def _validation_error(_request: Request, exc: Exception) -> JSONResponse:
    """422 listing each problem as `where: what` plus FastAPI's structured list."""
    assert isinstance(exc, RequestValidationError)
    errors = [
        {
            "loc": list(error["loc"]),
            "msg": plain_message(str(error["msg"])),
            "type": str(error["type"]),
        }
        for error in exc.errors()
    ]
    readable = "; ".join(f"{_where(e['loc'])}: {e['msg']}" for e in errors[:20])
    return JSONResponse({"detail": readable or "invalid request", "errors": errors}, 422)


def install_handlers(app: FastAPI) -> None:
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(DomainError, _domain_error)
    app.add_exception_handler(RequestValidationError, _validation_error)


class CatchAllMiddleware:
    """No stack trace reaches a client: a 500 with a request id; the traceback goes to the log."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = uuid.uuid4().hex
        started = False

        async def send_with_id(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                message["headers"] = [
                    *message.get("headers", []),
                    (b"x-request-id", request_id.encode()),
                ]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception:
            log.exception(
                "unhandled error in %s %s (request %s)", scope["method"], scope["path"], request_id
            )
            if started:
                return
            response = JSONResponse(
                {"detail": "internal error", "request_id": request_id},
                status_code=500,
                headers={"x-request-id": request_id},
            )
            await response(scope, receive, send)


class BodyLimitMiddleware:
    """413 for a body over `limit` bytes, by Content-Length or by what is actually streamed."""

    def __init__(self, app: ASGIApp, *, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers", [])).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.limit):
            await self._too_large(scope, receive, send)
            return
        body = b""
        more = True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                break
            body += message.get("body", b"")
            more = message.get("more_body", False)
            if len(body) > self.limit:
                await self._too_large(scope, receive, send)
                return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _too_large(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = JSONResponse(
            {"detail": f"request body larger than {self.limit} bytes"}, status_code=413
        )
        await response(scope, receive, send)
