"""The scaling figure: one LLM-bound scan on PostgreSQL run by 1, 2, 4 … `advocacy worker`
processes (`scan_bench.py --workers 1,2,4`).

One database (a fresh one on the local server, dropped at the end; ADVOCACY_BENCH_PG_URL names
the server's admin URL) gets the demo data once. For each worker count: the reviews, results and
checkpoints of the previous round are emptied, N workers start (each `--concurrency 1`: one
batch at a time, `llm_concurrency` drafts at once; two batches per worker ran this machine's
PostgreSQL, max_connections 100 and shared, out of connections at 4 workers), one scan is
enqueued as the API does,
and the clock runs until the last batch finishes it. The stub model server runs in its own
process, threaded, answering after a fixed latency: its peak of requests at once is printed, to
show it was never what the workers waited for.

Printed per worker count: wall, candidates drafted per second, the speed-up over one worker,
wall against the LLM-bound ideal (calls x latency / (workers x llm_concurrency)), and the CPU
the workers used per wall second (2.0 is every core of a 2-core machine).
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text
from stub_llm import StubProcess

from agent.bootstrap import open_services
from agent.settings import Settings
from agent.usecases.scans import start_scan
from store.db import make_engine

ADVOCACY = str(Path(sys.executable).parent / "advocacy")
ADMIN_URL = os.environ.get(
    "ADVOCACY_BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
ROUND_TABLES = (
    "scan_results, scan_batches, scans, reviews, measurement_events, checkpoints, "
    "checkpoint_blobs, checkpoint_writes, procrastinate_jobs, procrastinate_workers"
)
WORKER_JOBS = 1
Prepare = Callable[[str, Path, int, int], dict[str, float]]


@contextmanager
def fresh_database() -> Iterator[str]:
    name = f"advocacy_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@dataclass(frozen=True)
class Round:
    workers: int
    wall: float
    drafted: int
    calls: int
    peak_requests: int
    worker_cpu: float


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a live process so far (Linux /proc, clock ticks)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def worker_env(args: argparse.Namespace, url: str, stub: StubProcess) -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("ADVOCACY_", "OPENAI_"))}
    return {
        **clean,
        "ADVOCACY_DATABASE_URL": url,
        "OPENAI_BASE_URL": f"{stub.base_url}/v1",
        "OPENAI_API_KEY": "sk-bench",
        "ADVOCACY_LLM_CONCURRENCY": str(args.concurrency),
        "ADVOCACY_STRUCTURED_OUTPUT_METHOD": args.method,
        "ADVOCACY_WRITE_MODE": args.write_mode,
        "ADVOCACY_SCAN_BATCH_SIZE": str(args.worker_batch_size),
        "ADVOCACY_TICK_EVERY_SECONDS": "0",
        "ADVOCACY_WORKER_POLL_SECONDS": "0.5",
    }


def one_round(
    args: argparse.Namespace, url: str, stub: StubProcess, workers: int, now: datetime
) -> Round:
    engine = make_engine(url)
    with engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {ROUND_TABLES} CASCADE"))
    stub.reset()
    env = worker_env(args, url, stub)
    started = [
        subprocess.Popen(
            [ADVOCACY, "worker", "--concurrency", str(WORKER_JOBS)],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        for n in range(workers)
        for log in [(Path(args.folder) / f"workers-{workers}-{n}.log").open("wb")]
    ]
    try:
        _until(lambda: _scalar(engine, "SELECT count(*) FROM procrastinate_workers") == workers)
        cpu_before = sum(cpu_seconds(p.pid) for p in started)
        settings = Settings(database_url=url, job_queue="procrastinate")
        with open_services(settings) as services:
            began = time.perf_counter()
            scan = start_scan(
                services=services, executor=None, now=now, segment=None, account_ids=None,
                limit=None,
            )  # fmt: skip
        done = f"SELECT status FROM scans WHERE id = '{scan.scan_id}'"
        _until(lambda: _scalar(engine, done) in ("done", "failed"), every=0.1)
        wall = time.perf_counter() - began
        cpu = sum(cpu_seconds(p.pid) for p in started) - cpu_before
        counts = _scalar(engine, f"SELECT counts FROM scans WHERE id = '{scan.scan_id}'")
        if _scalar(engine, done) != "done":
            error = _scalar(engine, f"SELECT error FROM scans WHERE id = '{scan.scan_id}'")
            raise SystemExit(f"the scan failed ({error}); the workers' logs: {args.folder}")
    finally:
        for process in started:
            process.send_signal(signal.SIGTERM)
        for process in started:
            process.wait(timeout=60)
        engine.dispose()
    stats = stub.stats()
    return Round(
        workers=workers,
        wall=wall,
        drafted=int(counts.get("reviews_opened", 0)),
        calls=int(stats.get("requests", 0)),
        peak_requests=int(stats.get("peak_in_flight", 0)),
        worker_cpu=cpu,
    )


def _scalar(engine: Any, query: str) -> Any:
    with engine.connect() as connection:
        return connection.execute(text(query)).scalar()


def _until(condition: Callable[[], bool], every: float = 0.2, seconds: float = 900) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise SystemExit("timed out: see the workers")
        time.sleep(every)


def print_table(args: argparse.Namespace, rounds: list[Round]) -> None:
    base = rounds[0]
    print(
        f"\nworkers bench: {args.accounts:,} accounts on PostgreSQL, "
        f"stub latency {args.latencies[0]}s, "
        f"llm_concurrency {args.concurrency} x {WORKER_JOBS} jobs per worker, "
        f"batches of {args.worker_batch_size}, {os.cpu_count()} CPU cores"
    )
    header = ("workers", "wall s", "drafted", "cand/s", "speed-up", "wall/ideal", "calls/cand")
    header += ("stub peak", "worker CPU-s/s")
    print("  ".join(f"{h:>10}" for h in header))
    for r in rounds:
        rate = r.drafted / r.wall
        ideal = r.calls * args.latencies[0] / (r.workers * WORKER_JOBS * args.concurrency)
        row = (
            f"{r.workers}",
            f"{r.wall:.1f}",
            f"{r.drafted}",
            f"{rate:.1f}",
            f"{rate / (base.drafted / base.wall):.2f}x",
            f"{r.wall / ideal:.2f}" if ideal else "-",
            f"{r.calls / r.drafted:.2f}" if r.drafted else "-",
            f"{r.peak_requests}",
            f"{r.worker_cpu / r.wall:.2f}",
        )
        print("  ".join(f"{v:>10}" for v in row))


def run_workers(args: argparse.Namespace, prepare: Prepare, now: datetime) -> None:
    """`scan_bench.py --workers 1,2,4`: see the module docstring."""
    counts = [int(n) for n in args.workers.split(",") if n]
    with fresh_database() as url:
        # `advocacy db upgrade`: the schema, the queue's and the checkpointer's tables at once
        env = {**os.environ, "ADVOCACY_DATABASE_URL": url}
        subprocess.run([ADVOCACY, "db", "upgrade"], env=env, check=True, capture_output=True)
        print(f"preparing {args.accounts:,} demo accounts on PostgreSQL ...", flush=True)
        prepare(url, Path(args.folder), args.accounts, args.seed)
        rounds = []
        with StubProcess(latency=args.latencies[0]) as stub:
            for workers in counts:
                print(f"scanning with {workers} worker(s) ...", flush=True)
                rounds.append(one_round(args, url, stub, workers, now))
        print_table(args, rounds)
