"""Alembic from code: `advocacy db upgrade` and the automatic upgrade of a new SQLite file."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError

from store.db import is_sqlite

MIGRATIONS = Path(__file__).parent / "migrations"


class DatabaseNotReady(RuntimeError):
    """The database cannot serve a command yet; the message says why and what to do."""


class SchemaOutOfDate(DatabaseNotReady):
    """The database is behind the code and is not ours to upgrade silently."""


class DatabaseUnreachable(DatabaseNotReady):
    """The database cannot be opened: no server there, no such database, no such folder."""


def include_object(
    obj: object, name: str | None, type_: str, reflected: bool, compare_to: object
) -> bool:
    """Alembic's filter: procrastinate's tables (the job queue, migration 0009) are not ours to
    diff, else autogenerate would drop them."""
    del obj, reflected, compare_to
    return not (type_ == "table" and (name or "").startswith("procrastinate_"))


def _config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def head_revision() -> str | None:
    return ScriptDirectory(str(MIGRATIONS)).get_current_head()


def current_revision(engine: Engine) -> str | None:
    try:
        connection = engine.connect()
    except OperationalError as error:
        raise _unreachable(engine, error) from error
    with connection:
        return MigrationContext.configure(connection).get_current_revision()


def _unreachable(engine: Engine, error: OperationalError) -> DatabaseUnreachable:
    # The driver's first line says why (refused, no such database, unable to open the file);
    # the rest is advice for its own users. The URL is shown without its password.
    reason = str(error.orig).strip().splitlines()[0] if error.orig else str(error)
    where = engine.url.render_as_string(hide_password=True)
    return DatabaseUnreachable(
        f"cannot open the database {where}: {reason} (ADVOCACY_DATABASE_URL)"
    )


def upgrade(engine: Engine) -> str | None:
    """Bring the schema to the newest revision; returns it."""
    current_revision(engine)  # an unreachable database is named, not a migration's traceback
    command.upgrade(_config(engine), "head")
    return head_revision()


def ensure_schema(engine: Engine) -> None:
    """Upgrade an embedded SQLite file on first use; ask for `advocacy db upgrade` elsewhere.

    Several API workers must not race to migrate a shared PostgreSQL database, so only the
    single-user embedded file is upgraded without being asked.
    """
    current, head = current_revision(engine), head_revision()
    if current == head:
        return
    if is_sqlite(str(engine.url)):
        upgrade(engine)
        return
    where = engine.url.render_as_string(hide_password=True)
    found = f"at revision {current}" if current else "without our tables"
    raise SchemaOutOfDate(
        f"the database {where} is {found}; this code needs revision {head}: "
        "run `advocacy db upgrade`"
    )
