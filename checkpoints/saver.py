"""The LangGraph checkpointer for ADVOCACY_DATABASE_URL: the official SQLite or Postgres saver."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.checkpoint.sqlite import SqliteSaver
from sqlalchemy.engine import make_url

from store.db import SQLITE_BUSY_TIMEOUT_MS, is_sqlite, sqlite_path, sqlite_write_lock


def libpq_url(database_url: str) -> str:
    """`postgresql+psycopg://…` (SQLAlchemy) as the plain URL psycopg expects."""
    return make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)


@contextmanager
def open_checkpointer(
    database_url: str, *, pool_size: int = 4
) -> Iterator[BaseCheckpointSaver[str]]:
    """A ready saver (tables created) that shares the application's database; closed on exit."""
    if is_sqlite(database_url):
        yield from _sqlite_saver(sqlite_path(database_url))
    else:
        yield from _postgres_saver(libpq_url(database_url), pool_size=pool_size)


def _sqlite_saver(path: str) -> Iterator[BaseCheckpointSaver[str]]:
    # One connection shared by threads: the saver serializes on its own lock; the busy timeout
    # covers the application's own writers on the same file.
    connection = sqlite3.connect(
        path, check_same_thread=False, timeout=SQLITE_BUSY_TIMEOUT_MS / 1000
    )
    try:
        # WAL (set by setup()) with NORMAL sync, like the application's engine: a commit no
        # longer waits for an fsync, which made every checkpoint a serial ~10 ms (the drafting
        # threads queue on this connection).
        connection.execute("PRAGMA synchronous=NORMAL")
        saver = SqliteSaver(connection)
        # Its writes and our transactions take turns on one lock, not on SQLite's busy sleeps.
        saver.lock = sqlite_write_lock(path)  # type: ignore[assignment]
        saver.setup()
        yield saver
    finally:
        connection.close()


def _postgres_saver(url: str, *, pool_size: int) -> Iterator[BaseCheckpointSaver[str]]:
    # Here, not at the top: psycopg and the Postgres saver take ~0.1 s to import, which every
    # command on the embedded SQLite default would pay for nothing.
    from langgraph.checkpoint.postgres import PostgresSaver
    from psycopg.rows import dict_row
    from psycopg_pool import ConnectionPool

    # autocommit: setup() creates indexes CONCURRENTLY, which cannot run inside a transaction.
    pool = ConnectionPool(
        url,
        min_size=1,
        max_size=pool_size,
        open=True,
        kwargs={"autocommit": True, "prepare_threshold": 0, "row_factory": dict_row},
    )
    try:
        saver = PostgresSaver(pool)  # type: ignore[arg-type]
        saver.setup()
        yield saver
    finally:
        pool.close()
