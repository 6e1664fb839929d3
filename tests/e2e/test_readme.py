"""The README is true: every `advocacy` line of its `bash` blocks that needs no server, network
or mail server runs, in order, against a fresh `advocacy demo` database, with the README's
example review ids replaced by real ones from that database; each exits with the code written
after it (`# exit N`), or 0.

`evals` lines get `--no-save`, so that the run leaves no file in the tracked evals/runs/.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
BIN = Path(sys.executable).parent
REVIEW_ID = re.compile(r"rv-[0-9a-f]{10}-acc-\d{6}")
EXPECTED = re.compile(r"#\s*exit (\d+)")
# Lines that need something this test does not start: a server, a model, a mail server, or
# PostgreSQL; `demo` itself is the setup.
NEEDS_MORE = re.compile(
    r"advocacy (serve|demo --serve|worker)|--queue|--record|OPENAI_|ADVOCACY_SMTP_URL|postgresql"
    r"|tasks send\b"
)


def readme_lines() -> list[tuple[int, str]]:
    """(line number, command) of each `advocacy` line inside a ```bash block."""
    lines, in_bash = [], False
    for number, line in enumerate(README.read_text(encoding="utf-8").splitlines(), 1):
        if line.startswith("```"):
            in_bash = line.strip() == "```bash" and not in_bash
            continue
        if in_bash and line.startswith("advocacy "):
            lines.append((number, line))
    return lines


def expected_exit(line: str) -> int:
    found = EXPECTED.search(line)
    return int(found.group(1)) if found else 0


def environment() -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("ADVOCACY_", "OPENAI_"))}
    return {**clean, "PATH": f"{BIN}{os.pathsep}{clean.get('PATH', '')}", "COLUMNS": "120"}


def run(line: str, folder: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", "-c", line], cwd=folder, env=environment(), capture_output=True, text=True
    )


def test_the_readme_shows_runnable_lines() -> None:
    lines = [line for _, line in readme_lines()]
    assert lines[0].startswith("advocacy demo") and len(lines) >= 20
    assert any(expected_exit(line) == 100 for line in lines)  # the failing-gate example
    assert "DESIGN.md" not in README.read_text(encoding="utf-8")


def test_every_offline_command_line_of_the_readme_runs(tmp_path: Path) -> None:
    setup = run("advocacy demo", tmp_path)
    assert setup.returncode == 0, setup.stderr
    listed = run("advocacy reviews list --json", tmp_path)
    pending = [row["review_id"] for row in json.loads(listed.stdout)]
    real: dict[str, str] = {}
    failures = []
    for number, line in readme_lines()[1:]:
        if NEEDS_MORE.search(line):
            continue
        for example in REVIEW_ID.findall(line):
            if example not in real:  # a never-listed example id stays: it must not exist
                real[example] = pending[len(real)] if "999999" not in example else example
        command = REVIEW_ID.sub(lambda found: real[found.group(0)], line)
        if command.startswith("advocacy evals"):
            command = command.replace("advocacy evals run", "advocacy evals run --no-save", 1)
        done = run(command, tmp_path)
        if done.returncode != expected_exit(line):
            failures.append(
                f"README.md:{number}: exit {done.returncode}, expected {expected_exit(line)}:"
                f" {command}\n{done.stderr[-600:]}"
            )
    assert len(real) >= 3, "the README's walkthrough uses three reviews"
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("line", [line for _, line in readme_lines()][:3])
def test_readme_lines_name_real_commands(line: str) -> None:
    words = line.split("#")[0].split()
    assert words[0] == "advocacy" and words[1] in {"demo", "reviews", "tasks"}
