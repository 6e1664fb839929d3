"""The `advocacy` command. Each command group registers itself from its own module.

A command module imports only typer, rich and the standard library at its top (the heavy parts
inside the command), so `--help` answers at once; `cli/help.py` makes every help read alike.

The console script runs `main()`, which registers only the module of the command line's first
word (`advocacy reviews list` builds the `reviews` group alone): typer turns every registered
command into a click command before it answers, and building the whole tree was a third of the
time of a `--help`. `app`, the whole tree, is for tests, docs and `python -m cli.main`.
"""

from __future__ import annotations

import importlib
import sys
from typing import Any

import typer

from cli import help

# The first word of each top-level command and the module that registers it; the whole tree
# registers the modules in this order (a test holds the table against their registrations).
MODULE_OF_COMMAND: dict[str, str] = {
    "demo": "demo_command",
    "import": "data_commands",
    "demo-data": "data_commands",
    "scan": "workflow_commands",
    "scans": "scans_command",
    "metrics": "workflow_commands",
    "reviews": "reviews_commands",
    "tasks": "tasks_commands",
    "outcomes": "tasks_commands",
    "notifications": "tasks_commands",
    "tick": "tasks_commands",
    "candidates": "marketing_commands",
    "lists": "marketing_commands",
    "db": "db_commands",
    "users": "api_commands",
    "serve": "api_commands",
    "evals": "evals_commands",
    "advocates": "advocates_commands",
    "queue": "advocates_commands",
    "programs": "program_commands",
    "rewards": "program_commands",
    "pilot": "program_commands",
    "worker": "worker_command",
}


ROOT_HELP = "Find customers ready to advocate and help their owner ask, with the owner's approval."


def build_app(first_word: str | None = None) -> typer.Typer:
    """The `advocacy` command with every group, or only the one that `first_word` names."""
    app = typer.Typer(
        name="advocacy",
        help=ROOT_HELP,
        no_args_is_help=True,
        rich_markup_mode="rich",
        cls=help.HumanGroup,
    )
    # A root callback keeps the root a group when one command is registered alone (`demo`):
    # typer would otherwise make that command the root, `advocacy demo` its argument.
    app.callback()(_root)
    wanted = MODULE_OF_COMMAND.get(first_word or "")
    modules = [wanted] if wanted else list(dict.fromkeys(MODULE_OF_COMMAND.values()))
    for module in modules:
        importlib.import_module(f"cli.{module}").register(app)
    return app


def _root() -> None:
    pass


def main() -> None:
    """The console script: a known first word builds its group alone; anything else (no words,
    `--help`, a typo that needs the list of commands) builds them all."""
    words = sys.argv[1:]
    app = build_app(words[0] if words else None)
    try:
        app(prog_name="advocacy")
    except Exception as error:
        _exit_if_database_not_ready(error)
        raise


def _exit_if_database_not_ready(error: Exception) -> None:
    """A database that cannot serve any command (unreachable, schema behind) is one line and
    exit 2, whichever command opened it: it is the setting's fault, not a bug to trace."""
    from store.migrate import DatabaseNotReady  # on this path only: `--help` stays light

    if isinstance(error, DatabaseNotReady):
        from rich.console import Console

        from cli.render import print_error

        print_error(Console(stderr=True), str(error))
        raise SystemExit(2) from None


def __getattr__(name: str) -> Any:
    # `from cli.main import app` builds the whole tree on first use, not on import, so the
    # console script's `main()` never pays for it.
    if name == "app":
        globals()["app"] = whole = build_app()
        return whole
    raise AttributeError(name)


if __name__ == "__main__":
    main()
