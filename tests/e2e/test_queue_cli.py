"""`advocacy worker` and `advocacy scan --queue`: PostgreSQL's; on SQLite they say so (exit 2)
and write nothing. Their help has examples."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.e2e.test_cli import ADVOCACY, clean_env, run


def test_the_worker_needs_postgresql(tmp_path: Path) -> None:
    done = run(tmp_path, "worker")
    assert done.returncode == 2
    assert "needs PostgreSQL" in done.stderr
    assert not (tmp_path / "advocacy.db").exists(), "nothing created"


def test_a_queued_scan_needs_postgresql(tmp_path: Path) -> None:
    done = run(tmp_path, "scan", "--queue")
    assert done.returncode == 2
    assert "--queue" in done.stderr and "PostgreSQL" in done.stderr
    assert not (tmp_path / "advocacy.db").exists(), "nothing created"


def test_the_queue_commands_have_examples(tmp_path: Path) -> None:
    worker = run(tmp_path, "worker", "--help").stdout
    assert "--concurrency" in worker and "advocacy worker --concurrency 4" in worker
    assert "advocacy scan --queue" in run(tmp_path, "scan", "--help").stdout


def on_postgres(url: str, folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**clean_env(), "ADVOCACY_DATABASE_URL": url}
    return subprocess.run(
        [ADVOCACY, *args], cwd=folder, env=env, capture_output=True, text=True, timeout=120
    )


@pytest.mark.postgres
def test_a_scan_queued_with_no_worker_running_says_it_waits(pg_url: str, tmp_path: Path) -> None:
    assert on_postgres(pg_url, tmp_path, "db", "upgrade").returncode == 0
    done = on_postgres(pg_url, tmp_path, "scan", "--queue", "--json")
    assert done.returncode == 0, done.stderr
    queued = json.loads(done.stdout)
    assert queued["status"] == "queued" and queued["workers"] == 0
    assert "note: no `advocacy worker` is running" in done.stderr
    assert "the scan waits until one starts" in done.stderr


@pytest.mark.postgres
def test_scans_wait_follows_a_queued_scan_until_a_worker_has_run_it(
    pg_url: str, tmp_path: Path
) -> None:
    assert on_postgres(pg_url, tmp_path, "db", "upgrade").returncode == 0
    bundle = tmp_path / "demo.json"
    assert on_postgres(pg_url, tmp_path, "demo-data", "--out", str(bundle)).returncode == 0
    assert on_postgres(pg_url, tmp_path, "import", str(bundle)).returncode == 0
    queued = json.loads(on_postgres(pg_url, tmp_path, "scan", "--queue", "--json").stdout)
    env = {**clean_env(), "ADVOCACY_DATABASE_URL": pg_url}
    follow = [ADVOCACY, "scans", queued["scan_id"], "--wait", "--json"]
    waiting = subprocess.Popen(follow, cwd=tmp_path, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)  # fmt: skip
    worker = None
    try:
        with pytest.raises(subprocess.TimeoutExpired):
            waiting.wait(timeout=3)  # no worker yet: it waits
        worker = subprocess.Popen([ADVOCACY, "worker"], cwd=tmp_path, env=env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
        out, errors = waiting.communicate(timeout=120)
    finally:
        for process in (waiting, worker):
            if process is not None and process.poll() is None:
                process.kill()
                process.wait(timeout=10)
    assert waiting.returncode == 0, errors
    assert "note: no `advocacy worker` is running" in errors
    done = json.loads(out)
    assert done["status"] == "done" and done["workers"] == 1
    assert done["progress"]["processed"] == done["progress"]["total"] > 0
    listed = json.loads(on_postgres(pg_url, tmp_path, "scans", "--json").stdout)
    assert [scan["scan_id"] for scan in listed] == [queued["scan_id"]]


def test_scans_says_what_it_needs(tmp_path: Path) -> None:
    assert "no scan yet" in run(tmp_path, "scans").stdout
    assert run(tmp_path, "scans", "sc-nope").returncode == 2
    needs_id = run(tmp_path, "scans", "--wait")
    assert needs_id.returncode == 2 and "--wait follows one scan" in needs_id.stderr


def test_scans_wait_ends_when_the_scans_process_does(sqlite_url: str, tmp_path: Path) -> None:
    """An in-process scan whose process ends while followed is `interrupted`: exit 1, at once,
    not a wait for ever on a `running` that nothing will move."""
    from datetime import UTC, datetime

    from store.db import make_engine, make_session_factory
    from store.migrate import upgrade
    from store.scans import add_queued_scan

    runner_code = "from agent.runner import this_runner; print(this_runner(), flush=True); input()"
    runner = subprocess.Popen([sys.executable, "-c", runner_code], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)  # fmt: skip
    assert runner.stdout is not None
    engine = make_engine(sqlite_url)
    upgrade(engine)
    now = datetime.now(UTC)
    with make_session_factory(engine)() as session, session.begin():
        scan = add_queued_scan(session, scan_id="sc-followed", now=now, started_at=now,
                               runner=runner.stdout.readline().strip())  # fmt: skip
        scan.status = "running"
    engine.dispose()
    env = {**clean_env(), "ADVOCACY_DATABASE_URL": sqlite_url}
    follow = [ADVOCACY, "scans", "sc-followed", "--wait", "--json"]
    waiting = subprocess.Popen(follow, cwd=tmp_path, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)  # fmt: skip
    try:
        with pytest.raises(subprocess.TimeoutExpired):
            waiting.wait(timeout=3)  # its process runs: it waits
        runner.kill()
        runner.wait(timeout=10)  # reaped: a zombie still shows its start time in /proc
        out, errors = waiting.communicate(timeout=30)
    finally:
        for process in (waiting, runner):
            if process.poll() is None:
                process.kill()
            process.communicate(timeout=10)  # and its pipes closed
    assert waiting.returncode == 1, errors
    scan_out = json.loads(out)
    assert scan_out["status"] == "interrupted" and "run it again" in scan_out["error"]
