"""Every command line of the `advocacy` tree (`advocacy`, `advocacy scan`, `advocacy reviews
list`, ...), for the help test and bench/help_bench.py."""

from __future__ import annotations

from typing import Any

import typer

from cli.main import app


def command_paths() -> list[tuple[str, ...]]:
    """Each command's words after `advocacy`, the root first, groups before their commands."""
    paths: list[tuple[str, ...]] = []

    def walk(command: Any, path: tuple[str, ...]) -> None:
        paths.append(path)
        for name, sub in sorted(getattr(command, "commands", {}).items()):
            walk(sub, (*path, name))

    walk(typer.main.get_command(app), ())
    return paths


def is_group(path: tuple[str, ...]) -> bool:
    command: Any = typer.main.get_command(app)
    for word in path:
        command = command.commands[word]
    return bool(getattr(command, "commands", None))
