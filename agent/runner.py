"""Which process runs a scan: `host:pid:start`, so a restart can tell a dead run from a live one."""

from __future__ import annotations

import os
import socket
from pathlib import Path


def _start_ticks(pid: int) -> str | None:
    """The process's start time in clock ticks since boot (Linux); None when it is gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # The command name may hold spaces and parentheses: fields count from the last ')'.
    return stat.rsplit(")", 1)[1].split()[19]


def this_runner() -> str:
    pid = os.getpid()
    return f"{socket.gethostname()}:{pid}:{_start_ticks(pid) or '?'}"


def runner_is_gone(runner: str | None) -> bool:
    """True only when the runner was a process of this host that no longer runs.

    Another host's runner cannot be checked from here, so it counts as alive.
    """
    if runner is None:
        return False
    host, _, rest = runner.partition(":")
    pid, _, started = rest.partition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return False
    return _start_ticks(int(pid)) != started
