"""`advocacy users add|revoke|list` and `advocacy serve` (the HTTP API)."""

from __future__ import annotations

import errno
import os
import socket
import sys
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from cli.context import exit_code_of, load_clock, load_settings, open_engine
from cli.render import print_error

console = Console()
err = Console(stderr=True)
users_app = typer.Typer(
    help="API users and their bearer tokens (owner, marketing, admin).", no_args_is_help=True
)


@users_app.command("add")
def add_user(
    user_id: Annotated[str, typer.Option("--id", help="The user id; an owner's is its owners.id.")],
    role: Annotated[str, typer.Option(help="owner | marketing | admin")],
) -> None:
    """Create a user and print its bearer token ONCE (only its sha256 is stored).

    Examples:
      advocacy users add --id u-ana --role owner
      advocacy users add --id mkt-1 --role marketing
    """
    from agent.usecases.users import UserError, create_user
    from store.db import make_session_factory

    with open_engine(load_settings()) as engine:
        try:
            token = create_user(
                session_factory=make_session_factory(engine),
                user_id=user_id,
                role=role,
                now=load_clock()(),
            )
        except UserError as error:
            print_error(err, error.message)
            raise typer.Exit(exit_code_of(error)) from None
    err.print(f"user {user_id} ({role}) created; its bearer token (shown once):")
    sys.stdout.write(token + "\n")


@users_app.command("revoke")
def revoke(user_id: Annotated[str, typer.Option("--id", help="The user id.")]) -> None:
    """Revoke a user's token: its requests get 401 from now on.

    Examples:
      advocacy users revoke --id mkt-1
    """
    from agent.usecases.users import UserError, revoke_user
    from store.db import make_session_factory

    with open_engine(load_settings()) as engine:
        try:
            revoke_user(
                session_factory=make_session_factory(engine),
                user_id=user_id,
                now=load_clock()(),
            )
        except UserError as error:
            print_error(err, error.message)
            raise typer.Exit(exit_code_of(error)) from None
    console.print(f"user {user_id} revoked")


@users_app.command("list")
def list_all() -> None:
    """Every API user, its role and whether it is revoked (tokens are never shown).

    Examples:
      advocacy users list
    """
    from agent.usecases.users import list_users
    from store.db import make_session_factory

    with open_engine(load_settings()) as engine, make_session_factory(engine)() as session:
        users = list_users(session=session)
    table = Table("id", "role", "created", "revoked")
    for user in users:
        revoked = user.revoked_at.isoformat() if user.revoked_at else ""
        table.add_row(user.id, user.role, user.created_at.isoformat(), revoked)
    console.print(table)


def refuse_a_taken_port(host: str, port: int) -> None:
    """Exit 2 with a plain message when `host:port` cannot be listened on (before any work)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as error:
            taken = error.errno == errno.EADDRINUSE
            why = "is already in use (another server?)" if taken else f"cannot be used ({error})"
            print_error(
                err,
                f"--port: {host}:{port} {why}; choose another port, e.g. --port {port + 1}"
                f" (make demo PORT={port + 1})",
            )
            raise typer.Exit(2) from None


# How long a worker may take to start, and to answer a health check, before it is replaced.
WORKER_START_SECONDS = 60


def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.")] = 8000,
    workers: Annotated[
        int, typer.Option(min=1, max=64, help="Worker processes (more than 1: PostgreSQL only).")
    ] = 1,
) -> None:
    """Serve the HTTP API (OpenAPI at /docs) with uvicorn.

    Any worker can resume any paused review: the decision claim is one conditional UPDATE in
    the database. Several workers need PostgreSQL (SQLite has a single writer).

    Examples:
      advocacy serve
      advocacy serve --port 8080 --workers 4     # ADVOCACY_DATABASE_URL on PostgreSQL
    """
    import uvicorn

    from api.lifetime import die_with_parent_environ
    from store.db import is_sqlite

    refuse_a_taken_port(host, port)
    settings = load_settings()
    if workers > 1 and is_sqlite(settings.database_url):
        print_error(
            err,
            "--workers: more than one worker needs PostgreSQL (ADVOCACY_DATABASE_URL=postgresql+psycopg://…);"
            " SQLite serves with one worker",
        )
        raise typer.Exit(2)
    with open_engine(settings):
        pass  # create or check the schema once, before any worker starts
    if workers > 1:  # spawned workers inherit this and stop when this supervisor dies (Linux)
        os.environ.update(die_with_parent_environ(os.getpid()))
    uvicorn.run(
        "api.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        # A spawned worker imports the whole app (langchain, openai) before it answers the
        # supervisor's health check; on a busy 2-core machine that took over uvicorn's default
        # 5 s, and the supervisor killed and respawned workers for ever.
        timeout_worker_healthcheck=WORKER_START_SECONDS,
    )


def register(app: typer.Typer) -> None:
    app.add_typer(users_app, name="users")
    app.command("serve")(serve)
