"""Programs, rewards and KPIs benchmark (issue 12): what programs add to gating, and how long the
metrics with the seeds' KPIs and the programs report take, on demo data.

Imports the demo bundle (two programs) into a fresh SQLite file, gates every account (the scan
graph's gating node only, no drafting), times the program fit over every candidate (the only work
programs add to gating; whole gating runs swing by seconds on a shared machine), then `funnel`
(the metrics with the KPIs) and `program_reports`.

    .venv/bin/python bench/programs_bench.py                 # 10k accounts
    .venv/bin/python bench/programs_bench.py --accounts 2000
"""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from langgraph.runtime import Runtime
from sqlalchemy import select

from agent.bootstrap import open_services
from agent.metrics import funnel
from agent.programs import program_book
from agent.scan import ScanDeps, ScanState, gate_accounts, new_scan_id, start_scan
from agent.settings import Settings
from agent.usecases.programs import program_reports
from domain.gates import evaluate
from store.demo_data import write_demo_bundle
from store.importer import import_bundle
from store.models import Account
from tools.batch import load_snapshots

NOW = datetime(2026, 11, 27, tzinfo=UTC)


def gate_all(built: object, label: str) -> float:
    """Seconds to gate every account once (the scan's gating node, no drafting)."""
    context = ScanDeps(deps=built.deps, advocate=built.advocate)  # type: ignore[attr-defined]
    runtime = Runtime(context=context)
    state: ScanState = {"scan_id": new_scan_id(), "now": NOW.isoformat()}
    start_scan(state, runtime)
    started = time.perf_counter()
    counts = gate_accounts(state, runtime)["counts"]
    seconds = time.perf_counter() - started
    print(f"gating {label:<16} {seconds:6.2f} s  {dict(sorted(counts.items()))}")
    return seconds


def time_program_fit(built: Any) -> tuple[float, int]:
    """Seconds `ProgramBook.gate` takes over every candidate's snapshot (the only work programs
    add to gating), and how many candidates there were."""
    with built.deps.session_factory() as session:
        book = program_book(session=session, now=NOW)
        ids = list(session.scalars(select(Account.id)))
        snapshots = load_snapshots(session=session, account_ids=ids, as_of=NOW, limit=10)
    policy = built.deps.settings.policy
    reports = [(s, evaluate(s, policy, NOW)) for s in snapshots.values()]
    candidates = [(s, r) for s, r in reports if r.status == "candidate"]
    started = time.perf_counter()
    for snapshot, report in candidates:
        book.gate(snapshot, report, NOW)
    return time.perf_counter() - started, len(candidates)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=10_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        bundle = Path(folder) / "bundle.json"
        write_demo_bundle(out=bundle, accounts=args.accounts, seed=7, now=NOW)
        settings = Settings(database_url=f"sqlite:///{folder}/bench.db")
        with open_services(settings, clock=lambda: NOW) as built:
            report = import_bundle(engine=built.engine, source=bundle)
            print(
                f"accounts {args.accounts}, {report.total} rows imported in {report.seconds:.1f} s"
            )
            gate_all(built, "warm-up")
            gate_all(built, "with 2 programs")
            fit_seconds, candidates = time_program_fit(built)
            print(
                f"program fit       {fit_seconds:6.3f} s  for {candidates} candidates"
                f" ({fit_seconds / max(candidates, 1) * 1e6:.0f} us each: the programs' share of"
                " gating; the gating times above swing by seconds on a shared machine)"
            )
            with built.deps.session_factory() as session:
                started = time.perf_counter()
                figures = funnel(session=session, now=NOW)
                metrics_s = time.perf_counter() - started
                started = time.perf_counter()
                reports = program_reports(session=session, now=NOW)
                programs_s = time.perf_counter() - started
            print(
                f"metrics with KPIs {metrics_s:6.2f} s  (pool {figures['advocate_pool_size']},"
                f" promoter rate {figures['promoter_rate']})"
            )
            print(f"programs report   {programs_s:6.2f} s  ({len(reports)} programs)")


if __name__ == "__main__":
    main()
