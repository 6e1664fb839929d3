"""`advocacy reviews list|show|decide`: the owner's pending reviews, one review, a decision."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console

from cli.context import exits_on_domain_errors, services
from cli.render import print_error, review_panel, reviews_table
from cli.workflow_commands import parse_time

if TYPE_CHECKING:
    from checkpoints.schemas import Decision

console = Console()
err = Console(stderr=True)
reviews_app = typer.Typer(
    help="Owner reviews: list the pending ones, read one, decide it.", no_args_is_help=True
)


@reviews_app.command("list")
def list_reviews(
    owner: Annotated[str | None, typer.Option(help="Only this owner's reviews.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON list.")] = False,
) -> None:
    """List reviews waiting for a decision, oldest trigger signal first.

    Examples:
      advocacy reviews list
      advocacy reviews list --owner u-ana --json
    """
    from agent.usecases import reads

    with services() as built, built.deps.session_factory() as session:
        reviews = reads.review_queue(session=session, owner_id=owner)
        now = built.deps.clock()
    if as_json:
        rows = [
            {
                "review_id": r.id,
                "account_id": r.account_id,
                "owner_id": r.owner_id,
                "ask_type": r.ask_type,
                "flags": r.flags,
                "trigger_at": r.trigger_at.isoformat(),
                "created_at": r.created_at.isoformat(),
            }
            for r in reviews
        ]
        sys.stdout.write(json.dumps(rows) + "\n")
        return
    console.print(reviews_table(reviews, now=now))


@reviews_app.command("show")
def show_review(
    review_id: Annotated[str, typer.Argument(help="The review id (see `advocacy reviews list`).")],
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the whole checkpoint payload as JSON.")
    ] = False,
) -> None:
    """Show one review: evidence, gate report, summary and draft.

    Examples:
      advocacy reviews show rv-1a2b-acc-001
      advocacy reviews show rv-1a2b-acc-001 --json
    """
    from agent.usecases import reads

    with services() as built, built.deps.session_factory() as session:
        review = reads.find_review(session=session, review_id=review_id)
        now = built.deps.clock()
    if review is None:
        print_error(err, f"no review {review_id!r}; see `advocacy reviews list`")
        raise typer.Exit(2)
    if as_json:
        sys.stdout.write(
            json.dumps(
                {
                    "status": review.status,
                    "decision": review.decision,
                    "refusal": review.refusal,
                    **review.payload,
                }
            )
            + "\n"
        )
        return
    console.print(review_panel(review, now=now))


@reviews_app.command("decide")
def decide_review(
    review_id: Annotated[str, typer.Argument(help="The review id.")],
    action: Annotated[str, typer.Argument(help="approve | edit | reject | defer")],
    by: Annotated[
        str | None, typer.Option(help="Who decides (default: the account owner).")
    ] = None,
    ask_type: Annotated[
        str | None, typer.Option(help="edit: another eligible ask type (give its new --body too).")
    ] = None,
    subject: Annotated[str | None, typer.Option(help="edit: a new subject.")] = None,
    body: Annotated[str | None, typer.Option(help="edit: a new body.")] = None,
    body_file: Annotated[
        Path | None, typer.Option(help="edit: read the new body from this file.")
    ] = None,
    reason: Annotated[str | None, typer.Option(help="reject: why.")] = None,
    until: Annotated[str | None, typer.Option(help="defer: ISO 8601 date or time.")] = None,
    accept_problems: Annotated[
        bool,
        typer.Option(
            "--accept-problems", help="edit: send the edited text although its checks flag it."
        ),
    ] = False,
    incentive: Annotated[
        str | None,
        typer.Option(
            help="approve/edit: attach this incentive of a program the account fits "
            "(advocacy programs show ID); the ask carries its disclosure."
        ),
    ] = None,
) -> None:
    """Approve, edit, reject or defer a pending review, exactly once.

    Approval re-checks the gates: if the account is now held or stopped, it is refused with
    the reasons (exit 1); so is one for which no program it counts against has room left this
    period (defer it until then). A second decision on the same review changes nothing (exit 1).

    Examples:
      advocacy reviews decide rv-1a2b-acc-001 approve
      advocacy reviews decide rv-1a2b-acc-001 approve --incentive gc-25
      advocacy reviews decide rv-1a2b-acc-001 edit --ask-type review --subject "Quick favour?"
      advocacy reviews decide rv-1a2b-acc-001 reject --reason "mid-renewal negotiation"
      advocacy reviews decide rv-1a2b-acc-001 defer --until 2027-01-15

    An edited subject or body gets the draft's checks (placeholders, incentives, contact
    details...): problems refuse the edit (exit 2) unless you pass --accept-problems.
    """
    from agent.usecases import reads
    from agent.usecases.decisions import decide

    if body_file is not None:
        body = body_file.read_text(encoding="utf-8")
    with services() as built:
        with built.deps.session_factory() as session:
            review = reads.find_review(session=session, review_id=review_id)
        if review is None:
            print_error(err, f"no review {review_id!r}; see `advocacy reviews list`")
            raise typer.Exit(2)
        decision = _decision(
            action, by or review.owner_id, ask_type, subject, body, reason, until, accept_problems
        )
        if incentive is not None:
            decision = _with_incentive(decision, incentive)
        with exits_on_domain_errors(err):
            closed = decide(
                deps=built.deps, advocate=built.advocate, review_id=review_id, decision=decision
            )
    console.print(f"review [bold]{closed.id}[/bold]: {closed.status} by {closed.decided_by}")


def _with_incentive(decision: Decision, incentive: str) -> Decision:
    from pydantic import ValidationError

    from checkpoints.schemas import Decision

    try:
        return Decision.model_validate({**decision.model_dump(), "incentive": incentive})
    except ValidationError as error:
        for problem in error.errors():
            print_error(err, f"--incentive: {problem['msg'].removeprefix('Value error, ')}")
        raise typer.Exit(2) from None


def _decision(
    action: str,
    by: str,
    ask_type: str | None,
    subject: str | None,
    body: str | None,
    reason: str | None,
    until: str | None,
    accept_problems: bool = False,
) -> Decision:
    from pydantic import ValidationError

    from checkpoints.schemas import Decision
    from domain.errors import plain_message

    fields: dict[str, Any] = {
        "accept_problems": accept_problems,
        "action": action,
        "by": by,
        "ask_type": ask_type,
        "subject": subject,
        "body": body,
        "reason": reason,
    }
    if until is not None:
        fields["until"] = parse_time(until, option="--until")
    try:
        return Decision.model_validate(fields)
    except ValidationError as error:
        for problem in error.errors():
            where = ".".join(str(part) for part in problem["loc"]) or "decision"
            print_error(err, f"{where}: {plain_message(problem['msg'])}")
        raise typer.Exit(2) from None


def register(app: typer.Typer) -> None:
    app.add_typer(reviews_app, name="reviews")
