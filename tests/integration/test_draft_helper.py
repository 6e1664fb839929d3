"""A big SQLite scan has its candidates' texts written in a helper process (agent/draft_helper.py):
the reviews must be those of the same scan written in one process, at most `llm_concurrency`
model calls at once across both, and a helper killed mid-drafting must lose no candidate.

The model is the stub server in its own process (bench/stub_llm.py): respx cannot reach the
helper's HTTP client, and the stub counts the requests of both processes it serves at once.
The scans run with the helper forked as the drafting begins and spawned when it is due
(`start_method`): both must give the same reviews.
"""

from __future__ import annotations

import json
import logging
import multiprocessing
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx
from sqlalchemy import select

import agent.draft_helper
from agent.bootstrap import open_services
from agent.draft_helper import DraftHelper
from agent.draft_helper_process import helper_writer
from agent.settings import Settings
from agent.usecases.scans import run_scan
from agent.writing import Writer, make_writer
from store.demo_data import write_demo_bundle
from store.importer import import_bundle
from store.models import Review, Scan, ScanResult
from tests.llm_fakes import sample_report, sample_snapshot
from tests.llm_guard import serve
from tests.stub_server import load_stub

NOW = datetime(2026, 11, 27, tzinfo=UTC)
CONCURRENCY = 2
# The runner's first model calls answer this late, so the helper gets ready (its start takes
# seconds) while the runner's own writes are still in flight: the switch the bound must survive.
SLOW_SECONDS = 10.0
READY = "the draft helper is ready (%s); %d writes here still in flight"
Progress = Callable[[str, int, int], None]


class Records(logging.Handler):
    """The draft helper's log records, whichever thread logs them."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def args(self, message: str) -> list[Any]:
        return [r.args for r in self.records if r.msg == message]


@pytest.fixture(scope="module")
def stub() -> Iterator[Any]:
    with load_stub().StubProcess(latency=0.05) as server:
        yield server


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("draft-helper") / "bundle.json"
    write_demo_bundle(out=path, accounts=300, seed=5, now=NOW)
    return path


@pytest.fixture(params=["fork", "spawn"])
def start_method(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """How the scan's helper begins: forked as the drafting begins (a runner with no other
    thread), or spawned when it is due."""
    method: str = request.param
    monkeypatch.setattr(agent.draft_helper, "_forkable", lambda: method == "fork")
    return method


@pytest.fixture
def records() -> Iterator[Records]:
    handler, logger = Records(), logging.getLogger("agent.draft_helper")
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    yield handler
    logger.removeHandler(handler)
    logger.setLevel(level)


def _waits_for_the_helper(records: Records) -> Progress:
    """After the first batch, the scan waits for the helper to be ready: the scan's later
    candidates are the helper's, however long its start takes on a busy machine."""
    gated = []

    def progress(phase: str, done: int, total: int) -> None:
        if phase != "gating":
            return
        gated.append(done)
        deadline = time.monotonic() + 60
        while len(gated) > 1 and not records.args(READY) and time.monotonic() < deadline:
            time.sleep(0.05)

    return progress


def _scan(
    folder: Path, stub: Any, bundle: Path, *, helper_from: int, progress: Progress
) -> dict[str, Any]:
    settings = Settings(
        database_url=f"sqlite:///{folder / 'advocacy.db'}",
        openai_api_key="sk-test",  # type: ignore[arg-type]
        openai_base_url=f"{stub.base_url}/v1",
        llm_concurrency=CONCURRENCY,
        scan_batch_size=50,
        draft_helper_min_accounts=helper_from,
        draft_helper_load=0,  # with the first candidate, whatever this machine's speed
    )
    # The runner's own calls go through the client our composition root injects: let (only)
    # the stub's URL through the LLM guard. The helper builds its own client from the settings.
    with (
        respx.mock(assert_all_called=False) as router,
        httpx.Client() as client,
        open_services(settings, clock=lambda: NOW, http_client=client) as services,
    ):
        router.route(url__startswith=stub.base_url).pass_through()
        serve(stub.base_url)  # for a forked helper: it inherits this test's guard
        import_bundle(engine=services.engine, source=bundle)
        # One scan id for every run: review ids are derived from it.
        scan_id = run_scan(services=services, now=NOW, scan_id="scan-drafted", progress=progress)
        with services.deps.session_factory() as session:
            reviews = session.execute(
                select(
                    Review.account_id, Review.status, Review.ask_type, Review.flags, Review.payload
                )
                .where(Review.scan_id == scan_id)
                .order_by(Review.account_id)
            ).all()
            candidates = session.scalars(
                select(ScanResult.account_id).where(
                    ScanResult.scan_id == scan_id, ScanResult.status == "candidate"
                )
            ).all()
            status = session.scalar(select(Scan.status).where(Scan.id == scan_id))
    return {
        "reviews": [tuple(row) for row in reviews],
        "candidates": sorted(candidates),
        "status": status,
    }


@pytest.fixture(scope="module")
def alone(stub: Any, bundle: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    folder = tmp_path_factory.mktemp("alone")
    return _scan(folder, stub, bundle, helper_from=0, progress=lambda *_: None)


def test_a_scan_whose_texts_a_helper_writes_opens_the_reviews_of_one_without(
    stub: Any,
    bundle: Path,
    tmp_path: Path,
    records: Records,
    alone: dict[str, Any],
    start_method: str,
) -> None:
    stub.reset()
    stub.script(["slow"] * CONCURRENCY, slow_seconds=SLOW_SECONDS)
    helped = _scan(tmp_path, stub, bundle, helper_from=1, progress=_waits_for_the_helper(records))
    peak = stub.stats()["peak_in_flight"]
    assert alone["reviews"] and alone["status"] == "done"
    assert [row[0] for row in alone["reviews"]] == alone["candidates"]
    assert helped == alone
    # The helper got ready while the runner still wrote, wrote part of the texts, and stopped.
    ((method, in_flight),) = records.args(READY)
    assert method == start_method and in_flight > 0
    ((written, exit_code),) = records.args("the draft helper wrote %d texts; exit code %s")
    assert 0 < written < len(alone["candidates"]) and exit_code == 0
    # Across the switch and after it, the two processes' calls never exceeded the bound.
    assert peak <= CONCURRENCY


def test_a_scans_first_report_comes_once_its_helper_is_forked(
    stub: Any, bundle: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The terminal's progress bar starts its refresh thread at the scan's first report
    (cli/workflow_commands.progress_bar): by then the helper must be forked, as a process with
    another thread would spawn it."""
    monkeypatch.setattr(agent.draft_helper, "_forkable", lambda: True)
    helpers_at_first_report: list[list[str]] = []

    def progress(phase: str, done: int, total: int) -> None:
        if not helpers_at_first_report:
            children = multiprocessing.active_children()
            helpers_at_first_report.append([c.name for c in children if c.name.startswith("draft")])

    stub.reset()
    _scan(tmp_path, stub, bundle, helper_from=1, progress=progress)
    assert helpers_at_first_report == [["draft-helper-scan-drafted"]]


def _kills_the_helper(records: Records) -> Progress:
    """Waits for the helper after the first batch (as above); kills it once the third batch is
    handed out (the drafting progress counts more candidates handed out than it first did after
    the helper got ready): the helper then holds that batch's jobs, just sent."""
    waits, handed_out, killed = _waits_for_the_helper(records), [], []

    def progress(phase: str, done: int, total: int) -> None:
        waits(phase, done, total)
        if phase != "drafting" or killed or not records.args(READY):
            return
        handed_out.append(total)
        if total == handed_out[0]:
            return
        for child in multiprocessing.active_children():
            if child.name.startswith("draft-helper-") and child.pid is not None:
                os.kill(child.pid, signal.SIGKILL)
                killed.append(child.pid)

    return progress


@pytest.mark.usefixtures("start_method")
def test_a_helper_killed_mid_drafting_loses_no_candidate(
    stub: Any, bundle: Path, tmp_path: Path, records: Records, alone: dict[str, Any]
) -> None:
    stub.reset()
    helped = _scan(tmp_path, stub, bundle, helper_from=1, progress=_kills_the_helper(records))
    # It died holding jobs; the runner wrote them, and the scan finished without waiting for
    # ever: each candidate has exactly one review, the same as a scan without a helper.
    (lost,) = records.args("the draft helper ended holding %d jobs: %s")
    assert lost[0] > 0
    ((_, exit_code),) = records.args("the draft helper wrote %d texts; exit code %s")
    assert exit_code == -signal.SIGKILL
    assert helped["status"] == "done"
    accounts = Counter(row[0] for row in helped["reviews"])
    assert sorted(accounts) == helped["candidates"] and set(accounts.values()) == {1}
    assert helped == alone
    # No bound on the stub's peak here: the killed helper's requests stay in flight at the
    # server (until it notices their connections closed) while the runner writes their jobs.


def test_an_error_writing_in_the_helper_is_that_candidates_error(stub: Any, tmp_path: Path) -> None:
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'advocacy.db'}",
        openai_api_key="sk-test",  # type: ignore[arg-type]
        openai_base_url=f"{stub.base_url}/v1",
    )
    helper = DraftHelper(settings, "draft-helper-errors")
    helper.start()
    deadline = time.monotonic() + 60
    while not helper.ready:
        assert time.monotonic() < deadline, "the helper never got ready"
        time.sleep(0.05)
    snapshot = sample_snapshot().model_dump(mode="json")
    # A report with no ask to write: `written_texts` refuses it, in the helper as it would here.
    unaskable = sample_report().model_copy(update={"ask_type": None}).model_dump(mode="json")
    good = sample_report().model_dump(mode="json")

    def not_here() -> dict[str, Any]:
        raise AssertionError("written in the runner, not the helper")

    failed = helper.texts(snapshot, unaskable, here=not_here)
    written = helper.texts(snapshot, good, here=not_here)
    assert isinstance(failed.exception(timeout=60), AssertionError)
    assert "written in the runner" not in str(failed.exception())
    assert set(written.result(timeout=60)) == {"summary", "draft"}
    assert helper.close(failed=False) == 0


def _busy(seconds: float) -> None:
    """Spend `seconds` of this thread's CPU, however busy the machine."""
    until = time.thread_time() + seconds
    while time.thread_time() < until:
        pass


@pytest.mark.parametrize(
    ("write", "starts"),
    [
        pytest.param(lambda: _busy(0.05), True, id="a_busy_writer_fast_model"),
        pytest.param(lambda: time.sleep(0.05), False, id="an_idle_writer_slow_model"),
    ],
)
def test_the_helper_starts_once_the_runners_writing_takes_its_share_of_a_core(
    tmp_path: Path, write: Callable[[], None], starts: bool
) -> None:
    """The runner writes until the helper is due (`draft_helper_load`, a quarter of a core by
    default): writes that are mostly CPU start it, writes that mostly wait on the model never
    do, however many there are."""
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'advocacy.db'}",
        openai_base_url="http://127.0.0.1:9/v1",  # never called: the runner writes here
    )
    helper = DraftHelper(settings, "draft-helper-load")
    snapshot = sample_snapshot().model_dump(mode="json")
    report = sample_report().model_dump(mode="json")

    def here() -> dict[str, Any]:
        write()
        return {"summary": {}, "draft": {}}

    try:
        helper.consider_start()  # the first candidate handed out
        for _ in range(10):  # 0.5 s: past the window over which the load is judged
            assert helper.texts(snapshot, report, here=here).done()
            if helper.started:  # its next texts may be its own once it is ready
                break
        assert helper.started is starts
    finally:
        helper.close(failed=False)


# What a spawned helper imports before it is ready: the module of its entry point and the
# writer's. Printed: the LangGraph and SQLAlchemy modules among them.
HELPER_IMPORTS = """
import json, sys
import agent.draft_helper_process, agent.writing
print(json.dumps(sorted(m for m in sys.modules if m.split(".")[0] in ("langgraph", "sqlalchemy"))))
"""


def test_the_helper_starts_without_the_graph_or_the_database() -> None:
    """Every import at a spawned helper's start is CPU a big scan pays before its second core
    writes: it needs the writer, not LangGraph (~0.5 s of imports) nor SQLAlchemy (~0.3 s)."""
    done = subprocess.run(
        [sys.executable, "-c", HELPER_IMPORTS], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == []


def test_a_forked_helper_never_due_ends_when_the_drafting_does(tmp_path: Path) -> None:
    """Forked as the drafting begins, a helper whose load never came waits, idle, and ends
    with the drafting, without building a writer."""
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'advocacy.db'}",
        openai_base_url="http://127.0.0.1:9/v1",  # never called
    )
    helper = DraftHelper(settings, "draft-helper-idle", fork=True)
    (process,) = [p for p in multiprocessing.active_children() if p.name == "draft-helper-idle"]
    assert helper.method == "fork" and not helper.started and process.is_alive()
    assert helper.close(failed=False) is None
    assert process.exitcode == 0


def _http_client(writer: Writer) -> Any:
    chat_model: Any = writer._chat_model
    return chat_model.root_client._client


def test_the_helpers_writer_has_an_http_client_of_its_own(tmp_path: Path) -> None:
    """langchain-openai keeps one HTTP client per server for the whole process, and a forked
    helper inherits the runner's with its open connections, on which the two processes'
    requests and answers would interleave: the helper's writer must not take it."""
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'advocacy.db'}",
        openai_api_key="sk-test",  # type: ignore[arg-type]
        openai_base_url="http://127.0.0.1:9/v1",
    )
    runners = _http_client(make_writer(settings))
    assert _http_client(make_writer(settings)) is runners  # the one the fork would inherit
    assert _http_client(helper_writer(settings)) is not runners
