"""`make demo PORT=8001` serves on that port; a port already taken is refused at once, in
words, before any demo data, database or token is made."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ADVOCACY = str(Path(sys.executable).parent / "advocacy")


def test_a_taken_port_is_refused_before_any_work(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        env = {k: v for k, v in os.environ.items() if not k.startswith(("ADVOCACY_", "OPENAI_"))}
        done = subprocess.run(
            [ADVOCACY, "demo", "--serve", "--port", str(port)],
            cwd=tmp_path,
            env={**env, "COLUMNS": "200"},
            capture_output=True,
            text=True,
            check=False,
        )
    assert done.returncode == 2
    assert f"127.0.0.1:{port} is already in use" in done.stderr
    assert f"make demo PORT={port + 1}" in done.stderr
    assert list(tmp_path.iterdir()) == []  # no demo/bundle.json, no advocacy.db
    assert done.stdout == ""  # no progress: it stopped before seeding, scanning or a token


def test_make_demo_takes_the_port_from_the_command_line() -> None:
    plan = subprocess.run(
        ["make", "-n", "demo", "PORT=8001"], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert "advocacy demo --serve --port 8001" in plan.stdout
