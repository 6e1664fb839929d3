"""A database that cannot serve a command: one line naming it and what to do, exit 2, whichever
command opened it (it printed a hundred-line traceback and exited 1)."""

from __future__ import annotations

import socket
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect

from tests.conftest import PG_ADMIN_URL
from tests.e2e.test_cli import ADVOCACY, clean_env

NOT_UPGRADED = "without our tables; this code needs revision"
COMMANDS = (
    ["reviews", "list"],
    ["scan", "--json"],
    ["worker"],
    ["db", "upgrade"],
    ["demo", "--accounts", "20"],
)


def advocacy(url: str, command: list[str], folder: Path) -> subprocess.CompletedProcess[str]:
    env = {**clean_env(), "COLUMNS": "120", "ADVOCACY_DATABASE_URL": url}
    return subprocess.run(
        [ADVOCACY, *command], cwd=folder, env=env, capture_output=True, text=True, timeout=120
    )


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port  # nothing listens on it once the probe is closed


SQLITE = 2  # the index of the SQLite case below


def unreachable_urls(pg_admin: str) -> list[tuple[str, str]]:
    """(URL, the reason the line gives) for databases nothing can open."""
    server = pg_admin.rsplit("/", 1)[0]
    refused = f"postgresql+psycopg://postgres:s3cret-pw@127.0.0.1:{closed_port()}/advocacy"
    return [
        (refused, "Connection refused"),
        (
            f"{server}/advocacy_no_such_database",
            'database "advocacy_no_such_database" does not exist',
        ),
        ("sqlite:////no/such/folder/advocacy.db", "unable to open database file"),
    ]


def one_error_line(done: subprocess.CompletedProcess[str], folder: Path) -> str:
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    assert not (folder / "demo").exists(), "refused before the demo wrote its bundle"
    lines = [line for line in done.stderr.splitlines() if line.startswith("error: ")]
    assert len(lines) == 1, done.stderr
    return lines[0]


@pytest.mark.postgres
@pytest.mark.parametrize("command", [c for c in COMMANDS if c != ["db", "upgrade"]])
def test_a_database_without_the_schema_asks_for_db_upgrade(
    pg_url: str, command: list[str], tmp_path: Path
) -> None:
    line = one_error_line(advocacy(pg_url, command, tmp_path), tmp_path)
    assert NOT_UPGRADED in line and "run `advocacy db upgrade`" in line
    engine = create_engine(pg_url)
    try:
        assert inspect(engine).get_table_names() == [], "nothing created behind the user's back"
    finally:
        engine.dispose()


# A worker on SQLite is refused before any database is opened (tests/e2e/test_queue_workers.py).
UNREACHABLE_CASES = [
    (index, command)
    for index in range(3)
    for command in COMMANDS
    if not (index == SQLITE and command == ["worker"])
]


@pytest.mark.postgres
@pytest.mark.parametrize(("index", "command"), UNREACHABLE_CASES)
def test_a_database_nothing_can_open_is_named_with_the_reason(
    index: int, command: list[str], tmp_path: Path
) -> None:
    url, reason = unreachable_urls(PG_ADMIN_URL)[index]
    line = one_error_line(advocacy(url, command, tmp_path), tmp_path)
    assert line.startswith("error: cannot open the database ") and reason in line
    assert "(ADVOCACY_DATABASE_URL)" in line
    assert "s3cret-pw" not in line, "the password is never printed"
