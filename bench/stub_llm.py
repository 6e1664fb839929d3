"""A local stub of an OpenAI-compatible chat server for benchmarks: fixed latency, valid answers.

`POST /v1/chat/completions` sleeps `latency` seconds, then answers an `AdvocacySummary` or an
`AskDraft` (agent/writing.py) that passes domain/checks.py: it cites ids taken from the prompt's
evidence block and writes a polite ask for the channel the prompt names. The schema is read from
`response_format.json_schema.name` (json_schema), `tools[0].function.name` (function_calling) or,
for json_mode, guessed from the prompt. Nothing here calls a real model.

    .venv/bin/python bench/stub_llm.py --port 0 --latency 0.3

Importable: `stub = StubLLM(latency=0.3).start()`, then `stub.base_url`, `stub.stats()`,
`stub.stop()`.
"""

from __future__ import annotations

import argparse
import json
import re
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx

COMPLETIONS_PATH = "/v1/chat/completions"
STATS_PATH, RESET_PATH = "/stats", "/reset"  # for a stub run in its own process
EVIDENCE_BLOCK = re.compile(
    r"<<<CUSTOMER DATA: evidence[^\n]*\n(?P<body>.*?)\nCUSTOMER DATA ENDS>>>", re.DOTALL
)
CHANNEL_LINE = re.compile(r"^Channel: (?P<channel>email|call)\.", re.MULTILINE)
CONTACT_LINE = re.compile(r"^Contact to address: (?P<name>[\w'\-]+)", re.MULTILINE)
DRAFT_MARKER = "Ask type (chosen by our policy)"
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
    return "AskDraft" if DRAFT_MARKER in _user_text(request) else "AdvocacySummary"


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


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: the client reuses its pooled connections
    server: _StubServer

    def do_GET(self) -> None:
        """`GET /stats`: what `StubLLM.stats()` says, plus every request's body size."""
        if self.path.rstrip("/") != STATS_PATH:
            self._send(404, {"error": {"message": f"no route {self.path}"}})
            return
        log = self.server.log
        self._send(200, log.stats() | {"body_bytes": log.sizes()})

    def do_POST(self) -> None:
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if self.path.rstrip("/") == RESET_PATH:
            self.server.log = RequestLog()
            self._send(200, {"reset": True})
            return
        if self.path.rstrip("/") != COMPLETIONS_PATH:
            self._send(404, {"error": {"message": f"no route {self.path}"}})
            return
        request = json.loads(raw)
        schema = requested_schema(request)
        log = self.server.log
        log.begin(schema, len(raw))
        try:
            time.sleep(self.server.latency)
            self._send(200, completion(request, schema, len(raw)))
        finally:
            log.end()

    def _send(self, status: int, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
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


class StubLLM:
    """The stub server on 127.0.0.1, served from a background thread."""

    def __init__(self, *, latency: float = 0.3, port: int = 0) -> None:
        self._server = _StubServer(("127.0.0.1", port), latency)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

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

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> StubLLM:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


class StubProcess:
    """The same stub in a child process (no share of the benchmark's GIL); same interface."""

    def __init__(self, *, latency: float = 0.3) -> None:
        self._latency = latency
        self._process: subprocess.Popen[str] | None = None
        self.base_url = ""

    def start(self) -> StubProcess:
        command = [sys.executable, __file__, "--port", "0", "--latency", str(self._latency)]
        self._process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
        assert self._process.stdout is not None
        first_line = self._process.stdout.readline()  # "stub LLM at http://127.0.0.1:PORT/v1 ..."
        match = re.search(r"(http://\S+)/v1", first_line)
        if not match:
            self.stop()
            raise RuntimeError(f"the stub process did not start: {first_line!r}")
        self.base_url = match.group(1)
        return self

    def _call(self, method: str, path: str) -> dict[str, Any]:
        response = httpx.request(method, f"{self.base_url}{path}", timeout=10)
        response.raise_for_status()
        return response.json()  # type: ignore[no-any-return]

    def reset(self) -> None:
        self._call("POST", RESET_PATH)

    def stats(self) -> dict[str, Any]:
        stats = self._call("GET", STATS_PATH)
        stats.pop("body_bytes")
        return stats

    def body_bytes(self) -> list[tuple[str, int]]:
        return [(schema, size) for schema, size in self._call("GET", STATS_PATH)["body_bytes"]]

    def stop(self) -> None:
        if self._process is not None:
            self._process.send_signal(signal.SIGINT)
            self._process.wait(timeout=10)

    def __enter__(self) -> StubProcess:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=0, help="0: any free port")
    parser.add_argument("--latency", type=float, default=0.3, help="seconds per request")
    args = parser.parse_args()
    stub = StubLLM(latency=args.latency, port=args.port).start()
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
