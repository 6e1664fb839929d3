"""kill -9 as an operator's bad day brings it: of `serve` with decisions in flight, and of a scan
in the middle of drafting. After a restart: 0 lost, 0 doubled, 0 stuck, every review decidable.

Real processes on a real SQLite file, the offline drafter or a stub model server on loopback;
short leases (settings) so the test need not wait two minutes."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, func, select

from agent.usecases.users import create_user
from store.auth_models import IdempotencyRecord
from store.db import make_engine, make_session_factory
from store.models import MeasurementEvent, Review, Scan
from tests.e2e.test_api_serve import free_port
from tests.e2e.test_cli import ADVOCACY, clean_env

STUB = Path(__file__).resolve().parents[2] / "bench" / "stub_llm.py"
LEASE = "2"
pytestmark = pytest.mark.slow


def env(**extra: str) -> dict[str, str]:
    return {**clean_env(), "ADVOCACY_CLAIM_LEASE_SECONDS": LEASE, **extra}


def advocacy(folder: Path, *args: str, **extra: str) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [ADVOCACY, *args], cwd=folder, env=env(**extra), capture_output=True, text=True,
        timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return done


ENGINES: dict[Path, Engine] = {}


@pytest.fixture
def folder(tmp_path: Path) -> Iterator[Path]:
    """300 demo accounts imported into ./advocacy.db."""
    advocacy(tmp_path, "demo-data", "--accounts", "300", "--seed", "5", "--out", "demo.json")
    advocacy(tmp_path, "import", "demo.json")
    yield tmp_path
    engine = ENGINES.pop(tmp_path, None)
    if engine is not None:
        engine.dispose()


def factory(folder: Path) -> Any:
    if folder not in ENGINES:
        ENGINES[folder] = make_engine(f"sqlite:///{folder / 'advocacy.db'}")
    return make_session_factory(ENGINES[folder])


def count(folder: Path, model: Any, *where: Any) -> int:
    with factory(folder)() as session:
        return session.scalar(select(func.count()).select_from(model).where(*where)) or 0


def statuses(folder: Path) -> dict[str, int]:
    with factory(folder)() as session:
        rows = session.execute(select(Review.status, func.count()).group_by(Review.status))
        return {str(status): int(n) for status, n in rows.all()}


def start_serve(folder: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    server = subprocess.Popen(
        [ADVOCACY, "serve", "--port", str(port)], cwd=folder, env=env(),
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                return server, base
        except httpx.TransportError:
            time.sleep(0.2)
    server.kill()
    raise AssertionError("serve did not start")


@pytest.fixture
def servers() -> Iterator[list[subprocess.Popen[bytes]]]:
    started: list[subprocess.Popen[bytes]] = []
    yield started
    for server in started:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(timeout=10)


def decision_requests(folder: Path) -> list[tuple[str, str, str]]:
    """(review id, its owner's token, an Idempotency-Key) for every pending review."""
    now = datetime.now(UTC)
    with factory(folder)() as session:
        pending = session.execute(
            select(Review.id, Review.owner_id).where(Review.status == "pending")
        )
        reviews = list(pending.all())
    tokens = {
        owner: create_user(session_factory=factory(folder), user_id=owner, role="owner", now=now)
        for owner in sorted({owner for _, owner in reviews})
    }
    return [(review_id, tokens[owner], f"key-{review_id}") for review_id, owner in reviews]


def post(base: str, request: tuple[str, str, str]) -> int | None:
    review_id, token, key = request
    headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": key}
    body = {"action": "reject", "reason": "not now"}
    try:
        answer = httpx.post(f"{base}/v1/reviews/{review_id}/decision", json=body,
                            headers=headers, timeout=30)  # fmt: skip
    except httpx.TransportError:
        return None
    return answer.status_code


def test_kill_9_of_serve_with_decisions_in_flight(
    folder: Path, servers: list[subprocess.Popen[bytes]]
) -> None:
    advocacy(folder, "scan")
    requests = decision_requests(folder)
    assert len(requests) >= 20
    server, base = start_serve(folder)
    servers.append(server)
    with ThreadPoolExecutor(8) as pool:
        answers = [pool.submit(post, base, request) for request in requests]
        while sum(a.done() for a in answers) < 3:
            time.sleep(0.01)
        os.killpg(server.pid, signal.SIGKILL)
        first = [a.result() for a in answers]
    server.wait(timeout=10)
    lost = first.count(None)
    assert 0 < lost < len(requests), first  # some answered, some died with the process

    server, base = start_serve(folder)  # its recovery pass runs at start
    servers.append(server)
    time.sleep(float(LEASE) + 1)
    with ThreadPoolExecutor(8) as pool:
        replays = list(pool.map(lambda request: post(base, request), requests))

    assert replays == [200] * len(requests), replays  # every key gets its real answer
    assert statuses(folder) == {"rejected": len(requests)}  # 0 stuck, 0 lost
    assert count(folder, MeasurementEvent, MeasurementEvent.kind == "ask_rejected") == len(
        requests
    )  # 0 doubled
    assert count(folder, IdempotencyRecord, IdempotencyRecord.status_code == 0) == 0


def test_kill_9_of_a_scan_mid_draft(folder: Path) -> None:
    stub = subprocess.Popen(
        [sys.executable, str(STUB), "--port", "0", "--latency", "0.4"],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert stub.stdout is not None
        base_url = stub.stdout.readline().split()[3]  # "stub LLM at http://…/v1 (latency …)"
        model = {"OPENAI_BASE_URL": base_url, "OPENAI_API_KEY": "stub",
                 "ADVOCACY_LLM_CONCURRENCY": "4"}  # fmt: skip
        scan = subprocess.Popen(
            [ADVOCACY, "scan"], cwd=folder, env=env(**model),
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 120
        while count(folder, Review) < 4 and time.monotonic() < deadline:
            time.sleep(0.05)
        scan.kill()
        scan.wait(timeout=10)
    finally:
        stub.kill()
        stub.wait(timeout=10)
        if stub.stdout is not None:
            stub.stdout.close()
    crashed = count(folder, Review)
    assert crashed >= 4

    time.sleep(1.5)
    listed = advocacy(folder, "reviews", "list", "--json", ADVOCACY_DRAFT_LEASE_SECONDS="1")
    assert "drafting" not in statuses(folder)
    with factory(folder)() as session:
        assert session.scalars(select(Scan.status)).all() == ["interrupted"]
    for review in json.loads(listed.stdout):  # every pending review has its checkpoint
        shown = advocacy(folder, "reviews", "show", review["review_id"], "--json")
        assert json.loads(shown.stdout)["status"] == "pending"

    result = json.loads(advocacy(folder, "scan", "--json").stdout)["results"]
    candidates = [r for r in result if r["status"] == "candidate"]
    assert all(r["review_id"] for r in candidates)
    assert statuses(folder) == {"pending": len(candidates)}  # one open review per candidate
    events = count(folder, MeasurementEvent, MeasurementEvent.kind == "candidate_identified")
    assert events == len(candidates)  # no event left behind by a discarded draft
    one = candidates[0]["review_id"]
    advocacy(folder, "reviews", "decide", one, "reject", "--reason", "after the crash")
