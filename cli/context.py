"""The CLI's composition root: settings, clock and engine built once per command, never at import.

Domain errors become exit codes here, once: 1 refused (already decided, the gates now fail),
2 bad input or nothing to act on.

Help stays fast: a `cli/` module imports only typer, rich, the standard library and `domain.`
vocabulary at its top; anything heavier (agent, store, evals, sqlalchemy, langchain) is imported
inside the command that needs it (tests/e2e/test_cli_help.py holds the rule).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import typer
from rich.console import Console

from cli.render import print_error

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from agent.bootstrap import Services
    from agent.settings import Settings
    from domain.clock import Clock
    from domain.errors import DomainError


def load_settings() -> Settings:
    """The settings from the environment and `.env`; a bad value exits 2, naming the setting."""
    from agent.settings import settings_or_exit

    return settings_or_exit(lambda line: print_error(Console(stderr=True), line))


def load_clock() -> Clock:
    """The clock every command reads the time from (`--now` options fix a time instead)."""
    from domain.clock import utc_now

    return utc_now


def exit_code_of(error: DomainError) -> int:
    from domain.errors import Conflict

    return 1 if isinstance(error, Conflict) else 2


@contextmanager
def exits_on_domain_errors(err: Console) -> Iterator[None]:
    """Print a use-case's refusal in words and exit with its code."""
    from domain.errors import DomainError

    try:
        yield
    except DomainError as error:
        print_error(err, error.message)
        raise typer.Exit(exit_code_of(error)) from None


@contextmanager
def open_engine(settings: Settings) -> Iterator[Engine]:
    """A ready engine: the embedded SQLite file is created and upgraded on first use."""
    from store.db import make_engine
    from store.migrate import ensure_schema

    engine = make_engine(settings.database_url)
    try:
        ensure_schema(engine)
        yield engine
    finally:
        engine.dispose()


@contextmanager
def services() -> Iterator[Services]:
    """The composition root's services for one command: the engine at once; the checkpointer,
    graphs and chat model only if the command uses them (a read never does)."""
    from agent.bootstrap import open_services

    with open_services(load_settings(), clock=load_clock()) as built:
        yield built


def parse_time(value: str | None, *, option: str, err: Console | None = None) -> datetime:
    """An ISO 8601 time (naive = UTC), else now; exits 2 with the option's name for a bad one."""
    if value is None:
        return load_clock()()
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        message = f"{option}: {value!r} is not an ISO 8601 time (e.g. 2026-11-27T09:00:00Z)"
        print_error(err or Console(stderr=True), message)
        raise typer.Exit(2) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
