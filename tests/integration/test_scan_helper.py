"""A big SQLite scan gates part of its batches in a helper process (agent/scan_helper.py): the
results, events, counts and reviews must be those of the same scan run in one process."""

from __future__ import annotations

import json
import logging
import multiprocessing
import os
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select

from agent import scan_batches
from agent.bootstrap import open_services
from agent.scan_helper import GatingHelper
from agent.settings import Settings
from agent.usecases.scans import run_scan
from store.db import make_engine
from store.demo_data import write_demo_bundle
from store.importer import import_bundle
from store.migrate import upgrade
from store.models import MeasurementEvent, Review, Scan, ScanResult

NOW = datetime(2026, 11, 27, tzinfo=UTC)


def _database(folder: Path, bundle: Path) -> tuple[str, Engine]:
    url = f"sqlite:///{folder / 'advocacy.db'}"
    engine = make_engine(url)
    upgrade(engine)
    import_bundle(engine=engine, source=bundle)
    return url, engine


def _slowly(phase: str, done: int, total: int) -> None:
    # The runner waits after each batch it gates, so the helper, whose start takes a second or
    # more, gates some of the last ones before the runner reaches them.
    if phase == "gating":
        time.sleep(0.4)


def _scanned(url: str, engine: Engine, *, helper_from: int) -> dict[str, Any]:
    settings = Settings(
        database_url=url,
        llm_concurrency=2,
        scan_batch_size=20,
        scan_helper_min_accounts=helper_from,
    )
    with open_services(settings, clock=lambda: NOW) as services:
        # One scan id for both: review ids are derived from it.
        scan_id = run_scan(
            services=services, now=NOW, scan_id="scan-helped-or-not", progress=_slowly
        )
    r, e, v = ScanResult.__table__.c, MeasurementEvent.__table__.c, Review.__table__.c
    with engine.connect() as connection:
        results = connection.execute(select(r).where(r.scan_id == scan_id)).all()
        events = connection.execute(select(e).where(e.scan_id == scan_id)).all()
        reviews = connection.execute(select(v.account_id, v.status, v.ask_type, v.flags)).all()
        scan = connection.execute(select(Scan.counts, Scan.status, Scan.processed)).one()
    return {
        "results": sorted(tuple(map(str, row)) for row in results),
        "events": sorted(tuple(map(str, row)) for row in events),
        "reviews": sorted(tuple(map(str, row)) for row in reviews),
        "scan": tuple(scan),
    }


def test_a_scan_with_a_gating_helper_matches_one_without(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    bundle = tmp_path / "bundle.json"
    write_demo_bundle(out=bundle, accounts=400, seed=11, now=NOW)
    caplog.set_level(logging.INFO, logger="agent.scan_helper")
    scanned = []
    for helper_from in (0, 1):  # 0: never a helper; 1: a helper for any scan of 2+ batches
        folder = tmp_path / f"helper-{helper_from}"
        folder.mkdir()
        url, engine = _database(folder, bundle)
        scanned.append(_scanned(url, engine, helper_from=helper_from))
        engine.dispose()
    alone, helped = scanned
    assert alone["results"] and alone["reviews"]
    assert helped == alone
    gated = [r.args for r in caplog.records if r.msg == "the gating helper gated %d of %d batches"]
    assert len(gated) == 1 and gated[0][0] > 0, gated


def _claims_then_dies(deps: Any, scan_id: str, number: int) -> None:
    # Runs in the helper only after it claimed `number` (agent.scan_helper._helper_main).
    os._exit(3)


def test_a_batch_the_helper_claimed_and_died_on_goes_back_to_the_runner(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'advocacy.db'}")
    caplog.set_level(logging.INFO, logger="agent.scan_helper")
    helper = GatingHelper(settings, "scan-helper-dies", [1, 2, 3], _claims_then_dies)
    deadline = time.monotonic() + 60
    while any(
        p.name == "gating-helper-scan-helper-dies" for p in multiprocessing.active_children()
    ):
        assert time.monotonic() < deadline, "the helper neither claimed a batch nor died"
        time.sleep(0.05)
    # The helper claimed the last batch, then died before sending it: every batch, that one
    # included, is the runner's to gate, and nobody waits for ever.
    got: list[object] = []
    runner = threading.Thread(
        target=lambda: got.extend(helper.ready(n) for n in (1, 2, 3)), daemon=True
    )
    runner.start()
    runner.join(timeout=30)
    assert not runner.is_alive(), "the runner still waits for a batch the dead helper claimed"
    assert got == [None, None, None]
    helper.close(failed=False)
    exits = [r.args for r in caplog.records if r.msg == "the gating helper exited with code %s"]
    assert exits == [(3,)]


# What a spawned gating helper imports before it gates: its entry point's module and its task's
# (pickled by name, argv[1]). Printed: the model stack's and LangGraph's modules among them.
HELPER_IMPORTS = """
import importlib, json, sys
import agent.scan_helper
importlib.import_module(sys.argv[1])
heavy = ("langgraph", "langchain_core", "langchain_openai", "openai")
print(json.dumps(sorted(m for m in sys.modules if m.split(".")[0] in heavy)))
"""


def test_the_gating_helper_starts_without_the_graph_or_the_model() -> None:
    """Its start-up imports are CPU a big scan pays while both cores gate: its task must live
    in a module that gating needs, not in one whose drafting pulls in LangGraph and the model
    stack (agent/scan_batches.py: ~1.5 s more of imports)."""
    task = scan_batches.gate_for_helper  # what the runner hands its helper
    done = subprocess.run(
        [sys.executable, "-c", HELPER_IMPORTS, task.__module__],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == []
