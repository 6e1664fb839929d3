"""`advocacy advocates invite`: the owner invites an expansion-eligible advocate to a program's
activity (issue 12); a review opens, drafted and paused, for the owner's decision.

Registered on `advocacy advocates` (cli/advocates_commands.py). Like the other commands, it
runs as the operator on the server (an admin).
"""

from __future__ import annotations

from typing import Annotated

import typer
from pydantic import ValidationError
from rich.console import Console

from cli.context import exits_on_domain_errors, services
from cli.render import print_error
from domain.actors import Actor
from domain.vocabulary import ACTIVITIES

console = Console()
err = Console(stderr=True)


def invite(
    contact_id: Annotated[str, typer.Argument(help="The advocate's contact id.")],
    program: Annotated[str, typer.Option(help="The program's id (advocacy programs list).")],
    activity: Annotated[
        str | None,
        typer.Option(help="One of " + " | ".join(ACTIVITIES) + "; default: the first open one."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Invite an advocate to a program's activity: a review opens for the owner's decision.

    The invitation is drafted (summary and draft citing the evidence) and waits, like any
    review, for approve / edit / reject / defer (advocacy reviews decide). Refused (exit 1),
    with every reason in words, when the program does not run the activity, the contact is not
    expansion-eligible (a completed case study or two completed asks) or outside the program,
    its capacity is used up, the gates hold or stop the account, the contact's preferences say
    no, an invitation to it is pending or was completed within 365 days, or (event speaking)
    no granted, unexpired public_quote permission exists. Bad input: exit 2.

    --json prints {review_id, status, account_id, contact_id, program_id, activity}.

    Examples:
      advocacy advocates invite c-demo-51 --program insiders --activity advisory_board
      advocacy advocates invite c-demo-51 --program insiders --json
    """
    from agent.usecases.invitations import InvitationIn, invite

    if activity is not None and activity not in ACTIVITIES:
        print_error(err, f"--activity: {activity!r} is not one of {', '.join(ACTIVITIES)}")
        raise typer.Exit(2)
    try:
        wanted = InvitationIn.model_validate({"program": program, "activity": activity})
    except ValidationError as error:
        print_error(err, f"--program: {error.errors()[0]['msg']}")
        raise typer.Exit(2) from None
    with services() as built, exits_on_domain_errors(err):
        opened = invite(
            services=built,
            actor=Actor(id="cli", role="admin"),
            contact_id=contact_id,
            invitation=wanted,
        )
    if as_json:
        typer.echo(opened.model_dump_json())
        return
    console.print(
        f"invited {opened.contact_id} to {opened.activity} ({opened.program_id}): review "
        f"{opened.review_id} is {opened.status} (advocacy reviews decide {opened.review_id} "
        "approve)"
    )
