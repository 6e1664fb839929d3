"""The terminal's scan progress bar (cli/workflow_commands.progress_bar): it draws the scan's
reports without a thread of its own, so a scan in a terminal forks its draft helper (ready at
once) instead of spawning one that spends seconds importing."""

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


def test_the_bar_draws_the_reports_without_a_thread_of_its_own(screen: io.StringIO) -> None:
    before = set(threading.enumerate())
    with progress_bar(True) as report:
        report("gating", 1000, 1000)
        for done in range(1, 1001):
            report("drafting", done, 1000)
        during = set(threading.enumerate())
    assert during == before
    drawn = screen.getvalue()
    assert "gating" in drawn and "1000/1000" in drawn
    # A thousand reports in a few milliseconds: drawn when the phase starts and ends, not each.
    assert 1 <= drawn.count("drafting") < 20


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
    report("drafting", 1, 10)
    forkable = _forkable()
print(forkable)  # after the bar: while it draws, it shows what the process prints
"""


def test_a_scan_under_the_bar_forks_its_draft_helper() -> None:
    """In a fresh process, as `advocacy scan` in a terminal: with the bar drawing, the process
    still has no other thread, so the drafting forks its helper."""
    done = subprocess.run(
        [sys.executable, "-c", UNDER_THE_BAR], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "True"
