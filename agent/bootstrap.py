"""The one place that wires things together: settings -> engine, saver, chat model, graphs."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import httpx
from sqlalchemy import Engine

from agent.deps import Deps
from agent.graph import AdvocateGraph, compile_advocate_graph
from agent.jobs import JobQueue
from agent.llm import make_chat_model
from agent.scan import ScanGraph, compile_scan_graph
from agent.settings import Settings
from agent.usecases.recovery import recover
from agent.writing import Writer
from checkpoints.saver import open_checkpointer
from domain.clock import Clock, utc_now
from store.db import make_engine, make_session_factory
from store.migrate import ensure_schema


@dataclass(frozen=True)
class Services:
    engine: Engine
    deps: Deps
    advocate: AdvocateGraph
    scan: ScanGraph
    # The job queue (procrastinate, PostgreSQL); None: jobs run in this process.
    queue: JobQueue | None = None


@contextmanager
def open_services(
    settings: Settings,
    *,
    clock: Clock = utc_now,
    http_client: httpx.Client | None = None,
    jobs: int = 1,
) -> Iterator[Services]:
    """Everything a command needs, built once and closed on exit (`http_client`: for LLM tests;
    `jobs`: scan batches this process may run at once, as a worker, to size the pools)."""
    threads = settings.llm_concurrency * jobs
    engine = make_engine(settings.database_url, threads=threads + 4)
    try:
        ensure_schema(engine)
        writer = Writer(make_chat_model(settings, http_client=http_client), settings=settings)
        deps = Deps(
            settings=settings,
            session_factory=make_session_factory(engine),
            writer=writer,
            clock=clock,
        )
        with open_checkpointer(settings.database_url, pool_size=threads + 2) as saver:
            advocate = compile_advocate_graph(saver)
            recover(deps, advocate)
            yield Services(
                engine=engine,
                deps=deps,
                advocate=advocate,
                scan=compile_scan_graph(),
                queue=_job_queue(settings),
            )
    finally:
        engine.dispose()


def _job_queue(settings: Settings) -> JobQueue | None:
    if not settings.uses_job_queue:
        return None
    from agent.queue_client import ProcrastinateQueue  # procrastinate: only with the queue

    return ProcrastinateQueue(settings)
