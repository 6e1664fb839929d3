"""The HTTP-layer cache: keys, what is stored, replay misses, retries with Retry-After."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from evals.cache import CachingTransport, CassetteStore, RetryTransport, cache_key
from evals.cases import build_case
from tests.llm_fakes import completion_body

BODY: dict[str, Any] = {
    "model": "m1",
    "messages": [{"role": "system", "content": "s"}, {"role": "user", "content": "u"}],
    "temperature": 0.2,
    "response_format": {"type": "json_schema", "json_schema": {"name": "AskDraft"}},
}
URL = "http://llm.test/v1/chat/completions"


def _key(body: dict[str, Any] = BODY, prompt: str = "draft.v1", repeat: int = 0) -> str:
    return cache_key(body, prompt_version=prompt, repeat=repeat)[0]


@pytest.mark.parametrize(
    "changed",
    [
        _key(BODY | {"model": "m2"}),
        _key(BODY | {"messages": [{"role": "user", "content": "other"}]}),
        _key(BODY | {"temperature": 0.7}),
        _key(BODY | {"tools": [{"type": "function"}]}),
        _key(prompt="draft.v2"),
        _key(repeat=1),
    ],
    ids=["model", "messages", "parameter", "new parameter", "prompt version", "repeat"],
)
def test_the_key_changes_when_any_part_changes(changed: str) -> None:
    assert changed != _key()


def test_the_key_is_stable_whatever_the_order_of_parameters() -> None:
    assert _key(dict(reversed(list(BODY.items())))) == _key()


class Server:
    """A fake inner transport: answers in order, counts calls."""

    def __init__(self, *responses: httpx.Response) -> None:
        self.responses, self.calls = list(responses), 0

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.calls += 1
        return self.responses.pop(0)


def _client(tmp_path: Path, mode: Any, server: Server | None) -> tuple[httpx.Client, Any]:
    inner = httpx.MockTransport(server) if server else None
    transport = CachingTransport(
        inner,
        store=CassetteStore(tmp_path),
        mode=mode,
        prompt_versions={"draft": "v1"},
        repeat=0,
    )
    return httpx.Client(transport=transport), transport


def test_record_then_replay_without_the_network(tmp_path: Path) -> None:
    server = Server(httpx.Response(200, json=completion_body("{}")))
    client, _ = _client(tmp_path, "record", server)
    assert client.post(URL, json=BODY).status_code == 200
    assert len(list(tmp_path.glob("*.json"))) == 1
    stored = json.loads(next(tmp_path.glob("*.json")).read_text())
    assert stored["meta"]["prompt_version"] == "draft.v1"

    replay, transport = _client(tmp_path, "replay", None)
    answer = replay.post(URL, json=BODY)
    assert answer.status_code == 200 and answer.headers["x-evals-cache"] == "hit"
    assert answer.json()["usage"]["total_tokens"] == 70
    assert transport.exchanges[0].source == "cache"
    # the call's own time is kept, so latency budgets and deltas mean something offline
    assert transport.exchanges[0].latency_s == stored["meta"]["latency_s"] >= 0


def test_errors_are_never_cached(tmp_path: Path) -> None:
    server = Server(httpx.Response(500, json={"error": {"message": "boom"}}))
    client, transport = _client(tmp_path, "auto", server)
    assert client.post(URL, json=BODY).status_code == 500
    assert list(tmp_path.glob("*.json")) == []
    assert transport.exchanges[0].error == "HTTP 500"


def test_a_replay_miss_is_an_error_and_no_network_call(tmp_path: Path) -> None:
    server = Server()
    client, transport = _client(tmp_path, "replay", server)
    answer = client.post(URL, json=BODY)
    assert answer.status_code == 400 and answer.headers["x-evals-cache"] == "miss"
    assert server.calls == 0
    assert "cassette_miss" in (transport.exchanges[0].error or "")


def test_no_cache_calls_every_time_and_stores_nothing(tmp_path: Path) -> None:
    ok = completion_body("{}")
    server = Server(httpx.Response(200, json=ok), httpx.Response(200, json=ok))
    client, _ = _client(tmp_path, "off", server)
    client.post(URL, json=BODY)
    client.post(URL, json=BODY)
    assert server.calls == 2 and list(tmp_path.glob("*.json")) == []


def test_retries_honour_retry_after_and_are_bounded() -> None:
    waits: list[float] = []
    server = Server(
        httpx.Response(429, headers={"retry-after": "7"}),
        httpx.Response(503, headers={"retry-after-ms": "250"}),
        httpx.Response(502),
        httpx.Response(200, json={}),
    )
    transport = RetryTransport(
        httpx.MockTransport(server), max_retries=2, backoff=0.5, sleep=waits.append
    )
    answer = httpx.Client(transport=transport).post(URL, json=BODY)
    assert answer.status_code == 502  # two retries, then the last answer is returned
    assert waits == [7.0, 0.25] and server.calls == 3


def test_retry_after_is_capped_and_backoff_applies_without_it() -> None:
    waits: list[float] = []
    server = Server(
        httpx.Response(429, headers={"retry-after": "999"}),
        httpx.Response(500),
        httpx.Response(200, json={}),
    )
    transport = RetryTransport(
        httpx.MockTransport(server), max_retries=3, max_wait=30, backoff=0.5, sleep=waits.append
    )
    assert httpx.Client(transport=transport).post(URL, json=BODY).status_code == 200
    assert waits == [30, 1.0]


def test_case_times_may_be_relative_to_now() -> None:
    case = build_case(
        {
            "id": "c",
            "now": "2026-12-01T12:00:00Z",
            "account": {"id": "a", "name": "A", "owner_id": "u", "customer_since": "-10d"},
            "signals": [{"id": "s", "kind": "nps", "score": 9, "occurred_at": "-2.5d"}],
            "expect": {"status": "candidate"},
        },
        defaults={"assertions": {"canaries": ["x"]}},
        dataset="t.yaml",
    )
    assert str(case.snapshot.account.customer_since) == "2026-11-21"
    assert case.snapshot.signals[0].occurred_at.isoformat() == "2026-11-29T00:00:00+00:00"
    assert case.assertions.canaries == ("x",)
