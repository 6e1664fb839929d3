"""The one place that wires things together: settings -> engine, saver, chat model, graphs.

The engine and the deps' sessions are built when services open; the chat model, the checkpointer
and the graphs (langchain, openai, langgraph: about 3 s of imports) when first used, so a
command that only reads (`advocacy reviews list`) neither builds nor imports them.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from typing import TYPE_CHECKING

from agent.deps import Deps
from agent.lazy import Once
from agent.settings import Settings
from agent.usecases.recovery import recover_with
from domain.clock import Clock, utc_now
from store.db import make_engine, make_session_factory
from store.migrate import ensure_schema

if TYPE_CHECKING:
    import httpx
    from sqlalchemy import Engine

    from agent.graph import AdvocateGraph
    from agent.jobs import JobQueue
    from agent.scan import ScanGraph
    from agent.writing import Writer


class Services:
    """What a command or the API needs: `engine` and `deps` at once, the graphs on first use."""

    def __init__(self, *, engine: Engine, deps: Deps, pool_size: int, resources: ExitStack) -> None:
        self.engine = engine
        self.deps = deps
        # The job queue (procrastinate, PostgreSQL); None: jobs run in this process.
        self.queue = _job_queue(deps.settings)
        self._advocate = Once(lambda: _advocate_graph(deps.settings, pool_size, resources))
        self._scan = Once(_scan_graph)

    @property
    def advocate(self) -> AdvocateGraph:
        """The review workflow, compiled with the checkpointer, both built on first use."""
        return self._advocate()

    @property
    def scan(self) -> ScanGraph:
        return self._scan()

    def warm(self) -> None:
        """Build the graphs and the chat model now: a server pays at its start, not at its first
        request."""
        self.deps.writer_of()
        self._advocate()
        self._scan()


@contextmanager
def open_services(
    settings: Settings,
    *,
    clock: Clock = utc_now,
    http_client: httpx.Client | None = None,
    jobs: int = 1,
) -> Iterator[Services]:
    """Everything a command needs, built once (the heavy parts on first use) and closed on exit
    (`http_client`: for LLM tests; `jobs`: scan batches this process may run at once, as a
    worker, to size the pools)."""
    threads = settings.llm_concurrency * jobs
    engine = make_engine(settings.database_url, threads=threads + 4)
    with ExitStack() as resources:
        resources.callback(engine.dispose)
        ensure_schema(engine)
        deps = Deps(
            settings=settings,
            session_factory=make_session_factory(engine),
            writer_of=Once(lambda: _writer(settings, http_client)),
            clock=clock,
        )
        services = Services(engine=engine, deps=deps, pool_size=threads + 2, resources=resources)
        recover_with(deps, lambda: services.advocate)
        yield services


def _writer(settings: Settings, http_client: httpx.Client | None) -> Writer:
    from agent.writing import make_writer

    return make_writer(settings, http_client=http_client)


def _advocate_graph(settings: Settings, pool_size: int, resources: ExitStack) -> AdvocateGraph:
    from agent.graph import compile_advocate_graph
    from checkpoints.saver import open_checkpointer

    saver = resources.enter_context(open_checkpointer(settings.database_url, pool_size=pool_size))
    return compile_advocate_graph(saver)


def _scan_graph() -> ScanGraph:
    from agent.scan import compile_scan_graph

    return compile_scan_graph()


def _job_queue(settings: Settings) -> JobQueue | None:
    if not settings.uses_job_queue:
        return None
    from agent.queue_client import ProcrastinateQueue  # procrastinate: only with the queue

    return ProcrastinateQueue(settings)
