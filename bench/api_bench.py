"""API benchmark: 10k pending reviews over 20 owners on PostgreSQL, 50 concurrent clients.

Set-up (a fresh database, dropped at the end): 10,000 accounts over 20 owners are imported; the
first REAL accounts get a positive signal and go through a real scan, so their reviews are real
paused advocate-graph threads (the only ones decided). The other reviews are bulk-inserted as
plain `reviews` rows that copy a real payload (cheap, and enough for the read routes).
Then `advocacy serve` runs with 1 and then 2 workers, and this process (a second process on
loopback) sends GET /v1/reviews, GET /v1/reviews/{id} and POST .../decision with an async httpx
client and 50 concurrent clients, a bounded number of requests per route.

    .venv/bin/python bench/api_bench.py [--requests 3000] [--real 300]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine, insert, select, text

from agent.bootstrap import open_services
from agent.settings import Settings
from agent.usecases.scans import run_scan
from agent.usecases.users import create_user
from store.importer import import_bundle
from store.models import Review

NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
ADMIN_URL = os.environ.get(
    "ADVOCACY_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
OWNERS, ACCOUNTS, CONCURRENCY = 20, 10_000, 50
ADVOCACY = str(Path(sys.executable).parent / "advocacy")


def bundle(real: int) -> dict[str, list[dict[str, Any]]]:
    owners = [{"id": f"u-{o:02d}", "name": f"Owner {o}"} for o in range(1, OWNERS + 1)]
    accounts, contacts, signals = [], [], []
    for n in range(1, ACCOUNTS + 1):
        account_id = f"acc-{n:05d}"
        accounts.append(
            {
                "id": account_id,
                "name": f"Customer {n}",
                "owner_id": f"u-{n % OWNERS + 1:02d}",
                "segment": "smb",
                "customer_since": "2022-01-01",
                "health_score": 85,
            }
        )
        if n <= real:
            contacts.append(
                {"id": f"c-{n}", "account_id": account_id, "name": f"Contact {n}", "champion": True}
            )
            signals.append(
                {
                    "id": f"s-{n}",
                    "account_id": account_id,
                    "contact_id": f"c-{n}",
                    "kind": "nps",
                    "score": 10,
                    "text": "Great product",
                    "occurred_at": (NOW - timedelta(days=n % 60 + 1)).isoformat(),
                }
            )
    return {"owners": owners, "accounts": accounts, "contacts": contacts, "signals": signals}


def seed(url: str, real: int) -> dict[str, Any]:
    """Import, scan the real candidates, bulk-insert the rest, make one token per owner."""
    started = time.perf_counter()
    with (
        tempfile.TemporaryDirectory() as folder,
        open_services(Settings(database_url=url), clock=lambda: NOW) as services,
    ):
        path = Path(folder) / "bundle.json"
        path.write_text(json.dumps(bundle(real)))
        import_bundle(engine=services.engine, source=path)
        ids = [f"acc-{n:05d}" for n in range(1, real + 1)]
        run_scan(services=services, now=NOW, account_ids=ids)
        with services.deps.session_factory() as session:
            reviews = list(session.scalars(select(Review)))
        template = reviews[0]
        rows = []
        for n in range(real + 1, ACCOUNTS + 1):
            rid = f"rv-bulk-acc-{n:05d}"
            rows.append(
                {
                    "id": rid,
                    "account_id": f"acc-{n:05d}",
                    "owner_id": f"u-{n % OWNERS + 1:02d}",
                    "scan_id": template.scan_id,
                    "status": "pending",
                    "created_at": NOW,
                    "trigger_at": NOW - timedelta(minutes=n),
                    "ask_type": template.ask_type,
                    "owner_only": False,
                    "flags": template.flags,
                    "payload": {**template.payload, "review_id": rid},
                }
            )
        with services.engine.begin() as connection:
            for start in range(0, len(rows), 1000):
                connection.execute(insert(Review), rows[start : start + 1000])
        tokens = {
            f"u-{o:02d}": create_user(
                session_factory=services.deps.session_factory,
                user_id=f"u-{o:02d}",
                role="owner",
                now=NOW,
            )
            for o in range(1, OWNERS + 1)
        }
    real_reviews = [(r.id, r.owner_id) for r in reviews if r.status == "pending"]
    all_reviews = real_reviews + [(r["id"], r["owner_id"]) for r in rows]
    return {
        "tokens": tokens,
        "real": real_reviews,
        "all": all_reviews,
        "seconds": time.perf_counter() - started,
    }


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


async def load(
    name: str,
    total: int,
    make: Callable[[httpx.AsyncClient, int], Awaitable[httpx.Response]],
    rate: float = 0.0,
) -> dict[str, Any]:
    """`total` requests from CONCURRENCY clients at once; latency per request and throughput.

    rate 0: every client sends as soon as its last answer came (saturation). rate R: request j
    is due at start + j/R and its latency counts from then, so a server that falls behind is
    charged for the wait (no coordinated omission).
    """
    latencies: list[float] = []
    codes: dict[int, int] = {}
    errors: list[str] = []
    counter = iter(range(total))
    started = time.perf_counter()

    async def client_loop(client: httpx.AsyncClient) -> None:
        for i in counter:
            t0 = time.perf_counter()
            if rate:
                t0 = started + i / rate
                await asyncio.sleep(max(0.0, t0 - time.perf_counter()))
            try:
                status = (await make(client, i)).status_code
            except httpx.TransportError as error:
                status = 0  # counted, shown under code 0
                errors.append(type(error).__name__)
            latencies.append((time.perf_counter() - t0) * 1000)
            codes[status] = codes.get(status, 0) + 1

    limits = httpx.Limits(max_connections=CONCURRENCY, max_keepalive_connections=CONCURRENCY)
    async with httpx.AsyncClient(limits=limits, timeout=60) as client:
        await asyncio.gather(*(client_loop(client) for _ in range(CONCURRENCY)))
        elapsed = time.perf_counter() - started
    q = statistics.quantiles(latencies, n=100)
    return {
        "route": name,
        "n": len(latencies),
        "p50": q[49],
        "p95": q[94],
        "p99": q[98],
        "rps": len(latencies) / elapsed,
        "codes": codes,
    }


async def run_routes(
    base: str, data: dict[str, Any], requests: int, decisions: list[Any], rate: float
) -> list[dict[str, Any]]:
    tokens, everyone = data["tokens"], data["all"]
    rng = random.Random(7)
    owners = sorted(tokens)

    def auth(owner: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {tokens[owner]}"}

    async def list_reviews(client: httpx.AsyncClient, i: int) -> httpx.Response:
        owner = owners[i % len(owners)]
        return await client.get(f"{base}/v1/reviews?limit=50", headers=auth(owner))

    async def one_review(client: httpx.AsyncClient, i: int) -> httpx.Response:
        rid, owner = everyone[rng.randrange(len(everyone))]
        return await client.get(f"{base}/v1/reviews/{rid}", headers=auth(owner))

    async def decide(client: httpx.AsyncClient, i: int) -> httpx.Response:
        rid, owner = decisions[i]
        body = {"action": "approve"} if i % 2 else {"action": "reject", "reason": "bench"}
        return await client.post(
            f"{base}/v1/reviews/{rid}/decision", headers=auth(owner), json=body
        )

    return [
        await load("GET /v1/reviews", requests, list_reviews, rate),
        await load("GET /v1/reviews/{id}", requests, one_review, rate),
        await load("POST /v1/reviews/{id}/decision", len(decisions), decide, rate),
    ]


def serve(url: str, workers: int) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ADVOCACY_", "OPENAI_"))}
    env["ADVOCACY_DATABASE_URL"] = url
    server = subprocess.Popen(
        [ADVOCACY, "serve", "--port", str(port), "--workers", str(workers)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=open("/tmp/bench_serve.log", "ab"),  # noqa: SIM115
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            if httpx.get(f"{base}/healthz").status_code == 200:
                return server, base
        except httpx.TransportError:
            time.sleep(0.1)
    server.kill()
    raise SystemExit("the server did not start")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=3000, help="requests per read route")
    parser.add_argument("--real", type=int, default=300, help="real paused threads (decided)")
    parser.add_argument(
        "--rate",
        type=float,
        default=0.0,
        help="requests per second over all clients (default 0: as fast as answers come)",
    )
    args = parser.parse_args()
    name = f"advocacy_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    try:
        subprocess.run(
            [ADVOCACY, "db", "upgrade"],
            env={**os.environ, "ADVOCACY_DATABASE_URL": url},
            check=True,
            capture_output=True,
        )
        data = seed(url, args.real)
        print(
            f"seeded {len(data['all'])} pending reviews ({len(data['real'])} real threads) "
            f"over {OWNERS} owners in {data['seconds']:.1f} s"
        )
        half = len(data["real"]) // 2
        batches = {1: data["real"][:half], 2: data["real"][half:]}
        pace = f"paced at {args.rate:g} req/s" if args.rate else "as fast as answers come"
        print(f"{CONCURRENCY} concurrent clients, {pace}")
        print(
            f"{'workers':>7} {'route':<32} {'n':>5} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7}"
            f" {'req/s':>7}  codes"
        )
        for workers, decisions in batches.items():
            server, base = serve(url, workers)
            try:
                results = asyncio.run(run_routes(base, data, args.requests, decisions, args.rate))
            finally:
                server.terminate()
                server.wait(timeout=30)
            for r in results:
                print(
                    f"{workers:>7} {r['route']:<32} {r['n']:>5} {r['p50']:>7.1f} {r['p95']:>7.1f} "
                    f"{r['p99']:>7.1f} {r['rps']:>7.0f}  {r['codes']}"
                )
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


if __name__ == "__main__":
    main()
