"""The CLI's composition root: settings and engine built once per command, never at import."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine

from agent.settings import Settings
from store.db import make_engine
from store.migrate import ensure_schema


def load_settings() -> Settings:
    return Settings()


@contextmanager
def open_engine(settings: Settings) -> Iterator[Engine]:
    """A ready engine: the embedded SQLite file is created and upgraded on first use."""
    engine = make_engine(settings.database_url)
    try:
        ensure_schema(engine)
        yield engine
    finally:
        engine.dispose()
