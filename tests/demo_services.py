"""The app's services on a database seeded with the demo bundle, for tests that scan or open
reviews on their own services."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from agent.bootstrap import Services, open_services
from agent.settings import Settings
from store.demo_data import write_demo_bundle
from store.importer import import_bundle


@contextmanager
def demo_services(url: str, folder: Path, *, accounts: int, now: datetime) -> Iterator[Services]:
    """Services on `url` (migrated on open) with `accounts` demo accounts (seed 7) imported,
    the bundle written in `folder`."""
    with open_services(Settings(database_url=url)) as built:
        bundle = folder / "demo.json"
        write_demo_bundle(out=bundle, accounts=accounts, seed=7, now=now)
        import_bundle(engine=built.engine, source=bundle)
        yield built
