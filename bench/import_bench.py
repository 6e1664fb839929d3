"""Import benchmark: generate a demo bundle, import it into SQLite and PostgreSQL, load snapshots.

Each phase runs in its own child process, so the peak RSS printed is that phase's own.

    .venv/bin/python bench/import_bench.py --accounts 100000
"""

from __future__ import annotations

import argparse
import importlib
import multiprocessing
import resource
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text

PG_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
NOW = datetime(2026, 11, 27, tzinfo=UTC)
SNAPSHOT_BATCH = 1000

Figures = tuple[int, float]  # rows, seconds


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _generate(path: str, accounts: int, seed: int) -> Figures:
    from store.demo_data import write_demo_bundle

    started = time.perf_counter()
    counts = write_demo_bundle(out=Path(path), accounts=accounts, seed=seed, now=NOW)
    return sum(counts.values()), time.perf_counter() - started


def _import(url: str, path: str) -> Figures:
    from store.db import make_engine
    from store.importer import import_bundle
    from store.migrate import upgrade

    engine = make_engine(url)
    upgrade(engine)
    report = import_bundle(engine=engine, source=Path(path))
    engine.dispose()
    return report.total, report.seconds


def snapshot_loader() -> Callable[..., Any] | None:
    """`load_snapshots(*, session, account_ids, as_of, limit)` from tools/, when it exists."""
    for name in ("tools.evidence", "tools.batch"):
        try:
            module = importlib.import_module(name)
        except ImportError:
            continue
        loader = getattr(module, "load_snapshots", None)
        if loader is not None:
            return loader  # type: ignore[no-any-return]
    return None


def _load_snapshots(url: str, accounts: int) -> Figures:
    from sqlalchemy.orm import Session

    from agent.settings import Settings
    from store.db import make_engine

    loader = snapshot_loader()
    assert loader is not None
    limit = Settings().evidence_limit
    engine = make_engine(url)
    ids = [f"acc-{n:06d}" for n in range(1, accounts + 1)]
    started = time.perf_counter()
    loaded = 0
    for start in range(0, len(ids), SNAPSHOT_BATCH):
        with Session(engine) as session:
            chunk = ids[start : start + SNAPSHOT_BATCH]
            loaded += len(loader(session=session, account_ids=chunk, as_of=NOW, limit=limit))
    seconds = time.perf_counter() - started
    engine.dispose()
    return loaded, seconds


def _child(target: Callable[..., Figures], args: tuple[Any, ...], queue: Any) -> None:
    rows, seconds = target(*args)
    queue.put((rows, seconds, _peak_rss_mb()))


def run_phase(name: str, target: Callable[..., Figures], *args: Any) -> None:
    """Run one phase in a fresh process and print its figures."""
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    process = context.Process(target=_child, args=(target, args, queue))
    process.start()
    rows, seconds, rss = queue.get()
    process.join()
    rate = rows / seconds if seconds else 0.0
    print(
        f"{name:<22} {rows:>10,} rows  {seconds:8.2f} s  {rate:>10,.0f} rows/s  "
        f"peak RSS {rss:7.1f} MB",
        flush=True,
    )


def _postgres_database(admin_url: str, name: str, *, create: bool) -> None:
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        if create:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        else:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--pg-admin-url", default=PG_ADMIN_URL)
    args = parser.parse_args()
    has_loader = snapshot_loader() is not None
    with tempfile.TemporaryDirectory() as folder:
        bundle = str(Path(folder) / "bundle.json")
        sqlite_url = f"sqlite:///{Path(folder) / 'bench.db'}"
        run_phase("generate", _generate, bundle, args.accounts, args.seed)
        print(f"{'bundle size':<22} {Path(bundle).stat().st_size / 1e6:,.0f} MB")
        run_phase("import sqlite", _import, sqlite_url, bundle)
        if has_loader:
            run_phase("snapshots sqlite", _load_snapshots, sqlite_url, args.accounts)
        name = f"advocacy_bench_{uuid.uuid4().hex[:8]}"
        pg_url = args.pg_admin_url.rsplit("/", 1)[0] + f"/{name}"
        _postgres_database(args.pg_admin_url, name, create=True)
        try:
            run_phase("import postgres", _import, pg_url, bundle)
            if has_loader:
                run_phase("snapshots postgres", _load_snapshots, pg_url, args.accounts)
        finally:
            _postgres_database(args.pg_admin_url, name, create=False)
    if not has_loader:
        print("snapshot load: not available yet")


if __name__ == "__main__":
    main()
