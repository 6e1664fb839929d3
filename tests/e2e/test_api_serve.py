"""`advocacy users` and `advocacy serve` as a user runs them: a live uvicorn on loopback."""

from __future__ import annotations

import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.e2e.test_cli import ADVOCACY, clean_env

EXAMPLE = Path(__file__).parent.parent / "fixtures" / "design_example.json"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def run(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [ADVOCACY, *args], cwd=folder, env=clean_env(), capture_output=True, text=True, timeout=120
    )


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, str]]:
    """A seeded, scanned SQLite file served by `advocacy serve`; (base url, ana's token)."""
    assert run(tmp_path, "import", str(EXAMPLE)).returncode == 0
    assert run(tmp_path, "scan", "--now", "2026-11-27T09:00:00Z").returncode == 0
    added = run(tmp_path, "users", "add", "--id", "u-ana", "--role", "owner")
    assert added.returncode == 0, added.stderr
    token = added.stdout.strip()
    port = free_port()
    log = (tmp_path / "serve.log").open("wb")
    server = subprocess.Popen(
        [ADVOCACY, "serve", "--port", str(port)],
        cwd=tmp_path,
        env=clean_env(),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                if httpx.get(f"{base}/healthz").status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        yield base, token
    finally:
        server.terminate()
        server.wait(timeout=20)
        log.close()


def test_a_live_server_serves_an_owner_and_refuses_strangers(served: tuple[str, str]) -> None:
    base, token = served
    assert httpx.get(f"{base}/healthz").json() == {"status": "ok", "database": True}
    assert httpx.get(f"{base}/v1/reviews").status_code == 401
    auth = {"Authorization": f"Bearer {token}"}
    reviews = httpx.get(f"{base}/v1/reviews", headers=auth).json()["items"]
    assert [r["account_id"] for r in reviews] == ["acc-001"]
    path = f"{base}/v1/reviews/{reviews[0]['review_id']}/decision"
    approved = httpx.post(path, headers=auth, json={"action": "approve"}, timeout=30)
    assert approved.status_code == 200 and approved.json()["status"] == "approved"
    again = httpx.post(path, headers=auth, json={"action": "approve"}, timeout=30)
    assert again.status_code == 409


def test_users_commands_store_only_a_hash_and_check_owner_ids(tmp_path: Path) -> None:
    assert run(tmp_path, "import", str(EXAMPLE)).returncode == 0
    unknown = run(tmp_path, "users", "add", "--id", "u-nobody", "--role", "owner")
    assert unknown.returncode == 2 and "owner" in unknown.stderr
    added = run(tmp_path, "users", "add", "--id", "mkt-1", "--role", "marketing")
    assert added.returncode == 0
    token = added.stdout.strip()
    assert len(token) >= 40
    assert token.encode() not in (tmp_path / "advocacy.db").read_bytes()
    assert run(tmp_path, "users", "revoke", "--id", "mkt-1").returncode == 0
    listed = run(tmp_path, "users", "list")
    assert "mkt-1" in listed.stdout and "marketing" in listed.stdout
    assert run(tmp_path, "users", "revoke", "--id", "nobody").returncode == 2


def test_serve_refuses_several_workers_on_sqlite(tmp_path: Path) -> None:
    refused = run(tmp_path, "serve", "--workers", "2")
    assert refused.returncode == 2
    assert "PostgreSQL" in refused.stderr
