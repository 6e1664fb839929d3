"""A guard that fails the test on any model request no test has mocked.

Import `llm_guard` into conftest.py (it is autouse). It wraps the httpx and httpx2 transports:
- httpx (what our composition root injects): an LLM request is allowed only while a respx
  router is active and has a route for it; an unmatched or unmocked one is a violation.
- httpx2 (openai 3.x's own client, which respx cannot mock): every LLM request is a violation,
  since it would mean a ChatOpenAI was built without our injected clients.
The openai client turns the raised error into a connection error and our writer falls back
quietly, so the guard also records each violation and fails the test at teardown.

A test that runs a stub model server in its own process on loopback (tests/stub_server.py) and
a forked process that reaches it with its own client (a scan's draft helper) lets that server
through with `serve`: the forked process inherits this guard but could never report to it.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import httpx2
import pytest
from respx.mocks import Mocker
from respx.models import AllMockedAssertionError

LLM_PATHS = ("/chat/completions", "/completions", "/responses", "/embeddings")
LLM_HOSTS = ("api.openai.com",)


class UnmockedLLMRequest(AssertionError):
    """A request to a model API that no test mocked."""


def is_llm_url(url: Any) -> bool:
    """Does this URL look like an OpenAI-compatible model API call?"""
    return str(url.host) in LLM_HOSTS or str(url.path).rstrip("/").endswith(LLM_PATHS)


# Base URLs of the stub servers the running test let through (`serve`).
_served: list[str] = []


def serve(base_url: str) -> None:
    """Let requests to the test's own stub server at `base_url` through, until the test ends."""
    _served.append(base_url)


def _respx_active() -> bool:
    return any(mocker.routers for mocker in Mocker.registry.values())


def _is_served(url: Any) -> bool:
    return any(str(url).startswith(f"{base_url.rstrip('/')}/") for base_url in _served)


def _wrap(original: Callable[..., Any], seen: list[str], *, mockable: bool) -> Callable[..., Any]:
    def violation(request: Any) -> UnmockedLLMRequest:
        seen.append(f"{request.method} {request.url}")
        return UnmockedLLMRequest(f"unmocked LLM request: {request.method} {request.url}")

    def guarded(self: Any, request: Any) -> Any:
        if not is_llm_url(request.url) or _is_served(request.url):
            return original(self, request)
        if not (mockable and _respx_active()):
            raise violation(request)
        try:
            return original(self, request)
        except AllMockedAssertionError:
            raise violation(request) from None

    async def aguarded(self: Any, request: Any) -> Any:
        if not is_llm_url(request.url) or _is_served(request.url):
            return await original(self, request)
        if not (mockable and _respx_active()):
            raise violation(request)
        try:
            return await original(self, request)
        except AllMockedAssertionError:
            raise violation(request) from None

    return aguarded if inspect.iscoroutinefunction(original) else guarded


@pytest.fixture(autouse=True)
def llm_guard(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Fails the test if it sent any model request that was not mocked with respx."""
    seen: list[str] = []
    monkeypatch.setattr(f"{__name__}._served", [])
    for module, mockable in ((httpx, True), (httpx2, False)):
        for cls, method in (
            (module.HTTPTransport, "handle_request"),
            (module.AsyncHTTPTransport, "handle_async_request"),
        ):
            original = getattr(cls, method)
            monkeypatch.setattr(cls, method, _wrap(original, seen, mockable=mockable))
    yield seen
    if seen:
        pytest.fail(f"unmocked LLM request(s): {seen}", pytrace=False)
