"""Scan benchmark: gating speed, LLM-bound drafting against a stub, peak RSS, prompt growth.

Run it as bench/scan_bench.py (a light entry: see its docstring).

Generates demo data (in a child process, so its memory is not counted), imports it, starts the
stub OpenAI-compatible server (bench/stub_llm.py), runs one scan at the demo's `now` and times its
gating and drafting phases through the scan's progress callback. Then two extra accounts, one with
20 evidence items and one with 5,000, run the advocate flow against the stub, which records the
real request bytes. Nothing calls a real model.

With --live the same scan figures come from a real OpenAI-compatible server instead (base URL
from --base-url, ADVOCACY_LIVE_BASE_URL or OPENAI_BASE_URL; bench/live_llm.py times each request
on the wire); `live/run.sh` starts a local llama.cpp server and sets them.

    .venv/bin/python bench/scan_bench.py                       # 10k accounts, 0.3 s and 0.05 s
    .venv/bin/python bench/scan_bench.py --write-mode two_calls  # the two-call mode, for contrast
    .venv/bin/python bench/scan_bench.py --gate-only --big     # 100k accounts gated, no LLM
    .venv/bin/python bench/scan_bench.py --gate-only --big --repeat 3  # best of 3, same data
    live/run.sh .venv/bin/python bench/scan_bench.py --live --accounts 80
    .venv/bin/python bench/scan_bench.py --workers 1,2,4   # PostgreSQL, `advocacy worker` x N
"""

from __future__ import annotations

import argparse
import json
import logging
import multiprocessing
import os
import queue as queue_module
import resource
import shutil
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from live_llm import WireLog, live_services, live_settings  # bench/ is first on sys.path
from machine import machine_words
from sqlalchemy import delete, insert, select
from stub_llm import StubLLM, StubProcess

from agent import scan_batches
from agent.bootstrap import Services, open_services
from agent.scan import ScanDeps, new_scan_id
from agent.scan_batches import finish_scan_batch, gated_batches, plan_scan
from agent.scan_gating import SKIPPED, STATUSES
from agent.settings import Settings
from agent.state import thread_config
from agent.usecases.scans import run_scan
from store.db import transaction
from store.models import Account, Review, Scan, ScanResult, Signal
from store.scans import add_queued_scan

NOW = datetime(2026, 11, 27, tzinfo=UTC)
SMALL_ITEMS, BIG_ITEMS = 20, 5_000
Stub = StubLLM | StubProcess
TARGETS = {
    "gate_100k_s": 15.0,
    "ratio_0.3": 1.1,
    "ratio_0.05": 1.5,
    "cpu_ms": 8.0,
    "rescan_ratio": 0.10,
    "incremental_100k_s": 1.5,
    "prompt_growth": 1.2,
    "rss_mb": 300.0,
}


def peak_rss_mb() -> float:
    """This process's peak resident set size (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# --- data --------------------------------------------------------------------------------------


def _prepare_child(url: str, bundle: str, accounts: int, seed: int, queue: Any) -> None:
    from store.db import make_engine
    from store.demo_data import write_demo_bundle
    from store.importer import import_bundle
    from store.migrate import ensure_schema

    started = time.perf_counter()
    write_demo_bundle(out=Path(bundle), accounts=accounts, seed=seed, now=NOW)
    generated = time.perf_counter() - started
    engine = make_engine(url)
    ensure_schema(engine)
    report = import_bundle(engine=engine, source=Path(bundle))
    engine.dispose()
    queue.put((report.total, generated, report.seconds, peak_rss_mb()))


def prepare_database(url: str, folder: Path, accounts: int, seed: int) -> dict[str, float]:
    """Generate and import the demo bundle in a fresh process; its figures."""
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    bundle = str(folder / "bundle.json")
    child = context.Process(target=_prepare_child, args=(url, bundle, accounts, seed, queue))
    child.start()
    while True:  # never wait forever on a child that died
        try:
            rows, generated, imported, rss = queue.get(timeout=1)
            break
        except queue_module.Empty:
            if not child.is_alive():
                message = f"demo data preparation failed (exit code {child.exitcode})"
                raise SystemExit(message) from None
    child.join()
    return {"rows": rows, "generate_s": generated, "import_s": imported, "rss_mb": rss}


POSITIVE = (
    {"kind": "nps", "score": 10},
    {"kind": "csat", "score": 5},
    {"kind": "review", "score": 5, "public": True},
    {"kind": "feedback", "sentiment": "positive"},
    {"kind": "outcome", "metric": "hours saved per week", "value": "12"},
    {"kind": "support_praise"},
    {"kind": "usage_milestone"},
)
PRAISE = (
    "The new scheduling flow saves our front desk a lot of time every single week, and the team "
    "keeps telling me how much calmer mornings are now. Thank you for the careful rollout."
)


def _history_rows(account_id: str, items: int, step: timedelta) -> dict[str, list[Any]]:
    """`items` evidence rows (60% signals, 30% closed tickets, 10% old completed asks)."""
    n_signals, n_tickets = items * 6 // 10, items * 3 // 10
    n_asks = items - n_signals - n_tickets
    signals = [
        {
            "id": f"{account_id}-s{i}",
            "account_id": account_id,
            "contact_id": f"{account_id}-c1",
            "occurred_at": (NOW - step * (i + 1)).isoformat(),
            "text": PRAISE,
            **POSITIVE[i % len(POSITIVE)],
        }
        for i in range(n_signals)
    ]
    tickets = [
        {
            "id": f"{account_id}-t{i}",
            "account_id": account_id,
            "status": "closed",
            "priority": "low",
            "category": "support",
            "opened_at": (NOW - timedelta(days=40) - step * i).isoformat(),
            "closed_at": (NOW - timedelta(days=39) - step * i).isoformat(),
            "subject": f"How do I export report {i}",
        }
        for i in range(n_tickets)
    ]
    asks = [
        {
            "id": f"{account_id}-a{i}",
            "account_id": account_id,
            "contact_id": f"{account_id}-c1",
            "ask_type": "private_feedback",
            "asked_at": (NOW - timedelta(days=400) - step * i).isoformat(),
            "outcome": "completed",
        }
        for i in range(n_asks)
    ]
    return {"signals": signals, "tickets": tickets, "asks": asks}


def prompt_size_bundle() -> dict[str, list[Any]]:
    """Two otherwise identical candidate accounts with 20 and 5,000 evidence items."""
    bundle: dict[str, list[Any]] = {
        "owners": [{"id": "u-bench", "name": "Bench Owner", "email": "bench@vendor.example"}],
        "accounts": [],
        "contacts": [],
        "signals": [],
        "tickets": [],
        "asks": [],
    }
    for account_id, items, step in (
        ("bench-small", SMALL_ITEMS, timedelta(days=5)),
        ("bench-big", BIG_ITEMS, timedelta(hours=6)),
    ):
        bundle["accounts"].append(
            {"id": account_id, "name": f"Bench {account_id}", "owner_id": "u-bench"}
            | {"segment": "smb", "arr": 40_000, "customer_since": "2022-01-01"}
            | {"health_score": 85, "preferred_channel": "email"}
        )
        bundle["contacts"].append(
            {"id": f"{account_id}-c1", "account_id": account_id, "name": "Lee Park"}
            | {"title": "Practice Manager", "champion": True}
        )
        for key, rows in _history_rows(account_id, items, step).items():
            bundle[key] += rows
    return bundle


# --- measuring ---------------------------------------------------------------------------------


@dataclass
class PhaseClock:
    """The scan's progress callback (always called on the scan's own thread).

    Batches are pipelined (agent/scan_batches.py, run_batches): the first batch is gated alone,
    then its candidates are drafted while the next batches are gated. The LLM-bound part runs
    from the first batch's gating to the last draft.
    """

    started: float = field(default_factory=time.perf_counter)
    cpu_started: float = field(default_factory=time.process_time)
    first: dict[str, float] = field(default_factory=dict)
    last: dict[str, float] = field(default_factory=dict)
    cpu_first: dict[str, float] = field(default_factory=dict)
    cpu: dict[str, float] = field(default_factory=dict)
    totals: dict[str, int] = field(default_factory=dict)
    done: dict[str, int] = field(default_factory=dict)
    # The scan thread's CPU in each batch's gating (`gate_scan_batch`), in order.
    gating_cpu: list[float] = field(default_factory=list)

    # The scan thread's own CPU clock at each phase's first and last callback.
    thread_first: dict[str, float] = field(default_factory=dict)
    thread_last: dict[str, float] = field(default_factory=dict)
    # The CPU of this process's ended (and waited for) children: the scan's helper processes
    # (gating, drafting) once it has joined them (`scan_ended`); the stub's is not among them.
    # Read after the scan, not in each callback: reading /proc there took the scan thread's
    # time in the part measured (~0.2 ms a callback on a slow VM, one per candidate).
    children_started: float = field(default_factory=lambda: _children_cpu())
    children_ended: float = 0.0

    def __call__(self, phase: str, done: int, total: int) -> None:
        now, cpu = time.perf_counter(), time.process_time()  # every thread of this process
        self.thread_last[phase] = time.thread_time()
        if phase not in self.first:
            self.first[phase], self.cpu_first[phase] = now, cpu
            self.thread_first[phase] = self.thread_last[phase]
        self.last[phase], self.cpu[phase] = now, cpu
        self.totals[phase], self.done[phase] = total, done

    def scan_ended(self) -> None:
        """The scan returned: its helper processes have ended and been waited for."""
        self.children_ended = _children_cpu()

    def llm_bound(self) -> tuple[float, float]:
        """Wall and process CPU seconds from the first batch gated to the last draft, this
        process's and its helpers' (all of theirs: they start after the first batch's gating,
        and their last moments, sending what they hold and exiting, are drafting too)."""
        start = self.first.get("gating", self.started)
        end = self.last.get("drafting", start)
        cpu = self.cpu.get("drafting", 0.0) - self.cpu_first.get("gating", self.cpu_started)
        return end - start, cpu + self.helpers_llm_bound()

    def helpers_llm_bound(self) -> float:
        """The helper processes' part of `llm_bound`'s CPU."""
        return self.children_ended - self.children_started

    def scan_thread_drafting_cpu(self) -> float:
        """The scan thread's CPU in the LLM-bound part outside gating: handing candidates out,
        publishing drafted reviews, linking results."""
        start = self.thread_first.get("gating", 0.0)
        end = self.thread_last.get("drafting", start)
        return end - start - self.later_gating_cpu()

    def later_gating_cpu(self) -> float:
        """CPU the scan thread spent gating the batches after the first: measured around each
        batch's `gate_scan_batch` (the first one's is outside the LLM-bound part)."""
        return sum(self.gating_cpu[1:])

    @contextmanager
    def timing_gating(self) -> Iterator[None]:
        """Wrap agent.scan_batches.gate_scan_batch, for the length of one scan, with a thread
        CPU clock: gating and drafting share the process, and only this tells them apart."""
        original = scan_batches.gate_scan_batch

        def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.thread_time()
            try:
                return original(*args, **kwargs)
            finally:
                self.gating_cpu.append(time.thread_time() - started)

        scan_batches.gate_scan_batch = timed  # type: ignore[assignment]
        try:
            yield
        finally:
            scan_batches.gate_scan_batch = original


@dataclass
class Figures:
    rows: list[tuple[str, str, str]] = field(default_factory=list)

    def add(self, name: str, value: str, target: str = "") -> None:
        self.rows.append((name, value, target))

    def print(self) -> None:
        width = max(len(name) for name, _, _ in self.rows)
        vwidth = max(len(value) for _, value, _ in self.rows)
        for name, value, target in self.rows:
            print(f"{name:<{width}}  {value:>{vwidth}}  {target}".rstrip())


def verdict(ok: bool, target: str) -> str:
    return f"{'ok  ' if ok else 'MISS'} target {target}"


def settings_for(args: argparse.Namespace, stub: Stub) -> Settings:
    return Settings(
        database_url=args.database_url,
        openai_api_key="sk-bench",  # type: ignore[arg-type]
        openai_base_url=f"{stub.base_url}/v1",
        llm_concurrency=args.concurrency,
        structured_output_method=args.method,
        write_mode=args.write_mode,
    )


@contextmanager
def llm_services(args: argparse.Namespace, stub: Stub) -> Iterator[Services]:
    """The app's services with the stub as the model, over a pool of enough connections."""
    connections = max(64, args.concurrency * 2)
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    with (
        httpx.Client(limits=limits, timeout=60) as client,
        open_services(settings_for(args, stub), clock=lambda: NOW, http_client=client) as built,
    ):
        yield built


def fallbacks(built: Services, scan_id: str) -> int:
    """Reviews of the scan whose summary or draft fell back to the offline template."""
    with built.deps.session_factory() as session:
        flags = session.scalars(select(Review.flags).where(Review.scan_id == scan_id)).all()
    return sum("llm_fallback" in f for f in flags)


def measure_scan(
    built: Services, stub: Stub | WireLog, args: argparse.Namespace, out: Figures
) -> float:
    """Calls per candidate, the LLM-bound part's wall against its ideal, our CPU per candidate,
    from one scan; returns the scan's wall seconds."""
    clock = PhaseClock()
    with clock.timing_gating(), draft_helper_log() as helped:
        scan_id = run_scan(services=built, now=NOW, progress=clock)
    clock.scan_ended()
    wall = time.perf_counter() - clock.started
    accounts, drafted = clock.totals.get("gating", 0), clock.done.get("drafting", 0)
    out.add("accounts scanned", f"{accounts:,}")
    out.add("scan wall (gating + drafting, pipelined)", f"{wall:.2f} s")
    llm_wall, cpu = clock.llm_bound()
    _drafting_figures(out, stub, args, drafted, llm_wall)
    _cpu_figures(out, clock, drafted, llm_wall, cpu)
    fell_back = fallbacks(built, scan_id)
    out.add("reviews with llm_fallback", f"{fell_back:,}")
    for written, exit_code, method in helped:
        out.add(
            "texts written by the draft helper",
            f"{written:,}",
            f"exit code {exit_code}, {method}",
        )
    if not helped:  # not wanted, or its load never came (ADVOCACY_DRAFT_HELPER_LOAD)
        out.add("draft helper", "not started")
    return wall


@contextmanager
def draft_helper_log() -> Iterator[list[tuple[int, int | None, str]]]:
    """(texts written, exit code, how it began: fork or spawn) of each draft helper the block
    ran (agent/draft_helper.py)."""
    closed: list[tuple[int, int | None, str]] = []
    methods: list[str] = []

    class Closed(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            args: Any = record.args
            if record.msg == "the draft helper is ready (%s); %d writes here still in flight":
                methods.append(args[0])
            if record.msg == "the draft helper wrote %d texts; exit code %s":
                closed.append((args[0], args[1], methods.pop() if methods else "never ready"))

    logger, handler = logging.getLogger("agent.draft_helper"), Closed()
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        yield closed
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


def measure_rescan(built: Services, stub: Stub | WireLog, first_wall: float, out: Figures) -> None:
    """The same scan again on unchanged data: no model call, a fraction of the first's time."""
    stub.reset()
    started = time.perf_counter()
    run_scan(services=built, now=NOW)
    wall = time.perf_counter() - started
    calls = stub.stats()["requests"]
    ratio = wall / first_wall if first_wall else 0.0
    out.add("re-scan, unchanged data: LLM calls", f"{calls:,}", verdict(calls == 0, "0"))
    out.add(
        "re-scan wall / first scan wall",
        f"{ratio:.1%}",
        verdict(ratio <= TARGETS["rescan_ratio"], "<= 10%") + f"  ({wall:.2f} s)",
    )


def _cpu_figures(out: Figures, clock: PhaseClock, drafted: int, wall: float, cpu: float) -> None:
    """Process CPU in the LLM-bound part, the scan's and its helper processes'; minus the
    gating of the batches it overlapped (the scan thread's CPU in their `gate_scan_batch`), per
    candidate: our own cost of drafting one (every drafting thread and the draft helper, and
    the scan thread's handing out, publishing and linking)."""
    out.add("process CPU, LLM-bound part", f"{cpu:.2f} s", f"{cpu / wall:.2f} CPU-s per wall-s")
    helpers = clock.helpers_llm_bound()
    out.add("  of which helper processes", f"{helpers:.2f} s")
    if not drafted:
        return
    # One interpreter: at ~1 CPU-s per wall-s it, not the model, sets the drafting's pace.
    scan_process = cpu - helpers
    out.add(
        "  of which the scan process",
        f"{scan_process:.2f} s",
        f"{scan_process / wall:.2f} CPU-s per wall-s, {scan_process / drafted * 1000:.1f} ms "
        "per candidate",
    )
    overlapped = clock.later_gating_cpu()
    ours = (cpu - overlapped) / drafted * 1000
    out.add("  of which gating later batches", f"{overlapped:.2f} s", "scan thread, measured")
    handing = clock.scan_thread_drafting_cpu()
    out.add(
        "  of which the scan thread's drafting work",
        f"{handing:.2f} s",
        f"{handing / drafted * 1000:.1f} ms per candidate: handing out, publishing, linking",
    )
    out.add(
        "CPU per candidate (drafting, all threads and processes)",
        f"{ours:.1f} ms",
        verdict(ours <= TARGETS["cpu_ms"], "<= 8 ms"),
    )


def _drafting_figures(
    out: Figures, stub: Stub | WireLog, args: argparse.Namespace, drafted: int, wall: float
) -> None:
    stats = stub.stats()
    calls = stats["requests"]
    per_candidate = calls / drafted if drafted else 0.0
    if "seconds" in stats:  # live: the server's measured time, over what it serves at once
        ideal = stats["seconds"] / args.server_slots
        out.add("mean seconds per model call", f"{stats['seconds'] / calls:.2f}" if calls else "-")
        out.add("model requests that failed on the wire", f"{stats['errors']}")
    else:
        ideal = calls * args.latency / args.concurrency
    ratio = wall / ideal if ideal else 0.0
    out.add("candidates drafted", f"{drafted:,}")
    out.add("LLM calls (stub count)", f"{calls:,}", str(stats["by_schema"]))
    out.add("calls per candidate", f"{per_candidate:.2f}", verdict(per_candidate <= 1.0, "1"))
    out.add("peak concurrent requests at stub", f"{stats['peak_in_flight']}")
    out.add("LLM-bound wall (first batch gated -> last draft)", f"{wall:.2f} s")
    out.add("ideal LLM-bound time (calls x latency / concurrency)", f"{ideal:.2f} s")
    target = TARGETS.get(f"ratio_{args.latency:g}")
    out.add(
        "ratio wall / ideal",
        f"{ratio:.2f}",
        verdict(ratio <= target, f"<= {target}") if target else "",
    )
    if drafted:
        out.add("candidates per second", f"{drafted / wall:.1f}")


def _advocate_bytes(built: Services, stub: Stub, account_id: str) -> dict[str, int]:
    """Request bytes per schema for one advocate run of `account_id` (result must be pending)."""
    stub.reset()
    review_id = f"rv-bench-{account_id}-{int(time.time() * 1000)}"
    inputs = {"account_id": account_id, "review_id": review_id, "now": NOW.isoformat()}
    final = built.advocate.invoke(inputs, thread_config(review_id), context=built.deps)
    if final.get("result") != "pending":
        raise SystemExit(f"{account_id}: expected a pending review, got {final.get('result')!r}")
    sizes: dict[str, int] = {}
    for schema, size in stub.body_bytes():
        sizes[schema] = sizes.get(schema, 0) + size
    return sizes


def measure_prompts(built: Services, stub: Stub, folder: Path, out: Figures) -> None:
    """(d) request bytes per candidate: 20 evidence items vs 5,000."""
    from store.importer import import_bundle

    path = folder / "prompt_accounts.json"
    path.write_text(json.dumps(prompt_size_bundle()), encoding="utf-8")
    import_bundle(engine=built.engine, source=path)
    small = _advocate_bytes(built, stub, "bench-small")
    big = _advocate_bytes(built, stub, "bench-big")
    for schema in sorted(small):
        out.add(f"request bytes, {schema}, 20 items", f"{small[schema]:,}")
        out.add(f"request bytes, {schema}, 5,000 items", f"{big.get(schema, 0):,}")
    growth = sum(big.values()) / sum(small.values())
    out.add(
        "prompt growth 5,000 / 20 items",
        f"{growth:.3f}x",
        verdict(growth <= TARGETS["prompt_growth"], "<= 1.2x"),
    )


# --- main --------------------------------------------------------------------------------------


def parse_args(folder: Path) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--accounts", type=int, default=10_000)
    parser.add_argument("--big", action="store_true", help="100,000 accounts")
    parser.add_argument(
        "--latencies",
        type=lambda text: [float(v) for v in text.split(",")],
        default=[0.3, 0.05],
        help="stub seconds per call; one scan per value (default 0.3,0.05)",
    )
    parser.add_argument(
        "--write-mode",
        default="one_call",
        choices=("one_call", "two_calls"),
        help="ADVOCACY_WRITE_MODE: one model call per candidate, or two",
    )
    parser.add_argument("--concurrency", type=int, default=16, help="llm_concurrency")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--method",
        default=None,
        choices=("json_schema", "function_calling", "json_mode"),
        help="structured output method (default: json_schema; live: ADVOCACY_LIVE_METHOD or "
        "function_calling)",
    )
    parser.add_argument(
        "--stub-in-process",
        action="store_true",
        help="run the stub in this process (it then takes a share of the scan's GIL and CPU)",
    )
    parser.add_argument("--live", action="store_true", help="a real server instead of the stub")
    parser.add_argument(
        "--gate-only",
        action="store_true",
        help="gate every account and store the results, but open no review (no LLM)",
    )
    parser.add_argument(
        "--base-url",
        default=os.environ.get("ADVOCACY_LIVE_BASE_URL") or os.environ.get("OPENAI_BASE_URL"),
        help="live: the server's OpenAI base URL (default: ADVOCACY_LIVE_BASE_URL)",
    )
    parser.add_argument(
        "--model",
        default=os.environ.get("ADVOCACY_LIVE_MODEL") or os.environ.get("ADVOCACY_MODEL"),
        help="live: the model name (default: ADVOCACY_LIVE_MODEL)",
    )
    parser.add_argument(
        "--server-slots", type=int, default=1, help="live: requests the server serves at once"
    )
    parser.add_argument("--database-url", default=f"sqlite:///{folder / 'scan_bench.db'}")
    parser.add_argument(
        "--workers",
        default=None,
        help="e.g. 1,2,4: the scan on PostgreSQL run by that many `advocacy worker` processes "
        "(bench/worker_bench.py; default 3,000 accounts)",
    )
    parser.add_argument(
        "--repeat",
        type=int,
        default=1,
        help="--gate-only on SQLite: this many runs on copies of the same data, best of them",
    )
    parser.add_argument("--worker-batch-size", type=int, default=250, help="--workers: batch size")
    args = parser.parse_args()
    args.folder = str(folder)
    if args.workers and "--accounts" not in sys.argv:
        args.accounts = 3_000
    if args.big:
        args.accounts = 100_000
    if args.live:
        if not args.base_url:
            parser.error("--live needs --base-url or ADVOCACY_LIVE_BASE_URL (live/run.sh sets it)")
        args.method = args.method or os.environ.get("ADVOCACY_LIVE_METHOD", "function_calling")
        args.model = args.model or "smollm2-135m-instruct"
        args.concurrency = 2
    args.method = args.method or "json_schema"
    return args


def run_live(args: argparse.Namespace, out: Figures) -> None:
    """The scan figures against the real server; the stub-only prompt figures are skipped."""
    log = WireLog()
    settings = live_settings(
        database_url=args.database_url,
        base_url=args.base_url,
        model=args.model,
        method=args.method,
    )
    with live_services(settings, log, NOW) as built:
        measure_scan(built, log, args, out)
    print(
        f"\nscan bench (live): {args.accounts:,} accounts, {args.model} at {args.base_url}, "
        f"{args.method}, llm_concurrency {settings.llm_concurrency}, "
        f"server slots {args.server_slots}"
    )
    out.print()


def _gate_all(built: Services, scan_id: str) -> tuple[Counter[str], float, float, float]:
    """Every batch of a scan through gated_batches (the in-process runner's gating: each batch's
    gate_scan_batch, with a helper process gating part of a big scan; it reuses the newest
    finished scan's unchanged results), no drafting; the counts, the gating seconds and their
    CPU seconds (this process and its helper, start-up included), and the whole scan's seconds
    (its plan, the gating, and each batch's finishing: what someone running the scan waits
    for). Each batch is finished outside the gating clock before the next one is gated, as
    the runner frees a batch once drafted:
    holding every batch's snapshots until the end measured the bench's memory, not the scan's
    (704 MB at 100k)."""
    context = ScanDeps(deps=built.deps, advocate=built.advocate)
    with transaction(built.deps.session_factory) as session:
        add_queued_scan(session, scan_id=scan_id, now=NOW, started_at=NOW)
    seconds = cpu = 0.0
    helpers_cpu = _children_cpu()
    whole_started = time.perf_counter()
    works = gated_batches(context, scan_id, plan_scan(built.deps, scan_id))
    with closing(works):
        while True:
            started, cpu_started = time.perf_counter(), time.process_time()
            work = next(works, None)
            seconds += time.perf_counter() - started
            cpu += time.process_time() - cpu_started
            if work is None:
                break
            finish_scan_batch(built.deps, work, Counter())
            del work
    whole = time.perf_counter() - whole_started
    cpu += _children_cpu() - helpers_cpu  # a gating helper's (agent/scan_helper.py)
    with built.deps.session_factory() as session:
        counts = Counter(session.get_one(Scan, scan_id).counts)
    return counts, seconds, cpu, whole


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _change_one_percent(built: Services, offset: int = 0) -> int:
    """A new positive signal on every 100th account: the evidence of 1% of them changes."""
    with transaction(built.deps.session_factory) as session:
        ids = session.scalars(select(Account.id).order_by(Account.id)).all()[offset::100]
        rows = [
            {
                "id": f"bench-new-{offset}-{a}",
                "account_id": a,
                "kind": "nps",
                "score": 10,
                "source": "x",
            }
            | {"occurred_at": NOW - timedelta(hours=1)}
            for a in ids
        ]
        session.execute(insert(Signal.__table__), rows)
    return len(ids)


@dataclass
class GateRun:
    """One gate-only run: the full scan, then the re-scan after 1% changed (wall, CPU, load)."""

    counts: Counter[str]
    again: Counter[str]
    changed: int
    wall: float
    cpu: float
    re_wall: float
    re_cpu: float
    # The whole scan and re-scan: plan, gating and finishing.
    whole: float
    re_whole: float
    load: float
    re_load: float
    # The same re-scan when no candidate has a review (each is gated again for a new one).
    unreviewed: Counter[str]
    unreviewed_wall: float
    unreviewed_cpu: float


def _gate_run(database_url: str) -> GateRun:
    settings = Settings(database_url=database_url)
    with open_services(settings, clock=lambda: NOW) as built:
        load = os.getloadavg()[0]
        first = new_scan_id()
        counts, seconds, cpu, whole = _gate_all(built, first)
        _open_reviews(built, first)
        changed = _change_one_percent(built)
        re_load = os.getloadavg()[0]
        again, re_seconds, re_cpu, re_whole = _gate_all(built, new_scan_id())
        with transaction(built.deps.session_factory) as session:
            session.execute(delete(Review.__table__))  # not evidence: no version moves
        _change_one_percent(built, offset=50)
        unreviewed, un_seconds, un_cpu, _ = _gate_all(built, new_scan_id())
    return GateRun(
        counts,
        again,
        changed,
        seconds,
        cpu,
        re_seconds,
        re_cpu,
        whole,
        re_whole,
        load,
        re_load,
        unreviewed,
        un_seconds,
        un_cpu,
    )


def _sqlite_copy(database_url: str, number: int) -> str:
    """A copy of the prepared SQLite file, so each repeat starts from the same data."""
    source = Path(database_url.removeprefix("sqlite:///"))
    target = source.with_name(f"{source.stem}_run{number}{source.suffix}")
    shutil.copyfile(source, target)
    return f"sqlite:///{target}"


def _open_reviews(built: Services, scan_id: str) -> int:
    """A pending review for every candidate of the scan, as its drafting would leave it (the
    gate-only scan drafts nothing): a re-scan then reuses a candidate whose evidence did not
    change, as after a real scan, instead of gating it again for a new review."""
    r, a = ScanResult.__table__.c, Account.__table__.c
    with transaction(built.deps.session_factory) as session:
        candidates = session.execute(
            select(r.account_id, r.ask_type, a.owner_id)
            .join(Account.__table__, a.id == r.account_id)
            .where(r.scan_id == scan_id, r.status == "candidate")
        ).all()
        rows = [
            {"id": f"bench-review-{account_id}", "account_id": account_id, "owner_id": owner}
            | {"scan_id": scan_id, "status": "pending", "ask_type": ask_type, "flags": []}
            | {"created_at": NOW, "trigger_at": NOW, "owner_only": False, "payload": {}}
            for account_id, ask_type, owner in candidates
        ]
        if rows:
            session.execute(insert(Review.__table__), rows)
    return len(rows)


def _at_100k(
    out: Figures, label: str, seconds: float, accounts: int, target: float, digits: int = 2
) -> None:
    """A time for `accounts` accounts, scaled to 100,000, against its target in seconds."""
    scaled = seconds * 100_000 / accounts
    out.add(label, f"{scaled:.{digits}f} s", verdict(scaled <= target, f"<= {target:g} s"))


def run_gate_only(args: argparse.Namespace, out: Figures) -> None:
    """Every account gated and its result stored, batch by batch (agent/scan_gating.gate_batch),
    with no drafting: the figure behind the 100k target; then the incremental re-scan after 1%
    of the accounts changed. With --repeat N (SQLite), N runs on copies of the same data; the
    best wall of each is reported."""
    repeat = args.repeat if args.database_url.startswith("sqlite") else 1
    urls = [_sqlite_copy(args.database_url, n) for n in range(repeat)] if repeat > 1 else []
    runs = [_gate_run(url) for url in urls or [args.database_url]]
    full = min(runs, key=lambda run: run.wall)
    rescan = min(runs, key=lambda run: run.re_wall)
    statuses = {k: v for k, v in full.counts.items() if k in STATUSES}
    accounts = sum(statuses.values())
    walls = ", ".join(f"{run.wall:.1f}" for run in runs)
    out.add("accounts gated", f"{accounts:,}  {dict(sorted(statuses.items()))}")
    out.add(f"gating wall (best of {len(runs)}: {walls})", f"{full.wall:.1f} s")
    out.add("  its CPU / load average", f"{full.cpu:.1f} s / {full.load:.2f}")
    out.add("  the whole scan: plan, gating, finishing", f"{full.whole:.1f} s")
    out.add("gating rate", f"{accounts / full.wall:,.0f} acc/s")
    _at_100k(out, "-> 100k accounts", full.wall, accounts, TARGETS["gate_100k_s"], digits=1)
    skipped = rescan.again[SKIPPED]
    walls = ", ".join(f"{run.re_wall:.2f}" for run in runs)
    out.add(
        f"incremental re-scan, 1% changed (best of {len(runs)}: {walls})",
        f"{rescan.re_wall:.2f} s",
        f"{rescan.changed:,} changed; every candidate's review open, as after drafting",
    )
    out.add("  its CPU / load average", f"{rescan.re_cpu:.2f} s / {rescan.re_load:.2f}")
    out.add("  accounts gated again / reused", f"{accounts - skipped:,} / {skipped:,}")
    target = TARGETS["incremental_100k_s"]
    _at_100k(out, "  -> 100k accounts", rescan.re_wall, accounts, target)
    whole = "  -> the whole re-scan (plan, gating, finishing), 100k"
    _at_100k(out, whole, rescan.re_whole, accounts, target)
    unreviewed = min(runs, key=lambda run: run.unreviewed_wall)
    gated_again = accounts - unreviewed.unreviewed[SKIPPED]
    out.add(
        "same, no candidate with a review",
        f"{unreviewed.unreviewed_wall:.2f} s",
        f"CPU {unreviewed.unreviewed_cpu:.2f} s, {gated_again:,} gated again",
    )
    rss = peak_rss_mb()
    out.add("peak RSS, scan process", f"{rss:.0f} MB", verdict(rss <= 300, "<= 300 MB"))
    print(
        f"\nscan bench (gate only): {args.accounts:,} accounts, {args.database_url.split(':')[0]}"
    )
    out.print()


def run_llm_scans(args: argparse.Namespace, folder: Path, out: Figures) -> None:
    """The LLM-bound scan at each latency, each on freshly imported data; the unchanged re-scan
    after the first; the prompt sizes once."""
    for index, latency in enumerate(args.latencies):
        args.latency = latency
        if index:
            args.database_url = f"sqlite:///{folder / f'scan_bench_{index}.db'}"
            prepare_database(args.database_url, folder, args.accounts, args.seed)
        out.add(f"--- latency {latency:g} s, concurrency {args.concurrency}", "")
        stub_class = StubLLM if args.stub_in_process else StubProcess
        with stub_class(latency=latency) as stub, llm_services(args, stub) as built:
            wall = measure_scan(built, stub, args, out)
            if index == 0:
                measure_rescan(built, stub, wall, out)
                measure_prompts(built, stub, folder, out)
    rss = peak_rss_mb()
    out.add("peak RSS, scan process", f"{rss:.0f} MB", verdict(rss <= 300, "<= 300 MB"))


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="scan-bench-") as name:
        folder = Path(name)
        args = parse_args(folder)
        out = Figures()
        print(f"machine: {machine_words()}", flush=True)
        if args.workers:
            from worker_bench import run_workers  # bench/ is first on sys.path

            run_workers(args, prepare_database, NOW)
            return
        print(f"preparing {args.accounts:,} demo accounts ...", flush=True)
        prepared = prepare_database(args.database_url, folder, args.accounts, args.seed)
        out.add("demo rows", f"{prepared['rows']:,}")
        out.add(
            "generate / import", f"{prepared['generate_s']:.1f} s / {prepared['import_s']:.1f} s"
        )
        out.add("peak RSS, generate+import child", f"{prepared['rss_mb']:.0f} MB")
        print("scanning ...", flush=True)
        if args.live:
            run_live(args, out)
            return
        if args.gate_only:
            run_gate_only(args, out)
            return
        run_llm_scans(args, folder, out)
        print(
            f"\nscan bench: {args.accounts:,} accounts, latencies {args.latencies} s, "
            f"concurrency {args.concurrency}, {args.method}, write mode {args.write_mode}, "
            f"{args.database_url.split(':')[0]}, "
            f"stub {'in-process' if args.stub_in_process else 'in its own process'}"
        )
        out.print()


if __name__ == "__main__":
    main()
