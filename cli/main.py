"""The `advocacy` command. Each command group registers itself from its own module.

A command module imports only typer, rich and the standard library at its top (the heavy parts
inside the command), so `--help` answers at once; `cli/help.py` makes every help read alike.
"""

from __future__ import annotations

import typer

from cli import (
    advocates_commands,
    api_commands,
    data_commands,
    db_commands,
    demo_command,
    evals_commands,
    help,
    marketing_commands,
    program_commands,
    reviews_commands,
    tasks_commands,
    worker_command,
    workflow_commands,
)

app = typer.Typer(
    name="advocacy",
    help="Find customers ready to advocate and help their owner ask, with the owner's approval.",
    no_args_is_help=True,
    rich_markup_mode="rich",
    cls=help.HumanGroup,
)

demo_command.register(app)
data_commands.register(app)
workflow_commands.register(app)
reviews_commands.register(app)
tasks_commands.register(app)
marketing_commands.register(app)
db_commands.register(app)
api_commands.register(app)
evals_commands.register(app)
advocates_commands.register(app)
program_commands.register(app)
worker_command.register(app)
