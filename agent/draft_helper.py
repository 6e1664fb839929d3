"""A second process that writes a big SQLite scan's drafts, so drafting uses a second core.

Drafting a candidate costs several ms of CPU in one process, about half of it writing (the
prompt, the openai client, the output checks) and half recording (the review and the
checkpoint): at a fast model the interpreter lock, not the model, sets the pace. An in-process
SQLite scan of at least `draft_helper_min_accounts` accounts, with a model configured, has a
spawned helper write its candidates' texts (`written_texts`, from the snapshot and the report
the batch gated, sent as JSON) while the runner records them, SQLite's one writer as before.
It starts once the runner's own writing takes `draft_helper_load` of a core (`helper_due`):
with a slow model the runner's interpreter is mostly idle, and a helper there bought no wall
time for ~1-2.5 s of CPU spent importing the model stack.

The helper's process is forked when the drafting begins, while the runner has no other thread
(`_forkable`: a lock another thread held at the fork would stay held in the child), and waits
there, idle, until it is due: it has the runner's imports already, so it is ready in
milliseconds and its start costs no CPU. Otherwise (an API server's threads) it is spawned
when due, and its imports take ~1-2.5 s of CPU. Either way it knows only the
settings: it builds its own writer (`helper_writer`), with an HTTP client of its own (a forked
one must never send on the runner's connections) and its own `llm_concurrency` model call
slots.
Until it says it is ready the runner writes as before;
then each new candidate goes to the helper, but only once the runner's own writes in flight
have ended, so at most `llm_concurrency` model calls are made at once across both processes.
If the helper dies, each job it held fails with `HelperGone`, for the runner to write itself at
once (the dead helper's requests may still be in flight at the server for a moment: the bound
holds for the processes that live).
Jobs and texts travel over two pipes in lists (`Outbox`), as many as were waiting for a send.
"""

from __future__ import annotations

import itertools
import logging
import multiprocessing
import pickle
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from contextlib import contextmanager
from typing import Any, Literal

from agent.draft_helper_process import READY, START, Job, Outbox, helper_main
from agent.helper_process import helper_while
from agent.settings import Settings
from agent.texts import Texts
from store.db import is_sqlite

log = logging.getLogger(__name__)

# How often the runner's reader thread, waiting for texts, checks that the helper lives.
POLL_SECONDS = 0.2
# How long a helper asked to stop may take to finish what it holds.
STOP_SECONDS = 30.0
# The runner's writing load is judged over at least this long from the first candidate: a
# write or two done at once (a fast error, a short answer) say little about the load.
LOAD_WINDOW_SECONDS = 0.1


class HelperGone(RuntimeError):
    """The helper ended before writing the job: the runner writes it itself."""


def wants_draft_helper(settings: Settings, *, accounts: int) -> bool:
    """A helper pays for its start-up (~2-3 s of CPU) only on a big SQLite scan with a model:
    the offline template writes in microseconds."""
    least = settings.draft_helper_min_accounts
    return (
        is_sqlite(settings.database_url)
        and settings.llm_configured
        and least > 0
        and accounts >= least
    )


def helper_due(*, load: float, write_cpu: float, elapsed: float) -> bool:
    """Whether the runner's own writing, `write_cpu` seconds of CPU in the `elapsed` seconds
    since its first candidate, takes enough of a core (`load`) for a helper to pay; always
    when `load` is 0."""
    if load <= 0:
        return True
    return elapsed >= LOAD_WINDOW_SECONDS and write_cpu >= load * elapsed


class DraftHelper:
    """The helper process of one scan's drafting, started once the runner's writing load calls
    for it (`consider_start`), and the jobs it holds."""

    def __init__(self, settings: Settings, name: str, *, fork: bool | None = None) -> None:
        self._settings, self._name = settings, name
        self._lock = threading.Lock()
        self._starting = threading.Lock()  # writing threads may find it due at once
        self._pending: dict[int, Future[Texts]] = {}
        self._held: list[Job] = []  # for the helper once the runner's own writes end
        self._ids = itertools.count()
        self._here = 0  # the runner's own writes in flight
        self._ready = self._gone = self._closing = False
        self._process: Any = None
        self._first_candidate: float | None = None  # time.monotonic()
        self._write_cpu = 0.0  # the runner's own writes' thread CPU seconds
        self.written = 0  # texts the helper sent
        self.exitcode: int | None = None
        self._started = False  # the runner said START
        self.method: str | None = None  # how its process began: "fork" or "spawn"
        if _forkable() if fork is None else fork:
            self._prepare("fork")  # now, before the drafting starts a thread; else spawned

    def consider_start(self, *, write_cpu: float = 0.0) -> None:
        """Start the helper if the runner's writing load calls for it (`helper_due`): called for
        each candidate handed out, and after each of the runner's own writes with its thread
        CPU (`write_cpu`), until the helper has started."""
        if self.started:
            return
        with self._lock:
            now = time.monotonic()
            if self._first_candidate is None:
                self._first_candidate = now
            self._write_cpu += write_cpu
            due = helper_due(
                load=self._settings.draft_helper_load,
                write_cpu=self._write_cpu,
                elapsed=now - self._first_candidate,
            )
        if due:
            self.start()

    def start(self) -> None:
        """Start the helper, once (not again after it failed to start); the runner writes until
        it is ready."""
        with self._starting:
            if self._started or self._gone or self._closing:
                return
            if self._process is None and not self._prepare("spawn"):
                self._gone = True
                return
            self._jobs.put(START)
            self._started = True
            self._reader = threading.Thread(
                target=self._read, name=f"{self._name}-reader", daemon=True
            )
            self._reader.start()

    def _prepare(self, method: Literal["fork", "spawn"]) -> bool:
        """The helper's process, waiting for START: forked as the drafting begins, or spawned
        when it is due; False when it could not start."""
        context: Any = multiprocessing.get_context(method)
        helper_jobs, jobs = context.Pipe(duplex=False)
        self._texts, helper_texts = context.Pipe(duplex=False)
        self._jobs = Outbox(jobs)
        inherited = (jobs, self._texts) if method == "fork" else ()
        process = context.Process(
            target=helper_main,
            args=(self._settings, helper_jobs, helper_texts, inherited),
            name=self._name,
            daemon=True,
        )
        try:
            process.start()
        except Exception as error:  # e.g. spawned from a main module that spawns on import
            log.warning("the draft helper did not start (%s): %s", method, error)
            jobs.close()
            self._texts.close()
            return False
        finally:  # the helper's ends: each pipe ends (EOF) when the process at its other end does
            helper_jobs.close()
            helper_texts.close()
        self._process, self.method = process, method
        return True

    @property
    def started(self) -> bool:
        """The helper was started (it may not be ready yet, or may have ended)."""
        return self._started

    @property
    def ready(self) -> bool:
        """The helper said it is ready and has not ended: new jobs go to it."""
        with self._lock:
            return self._ready and not self._gone

    def texts(
        self, snapshot: dict[str, Any], report: dict[str, Any], *, here: Callable[[], Texts]
    ) -> Future[Texts]:
        """A candidate's texts: the helper's once it is ready and alive (the future resolves
        on the reader thread), else written here by `here` (the future is done on return)."""
        future: Future[Texts] = Future()
        job: Job | None = None
        with self._lock:
            helped = self._ready and not self._gone
            if helped:
                self._pending[number := next(self._ids)] = future
                if self._here:
                    self._held.append((number, snapshot, report))
                else:
                    job = (number, snapshot, report)
            else:
                self._here += 1
        if job is not None:
            self._jobs.put(job)
        if helped:
            return future
        started = time.thread_time()
        try:
            future.set_result(here())
        except BaseException as error:
            future.set_exception(error)
        finally:
            self._written_here(cpu=time.thread_time() - started)
        return future

    def _written_here(self, *, cpu: float) -> None:
        self.consider_start(write_cpu=cpu)
        with self._lock:
            self._here -= 1
            if self._here or self._gone:
                return
            held, self._held = self._held, []
        if held:
            self._jobs.put(*held)

    def _read(self) -> None:
        try:
            while True:
                if not self._texts.poll(POLL_SECONDS):
                    if self._process.is_alive():
                        continue
                    if not self._texts.poll():  # all it sent is read
                        break
                for message in self._texts.recv():
                    self._receive(message)
        except (EOFError, OSError):  # it ended
            pass
        self._process.join(POLL_SECONDS)
        if not self._closing:
            log.warning("the draft helper ended (exit code %s)", self._process.exitcode)
        self._lose(HelperGone(f"the draft helper exited ({self._process.exitcode})"))

    def _receive(self, message: tuple[Any, ...]) -> None:
        if message[0] == READY:
            with self._lock:
                self._ready, here = True, self._here
            log.info(
                "the draft helper is ready (%s); %d writes here still in flight", self.method, here
            )
            return
        job, texts, error = message
        with self._lock:
            future = self._pending.pop(job, None)
        if future is None:  # failed already: the scan stopped
            return
        if error is None:
            self.written += 1
            future.set_result(texts)
        else:
            future.set_exception(pickle.loads(error))

    def _lose(self, error: BaseException) -> None:
        """No job goes to the helper any more; those it held fail with `error`."""
        with self._lock:
            self._gone = True
            lost = list(self._pending.values())
            self._pending.clear()
            self._held.clear()
        if lost:
            log.warning("the draft helper ended holding %d jobs: %s", len(lost), error)
        for future in lost:
            future.set_exception(error)

    def close(self, *, failed: bool) -> int | None:
        """Stop the helper: it ends when it has sent what it holds (at once when the scan
        failed, or when it never got ready); its exit code."""
        with self._starting:  # none starts from here on
            self._closing = True
        if self._process is None:
            return None
        if not self._started:  # forked, never due: it ends without building a writer
            self._jobs.put(None)
            self._join()
            return None
        if failed or not self._ready:
            # Failed, not gone: the runner is not to write them again.
            self._lose(RuntimeError("drafting stopped"))
            self._process.terminate()
        else:
            self._jobs.put(None)  # it stops when it has sent the texts of every job before
        self._join()
        self.exitcode = self._process.exitcode
        if self.exitcode != 0 and self._ready and not failed:
            log.warning("the draft helper exited with code %s", self.exitcode)
        log.info("the draft helper wrote %d texts; exit code %s", self.written, self.exitcode)
        return self.exitcode

    def _join(self) -> None:
        """Wait for the helper (killed if it takes longer than `STOP_SECONDS`) and for the
        reader of its texts, then close the pipes."""
        self._process.join(STOP_SECONDS)
        if self._process.is_alive():
            self._process.kill()
            self._process.join()
        if self._started:
            self._reader.join()
        self._jobs.close()
        self._texts.close()


@contextmanager
def draft_helper(settings: Settings, name: str, *, wanted: bool) -> Iterator[DraftHelper | None]:
    """The drafting's helper (not started yet) while the block runs when `wanted`, else None."""
    with helper_while(lambda: DraftHelper(settings, name), wanted=wanted) as helper:
        yield helper


def _forkable() -> bool:
    """Whether to fork the helper as the drafting begins: only a process with no other thread
    (a lock another thread held at the fork would stay held in the child for ever) whose
    writer is built (else the fork saves no import)."""
    return (
        "fork" in multiprocessing.get_all_start_methods()
        and threading.active_count() == 1
        and "agent.writing" in sys.modules
    )
