"""Cache and replay at the HTTP layer: an httpx transport that wraps the real one.

The eval runner injects `httpx.Client(transport=CachingTransport(...))` through
`make_chat_model(settings, http_client=...)`, so the real Writer code path runs and only the
wire is recorded. A cassette is one JSON file per response, named by the SHA-256 of its key:
the model, the rendered messages, every other request parameter (temperature, response format,
tools...), the prompt version and the repeat index. Only 2xx answers with a JSON body are
stored: errors are never cached.

Modes: `replay` (a miss is an error answered locally, never a network call), `record` (always
call, store the answer), `auto` (read the cassette, call and store on a miss), `off`
(`--no-cache`: always call, store nothing).
"""

from __future__ import annotations

import email.utils
import hashlib
import json
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import httpx

from domain.clock import utc_now

CacheMode = Literal["replay", "record", "auto", "off"]
CASSETTES_DIR = Path(__file__).parent / "cassettes"
SCHEMA_STEPS = {
    "AdvocacySummary": "summarize",
    "AskDraft": "draft",
    "SummaryAndDraft": "write",
    "JudgeScores": "judge",
}
RETRY_STATUSES = frozenset({408, 409, 429, 500, 502, 503, 504})
MISS_TYPE = "cassette_miss"
# The body is already decoded: these would make the client decode or frame it again.
_HOP_HEADERS = frozenset({"content-encoding", "content-length", "transfer-encoding"})


RECORD_HINT = "Record it: "


def record_command(
    model: str, prompt_versions: Mapping[str, str], *, judge: bool = False, repeats: int = 1
) -> str:
    """The command that records the cassettes of one variant (or of its judge)."""
    prompts = " ".join(
        f"--prompt {name}={version}" for name, version in prompt_versions.items() if name != "judge"
    )
    repeat = f" --repeat {repeats}" if repeats > 1 else ""
    if judge:
        return (
            f"advocacy evals run --record --judge-model {model} --judge-base-url <server>{repeat}"
            " (with this run's --model and --prompt options)"
        )
    return f"OPENAI_BASE_URL=<server> advocacy evals run --record --model {model}{repeat} {prompts}"


def cache_key(
    body: Mapping[str, Any], *, prompt_version: str, repeat: int
) -> tuple[str, dict[str, Any]]:
    """The SHA-256 key of a chat request and the parts it was made of."""
    parts = {
        "model": body.get("model"),
        "messages": body.get("messages"),
        "params": {k: v for k, v in sorted(body.items()) if k not in ("model", "messages")},
        "prompt_version": prompt_version,
        "repeat": repeat,
    }
    canonical = json.dumps(parts, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest(), parts


def schema_name(body: Mapping[str, Any]) -> str | None:
    """The structured output schema a request asks for (json_schema or function_calling)."""
    name = ((body.get("response_format") or {}).get("json_schema") or {}).get("name")
    if not name and body.get("tools"):
        name = body["tools"][0].get("function", {}).get("name")
    return str(name) if name else None


@dataclass
class Exchange:
    """One request as the runner sees it: which step, served how, and the answer's body."""

    schema: str | None
    source: Literal["cache", "network"]
    status: int
    body: dict[str, Any] | None = None
    error: str | None = None
    latency_s: float | None = None  # the call's, also when replayed (None: not recorded)


@dataclass
class CassetteStore:
    """Cassette files in one folder; writes are atomic, so concurrent runs never tear a file."""

    root: Path = CASSETTES_DIR
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def path(self, key: str) -> Path:
        return self.root / f"{key}.json"

    def get(self, key: str) -> dict[str, Any] | None:
        """The stored response, or None."""
        record = self.record(key)
        return record["response"] if record else None

    def record(self, key: str) -> dict[str, Any] | None:
        """The whole cassette ({key, meta, response}), or None when there is none."""
        path = self.path(key)
        if not path.is_file():
            return None
        stored: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        return stored if isinstance(stored.get("response"), dict) else None

    def recorded(self) -> set[tuple[str, str, str, int]]:
        """(model, case, prompt version, repeat) of every cassette, read from their `meta`."""
        found = set()
        for path in self.root.glob("*.json"):
            meta = json.loads(path.read_text(encoding="utf-8")).get("meta") or {}
            found.add(
                (
                    str(meta.get("model")),
                    str(meta.get("case")),
                    str(meta.get("prompt_version")),
                    int(meta.get("repeat") or 0),
                )
            )
        return found

    def put(self, key: str, response: dict[str, Any], meta: Mapping[str, Any]) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        record = {"key": key, "meta": dict(meta), "response": response}
        text = json.dumps(record, indent=1, sort_keys=True, ensure_ascii=False) + "\n"
        tmp = self.path(key).with_suffix(f".{threading.get_ident()}.tmp")
        with self._lock:
            tmp.write_text(text, encoding="utf-8")
            tmp.replace(self.path(key))


def _json(response: httpx.Response) -> dict[str, Any] | None:
    try:
        body = json.loads(response.read())
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


class CachingTransport(httpx.BaseTransport):
    """Serves chat completions from cassettes, or from `inner`, recording what it saw."""

    def __init__(
        self,
        inner: httpx.BaseTransport | None,
        *,
        store: CassetteStore,
        mode: CacheMode,
        prompt_versions: Mapping[str, str],
        repeat: int,
        meta: Mapping[str, Any] | None = None,
    ) -> None:
        self.inner, self.store, self.mode = inner, store, mode
        self.prompt_versions, self.repeat = dict(prompt_versions), repeat
        self.meta = dict(meta or {})
        self.exchanges: list[Exchange] = []

    def _prompt_version(self, schema: str | None) -> str:
        step = SCHEMA_STEPS.get(schema or "")
        if step and step in self.prompt_versions:
            return f"{step}.{self.prompt_versions[step]}"
        return "+".join(f"{k}.{v}" for k, v in sorted(self.prompt_versions.items()))

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.read() or b"{}")
        schema = schema_name(body)
        key, parts = cache_key(
            body, prompt_version=self._prompt_version(schema), repeat=self.repeat
        )
        if self.mode in ("replay", "auto") and (cached := self.store.record(key)) is not None:
            latency = cached.get("meta", {}).get("latency_s")
            self.exchanges.append(Exchange(schema, "cache", 200, cached["response"], None, latency))
            return httpx.Response(200, json=cached["response"], headers={"x-evals-cache": "hit"})
        if self.mode == "replay" or self.inner is None:
            return self._miss(schema, key, parts)
        started = time.perf_counter()
        try:
            response = self.inner.handle_request(request)
            response.read()
        except httpx.TransportError as error:
            detail = f"{type(error).__name__}: {error}"
            self.exchanges.append(Exchange(schema, "network", 0, error=detail))
            raise
        latency = round(time.perf_counter() - started, 3)
        payload = _json(response)
        if response.status_code // 100 == 2 and payload is not None:
            if self.mode != "off":
                meta = {**self.meta, "model": parts["model"], "schema": schema}
                meta |= {"prompt_version": parts["prompt_version"], "repeat": self.repeat}
                self.store.put(key, payload, meta | {"latency_s": latency})
            exchange = Exchange(schema, "network", response.status_code, payload, None, latency)
            self.exchanges.append(exchange)
        else:
            detail = f"HTTP {response.status_code}"
            self.exchanges.append(Exchange(schema, "network", response.status_code, error=detail))
        headers = {k: v for k, v in response.headers.items() if k.lower() not in _HOP_HEADERS}
        return httpx.Response(response.status_code, headers=headers, content=response.content)

    def _miss(self, schema: str | None, key: str, parts: Mapping[str, Any]) -> httpx.Response:
        model, case = parts["model"], self.meta.get("case", "?")
        detail = (
            f"{MISS_TYPE}: no cassette for {model} {parts['prompt_version']} (case {case}, "
            f"repeat {self.repeat + 1}, key {key[:12]}); replay mode makes no network call. "
            + RECORD_HINT
            + record_command(
                model,
                self.prompt_versions,
                judge=schema == "JudgeScores",
                repeats=self.repeat + 1,
            )
        )
        self.exchanges.append(Exchange(schema, "cache", 400, error=detail))
        error = {"error": {"message": detail, "type": MISS_TYPE, "code": MISS_TYPE}}
        return httpx.Response(400, json=error, headers={"x-evals-cache": "miss"})


def retry_after_seconds(response: httpx.Response, *, now: datetime | None = None) -> float | None:
    """The wait a server asks for: `retry-after-ms`, or `Retry-After` in seconds or as a date."""
    if (ms := response.headers.get("retry-after-ms")) is not None:
        try:
            return max(0.0, float(ms) / 1000)
        except ValueError:
            pass
    value = response.headers.get("retry-after")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        parsed = email.utils.parsedate_to_datetime(value) if value else None
    if parsed is None:
        return None
    moment = parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    return max(0.0, (moment - (now or utc_now())).total_seconds())


class RetryTransport(httpx.BaseTransport):
    """Bounded retries of rate limits, server errors and connection errors, honouring
    Retry-After (capped at `max_wait` seconds); exponential backoff when none is given."""

    def __init__(
        self,
        inner: httpx.BaseTransport,
        *,
        max_retries: int,
        max_wait: float = 30.0,
        backoff: float = 0.5,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.inner, self.max_retries, self.max_wait = inner, max_retries, max_wait
        self.backoff, self.sleep = backoff, sleep
        self.retries = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        request.read()
        for attempt in range(self.max_retries + 1):
            last = attempt == self.max_retries
            try:
                response = self.inner.handle_request(request)
            except httpx.TransportError:
                if last:
                    raise
                self._wait(None, attempt)
                continue
            if response.status_code not in RETRY_STATUSES or last:
                return response
            response.read()
            self._wait(retry_after_seconds(response), attempt)
        raise AssertionError("unreachable")  # pragma: no cover

    def _wait(self, asked: float | None, attempt: int) -> None:
        self.retries += 1
        wait = asked if asked is not None else self.backoff * 2**attempt
        self.sleep(min(wait, self.max_wait))

    def close(self) -> None:
        self.inner.close()
