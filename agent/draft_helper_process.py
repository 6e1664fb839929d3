"""The draft helper's own process (agent/draft_helper.py runs it): it waits for the runner's
START, builds its writer, writes each job the runner sends on a pool of threads and sends the
texts back; and the pipes' ends both processes send on (`Outbox`).

Its own module, free of LangGraph and the database, and of the runner's side: what a spawned
helper imports before it is ready is CPU a big scan pays before its second core writes.
"""

from __future__ import annotations

import pickle
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import suppress
from typing import TYPE_CHECKING, Any

from agent.settings import Settings
from agent.slots import WRITERS_PER_SLOT
from agent.texts import written_texts
from domain.report import GateReport
from domain.snapshot import EvidenceSnapshot

if TYPE_CHECKING:
    from agent.writing import Writer

START = "start"  # the runner's first message: the helper is due
READY = "ready"  # the helper's first message: its writer is built

Job = tuple[int, dict[str, Any], dict[str, Any]]  # (job id, snapshot JSON, report JSON)


class Outbox:
    """Messages to the other process, sent in lists: a thread that finds another sending leaves
    its messages to the next send, which takes all those left. Under a busy interpreter lock
    each send waits up to a switch interval (5 ms) for the lock back: sent one by one, the
    jobs and their texts had capped drafting at ~80 candidates a second."""

    def __init__(self, connection: Any) -> None:
        self._connection = connection
        self._lock, self._sending = threading.Lock(), threading.Lock()
        self._messages: list[Any] = []

    def put(self, *messages: Any) -> None:
        with self._lock:
            self._messages.extend(messages)
        with self._sending:
            with self._lock:
                sent, self._messages = self._messages, []
            if not sent:
                return
            # OSError: the other process ended; the runner's reader fails what it held.
            with suppress(OSError):
                self._connection.send(sent)

    def close(self) -> None:
        with self._sending:
            self._connection.close()


def helper_writer(settings: Settings) -> Writer:
    """The helper's writer, with an HTTP client of its own: a forked helper inherits the
    runner's clients (langchain-openai keeps one per server for the whole process) and their
    open connections, on which two processes' requests and answers would interleave. It is
    openai's default client, without the TCP keepalive options langchain-openai adds to its
    own (they surface a silent server in ~90-120 s): each request is bounded by
    `llm_timeout_seconds` (30 s by default) anyway."""
    # Here, not at the top: the runner's process imports this module without the model stack.
    import openai

    from agent.writing import make_writer

    return make_writer(settings, http_client=openai.DefaultHttpxClient())


def helper_main(settings: Settings, jobs: Any, connection: Any, inherited: tuple[Any, ...]) -> None:
    for end in inherited:  # a forked helper's copies of the runner's ends of the pipes
        end.close()
    if not _due(jobs):
        return
    writer = helper_writer(settings).with_slots(settings.llm_concurrency)
    texts = Outbox(connection)
    texts.put((READY,))
    threads = settings.llm_concurrency * WRITERS_PER_SLOT
    try:
        with ThreadPoolExecutor(threads, thread_name_prefix="draft") as pool:
            for job in _jobs(jobs):
                pool.submit(_write, writer, texts, job)
    finally:
        texts.close()


def _due(jobs: Any) -> bool:
    """Wait for the runner's START; False when it stops (None) or ends first."""
    try:
        return START in jobs.recv()
    except EOFError:
        return False


def _jobs(jobs: Any) -> Iterator[Job]:
    """The runner's jobs, until it says stop (None) or ends (the pipe's EOF)."""
    while True:
        try:
            received = jobs.recv()
        except EOFError:
            return
        for job in received:
            if job is None:
                return
            yield job


def _write(writer: Writer, texts: Outbox, job: Job) -> None:
    number, snapshot, report = job
    try:
        written = written_texts(
            writer, EvidenceSnapshot.model_validate(snapshot), GateReport.model_validate(report)
        )
    except BaseException as error:
        texts.put((number, None, _pickled(error)))
    else:
        texts.put((number, written, None))


def _pickled(error: BaseException) -> bytes:
    """The error for the runner, or a RuntimeError naming it when it does not pickle."""
    try:
        return pickle.dumps(error)
    except Exception:
        return pickle.dumps(RuntimeError(f"{type(error).__name__}: {error}"))
