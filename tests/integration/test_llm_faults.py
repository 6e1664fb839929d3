"""Scripted faults of the stub model server (bench/stub_llm.py) on loopback, against the real
Writer and ChatOpenAI built by the composition root: what is retried, by whom, how long it waits,
when a text falls back, and when the structured output method warning may appear.

The openai client retries transient faults (429, 500, 503, reset, timeout) up to
`llm_max_retries` and honours `Retry-After`; the writer never adds to that. Bad answers
(malformed JSON, prose, garbage) get the writer's one retry. Nothing raises out of the writer.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx
from sqlalchemy import select

from agent.bootstrap import open_services
from agent.llm import (
    METHOD_SETTING,
    SERVER_SAID,
    method_refusal_warning,
    shows_method_refusal,
)
from agent.settings import Settings
from agent.usecases.scans import run_scan
from agent.writing import Writer
from cli.workflow_commands import method_warning
from domain.outputs import AdvocacySummary
from store.demo_data import write_demo_bundle
from store.importer import import_bundle
from store.models import Review
from tests.llm_fakes import good_summary, sample_report, sample_snapshot
from tests.stub_server import load_stub

stub_llm = load_stub()

TIMEOUT = 0.5  # the client's timeout per request (seconds)
HANG = 5.0  # how long a `timeout` fault holds its request (cut short when the stub stops)
SLOW = 0.2  # a `slow` answer's delay, below TIMEOUT
RETRY_AFTER = 1  # seconds, for the Retry-After test
NOW = datetime(2026, 11, 27, tzinfo=UTC)
SNAPSHOT, REPORT = sample_snapshot(), sample_report("testimonial")
SUMMARY = AdvocacySummary.model_validate(good_summary())

TRANSIENT = ["429", "500", "503", "reset", "timeout"]
BAD_ANSWERS = ["malformed_json", "non_json_content", "garbage"]
METHODS = ["json_schema", "function_calling"]
# How the writer records each transient fault once the client's retries are spent.
TRANSIENT_REASON = {
    "429": "RateLimitError (HTTP 429)",
    "500": "(HTTP 500)",
    "503": "(HTTP 503)",
    "reset": "ConnectionError",
    "timeout": f"TimeoutError after 2 attempt(s), timeout {TIMEOUT}s each",
}

Build = Callable[..., Writer]


@pytest.fixture
def stub() -> Iterator[Any]:
    server = stub_llm.StubLLM(latency=0.0, hang_seconds=HANG, slow_seconds=SLOW).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def resources(stub: Any) -> Iterator[ExitStack]:
    """Closed at teardown: services, HTTP clients, and the respx router that lets (only) the
    stub's URL through the LLM guard, on the same httpx client our composition root injects."""
    with ExitStack() as stack:
        router = stack.enter_context(respx.mock(assert_all_called=False))
        router.route(url__startswith=stub.base_url).pass_through()
        yield stack


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One SQLite file for the writer tests (migrated once; the writer does not use it)."""
    return tmp_path_factory.mktemp("faults") / "faults.db"


def _settings(stub: Any, database: Path, **overrides: Any) -> Settings:
    fields: dict[str, Any] = {
        "database_url": f"sqlite:///{database}",
        "openai_api_key": "sk-test",
        "openai_base_url": f"{stub.base_url}/v1",
        "llm_timeout_seconds": TIMEOUT,
        "llm_max_retries": 2,
    }
    return Settings(**(fields | overrides))


@pytest.fixture
def build(stub: Any, resources: ExitStack, database: Path) -> Build:
    """A Writer from `open_services` (the composition root) against the stub."""

    def writer(**overrides: Any) -> Writer:
        client = resources.enter_context(httpx.Client())
        settings = _settings(stub, database, **overrides)
        return resources.enter_context(open_services(settings, http_client=client)).deps.writer

    return writer


def _faults(stub: Any) -> list[str]:
    return [fault for _, fault in stub.arrivals()]


def _draft(writer: Writer) -> Any:
    return writer.draft(SNAPSHOT, REPORT, SUMMARY, ask_type="testimonial", channel="email")


@pytest.mark.parametrize("fault", TRANSIENT)
def test_transient_faults_are_retried_by_the_client_then_succeed(
    stub: Any, build: Build, fault: str
) -> None:
    stub.script([fault, fault], retry_after=0.1)  # two faults: the whole budget of 2 retries
    summary = build(llm_max_retries=2).summarize(SNAPSHOT, REPORT)
    assert _faults(stub) == [fault, fault, "ok"]
    assert not summary.fallback and summary.author != "offline-template"
    assert summary.llm_calls == 1 and summary.failures == []


@pytest.mark.parametrize("fault", TRANSIENT)
def test_transient_faults_beyond_the_budget_fall_back_at_once(
    stub: Any, build: Build, fault: str
) -> None:
    stub.script([fault] * 3, retry_after=0.1)
    summary = build(llm_max_retries=1).summarize(SNAPSHOT, REPORT)
    assert _faults(stub) == [fault, fault]  # 1 + llm_max_retries; the writer adds none
    assert stub.faults_left() == [fault]
    assert summary.fallback and summary.author == "offline-template"
    assert summary.llm_calls == 1 and len(summary.failures) == 1
    assert TRANSIENT_REASON[fault] in summary.failures[0]
    assert "after 2 attempt(s)" in summary.failures[0]
    assert summary.value.evidence_ids == ["s-1", "s-2"]  # the offline drafter's summary


def test_a_429_retry_waits_the_servers_retry_after(stub: Any, build: Build) -> None:
    stub.script(["429"], retry_after=RETRY_AFTER)
    summary = build(llm_max_retries=1).summarize(SNAPSHOT, REPORT)
    (first, fault), (second, answer) = stub.arrivals()
    assert (fault, answer) == ("429", "ok")
    # Without Retry-After the client's first backoff is at most 0.5 s.
    assert second - first >= RETRY_AFTER
    assert not summary.fallback and summary.failures == []


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("fault", BAD_ANSWERS)
def test_bad_answers_get_the_writers_one_retry_then_fall_back(
    stub: Any, build: Build, fault: str, method: str
) -> None:
    stub.script([fault, fault])
    summary = build(structured_output_method=method).summarize(SNAPSHOT, REPORT)
    assert _faults(stub) == [fault, fault]  # not retried by the client: each is a 200
    assert summary.fallback and summary.author == "offline-template"
    assert summary.llm_calls == 2 and len(summary.failures) == 2
    assert [reason[:10] for reason in summary.failures] == ["attempt 1:", "attempt 2:"]
    assert not any(METHOD_SETTING in reason for reason in summary.failures)


@pytest.mark.parametrize("fault", BAD_ANSWERS)
def test_one_bad_answer_then_a_good_one_is_not_a_fallback(
    stub: Any, build: Build, fault: str
) -> None:
    stub.script([fault])
    draft = _draft(build())
    assert _faults(stub) == [fault, "ok"]
    assert not draft.fallback and draft.llm_calls == 2
    assert len(draft.failures) == 1 and draft.failures[0].startswith("attempt 1:")


def test_a_slow_answer_below_the_timeout_is_neither_retried_nor_a_fallback(
    stub: Any, build: Build
) -> None:
    stub.script(["slow"])
    writer = build()
    started = time.monotonic()
    summary = writer.summarize(SNAPSHOT, REPORT)
    assert time.monotonic() - started >= SLOW
    assert _faults(stub) == ["slow"]
    assert not summary.fallback and summary.llm_calls == 1 and summary.failures == []


@pytest.mark.parametrize("method", METHODS)
def test_a_format_refusal_is_not_retried_and_names_the_setting(
    stub: Any, build: Build, method: str
) -> None:
    stub.script(["format_refusal"] * 3)
    # Not a timeout test: on a loaded machine a 0.5 s limit cut the 400 short and the client
    # retried the timeout (seen once with the suite on both cores).
    writer = build(structured_output_method=method, llm_timeout_seconds=10)
    summary = writer.summarize(SNAPSHOT, REPORT)
    assert _faults(stub) == ["format_refusal"]  # a 400: neither the client nor the writer retries
    assert summary.fallback and summary.llm_calls == 1
    assert "(HTTP 400)" in summary.failures[0] and METHOD_SETTING in summary.failures[0]
    assert f"'{method}'" in summary.failures[0]


# --- The structured output method warning -------------------------------------------------


def _texts_after(stub: Any, writer: Writer, fault: str) -> list[list[str]]:
    """The failures of a summary and a draft written while the server answers only `fault`."""
    stub.script([fault] * 20, retry_after=0.05)
    return [writer.summarize(SNAPSHOT, REPORT).failures, _draft(writer).failures]


@pytest.mark.parametrize(
    "fault",
    [
        "format_refusal",
        "429",
        "503",
        "reset",
        "timeout",
        "malformed_json",
        "non_json_content",
        "garbage",
        "500",
    ],
)
def test_the_method_warning_only_for_a_format_refusal(stub: Any, build: Build, fault: str) -> None:
    settings = Settings()
    failures = _texts_after(stub, build(llm_max_retries=0), fault)
    assert all(failures), "both texts fell back"
    warning = method_refusal_warning(failures, settings)
    assert (warning is not None) == (fault == "format_refusal"), failures


@pytest.mark.parametrize("fault", ["format_refusal", "500", "503", "timeout", "reset", "garbage"])
def test_with_the_servers_words_recorded_a_500_is_no_refusal(
    stub: Any, build: Build, fault: str
) -> None:
    failures = _texts_after(stub, build(llm_max_retries=0), fault)
    warning = method_refusal_warning(failures, Settings())
    assert (warning is not None) == (fault == "format_refusal"), failures
    reasons = [reason for text in failures for reason in text]
    hinted = [reason for reason in reasons if METHOD_SETTING in reason]
    assert len(hinted) == (2 if fault == "format_refusal" else 0)
    if fault in ("format_refusal", "500", "503"):
        assert all(SERVER_SAID in reason for reason in reasons)  # the server's own words


def test_the_rule_reads_the_servers_words_whatever_the_status() -> None:
    hint = f"; the server may not support ...: set {METHOD_SETTING} to ..."
    llama_500 = f'APIError (HTTP 500) after 1 attempt(s), {SERVER_SAID}"response_format: bad"'
    plain_500 = f'APIError (HTTP 500) after 1 attempt(s), {SERVER_SAID}"Internal Server Error"'
    assert shows_method_refusal(llama_500 + hint)
    assert not shows_method_refusal(plain_500 + hint)  # a hint without the server's reason
    assert not shows_method_refusal(llama_500)  # words, but no hint given: not our reason
    assert shows_method_refusal(f"APIError (HTTP 400) after 1 attempt(s){hint}")  # today's form
    assert not shows_method_refusal(f"attempt 1: the answer could not be parsed: {hint}")
    assert not shows_method_refusal(f"APITimeoutError after 3 attempt(s), timeout 30s each{hint}")


# --- A whole scan: every text falls back with `llm_fallback`, one warning or none ----------


@pytest.mark.parametrize("mode", ["one_call", "two_calls"])
@pytest.mark.parametrize("fault", ["format_refusal", "garbage"])
def test_a_scan_against_a_faulty_server_flags_every_review(
    stub: Any, resources: ExitStack, tmp_path: Path, fault: str, mode: str
) -> None:
    stub.script([fault] * 1000)
    database = tmp_path / "scan.db"
    # Not a timeout test: a loaded machine (the suite runs on both cores) must not turn a slow
    # garbage answer into a timed-out one that is never repaired.
    settings = _settings(
        stub,
        database,
        llm_max_retries=0,
        llm_concurrency=4,
        write_mode=mode,
        llm_timeout_seconds=10,
    )
    bundle = tmp_path / "bundle.json"
    write_demo_bundle(out=bundle, accounts=40, seed=3, now=NOW)
    client = resources.enter_context(httpx.Client())
    built = resources.enter_context(open_services(settings, clock=lambda: NOW, http_client=client))
    import_bundle(engine=built.engine, source=bundle)
    scan_id = run_scan(services=built, now=NOW)
    with built.deps.session_factory() as session:
        reviews = session.scalars(select(Review).where(Review.scan_id == scan_id)).all()
    assert reviews
    calls_per_text = 1 if fault == "format_refusal" else 2
    texts = 1 if mode == "one_call" else 2  # one answer holds both, or one answer each
    assert len(stub.arrivals()) == texts * calls_per_text * len(reviews)
    for review in reviews:
        assert "llm_fallback" in review.flags
        written = review.payload["written_by"]["draft"]
        assert written["author"] == "offline-template" and written["failures"]
    warning = method_warning(built, scan_id)
    assert (warning is not None) == (fault == "format_refusal")
