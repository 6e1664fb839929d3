"""The scan benchmark against a real OpenAI-compatible server (`scan_bench.py --live`).

No stub counts the requests here, so an httpx transport of ours watches every model request on
the wire: count, per schema, peak in flight, and the server's busy time (the time at least one
request was in flight; requests queued behind another at a one-slot server are not counted
twice). The ideal LLM-bound drafting time is that busy time over the requests the server serves
at once (`--server-slots`; one for the llama.cpp server): a ratio near 1 means the server never
waited for us.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx

from agent.bootstrap import Services, open_services
from agent.settings import Settings


@dataclass
class WireLog:
    lock: threading.Lock = field(default_factory=threading.Lock)
    requests: int = 0
    by_schema: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0  # busy: at least one request in flight
    busy_since: float = 0.0
    errors: int = 0
    in_flight: int = 0
    peak_in_flight: int = 0

    def stats(self) -> dict[str, Any]:
        with self.lock:
            return {
                "requests": self.requests,
                "by_schema": dict(self.by_schema),
                "peak_in_flight": self.peak_in_flight,
                "seconds": self.seconds,
                "errors": self.errors,
            }


def _schema(body: bytes) -> str:
    try:
        request = json.loads(body)
    except ValueError:
        return "?"
    tools = request.get("tools") or []
    if tools:
        return str(tools[0].get("function", {}).get("name", "?"))
    response_format = request.get("response_format") or {}
    name = (response_format.get("json_schema") or {}).get("name")
    if name:
        return str(name)
    text = json.dumps(request.get("messages", []))
    return "AskDraft" if "Ask type (chosen by our policy)" in text else "AdvocacySummary"


class TimingTransport(httpx.HTTPTransport):
    """Counts each chat completion request and the server's busy time, body read included."""

    def __init__(self, log: WireLog, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.log = log

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if not request.url.path.endswith("/chat/completions"):
            return super().handle_request(request)
        schema = _schema(request.read())
        with self.log.lock:
            self.log.requests += 1
            self.log.by_schema[schema] = self.log.by_schema.get(schema, 0) + 1
            if self.log.in_flight == 0:
                self.log.busy_since = time.perf_counter()
            self.log.in_flight += 1
            self.log.peak_in_flight = max(self.log.peak_in_flight, self.log.in_flight)
        try:
            response = super().handle_request(request)
            response.read()
            return response
        except httpx.HTTPError:
            with self.log.lock:
                self.log.errors += 1
            raise
        finally:
            with self.log.lock:
                self.log.in_flight -= 1
                if self.log.in_flight == 0:
                    self.log.seconds += time.perf_counter() - self.log.busy_since


def live_settings(*, database_url: str, base_url: str, model: str, method: str) -> Settings:
    return Settings(
        database_url=database_url,
        openai_api_key="sk-local-placeholder",  # type: ignore[arg-type]
        openai_base_url=base_url,
        model=model,
        structured_output_method=method,  # type: ignore[arg-type]
        llm_concurrency=2,
        llm_timeout_seconds=120,
        llm_max_retries=0,
        llm_max_tokens=600,
    )


@contextmanager
def live_services(settings: Settings, log: WireLog, now: Any) -> Iterator[Services]:
    transport = TimingTransport(log, limits=httpx.Limits(max_connections=8))
    with (
        httpx.Client(transport=transport, timeout=settings.llm_timeout_seconds) as client,
        open_services(settings, clock=lambda: now, http_client=client) as built,
    ):
        yield built
