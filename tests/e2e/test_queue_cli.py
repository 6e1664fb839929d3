"""`advocacy worker` and `advocacy scan --queue`: PostgreSQL's; on SQLite they say so (exit 2)
and write nothing. Their help has examples."""

from __future__ import annotations

from pathlib import Path

from tests.e2e.test_cli import run


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
