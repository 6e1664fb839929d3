"""`advocacy advocates ...` and `advocacy queue referral`: advocate profiles, the reference
finder, the owner's preferences, and the accounts ready for a referral ask (issue 12).

The CLI is the operator's tool on the server: it reads every account, like an admin.
"""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING, Annotated, Any

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.table import Table

from cli.context import exits_on_domain_errors, services
from cli.render import print_error
from cli.workflow_commands import parse_time
from domain.actors import Actor
from domain.vocabulary import ACTIVITIES, ASK_TYPES, CHANNELS, SCOPES

# Only inside a command (fast --help): the use-cases load langchain/langgraph, and the finder's
# models (domain.finder, domain.profile) took 0.15 s of every command's --help to build.
if TYPE_CHECKING:
    from agent.usecases.advocates import AdvocateDetail
    from agent.usecases.referral_queue import ReferralReady
    from domain.finder import ReferenceMatch

console = Console()
err = Console(stderr=True)
advocates_app = typer.Typer(
    help="Advocates: profiles, the reference finder, the owner's preferences.",
    no_args_is_help=True,
)
queue_app = typer.Typer(help="Work queues computed from the gates now.", no_args_is_help=True)


def _operator(by: str = "cli") -> Actor:
    return Actor(id=by, role="admin")


def _choice(value: str | None, allowed: tuple[str, ...], option: str) -> Any:
    if value is not None and value not in allowed:
        print_error(err, f"{option}: {value!r} is not one of {', '.join(allowed)}")
        raise typer.Exit(2)
    return value


def _dump(value: Any) -> None:
    if isinstance(value, list):
        sys.stdout.write(json.dumps([v.model_dump(mode="json") for v in value]) + "\n")
    else:
        sys.stdout.write(value.model_dump_json() + "\n")


@advocates_app.command("search")
def search(
    industry: Annotated[str | None, typer.Option(help="The account's industry (any case).")] = None,
    segment: Annotated[str | None, typer.Option(help="The account's segment (any case).")] = None,
    ask_type: Annotated[
        str | None, typer.Option(help="Its scope granted, not avoided: " + " | ".join(ASK_TYPES))
    ] = None,
    permission: Annotated[
        str | None, typer.Option(help="This scope granted: " + " | ".join(SCOPES))
    ] = None,
    available: Annotated[
        bool, typer.Option("--available", help="Leave out contacts unavailable for now.")
    ] = False,
    limit: Annotated[int, typer.Option(min=1, help="At most this many.")] = 50,
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON list.")] = False,
) -> None:
    """Find references like a prospect: best matches first, each with why.

    Contacts with a granted, unexpired consent scope and no fatigue (an ask in flight, a recent
    ask or decline, reference-call fatigue, the owner's yearly limit).

    --json prints a list of {contact_id, account_id, score, why, profile}.

    Examples:
      advocacy advocates search --industry healthcare --ask-type reference_call
      advocacy advocates search --segment enterprise --permission logo --available --json
    """
    from agent.usecases.advocates import search_advocates
    from domain.finder import ReferenceQuery

    query = ReferenceQuery(
        industry=industry,
        segment=segment,
        ask_type=_choice(ask_type, ASK_TYPES, "--ask-type"),
        permission=_choice(permission, SCOPES, "--permission"),
        available=available,
    )
    with services() as built, built.deps.session_factory() as session:
        found = search_advocates(
            session=session,
            actor=_operator(),
            query=query,
            policy=built.deps.settings.policy,
            now=built.deps.clock(),
            limit=limit,
        )
    if as_json:
        _dump(found)
        return
    console.print(_matches_table(found))


def _matches_table(found: list[ReferenceMatch]) -> Table:
    table = Table(title=f"{len(found)} reference(s), best first")
    for column in ("contact", "account", "tier", "stage", "why"):
        table.add_column(column)
    for m in found:
        p = m.profile
        table.add_row(
            f"{p.name} ({m.contact_id})",
            f"{p.account_name} ({m.account_id})",
            p.tier,
            p.journey_stage,
            "; ".join(m.why),
        )
    return table


@advocates_app.command("show")
def show(
    contact_id: Annotated[str, typer.Argument(help="The contact's id.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """A contact's advocate profile, derived from the ledger.

    Asks by type and outcome, participations, permissions with expiry, references used
    (90/365 days), last asked, journey stage, tier, expansion eligibility, preferences (with
    their audit) and rewards.

    Examples:
      advocacy advocates show c-1
      advocacy advocates show c-1 --json
    """
    from agent.usecases.advocates import advocate_profile

    with (
        services() as built,
        built.deps.session_factory() as session,
        exits_on_domain_errors(err),
    ):
        profile = advocate_profile(
            session=session,
            actor=_operator(),
            contact_id=contact_id,
            policy=built.deps.settings.policy,
            now=built.deps.clock(),
        )
    if as_json:
        _dump(profile)
        return
    _print_profile(profile)


def _print_profile(p: AdvocateDetail) -> None:
    console.print(f"[bold]{p.name}[/bold] ({p.contact_id}) at {p.account_name} ({p.account_id})")
    console.print(
        f"stage {p.journey_stage}, tier {p.tier}, expansion eligible: {p.expansion_eligible}"
    )
    console.print(f"asks: {p.asks_total} ({p.completed_asks} completed) {p.asks_by_type}")
    console.print(
        f"references used: {p.references_used_90d} in 90 days, {p.references_used_365d} in 365;"
        f" last asked {p.last_asked_at.date().isoformat() if p.last_asked_at else 'never'}"
    )
    for c in p.permissions:
        expiry = f" until {c.expires_at.date().isoformat()}" if c.expires_at else ""
        console.print(f"  permission {c.scope}: {c.status}{expiry}{'' if c.active else ' (off)'}")
    console.print(f"fatigue: {', '.join(p.fatigue) or 'none'}; preferences: {p.preferences}")
    console.print(f"rewards: {len(p.rewards)}")


@advocates_app.command("account")
def account(
    account_id: Annotated[str, typer.Argument(help="The account's id.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """An account's advocates: each contact's profile and the totals.

    Examples:
      advocacy advocates account acc-001 --json
    """
    from agent.usecases.advocates import account_advocates

    with (
        services() as built,
        built.deps.session_factory() as session,
        exits_on_domain_errors(err),
    ):
        roll = account_advocates(
            session=session,
            actor=_operator(),
            account_id=account_id,
            policy=built.deps.settings.policy,
            now=built.deps.clock(),
        )
    if as_json:
        _dump(roll)
        return
    console.print(
        f"[bold]{roll.account_name}[/bold] ({roll.account_id}): {roll.advocates} advocate(s),"
        f" {roll.completed_asks} completed asks, top tier {roll.top_tier}, stages {roll.stages}"
    )
    console.print(_matches_table([]) if not roll.contacts else _contacts_table(roll.contacts))


def _contacts_table(profiles: list[Any]) -> Table:
    table = Table(title="contacts")
    for column in ("contact", "stage", "tier", "completed", "refs 90d", "fatigue"):
        table.add_column(column)
    for p in profiles:
        table.add_row(
            f"{p.name} ({p.contact_id})",
            p.journey_stage,
            p.tier,
            str(p.completed_asks),
            str(p.references_used_90d),
            ", ".join(p.fatigue) or "-",
        )
    return table


@advocates_app.command("prefs")
def prefs(
    contact_id: Annotated[str, typer.Argument(help="The contact's id.")],
    avoid: Annotated[
        list[str] | None,
        typer.Option(help="An ask type or activity never to propose for them (repeat the option)."),
    ] = None,
    max_asks_per_year: Annotated[
        int | None, typer.Option(help="At most this many asks in 365 days.")
    ] = None,
    unavailable_until: Annotated[
        str | None, typer.Option(help="Held until this time (ISO 8601; naive = UTC).")
    ] = None,
    preferred_channel: Annotated[str | None, typer.Option(help=" | ".join(CHANNELS))] = None,
    clear: Annotated[
        bool, typer.Option("--clear", help="Start from nothing instead of what is recorded.")
    ] = False,
    by: Annotated[str, typer.Option(help="Who records it (kept in the audit).")] = "cli",
    as_json: Annotated[bool, typer.Option("--json", help="Print the profile as JSON.")] = False,
) -> None:
    """Record how a contact wants to be asked (audited); the gates read it.

    Options given replace those fields; the others keep what is recorded (all cleared with
    --clear). The gates read them: an
    avoided ask type is ineligible, `unavailable_until` holds (advocate_unavailable), and
    max asks a year holds after that many (advocate_ask_limit).

    Examples:
      advocacy advocates prefs c-1 --avoid case_study --max-asks-per-year 2
      advocacy advocates prefs c-1 --unavailable-until 2027-01-15 --preferred-channel call
      advocacy advocates prefs c-1 --clear
    """
    from agent.usecases.advocates import PreferencesIn, advocate_profile, set_preferences

    actor = _operator(by)
    with services() as built, exits_on_domain_errors(err):
        with built.deps.session_factory() as session:
            current = advocate_profile(
                session=session,
                actor=actor,
                contact_id=contact_id,
                policy=built.deps.settings.policy,
                now=built.deps.clock(),
            ).preferences
        values: dict[str, Any] = {} if clear or current is None else current.model_dump()
        if avoid is not None:
            avoidable = (*ASK_TYPES, *ACTIVITIES)
            values["avoid_ask_types"] = [_choice(t, avoidable, "--avoid") for t in avoid]
        if max_asks_per_year is not None:
            values["max_asks_per_year"] = max_asks_per_year
        if unavailable_until is not None:
            values["unavailable_until"] = parse_time(
                unavailable_until, option="--unavailable-until"
            )
        if preferred_channel is not None:
            values["preferred_channel"] = _choice(
                preferred_channel, CHANNELS, "--preferred-channel"
            )
        try:
            wanted = PreferencesIn.model_validate(values)
        except ValidationError as error:
            first = error.errors()[0]
            field = ".".join(str(part) for part in first["loc"])
            print_error(err, f"--{field.replace('_', '-')}: {first['msg']}")
            raise typer.Exit(2) from None
        profile = set_preferences(
            services=built, actor=actor, contact_id=contact_id, preferences=wanted
        )
    if as_json:
        _dump(profile)
        return
    console.print(f"preferences of {contact_id}: {profile.preferences}")


@queue_app.command("referral")
def referral(
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON list.")] = False,
) -> None:
    """Accounts eligible for a referral ask now, with their timing.

    Every account whose gates pass now with referral among its eligible ask types, whatever
    its recommended one; freshest trigger first. Nothing is recorded.

    --json prints a list of {account_id, account_name, owner_id, segment,
    recommended_ask_type, eligible_ask_types, contact_id, contact_name, channel,
    trigger_signal_ids, value_proof_ids, latest_trigger_at, why, timing: {send_by, why},
    open_review_id}.

    Examples:
      advocacy queue referral
      advocacy queue referral --json
    """
    from agent.usecases.referral_queue import referral_queue

    with services() as built, built.deps.session_factory() as session:
        rows = referral_queue(
            session=session, settings=built.deps.settings, actor=_operator(), now=built.deps.clock()
        )
    if as_json:
        _dump(rows)
        return
    console.print(_queue_table(rows))


def _queue_table(rows: list[ReferralReady]) -> Table:
    table = Table(title=f"{len(rows)} account(s) ready for a referral ask")
    for column in ("account", "owner", "contact", "recommended", "send by", "timing"):
        table.add_column(column)
    for r in rows:
        table.add_row(
            f"{r.account_name} ({r.account_id})",
            r.owner_id,
            r.contact_name or "-",
            r.recommended_ask_type or "-",
            str(r.timing.get("send_by")),
            str(r.timing.get("why")),
        )
    return table


def register(app: typer.Typer) -> None:
    from cli.invitation_commands import invite

    advocates_app.command("invite")(invite)
    app.add_typer(advocates_app, name="advocates")
    app.add_typer(queue_app, name="queue")
