"""Advocates benchmark: the reference finder, one profile and the referral-ready queue over the
demo bundle (SQLite file, or PostgreSQL with --pg), timed in this process.

    .venv/bin/python bench/advocates_bench.py [--accounts 20000] [--repeat 3] [--pg]

Prints the rows it works on and, per call, the best and median wall time of `--repeat` runs.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, func, select, text

from agent.settings import Settings
from agent.usecases.advocates import advocate_profile, search_advocates
from agent.usecases.referral_queue import referral_queue
from domain.actors import Actor
from domain.finder import ReferenceQuery
from store.db import make_engine, make_session_factory
from store.demo_data import write_demo_bundle
from store.importer import import_bundle
from store.migrate import upgrade
from store.models import Contact, Permission

NOW = datetime(2026, 11, 27, tzinfo=UTC)
ADMIN = Actor(id="bench", role="admin")
PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


def timed(label: str, repeat: int, work: Callable[[], Any]) -> Any:
    seconds, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = work()
        seconds.append(time.perf_counter() - start)
    size = len(result) if isinstance(result, list) else 1
    print(
        f"{label:<44} best {min(seconds):7.3f} s  median {statistics.median(seconds):7.3f} s"
        f"  ({size} rows)"
    )
    return result


def database(folder: Path, pg: bool) -> tuple[str, Callable[[], None]]:
    if not pg:
        return f"sqlite:///{folder / 'bench.db'}", lambda: None
    name = f"bench_adv_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return PG_ADMIN.rsplit("/", 1)[0] + f"/{name}", drop


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--accounts", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--pg", action="store_true", help="PostgreSQL on 127.0.0.1:5432")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        url, drop = database(folder, args.pg)
        try:
            run(folder, url, args.accounts, args.repeat)
        finally:
            drop()


def run(folder: Path, url: str, accounts: int, repeat: int) -> None:
    bundle = folder / "demo.json"
    write_demo_bundle(out=bundle, accounts=accounts, seed=7, now=NOW)
    engine = make_engine(url)
    upgrade(engine)
    import_bundle(engine=engine, source=bundle)
    factory = make_session_factory(engine)
    settings = Settings(database_url=url)
    policy = settings.policy
    with factory() as session:
        contacts = session.scalar(select(func.count()).select_from(Contact))
        granted = session.scalar(
            select(func.count()).select_from(Permission).where(Permission.status == "granted")
        )
        print(f"{engine.dialect.name}: {accounts} accounts, {contacts} contacts, {granted} grants")

        def search(query: ReferenceQuery) -> list[Any]:
            return search_advocates(
                session=session, actor=ADMIN, query=query, policy=policy, now=NOW, limit=50
            )

        found = timed("advocates search (any scope)", repeat, lambda: search(ReferenceQuery()))
        timed(
            "advocates search --ask-type reference_call",
            repeat,
            lambda: search(ReferenceQuery(ask_type="reference_call", available=True)),
        )
        first = found[0].contact_id
        timed(
            "advocates show (one contact)",
            repeat,
            lambda: advocate_profile(
                session=session, actor=ADMIN, contact_id=first, policy=policy, now=NOW
            ),
        )
        timed(
            "queue referral",
            repeat,
            lambda: referral_queue(session=session, settings=settings, actor=ADMIN, now=NOW),
        )
    engine.dispose()


if __name__ == "__main__":
    main()
