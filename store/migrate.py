"""Alembic from code: `advocacy db upgrade` and the automatic upgrade of a new SQLite file."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

from store.db import is_sqlite

MIGRATIONS = Path(__file__).parent / "migrations"


class SchemaOutOfDate(RuntimeError):
    """The database is behind the code and is not ours to upgrade silently."""


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
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def upgrade(engine: Engine) -> str | None:
    """Bring the schema to the newest revision; returns it."""
    command.upgrade(_config(engine), "head")
    return head_revision()


def ensure_schema(engine: Engine) -> None:
    """Upgrade an embedded SQLite file on first use; ask for `advocacy db upgrade` elsewhere.

    Several API workers must not race to migrate a shared PostgreSQL database, so only the
    single-user embedded file is upgraded without being asked.
    """
    if current_revision(engine) == head_revision():
        return
    if is_sqlite(str(engine.url)):
        upgrade(engine)
        return
    raise SchemaOutOfDate(
        "the database schema is not at the newest revision: run `advocacy db upgrade`"
    )
