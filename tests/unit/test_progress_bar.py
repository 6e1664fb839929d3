"""The terminal's scan progress bar (cli/workflow_commands.progress_bar): it has no thread before
the scan's first report, so a scan in a terminal forks its draft helper as its drafting begins
(ready at once) instead of spawning one that spends seconds importing."""

from __future__ import annotations

import io
import subprocess
import sys
import threading

import pytest
from rich.console import Console

import cli.workflow_commands
from cli.workflow_commands import progress_bar


@pytest.fixture
def screen(monkeypatch: pytest.MonkeyPatch) -> io.StringIO:
    """What the bar draws, as on a terminal."""
    out = io.StringIO()
    console = Console(file=out, force_terminal=True, width=100)
    monkeypatch.setattr(cli.workflow_commands, "err", console)
    return out


def test_the_bar_has_no_thread_until_the_first_report_then_draws_them(screen: io.StringIO) -> None:
    before = set(threading.enumerate())
    with progress_bar(True) as report:
        assert set(threading.enumerate()) == before
        assert screen.getvalue() == ""
        report("gating", 1000, 1000)
        for done in range(1, 1001):
            report("drafting", done, 1000)
    drawn = screen.getvalue()
    assert "gating" in drawn and "drafting" in drawn and "1000/1000" in drawn


def test_a_piped_scan_draws_nothing(screen: io.StringIO, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cli.workflow_commands, "err", Console(file=screen, force_terminal=False))
    with progress_bar(True) as report:
        report("drafting", 5, 10)
    assert screen.getvalue() == ""


UNDER_THE_BAR = """
import io
from rich.console import Console
import agent.writing  # a scan with a model configured has its writer built
import cli.workflow_commands as commands
from agent.draft_helper import _forkable
commands.err = Console(file=io.StringIO(), force_terminal=True)
with commands.progress_bar(True) as report:
    forkable = _forkable()  # where a scan's drafting begins, before its first report
    report("gating", 10, 10)
print(forkable)  # after the bar: while it draws, it shows what the process prints
"""


def test_a_scan_under_the_bar_forks_its_draft_helper() -> None:
    """In a fresh process, as `advocacy scan` in a terminal: under the bar, until the scan's
    first report, the process has no other thread, so the drafting forks its helper."""
    done = subprocess.run(
        [sys.executable, "-c", UNDER_THE_BAR], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "True"
