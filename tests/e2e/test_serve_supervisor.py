"""`advocacy serve --workers 2`: a `kill -9` of the supervisor takes its workers with it (Linux).

Without that, the orphaned workers keep the port and a restart fails with "address already in use".
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from tests.e2e.test_api_serve import free_port
from tests.e2e.test_cli import ADVOCACY, clean_env

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.slow,
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux"),
]


def children(pid: int) -> set[int]:
    """The pids whose parent is `pid` (every thread's list in /proc, as `ps --ppid` reads it)."""
    found: set[int] = set()
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found.update(int(child) for child in (task / "children").read_text().split())
        except (FileNotFoundError, ProcessLookupError):
            continue  # the thread ended meanwhile
    return found


def workers_of(supervisor: int, log: Path) -> set[int]:
    """uvicorn's spawned workers that have run the app factory (it logs them after it).

    A worker still importing has not asked to die with its parent yet (it checks the parent
    when it gets there), and the multiprocessing resource tracker is a child but no worker.
    """
    started = {int(pid) for pid in re.findall(r"Started server process \[(\d+)\]", log.read_text())}
    spawned = {
        pid
        for pid in children(supervisor)
        if b"spawn_main" in _read_bytes(Path(f"/proc/{pid}/cmdline"))
    }
    return spawned if spawned <= started else set()


def _read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except (FileNotFoundError, ProcessLookupError):
        return b""


def alive(pid: int) -> bool:
    """True while `pid` runs; a zombie (dead, not yet reaped) counts as gone."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (FileNotFoundError, ProcessLookupError):
        return False


def can_bind(port: int) -> bool:
    """Whether a restart could listen there: SO_REUSEADDR as uvicorn, so TIME_WAIT is no owner."""
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def wait_for(check: Callable[[], bool], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.1)
    return check()


def healthy(base: str) -> bool:
    try:
        return httpx.get(f"{base}/healthz", timeout=2).status_code == 200
    except httpx.TransportError:
        return False


def test_workers_stop_when_the_supervisor_is_killed(tmp_path: Path, pg_url: str) -> None:
    env = {**clean_env(), "ADVOCACY_DATABASE_URL": pg_url}
    upgraded = subprocess.run(
        [ADVOCACY, "db", "upgrade"], cwd=tmp_path, env=env, capture_output=True, timeout=120
    )
    assert upgraded.returncode == 0, upgraded.stderr
    port = free_port()
    log_path = tmp_path / "serve.log"
    with log_path.open("wb") as log:
        server = subprocess.Popen(
            [ADVOCACY, "serve", "--workers", "2", "--port", str(port)],
            cwd=tmp_path,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        assert wait_for(lambda: healthy(f"http://127.0.0.1:{port}"), 150), log_path.read_text()
        ready = wait_for(lambda: len(workers_of(server.pid, log_path)) == 2, 120)
        assert ready, log_path.read_text()
        workers = workers_of(server.pid, log_path)
        assert len(workers) == 2, log_path.read_text()
        os.kill(server.pid, signal.SIGKILL)
        server.wait(timeout=10)
        gone = wait_for(lambda: not any(alive(pid) for pid in workers), 10)
        assert gone, f"workers {sorted(p for p in workers if alive(p))} outlived the supervisor"
        assert wait_for(lambda: can_bind(port), 10), f"port {port} is still taken"
    finally:
        _kill_all(server)


def _kill_all(server: subprocess.Popen[bytes]) -> None:
    """SIGKILL the whole session (workers stay in it), so a failure leaves nothing behind."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(server.pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        server.wait(timeout=10)
