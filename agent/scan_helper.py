"""A second process that gates part of a big SQLite scan, so gating uses a second core.

Gating is CPU-bound Python: one process runs it on one core (100k accounts took ~25 s). On
PostgreSQL, `advocacy worker` processes share the batches; an in-process SQLite scan of at least
`scan_helper_min_accounts` accounts starts one helper instead. The runner takes the batches from
the first one on, the helper from the last one back; each batch is claimed by one of them, in a
table of claims both share. The helper only reads: it sends each batch back gated, its rows and
events built (`gate_for_helper`), and the runner stores them as it stores its own, in order:
the runner stays SQLite's one writer, so its write lock (store/db.py) still orders every write
and no process polls on the busy timeout. The candidates' evidence is not sent: their drafting
threads read it, as after a resumed batch.

The helper is spawned, never forked (the runner may have live threads, and a forked process
must not open a SQLite file its parent has open: SQLite keeps each file's locks in process
memory the child would inherit), and knows only the settings: it opens its own engine. Its
task (`agent.scan_gating.gate_for_helper`) lives with the gating, so its start imports no
LangGraph and no model stack. If it dies, the runner gates whatever the helper had claimed
and not sent.
"""

from __future__ import annotations

import logging
import multiprocessing
import queue as queue_module
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, Generic, NoReturn, TypeVar

from agent.deps import Deps
from agent.helper_process import helper_while
from agent.settings import Settings
from store.db import is_sqlite, make_engine, make_session_factory

log = logging.getLogger(__name__)
T = TypeVar("T")

# Who gates a batch: nobody yet, the runner, the helper.
FREE, RUNNER, HELPER = 0, 1, 2
# How often the runner, waiting on one of the helper's batches, checks that the helper lives.
POLL_SECONDS = 0.2

# A batch gated in the helper (None: nothing to send), and what the runner gets back.
GateBatch = Callable[[Deps, str, int], T | None]


def wants_helper(settings: Settings, *, accounts: int, batches: int, reuses: bool) -> bool:
    """A helper pays for its start-up (~1.5 s of imports) only on a big SQLite scan of several
    batches that gates every account: a re-scan (`reuses` a base scan's results) gates a few
    (a 1%-changed re-scan of 100k takes ~2.5 s in all)."""
    least = settings.scan_helper_min_accounts
    return (
        is_sqlite(settings.database_url)
        and least > 0
        and accounts >= least
        and batches > 1
        and not reuses
    )


class GatingHelper(Generic[T]):
    """The helper process of one scan, and the claims on its batches."""

    def __init__(
        self, settings: Settings, scan_id: str, numbers: Sequence[int], gate: GateBatch[T]
    ) -> None:
        context = multiprocessing.get_context("spawn")
        self._numbers = list(numbers)
        self._claims: Any = context.Array("b", len(self._numbers))
        self._stored: Any = context.Queue()
        self._done: dict[int, T | None] = {}
        self.helped = 0  # batches the helper sent
        self._process = context.Process(
            target=_helper_main,
            args=(settings, scan_id, self._numbers, self._claims, self._stored, gate),
            name=f"gating-helper-{scan_id}",
            daemon=True,
        )
        self._process.start()

    def ready(self, number: int) -> T | None:
        """What the helper sent for batch `number`, once it did; None when the runner is to
        run the batch itself (it claimed it now, or the helper died before sending it)."""
        index = self._numbers.index(number)
        with self._claims.get_lock():
            if self._claims[index] == FREE:
                self._claims[index] = RUNNER
            if self._claims[index] == RUNNER:
                return None
        while number not in self._done:
            try:
                self._receive(self._stored.get(timeout=POLL_SECONDS))
            except queue_module.Empty:
                if not self._process.is_alive():
                    self._drain()
                    break
        return self._done.pop(number, None)

    def _receive(self, sent: tuple[int, T | None]) -> None:
        self._done[sent[0]] = sent[1]
        self.helped += sent[1] is not None

    def _drain(self) -> None:
        while True:
            try:
                self._receive(self._stored.get_nowait())
            except queue_module.Empty:
                return

    def close(self, *, failed: bool) -> None:
        """Wait for the helper (it stops when no batch is left); stop it if the runner failed."""
        if failed:
            self._process.terminate()
        self._process.join()
        if self._process.exitcode not in (0, None) and not failed:
            log.warning("the gating helper exited with code %s", self._process.exitcode)
        log.info("the gating helper gated %d of %d batches", self.helped, len(self._numbers))
        self._stored.close()


@contextmanager
def gating_helper(
    settings: Settings, scan_id: str, numbers: Sequence[int], gate: GateBatch[T], *, wanted: bool
) -> Iterator[GatingHelper[T] | None]:
    """The scan's helper while the block runs when `wanted`, else None."""
    with helper_while(
        lambda: GatingHelper(settings, scan_id, numbers, gate), wanted=wanted
    ) as helper:
        yield helper


def _claim_last(claims: Any) -> int | None:
    with claims.get_lock():
        for index in range(len(claims) - 1, -1, -1):
            if claims[index] == FREE:
                claims[index] = HELPER
                return index
    return None


def _never_drafts() -> NoReturn:
    raise RuntimeError("the gating helper gates; it never drafts, so it has no chat model")


def _helper_main(
    settings: Settings,
    scan_id: str,
    numbers: list[int],
    claims: Any,
    stored: Any,
    gate: GateBatch[Any],
) -> None:
    engine = make_engine(settings.database_url, threads=1)
    try:
        deps = Deps(settings, make_session_factory(engine), writer_of=_never_drafts)
        while (index := _claim_last(claims)) is not None:
            stored.put((numbers[index], gate(deps, scan_id, numbers[index])))
    finally:
        engine.dispose()
        stored.close()
        stored.join_thread()
