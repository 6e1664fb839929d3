"""`advocacy candidates list|export` and `advocacy lists ...`: customer marketing's side of a
scan — the candidate list a campaign can use, saved lists, and the CSV export.

The CLI is the operator's tool on the server: it reads as an admin (contact emails included).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from cli.context import exits_on_domain_errors, load_clock, load_settings, open_engine
from cli.render import print_error, words
from domain.actors import Actor

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from agent.usecases.candidate_list import CandidateFilters
    from agent.usecases.results import CandidateOut

console = Console()
err = Console(stderr=True)
OPERATOR = Actor(id="cli", role="admin")
candidates_app = typer.Typer(
    help="The latest gate result per account, for campaigns: list, filter, export as CSV.",
    no_args_is_help=True,
)
lists_app = typer.Typer(
    help="Saved candidate lists: a named filter, re-evaluated each time it is read.",
    no_args_is_help=True,
)

Segment = Annotated[str | None, typer.Option(help="Segment, any case (e.g. smb).")]
Industry = Annotated[str | None, typer.Option(help="Industry, any case (e.g. healthcare).")]
Owner = Annotated[str | None, typer.Option(help="The account owner's id.")]
Status = Annotated[str | None, typer.Option(help="candidate | held | stopped | not_triggered.")]
AskType = Annotated[str | None, typer.Option("--ask-type", help="The recommended ask type.")]
Eligible = Annotated[str | None, typer.Option(help="This ask type is eligible (any rank).")]
Permission = Annotated[
    str | None, typer.Option(help="This consent scope is granted (e.g. reference_call).")
]
ArrMin = Annotated[int | None, typer.Option("--arr-min", help="ARR at least this.")]
ArrMax = Annotated[int | None, typer.Option("--arr-max", help="ARR at most this.")]
ReviewStatus = Annotated[
    str | None, typer.Option("--review-status", help="pending, approved, … or none.")
]
Trigger = Annotated[str | None, typer.Option(help="The newest trigger's kind (nps, renewal…).")]
Reason = Annotated[str | None, typer.Option(help="Has this hold or stop reason.")]
ProgramFit = Annotated[str | None, typer.Option("--program", help="Fits this program (its id).")]
Scan = Annotated[str | None, typer.Option(help="One scan's results (default: latest each).")]
SavedList = Annotated[str | None, typer.Option("--list", help="A saved list's name or id.")]
AsJson = Annotated[bool, typer.Option("--json", help="Print JSON.")]


@contextmanager
def _session() -> Iterator[Session]:
    from store.db import make_session_factory

    with open_engine(load_settings()) as engine, make_session_factory(engine)() as session:
        yield session


def _filters(**given: Any) -> CandidateFilters:
    """The filters from the options; a bad value exits 2 naming the option."""
    from pydantic import ValidationError

    from agent.usecases.candidate_list import CandidateFilters

    try:
        return CandidateFilters(**{k: v for k, v in given.items() if v is not None})
    except ValidationError as error:
        first = error.errors()[0]
        option = "--" + str(first["loc"][0]).replace("_", "-")
        print_error(err, f"{option}: {first['msg']} (got {first.get('input')!r})")
        raise typer.Exit(2) from None


def _chosen(session: Session, saved: str | None, given: dict[str, Any]) -> CandidateFilters:
    if saved is None:
        return _filters(**given)
    from agent.usecases.lists import list_filters

    if any(value is not None for value in given.values()):
        print_error(err, "--list: give either a saved list or filters, not both")
        raise typer.Exit(2)
    return list_filters(session=session, key=saved)


@contextmanager
def _rows(saved: str | None, given: dict[str, Any]) -> Iterator[Iterator[CandidateOut]]:
    """The matching rows, read lazily; bad filters exit 2 before anything is written."""
    from agent.usecases.candidate_list import checked_query, iter_candidates

    with _session() as session, exits_on_domain_errors(err):
        filters = _chosen(session, saved, given)
        checked_query(session=session, actor=OPERATOR, filters=filters)
        yield iter_candidates(session=session, actor=OPERATOR, filters=filters, now=load_clock()())


def _table(rows: list[CandidateOut], title: str) -> Table:
    """Seven columns that fit 80 columns: the id never wraps, the words fold."""
    table = Table(title=title, expand=True)
    table.add_column("account", no_wrap=True, min_width=10)
    table.add_column("name", overflow="fold", ratio=2)
    table.add_column("owner", overflow="fold", ratio=1)
    table.add_column("status", overflow="fold", ratio=1)
    table.add_column("contact", overflow="fold", ratio=1)
    table.add_column("trigger", overflow="fold", ratio=2)
    table.add_column("review", overflow="fold", ratio=1)
    for row in rows:
        arr = f"{row.arr:,}" if row.arr is not None else None
        about = " · ".join(x for x in (row.segment, row.industry, arr) if x)
        ask = words(row.ask_type) if row.ask_type else ""
        table.add_row(
            row.account_id,
            f"{row.account_name or ''}\n[dim]{about}[/dim]",
            row.owner_name or row.owner_id,
            f"{words(row.status)}\n{ask}".strip(),
            "\n".join(x for x in (row.contact_name, row.contact_title) if x),
            row.trigger or "",
            f"{row.review_status}, {row.review_age_days} d" if row.review_status else "",
        )
    return table


@candidates_app.command("list")
def list_candidates(
    segment: Segment = None,
    industry: Industry = None,
    owner: Owner = None,
    status: Status = None,
    ask_type: AskType = None,
    eligible: Eligible = None,
    permission: Permission = None,
    arr_min: ArrMin = None,
    arr_max: ArrMax = None,
    review_status: ReviewStatus = None,
    trigger: Trigger = None,
    reason: Reason = None,
    program: ProgramFit = None,
    scan: Scan = None,
    saved: SavedList = None,
    as_json: AsJson = False,
) -> None:
    """List candidates: each account's latest gate result with its name, segment, industry,
    ARR, owner, the contact the ask would go to, the trigger in words and the review.

    Filters combine (AND); segment and industry match any case; an unknown value exits 2 and
    lists the known ones.

    Examples:
      advocacy candidates list --status candidate
      advocacy candidates list --segment smb --industry healthcare --eligible referral
      advocacy candidates list --list "Referral-ready SMB healthcare" --json
    """
    given = {
        "segment": segment,
        "industry": industry,
        "owner": owner,
        "status": status,
        "ask_type": ask_type,
        "eligible": eligible,
        "permission": permission,
        "arr_min": arr_min,
        "arr_max": arr_max,
        "review_status": review_status,
        "trigger": trigger,
        "reason": reason,
        "program": program,
        "scan": scan,
    }
    with _rows(saved, given) as found:
        rows = list(found)
    if as_json:
        sys.stdout.write(json.dumps([row.model_dump(mode="json") for row in rows]) + "\n")
        return
    console.print(_table(rows, f"{len(rows)} accounts"))


@candidates_app.command("export")
def export_candidates(
    csv_format: Annotated[
        bool, typer.Option("--csv", help="Write CSV (RFC 4180, UTF-8, header row).")
    ] = False,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write to this file (default: stdout).")
    ] = None,
    segment: Segment = None,
    industry: Industry = None,
    owner: Owner = None,
    status: Status = None,
    ask_type: AskType = None,
    eligible: Eligible = None,
    permission: Permission = None,
    arr_min: ArrMin = None,
    arr_max: ArrMax = None,
    review_status: ReviewStatus = None,
    trigger: Trigger = None,
    reason: Reason = None,
    program: ProgramFit = None,
    scan: Scan = None,
    saved: SavedList = None,
) -> None:
    """Export the candidate list as CSV, with the same filters as `candidates list`.

    Cells a spreadsheet would run as a formula (starting with =, +, -, @) get a leading '.
    The file is written whole or not at all.

    Examples:
      advocacy candidates export --csv --status candidate -o candidates.csv
      advocacy candidates export --csv --list "Referral-ready SMB healthcare" > list.csv
    """
    from agent.usecases.candidates_csv import csv_lines

    if not csv_format:
        print_error(err, "--csv: the only export format; pass --csv")
        raise typer.Exit(2)
    given = {
        "segment": segment,
        "industry": industry,
        "owner": owner,
        "status": status,
        "ask_type": ask_type,
        "eligible": eligible,
        "permission": permission,
        "arr_min": arr_min,
        "arr_max": arr_max,
        "review_status": review_status,
        "trigger": trigger,
        "reason": reason,
        "program": program,
        "scan": scan,
    }
    with _rows(saved, given) as found:
        if output is None:
            sys.stdout.writelines(csv_lines(found))
            return
        _write_whole(output, csv_lines(found))
    err.print(f"wrote {output}")


def _write_whole(path: Path, lines: Iterator[str]) -> None:
    """Write next to `path`, then rename: a failure never leaves half a file under its name."""
    partial = path.with_name(path.name + ".part")
    try:
        with partial.open("w", encoding="utf-8", newline="") as file:
            file.writelines(lines)
        partial.replace(path)
    finally:
        partial.unlink(missing_ok=True)


@lists_app.command("create")
def create_list(
    name: Annotated[str, typer.Argument(help="The list's name (unique, any case).")],
    segment: Segment = None,
    industry: Industry = None,
    owner: Owner = None,
    status: Status = None,
    ask_type: AskType = None,
    eligible: Eligible = None,
    permission: Permission = None,
    arr_min: ArrMin = None,
    arr_max: ArrMax = None,
    review_status: ReviewStatus = None,
    trigger: Trigger = None,
    reason: Reason = None,
    program: ProgramFit = None,
    as_json: AsJson = False,
) -> None:
    """Save filters as a named list; reading it later re-evaluates them.

    Examples:
      advocacy lists create "Referral-ready SMB healthcare" --segment smb --eligible referral
      advocacy lists create "Case-study consent" --permission case_study --status candidate
    """
    from agent.usecases.lists import ListRequest, create_list
    from store.db import make_session_factory

    given = {
        "segment": segment,
        "industry": industry,
        "owner": owner,
        "status": status,
        "ask_type": ask_type,
        "eligible": eligible,
        "permission": permission,
        "arr_min": arr_min,
        "arr_max": arr_max,
        "review_status": review_status,
        "trigger": trigger,
        "reason": reason,
        "program": program,
    }
    request = ListRequest(name=name, filters=_filters(**given))
    with open_engine(load_settings()) as engine, exits_on_domain_errors(err):
        saved = create_list(
            session_factory=make_session_factory(engine),
            actor=OPERATOR,
            request=request,
            now=load_clock()(),
        )
    if as_json:
        sys.stdout.write(saved.model_dump_json() + "\n")
        return
    console.print(f"saved list [bold]{saved.name}[/bold] ({saved.list_id}): {saved.filters}")


@lists_app.command("list")
def list_lists(as_json: AsJson = False) -> None:
    """Every saved list with its filters.

    Examples:
      advocacy lists list
      advocacy lists list --json
    """
    from agent.usecases.lists import saved_lists

    with _session() as session:
        lists = saved_lists(session=session)
    if as_json:
        sys.stdout.write(json.dumps([x.model_dump(mode="json") for x in lists]) + "\n")
        return
    table = Table(title="Saved lists")
    table.add_column("id", no_wrap=True)
    table.add_column("name")
    table.add_column("filters", overflow="fold")
    for saved in lists:
        filters = ", ".join(f"{k}={v}" for k, v in saved.filters.items()) or "(all)"
        table.add_row(saved.list_id, saved.name, filters)
    console.print(table)


@lists_app.command("show")
def show_list(
    key: Annotated[str, typer.Argument(help="The list's name or id.")], as_json: AsJson = False
) -> None:
    """A saved list's candidates now (its filters over the latest results).

    Examples:
      advocacy lists show "Referral-ready SMB healthcare"
      advocacy lists show ls-1a2b3c4d5e --json
    """
    with _rows(key, {}) as found:
        rows = list(found)
    if as_json:
        sys.stdout.write(json.dumps([row.model_dump(mode="json") for row in rows]) + "\n")
        return
    console.print(_table(rows, f"{key}: {len(rows)} accounts"))


@lists_app.command("delete")
def delete_list_command(
    key: Annotated[str, typer.Argument(help="The list's name or id.")],
) -> None:
    """Delete a saved list (the candidates are not touched).

    Examples:
      advocacy lists delete "Referral-ready SMB healthcare"
    """
    from agent.usecases.lists import drop_list
    from store.db import make_session_factory

    with open_engine(load_settings()) as engine, exits_on_domain_errors(err):
        drop_list(session_factory=make_session_factory(engine), actor=OPERATOR, key=key)
    console.print(f"deleted list {key}")


def register(app: typer.Typer) -> None:
    app.add_typer(candidates_app, name="candidates")
    app.add_typer(lists_app, name="lists")
