"""`advocacy db upgrade|current`."""

from __future__ import annotations

import typer
from rich.console import Console

from cli.context import load_settings

db_app = typer.Typer(
    help="Database schema: create or upgrade it with Alembic.", no_args_is_help=True
)
console = Console()


@db_app.command("upgrade")
def upgrade_command() -> None:
    """Create the tables or bring them to the newest revision (ADVOCACY_DATABASE_URL).

    The checkpointer's tables too: workers and API processes then start side by side without
    racing to create them (on PostgreSQL, also the job queue's schema: migration 0009).

    Examples:
      advocacy db upgrade
      ADVOCACY_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1/adv advocacy db upgrade
    """
    from checkpoints.saver import open_checkpointer
    from store.db import make_engine
    from store.migrate import upgrade

    settings = load_settings()
    engine = make_engine(settings.database_url)
    try:
        revision = upgrade(engine)
    finally:
        engine.dispose()
    with open_checkpointer(settings.database_url, pool_size=1):
        pass
    console.print(f"schema at revision [bold]{revision}[/bold] ({engine.url.render_as_string()})")


@db_app.command("current")
def current_command() -> None:
    """Print the schema revision of the database and the newest one the code knows.

    Examples:
      advocacy db current
    """
    from store.db import make_engine
    from store.migrate import current_revision, head_revision

    settings = load_settings()
    engine = make_engine(settings.database_url)
    try:
        console.print(f"database: {current_revision(engine)}  code: {head_revision()}")
    finally:
        engine.dispose()


def register(app: typer.Typer) -> None:
    app.add_typer(db_app, name="db")
