"""A local stub of an OpenAI-compatible chat server for benchmarks: fixed latency, valid answers.

`POST /v1/chat/completions` sleeps `latency` seconds, then answers an `AdvocacySummary`, an
`AskDraft` or both in a `SummaryAndDraft` (agent/writing.py) that passes domain/checks.py: it
cites ids taken from the prompt's evidence block and writes a polite ask for the channel the
prompt names. The schema is read from
`response_format.json_schema.name` (json_schema), `tools[0].function.name` (function_calling) or,
for json_mode, guessed from the prompt. Nothing here calls a real model.

    .venv/bin/python bench/stub_llm.py --port 0 --latency 0.3

Importable: `stub = StubLLM(latency=0.3).start()`, then `stub.base_url`, `stub.stats()`,
`stub.stop()`.

Scripted faults, for tests: `StubLLM(faults=["429", "500"])`, `stub.script([...])`, or, for a stub
in its own process, `POST /faults {"faults": [...], "retry_after": 1}` (`StubProcess.script`,
`--faults 429,500`). Each completion request consumes the next fault of the script; once it is
empty, answers are normal again (the normal path is unchanged). The faults (FAULTS):

- `429`: rate limited, with `Retry-After: <retry_after>` seconds;
- `500`, `503`: server errors (no retry hint);
- `timeout`: no answer for `hang_seconds` (set it above the client's timeout), then the
  connection is closed; cut short by `stop()`;
- `reset`: the connection is reset (TCP RST) without an answer;
- `malformed_json`: a 200 whose body is truncated JSON;
- `non_json_content`: a valid completion whose content is prose, not the JSON asked for;
- `garbage`: a 200 (claiming JSON) whose body is random bytes (seeded: the same each run);
- `slow`: a normal answer after `slow_seconds` (set it below the client's timeout);
- `format_refusal`: a 400 whose message names `response_format`/`json_schema`, as llama.cpp or
  vLLM answer a structured output method they do not support.

`stub.arrivals()` gives (monotonic time, fault or "ok") per completion request, to measure waits.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx

COMPLETIONS_PATH = "/v1/chat/completions"
STATS_PATH, RESET_PATH = "/stats", "/reset"  # for a stub run in its own process
FAULTS_PATH = "/faults"  # GET: the script left; POST {"faults": [...], timings}: a new script
FAULTS = frozenset(
    {
        "429",
        "500",
        "503",
        "timeout",
        "reset",
        "malformed_json",
        "non_json_content",
        "garbage",
        "slow",
        "format_refusal",
    }
)
POLL_INTERVAL = 0.05  # seconds: how soon stop() returns (serve_forever's default is 0.5)
OK = "ok"  # what arrivals() records for a request answered normally
# As vLLM / llama.cpp word it (not OpenAI's own wording, which langchain turns into a warning).
FORMAT_REFUSAL_MESSAGE = (
    "response_format of type 'json_schema' is not supported by this server; "
    "supported types are 'text' and 'json_object'"
)
PROSE_ANSWER = "Sure! This customer seems happy with us, so it is a good moment to ask them."
EVIDENCE_BLOCK = re.compile(
    r"<<<CUSTOMER DATA: evidence[^\n]*\n(?P<body>.*?)\nCUSTOMER DATA ENDS>>>", re.DOTALL
)
CHANNEL_LINE = re.compile(r"^Channel: (?P<channel>email|call)\.", re.MULTILINE)
CONTACT_LINE = re.compile(r"^Contact to address: (?P<name>[\w'\-]+)", re.MULTILINE)
DRAFT_MARKER = "Ask type (chosen by our policy)"
WRITE_MARKER = "Write the summary for the owner, then"  # prompts/write.v1.md: one call
MAX_CITED = 3

EMAIL_BODY = (
    "Hi {name},\n\n"
    "I wanted to say thank you. Hearing how the last few months have gone for your team "
    "genuinely made our week, and it is a pleasure working with you.\n\n"
    "Would you be open to helping us with a short {ask}? It would only take a few minutes of "
    "your time, and it is completely fine to say no if now is not a good moment.\n\n"
    "Either way, thank you for your trust.\n\nWarm regards"
)
CALL_BODY = (
    "- Thank {name} for the recent good news and the partnership.\n"
    "- Ask whether they would be open to a short {ask}.\n"
    "- Make it easy to decline; no pressure at all."
)


@dataclass
class RequestLog:
    """What the stub received: counts per schema, request body sizes, peak concurrency."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    requests: int = 0
    by_schema: dict[str, int] = field(default_factory=dict)
    body_bytes: list[tuple[str, int]] = field(default_factory=list)
    in_flight: int = 0
    peak_in_flight: int = 0
    arrival_times: list[tuple[float, str]] = field(default_factory=list)

    def arrive(self, fault: str) -> None:
        """A completion request arrived now; `fault` is what it will get ("ok": a normal answer)."""
        with self.lock:
            self.arrival_times.append((time.monotonic(), fault))

    def arrivals(self) -> list[tuple[float, str]]:
        """(time.monotonic() at arrival, fault or "ok") of every completion request, in order."""
        with self.lock:
            return list(self.arrival_times)

    def begin(self, schema: str, size: int) -> None:
        with self.lock:
            self.requests += 1
            self.by_schema[schema] = self.by_schema.get(schema, 0) + 1
            self.body_bytes.append((schema, size))
            self.in_flight += 1
            self.peak_in_flight = max(self.peak_in_flight, self.in_flight)

    def end(self) -> None:
        with self.lock:
            self.in_flight -= 1

    def sizes(self) -> list[tuple[str, int]]:
        """(schema, request body bytes) of every request, in arrival order."""
        with self.lock:
            return list(self.body_bytes)

    def stats(self) -> dict[str, Any]:
        """Requests seen, per schema, and the peak number served at once."""
        with self.lock:
            return {
                "requests": self.requests,
                "by_schema": dict(self.by_schema),
                "peak_in_flight": self.peak_in_flight,
            }


def _user_text(request: dict[str, Any]) -> str:
    """The text of every user message (the rendered prompt, plus any retry note)."""
    parts = []
    for message in request.get("messages", []):
        if message.get("role") != "user":
            continue
        content = message.get("content")
        if isinstance(content, list):
            content = " ".join(p.get("text", "") for p in content if isinstance(p, dict))
        parts.append(str(content or ""))
    return "\n".join(parts)


def requested_schema(request: dict[str, Any]) -> str:
    """`AdvocacySummary` or `AskDraft`: from the structured-output request, else the prompt."""
    response_format = request.get("response_format") or {}
    name = (response_format.get("json_schema") or {}).get("name")
    if not name and request.get("tools"):
        name = request["tools"][0].get("function", {}).get("name")
    if name:
        return str(name)
    prompt = _user_text(request)
    if WRITE_MARKER in prompt:
        return "SummaryAndDraft"
    return "AskDraft" if DRAFT_MARKER in prompt else "AdvocacySummary"


def evidence_ids(prompt: str) -> list[str]:
    """The ids in the prompt's fenced evidence block (JSON list), in prompt order."""
    match = EVIDENCE_BLOCK.search(prompt)
    if not match:
        return []
    return [str(item["id"]) for item in json.loads(match.group("body")) if "id" in item]


def _ask_words(prompt: str) -> str:
    match = re.search(r"^Ask type \(chosen by our policy\): (\w+)", prompt, re.MULTILINE)
    return (match.group(1) if match else "conversation").replace("_", " ")


def summary_answer(prompt: str) -> dict[str, Any]:
    """A summary citing the first evidence ids of the prompt."""
    cited = evidence_ids(prompt)[:MAX_CITED]
    point = "Recent feedback from this customer is clearly positive."
    return {
        "headline": "A happy customer with recent good news",
        "points": [{"text": point, "evidence_ids": cited}],
        "evidence_ids": cited,
    }


def draft_answer(prompt: str) -> dict[str, Any]:
    """A polite draft for the channel the prompt names, citing its first evidence ids."""
    channel_match = CHANNEL_LINE.search(prompt)
    channel = channel_match.group("channel") if channel_match else "email"
    name_match = CONTACT_LINE.search(prompt)
    # "(no name: greet warmly)" does not match the pattern: the greeting falls back to "there".
    words = {"name": name_match.group("name") if name_match else "there", "ask": _ask_words(prompt)}
    is_call = channel == "call"
    return {
        "channel": channel,
        "subject": None if is_call else "A small favour, if you have a moment",
        "body": (CALL_BODY if is_call else EMAIL_BODY).format(**words),
        "evidence_ids": evidence_ids(prompt)[:MAX_CITED],
    }


def completion(request: dict[str, Any], schema: str, prompt_chars: int) -> dict[str, Any]:
    """A chat.completion holding the answer as content (json_schema) or as a tool call."""
    prompt = _user_text(request)
    if schema == "SummaryAndDraft":
        answer = {"summary": summary_answer(prompt), "draft": draft_answer(prompt)}
    else:
        answer = draft_answer(prompt) if schema == "AskDraft" else summary_answer(prompt)
    arguments = json.dumps(answer)
    message: dict[str, Any] = {"role": "assistant", "content": arguments, "refusal": None}
    if request.get("tools"):
        function = {"name": schema, "arguments": arguments}
        call = {"id": "call_1", "type": "function", "function": function}
        message = {"role": "assistant", "content": None, "tool_calls": [call]}
    prompt_tokens, completion_tokens = prompt_chars // 4, len(arguments) // 4
    return {
        "id": "chatcmpl-stub",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": str(request.get("model", "stub")),
        "choices": [{"index": 0, "finish_reason": "stop", "message": message, "logprobs": None}],
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
        },
    }


def prose_completion(request: dict[str, Any], prompt_chars: int) -> dict[str, Any]:
    """A valid chat.completion whose content is prose: no JSON, no tool call."""
    body = completion(request, requested_schema(request), prompt_chars)
    body["choices"][0]["message"] = {"role": "assistant", "content": PROSE_ANSWER, "refusal": None}
    return body


def _error(message: str, kind: str, **extra: Any) -> dict[str, Any]:
    return {"error": {"message": message, "type": kind, "param": None, "code": None} | extra}


@dataclass
class FaultScript:
    """The faults still to serve, one per completion request, and their timings (seconds)."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    faults: deque[str] = field(default_factory=deque)
    retry_after: float = 1.0
    hang_seconds: float = 30.0
    slow_seconds: float = 0.2

    def load(self, faults: Iterable[str], **timings: float) -> None:
        """Replace the script (and any timing given); unknown fault names are refused."""
        names = [str(name) for name in faults]
        unknown = sorted(set(names) - FAULTS)
        if unknown:
            raise ValueError(f"unknown fault(s) {unknown}; known: {sorted(FAULTS)}")
        for name, value in timings.items():
            if name not in ("retry_after", "hang_seconds", "slow_seconds"):
                raise ValueError(f"unknown timing {name!r}")
            if float(value) < 0:
                raise ValueError(f"{name} must be >= 0")
        with self.lock:
            self.faults = deque(names)
            for name, value in timings.items():
                setattr(self, name, float(value))

    def next(self) -> str:
        """The fault for this request, or "ok" once the script is empty."""
        with self.lock:
            return self.faults.popleft() if self.faults else OK

    def remaining(self) -> list[str]:
        with self.lock:
            return list(self.faults)

    def describe(self) -> dict[str, Any]:
        with self.lock:
            return {
                "faults": list(self.faults),
                "retry_after": self.retry_after,
                "hang_seconds": self.hang_seconds,
                "slow_seconds": self.slow_seconds,
            }


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: the client reuses its pooled connections
    # TCP_NODELAY, as model servers set it: the answer's headers and body go in two writes, and
    # with Nagle's algorithm the body waited for the client's delayed ACK, ~40 ms per request
    # (16 threads posting to the stub at 0.3 s: 346 ms per request with it, 306 ms without).
    disable_nagle_algorithm = True
    server: _StubServer

    def do_GET(self) -> None:
        """`GET /stats`: what `StubLLM.stats()` says, plus every request's body size;
        `GET /faults`: the script left and its timings."""
        path = self.path.rstrip("/")
        if path == FAULTS_PATH:
            self._send(200, self.server.script.describe())
            return
        if path != STATS_PATH:
            self._send(404, {"error": {"message": f"no route {self.path}"}})
            return
        log = self.server.log
        self._send(200, log.stats() | {"body_bytes": log.sizes(), "arrivals": log.arrivals()})

    def do_POST(self) -> None:
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if self.path.rstrip("/") == RESET_PATH:
            self.server.log = RequestLog()
            self._send(200, {"reset": True})
            return
        if self.path.rstrip("/") == FAULTS_PATH:
            self._load_script(raw)
            return
        if self.path.rstrip("/") != COMPLETIONS_PATH:
            self._send(404, {"error": {"message": f"no route {self.path}"}})
            return
        request = json.loads(raw)
        schema = requested_schema(request)
        log = self.server.log
        fault = self.server.script.next()
        log.arrive(fault)
        log.begin(schema, len(raw))
        try:
            if fault == OK:
                time.sleep(self.server.latency)
                self._send(200, completion(request, schema, len(raw)))
            else:
                self._serve_fault(fault, request, len(raw))
        finally:
            log.end()

    def _load_script(self, raw: bytes) -> None:
        try:
            body = json.loads(raw or b"{}")
            timings = {k: float(v) for k, v in body.items() if k != "faults"}
            self.server.script.load(body.get("faults", []), **timings)
        except (ValueError, TypeError, AttributeError) as error:
            self._send(400, _error(str(error), "invalid_request_error"))
            return
        self._send(200, self.server.script.describe())

    def _serve_fault(self, fault: str, request: dict[str, Any], prompt_chars: int) -> None:
        script = self.server.script
        if fault == "429":
            seconds = f"{script.retry_after:g}"
            message = f"Rate limit reached: retry after {seconds}s"
            headers = {"Retry-After": seconds}
            self._send(429, _error(message, "rate_limit_exceeded"), headers=headers)
        elif fault == "500":
            self._send(500, _error("The server had an error processing your request", "server"))
        elif fault == "503":
            self._send(503, _error("The server is overloaded, try again later", "server"))
        elif fault == "timeout":
            self.server.stopping.wait(script.hang_seconds)
            self.close_connection = True  # no answer at all
        elif fault == "reset":
            self._reset()
        elif fault == "malformed_json":
            whole = json.dumps(completion(request, requested_schema(request), prompt_chars))
            self._send_bytes(200, whole[: len(whole) // 2].encode())
        elif fault == "non_json_content":
            self._send(200, prose_completion(request, prompt_chars))
        elif fault == "garbage":
            self._send_bytes(200, self.server.random.randbytes(256))
        elif fault == "slow":
            self.server.stopping.wait(script.slow_seconds)
            self._send(200, completion(request, requested_schema(request), prompt_chars))
        elif fault == "format_refusal":
            refusal = _error(FORMAT_REFUSAL_MESSAGE, "invalid_request_error")
            refusal["error"]["param"] = "response_format"
            self._send(400, refusal)
        else:  # FaultScript.load refuses unknown names
            raise AssertionError(fault)

    def _reset(self) -> None:
        """Close with SO_LINGER 0: the kernel sends a TCP RST instead of an orderly FIN."""
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.close_connection = True
        self.connection.close()

    def _send(
        self, status: int, body: dict[str, Any], headers: dict[str, str] | None = None
    ) -> None:
        self._send_bytes(status, json.dumps(body).encode(), headers)

    def _send_bytes(self, status: int, data: bytes, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        del format, args  # quiet: one line per request would swamp the benchmark's output


class _StubServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], latency: float) -> None:
        super().__init__(address, _Handler)
        self.latency = latency
        self.log = RequestLog()
        self.script = FaultScript()
        self.stopping = threading.Event()  # wakes handlers held by `timeout` and `slow`
        self.random = random.Random(13)  # `garbage` bytes: the same in every run


class StubLLM:
    """The stub server on 127.0.0.1, served from a background thread."""

    def __init__(
        self,
        *,
        latency: float = 0.3,
        port: int = 0,
        faults: Iterable[str] = (),
        **timings: float,
    ) -> None:
        """`faults`: the script (see the module's docstring); `timings`: `retry_after`,
        `hang_seconds`, `slow_seconds`."""
        self._server = _StubServer(("127.0.0.1", port), latency)
        self._server.script.load(faults, **timings)
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(POLL_INTERVAL,), daemon=True
        )

    @property
    def base_url(self) -> str:
        """`http://127.0.0.1:PORT` (the OpenAI base URL is this plus `/v1`)."""
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def log(self) -> RequestLog:
        return self._server.log

    def start(self) -> StubLLM:
        self._thread.start()
        return self

    def reset(self) -> None:
        """Forget every request seen so far (counts, sizes, peak concurrency)."""
        self._server.log = RequestLog()

    def stats(self) -> dict[str, Any]:
        """Requests seen, per schema, and the peak number served at once."""
        return self.log.stats()

    def body_bytes(self) -> list[tuple[str, int]]:
        """(schema, request body bytes) of every request since the last reset."""
        return self.log.sizes()

    def script(self, faults: Iterable[str], **timings: float) -> None:
        """Serve these faults to the next completion requests, one each (replaces the script)."""
        self._server.script.load(faults, **timings)

    def faults_left(self) -> list[str]:
        return self._server.script.remaining()

    def arrivals(self) -> list[tuple[float, str]]:
        """(time.monotonic() at arrival, fault or "ok") of each completion request."""
        return self.log.arrivals()

    def stop(self) -> None:
        self._server.stopping.set()  # release handlers still holding a `timeout` or `slow`
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> StubLLM:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


class StubProcess:
    """The same stub in a child process (no share of the benchmark's GIL); same interface."""

    def __init__(self, *, latency: float = 0.3, faults: Iterable[str] = ()) -> None:
        self._latency = latency
        self._faults = list(faults)
        self._process: subprocess.Popen[str] | None = None
        self.base_url = ""

    def start(self) -> StubProcess:
        command = [sys.executable, __file__, "--port", "0", "--latency", str(self._latency)]
        if self._faults:
            command += ["--faults", ",".join(self._faults)]
        self._process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
        assert self._process.stdout is not None
        first_line = self._process.stdout.readline()  # "stub LLM at http://127.0.0.1:PORT/v1 ..."
        match = re.search(r"(http://\S+)/v1", first_line)
        if not match:
            self.stop()
            raise RuntimeError(f"the stub process did not start: {first_line!r}")
        self.base_url = match.group(1)
        return self

    def _call(self, method: str, path: str, body: Any = None) -> dict[str, Any]:
        response = httpx.request(method, f"{self.base_url}{path}", json=body, timeout=10)
        response.raise_for_status()
        return response.json()  # type: ignore[no-any-return]

    def reset(self) -> None:
        self._call("POST", RESET_PATH)

    def stats(self) -> dict[str, Any]:
        stats = self._call("GET", STATS_PATH)
        stats.pop("body_bytes")
        stats.pop("arrivals")
        return stats

    def script(self, faults: Iterable[str], **timings: float) -> None:
        self._call("POST", FAULTS_PATH, {"faults": list(faults), **timings})

    def faults_left(self) -> list[str]:
        return list(self._call("GET", FAULTS_PATH)["faults"])

    def arrivals(self) -> list[tuple[float, str]]:
        return [(float(at), str(fault)) for at, fault in self._call("GET", STATS_PATH)["arrivals"]]

    def body_bytes(self) -> list[tuple[str, int]]:
        return [(schema, size) for schema, size in self._call("GET", STATS_PATH)["body_bytes"]]

    def stop(self) -> None:
        if self._process is not None:
            self._process.send_signal(signal.SIGINT)
            self._process.wait(timeout=10)
            if self._process.stdout is not None:
                self._process.stdout.close()

    def __enter__(self) -> StubProcess:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=0, help="0: any free port")
    parser.add_argument("--latency", type=float, default=0.3, help="seconds per request")
    parser.add_argument(
        "--faults", default="", help=f"comma-separated script, of: {', '.join(sorted(FAULTS))}"
    )
    args = parser.parse_args()
    # StubProcess.stop() sends SIGINT: a stub started from a background shell job inherits
    # SIGINT ignored, and would never stop.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    faults = [name for name in args.faults.split(",") if name]
    stub = StubLLM(latency=args.latency, port=args.port, faults=faults).start()
    print(f"stub LLM at {stub.base_url}/v1 (latency {args.latency}s); Ctrl-C stops", flush=True)
    try:
        while True:
            time.sleep(1)
    except KeyboardInterrupt:
        print(f"\n{stub.stats()}", flush=True)
    finally:
        stub.stop()


if __name__ == "__main__":
    main()
