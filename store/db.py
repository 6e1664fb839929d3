"""Engine and session factory from one URL; SQLite and PostgreSQL behave the same."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

SQLITE_BUSY_TIMEOUT_MS = 30_000


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def sqlite_path(url: str) -> str:
    """The file path of a sqlite URL (':memory:' for none)."""
    return make_url(url).database or ":memory:"


_WRITE_LOCKS: dict[str, threading.RLock] = {}
_WRITE_LOCKS_GUARD = threading.Lock()


def sqlite_write_lock(path: str) -> threading.RLock:
    """The one lock this process's writers to a SQLite file take (our transactions and the
    checkpointer). SQLite has one writer at a time; a busy writer otherwise makes the others
    poll with sleeps of up to 100 ms (its busy handler), which stalls a drafting pool.
    Other processes still wait on the busy timeout."""
    with _WRITE_LOCKS_GUARD:
        return _WRITE_LOCKS.setdefault(path, threading.RLock())


def _tune_sqlite(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets readers run beside the single writer; the checkpointer shares the file.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.close()


# Bounded: the lists remembered come from small vocabularies (reason, flag, ask type, scope).
_JSON_REMEMBERED = 4096
_json_texts: dict[tuple[str, ...], str] = {}


def json_dumps(value: Any) -> str:
    """`json.dumps(value)`, remembered for short lists of strings: a scan stores five such
    lists per account (reasons, flags, eligible ask types, granted scopes, programs), and
    serialising them was most of the cost of inserting its results."""
    if type(value) is list and len(value) <= 8 and all(type(item) is str for item in value):
        key = tuple(value)
        text = _json_texts.get(key)
        if text is None:
            text = json.dumps(value)
            if len(_json_texts) < _JSON_REMEMBERED:
                _json_texts[key] = text
        return text
    return json.dumps(value)


def make_engine(url: str, *, echo: bool = False, threads: int = 10) -> Engine:
    """An engine for `url` (our SQLite pragmas, or pooled PostgreSQL) for `threads` at once.

    The pool holds a connection per thread that may use it, so drafting threads never queue
    on the pool itself.
    """
    pool: dict[str, Any] = {"pool_size": threads, "max_overflow": threads}
    common = {"echo": echo, "json_serializer": json_dumps, **pool}
    if is_sqlite(url):
        engine = create_engine(url, connect_args={"check_same_thread": False}, **common)
        event.listen(engine, "connect", _tune_sqlite)
        return engine
    return create_engine(url, pool_pre_ping=True, **common)


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One unit of work: commits on success, rolls back on any error."""
    with _writer_turn(factory), factory() as session, session.begin():
        yield session


def _writer_turn(factory: sessionmaker[Session]) -> Any:
    bind = factory.kw.get("bind")
    url = getattr(bind, "url", None)
    if url is None or url.get_backend_name() != "sqlite" or not url.database:
        return nullcontext()
    return sqlite_write_lock(url.database)
