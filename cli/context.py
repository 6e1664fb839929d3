"""The CLI's composition root: settings, clock and engine built once per command, never at import.

Domain errors become exit codes here, once: 1 refused (already decided, the gates now fail),
2 bad input or nothing to act on.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import typer
from rich.console import Console
from sqlalchemy import Engine

from agent.settings import Settings
from cli.render import print_error
from domain.clock import Clock, utc_now
from domain.errors import Conflict, DomainError
from store.db import make_engine
from store.migrate import ensure_schema


def load_settings() -> Settings:
    return Settings()


def load_clock() -> Clock:
    """The clock every command reads the time from (`--now` options fix a time instead)."""
    return utc_now


def exit_code_of(error: DomainError) -> int:
    return 1 if isinstance(error, Conflict) else 2


@contextmanager
def exits_on_domain_errors(err: Console) -> Iterator[None]:
    """Print a use-case's refusal in words and exit with its code."""
    try:
        yield
    except DomainError as error:
        print_error(err, error.message)
        raise typer.Exit(exit_code_of(error)) from None


@contextmanager
def open_engine(settings: Settings) -> Iterator[Engine]:
    """A ready engine: the embedded SQLite file is created and upgraded on first use."""
    engine = make_engine(settings.database_url)
    try:
        ensure_schema(engine)
        yield engine
    finally:
        engine.dispose()
