"""`advocacy tasks ...`, `advocacy outcomes add`, `advocacy notifications list`, `advocacy tick`:
the ask's life after the owner's approval.

The CLI is the operator's tool on the server: it acts as the task's owner. Each step happens
once; a second attempt exits 1 and says what state the task is in.
"""

from __future__ import annotations

import json
import sys
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from cli.context import exits_on_domain_errors, services
from cli.context import parse_time as _parse_time
from cli.render import print_error
from domain.actors import Actor
from domain.vocabulary import OUTCOME_KINDS, TASK_RESPONSES, TaskResponse

if TYPE_CHECKING:
    from agent.bootstrap import Services
    from agent.usecases.results import TaskOut

console = Console()
err = Console(stderr=True)
OPERATOR = Actor(id="cli", role="admin")
tasks_app = typer.Typer(
    help="The owner's tasks after an approval: list, mark sent, send (SMTP), record the answer.",
    no_args_is_help=True,
)
outcomes_app = typer.Typer(help="Record what came of an approved ask.", no_args_is_help=True)
notifications_app = typer.Typer(
    help="Reminders and escalations sent to owners.", no_args_is_help=True
)


def parse_time(value: str | None, *, option: str) -> datetime:
    return _parse_time(value, option=option, err=err)


def _at(value: str | None) -> datetime | None:
    return None if value is None else parse_time(value, option="--at")


def _owner_of_task(built: Services, task_id: str) -> Actor:
    from agent.usecases.tasks import read_task

    with exits_on_domain_errors(err):
        task = read_task(services=built, actor=OPERATOR, task_id=task_id)
    return Actor(id=task.owner_id, role="owner")


def _print_task(task: TaskOut, as_json: bool) -> None:
    if as_json:
        sys.stdout.write(task.model_dump_json() + "\n")
        return
    answer = f", {task.response}" if task.response else ""
    console.print(f"task [bold]{task.task_id}[/bold]: {task.status}{answer}")


TASK_KEYS = (
    "task_id",
    "review_id",
    "account_id",
    "contact_id",
    "owner_id",
    "ask_type",
    "channel",
    "status",
    "send_by",
    "sent_at",
    "subject",
    "body",
)


@tasks_app.command("list")
def list_command(
    owner: Annotated[str | None, typer.Option(help="Only this owner's tasks.")] = None,
    status: Annotated[
        str | None, typer.Option(help="open | sent | closed | overdue (open, past send-by).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON list.")] = False,
) -> None:
    """List tasks, the most urgent first (earliest send-by).

    --json prints a list of {task_id, review_id, account_id, contact_id, owner_id, ask_type,
    channel, status, send_by, sent_at, subject, body} plus overdue, response, responded_at,
    message_id, contact_name, contact_email and mailto.

    Examples:
      advocacy tasks list
      advocacy tasks list --status overdue --owner u-ana
      advocacy tasks list --json
    """
    from agent.usecases.tasks import list_tasks

    with (
        services() as built,
        built.deps.session_factory() as session,
        exits_on_domain_errors(err),
    ):
        tasks = list_tasks(
            session=session,
            actor=OPERATOR,
            owner_id=owner,
            status=status,
            now=built.deps.clock(),
            limit=10_000,
        )
    if as_json:
        sys.stdout.write(json.dumps([t.model_dump(mode="json") for t in tasks]) + "\n")
        return
    console.print(_tasks_table(tasks))


def _tasks_table(tasks: list[TaskOut]) -> Table:
    table = Table(title=f"{len(tasks)} task(s)")
    for column in ("task", "account", "contact", "owner", "ask", "status", "send by", "sent"):
        table.add_column(column)
    for t in tasks:
        status = t.status + (f" ({t.response})" if t.response else "")
        status = "[red]overdue[/red]" if t.overdue else status
        table.add_row(
            t.task_id,
            t.account_name or t.account_id,
            t.contact_name or "-",
            t.owner_id,
            f"{t.ask_type} by {t.channel}",
            status,
            f"{t.send_by:%Y-%m-%d}" if t.send_by else "-",
            f"{t.sent_at:%Y-%m-%d}" if t.sent_at else "-",
        )
    return table


@tasks_app.command("show")
def show_command(
    task_id: Annotated[str, typer.Argument(help="The task id (task:<review id>).")],
    as_json: Annotated[bool, typer.Option("--json", help="Print it as JSON.")] = False,
) -> None:
    """One task in full: the approved text, the contact, and a mailto: link.

    Examples:
      advocacy tasks show task:rv-1a2b-acc-001
      advocacy tasks show task:rv-1a2b-acc-001 --json
    """
    from agent.usecases.tasks import read_task

    with services() as built, exits_on_domain_errors(err):
        task = read_task(services=built, actor=OPERATOR, task_id=task_id)
    if as_json:
        _print_task(task, True)
        return
    console.print(f"[bold]{task.task_id}[/bold] · {task.status} · send by {task.send_by}")
    console.print(f"to {task.contact_name or '-'} <{task.contact_email or '-'}>")
    console.print(f"subject: {task.subject or '-'}\n\n{task.body}")
    if task.mailto:
        console.print(f"\nmailto: {task.mailto}", soft_wrap=True)


@tasks_app.command("sent")
def sent_command(
    task_id: Annotated[str, typer.Argument(help="The task id.")],
    at: Annotated[
        str | None, typer.Option(help="When it was sent (ISO 8601); default now.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the task as JSON.")] = False,
) -> None:
    """Record that the owner sent the ask themselves (open -> sent), once.

    Examples:
      advocacy tasks sent task:rv-1a2b-acc-001
      advocacy tasks sent task:rv-1a2b-acc-001 --at 2026-11-28T10:30:00Z
    """
    from agent.usecases.tasks import mark_task_sent

    when = _at(at)
    with services() as built:
        owner = _owner_of_task(built, task_id)
        with exits_on_domain_errors(err):
            task = mark_task_sent(services=built, actor=owner, task_id=task_id, at=when)
    _print_task(task, as_json)


@tasks_app.command("send")
def send_command(
    task_id: Annotated[str, typer.Argument(help="The task id.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the task as JSON.")] = False,
) -> None:
    """Send the approved email over SMTP (ADVOCACY_SMTP_URL) from the owner's address, once.

    The gates are read again first: a do-not-contact account or a revoked permission refuses
    it (exit 1, with the reasons). Nothing is sent when the mail server fails (exit 1).

    Examples:
      ADVOCACY_SMTP_URL=smtp://mail.example.com:587 advocacy tasks send task:rv-1a2b-acc-001
    """
    from agent.usecases.sending import send_task

    with services() as built:
        owner = _owner_of_task(built, task_id)
        with exits_on_domain_errors(err):
            task = send_task(services=built, actor=owner, task_id=task_id)
    _print_task(task, as_json)


@tasks_app.command("response")
def response_command(
    task_id: Annotated[str, typer.Argument(help="The task id.")],
    response: Annotated[str, typer.Argument(help="accepted | declined | no_response")],
    at: Annotated[str | None, typer.Option(help="When they answered (ISO 8601).")] = None,
    note: Annotated[str | None, typer.Option(help="What they said, in a line.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the task as JSON.")] = False,
) -> None:
    """Record the customer's answer to a sent ask, once.

    accepted: the ask completes when its outcome is recorded (`advocacy outcomes add`);
    declined / no_response: the ask and the task close.

    Examples:
      advocacy tasks response task:rv-1a2b-acc-001 accepted --note "Happy to talk in January"
      advocacy tasks response task:rv-1a2b-acc-001 declined
    """
    from agent.usecases.tasks import record_response

    if response not in TASK_RESPONSES:
        print_error(err, f"response: expected one of {', '.join(TASK_RESPONSES)}, got {response!r}")
        raise typer.Exit(2)
    answer: TaskResponse = response
    when = _at(at)
    with services() as built:
        owner = _owner_of_task(built, task_id)
        with exits_on_domain_errors(err):
            task = record_response(
                services=built, actor=owner, task_id=task_id, response=answer, at=when, note=note
            )
    _print_task(task, as_json)


@outcomes_app.command("add")
def add_outcome(
    kind: Annotated[str, typer.Argument(help=" | ".join(OUTCOME_KINDS))],
    review: Annotated[str, typer.Option(help="The approved review the outcome belongs to.")],
    at: Annotated[str | None, typer.Option(help="When it happened (ISO 8601).")] = None,
    amount: Annotated[
        int | None, typer.Option(min=0, help="referral_converted: pipeline or revenue.")
    ] = None,
    note: Annotated[str | None, typer.Option(help="A line about it.")] = None,
    outcome_id: Annotated[
        str | None, typer.Option(help="Your id for it: the same id counts once.")
    ] = None,
) -> None:
    """Record an outcome of an approved ask; a completing one (participation, testimonial
    collected, reference used, referral generated or converted) completes the ask and closes
    its task; a complaint holds the account. Refused (exit 1) for a review not approved.

    permission_granted needs the consent record: use POST /v1/outcomes.

    Examples:
      advocacy outcomes add participation --review rv-1a2b-acc-001
      advocacy outcomes add referral_converted --review rv-1a2b-acc-001 --amount 12000
    """
    from agent.usecases.outcomes import Outcome, record_outcome
    from agent.usecases.reads import find_review

    if kind not in OUTCOME_KINDS or kind == "permission_granted":
        print_error(err, f"KIND: expected one of {', '.join(OUTCOME_KINDS)}, got {kind!r}")
        raise typer.Exit(2)
    outcome = Outcome(
        kind=kind,
        review_id=review,
        key=outcome_id,
        occurred_at=_at(at),
        note=note,
        amount=amount,
    )
    with services() as built, exits_on_domain_errors(err):
        with built.deps.session_factory() as session:
            found = find_review(session=session, review_id=review)
        owner = Actor(id=found.owner_id if found else "cli", role="owner")
        out = record_outcome(services=built, actor=owner, outcome=outcome)
    seen = "recorded" if out.recorded else "already recorded (nothing counted twice)"
    console.print(f"{out.kind} on {out.review_id}: {seen} ({out.event_id})")


@notifications_app.command("list")
def list_notifications_command(
    owner: Annotated[str | None, typer.Option(help="Those sent to this owner (or admins).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON list.")] = False,
) -> None:
    """Reminders and escalations sent to owners, newest first.

    Examples:
      advocacy notifications list
      advocacy notifications list --owner u-ana --json
    """
    from agent.usecases.notices import list_notifications

    with services() as built, exits_on_domain_errors(err):
        rows = list_notifications(
            session_factory=built.deps.session_factory,
            actor=OPERATOR,
            owner_id=owner,
            now=built.deps.clock(),
            limit=10_000,
        )
    if as_json:
        sys.stdout.write(json.dumps([r.model_dump(mode="json") for r in rows]) + "\n")
        return
    table = Table(title=f"{len(rows)} notification(s)")
    for column in ("when", "to", "kind", "about", "delivered", "text"):
        table.add_column(column)
    for r in rows:
        delivered = ", ".join(r.channels) if r.delivered else (r.last_error or "no")
        about = r.task_id or r.review_id or "-"
        table.add_row(
            f"{r.created_at:%Y-%m-%d %H:%M}", r.recipient_id, r.kind, about, delivered, r.text
        )
    console.print(table)


def tick(
    now: Annotated[
        str | None, typer.Option(help="Run the timers as of this time (ISO 8601).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the counts as JSON.")] = False,
) -> None:
    """Run every due timer once: close unanswered asks (no_response), wake ended deferrals,
    remind owners of overdue tasks and undecided reviews, escalate to managers, deliver.

    Safe to run twice or at once: each due step happens once. `advocacy serve` runs it every
    ADVOCACY_TICK_EVERY_SECONDS; run it from cron when the server is not up.

    Examples:
      advocacy tick
      advocacy tick --now 2026-12-15T09:00:00Z --json
    """
    from agent.usecases.timers import tick as run_timers

    when = parse_time(now, option="--now")
    with services() as built:
        done = run_timers(services=built, now=when)
    if as_json:
        keys = ("reminders", "escalations", "closed_no_response", "woken")
        payload: dict[str, Any] = {key: getattr(done, key) for key in keys}
        sys.stdout.write(json.dumps(payload) + "\n")
        if done.delivery_failures:
            print_error(
                err, f"{done.delivery_failures} notification(s) not delivered; retried later"
            )
        return
    for key, value in done.model_dump().items():
        console.print(f"{key:<20} {value}")


def register(app: typer.Typer) -> None:
    app.add_typer(tasks_app, name="tasks")
    app.add_typer(outcomes_app, name="outcomes")
    app.add_typer(notifications_app, name="notifications")
    app.command("tick")(tick)
