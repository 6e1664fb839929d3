"""`advocacy import FILE` and `advocacy demo-data`: evidence in, demo evidence out."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table

from cli.context import load_clock, load_settings, open_engine

if TYPE_CHECKING:
    from store.importer import BundleInvalid, ImportReport

console = Console()
errors = Console(stderr=True)

EXIT_INVALID = 2


def import_command(
    source: Annotated[
        Path,
        typer.Argument(
            metavar="FILE",
            help="A JSON bundle, or a folder of CSV files named after its keys (accounts.csv).",
        ),
    ],
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress on stderr.")] = False,
) -> None:
    """Import an evidence bundle (format: README, "Evidence bundle") into ADVOCACY_DATABASE_URL.

    All or nothing: one bad row rejects the whole import, names its key, row and field, and
    leaves the database exactly as it was (exit code 2). Rows whose ids exist already are
    updated, so importing the same file twice changes nothing.

    Examples:
      advocacy import bundle.json
      advocacy import exports/          [dim]# owners.csv, accounts.csv, contacts.csv, ...[/dim]
      ADVOCACY_DATABASE_URL=postgresql+psycopg://app@db/advocacy advocacy import bundle.json
    """
    from store.importer import BundleInvalid, import_bundle

    if not source.exists():
        errors.print(f"[red]no such file or folder:[/red] {source}")
        raise typer.Exit(EXIT_INVALID)
    settings = load_settings()
    progress = None if quiet else _progress
    try:
        with open_engine(settings) as engine:
            report = import_bundle(
                engine=engine, source=source, progress=progress, now=load_clock()()
            )
    except BundleInvalid as invalid:
        _print_invalid(invalid)
        raise typer.Exit(EXIT_INVALID) from None
    _print_counts(report)


def _progress(key: str, count: int) -> None:
    errors.print(f"[dim]{key}: {count:,} rows[/dim]", highlight=False)


def _print_invalid(invalid: BundleInvalid) -> None:
    errors.print(f"[red]bundle rejected, nothing was written ({invalid.total} error(s)):[/red]")
    for error in invalid.errors:
        errors.print(str(error), markup=False, highlight=False)
    if invalid.unlisted:
        errors.print(f"... and {invalid.unlisted} more", highlight=False)


def _print_counts(report: ImportReport) -> None:
    console.print(f"imported in {report.seconds:.2f}s", highlight=False)
    table = Table()
    table.add_column("kind")
    table.add_column("rows", justify="right")
    for key, count in report.counts.items():
        table.add_row(key, f"{count:,}")
    table.add_row("[bold]total[/bold]", f"[bold]{report.total:,}[/bold]")
    console.print(table)


def _today() -> datetime:
    return load_clock()().replace(hour=0, minute=0, second=0, microsecond=0)


def _parse_now(value: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"not an ISO 8601 time: {value!r}", param_hint="--now") from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def demo_data_command(
    out: Annotated[Path, typer.Option("--out", "-o", help="Where to write the JSON bundle.")],
    accounts: Annotated[int, typer.Option(min=1, help="How many accounts.")] = 200,
    seed: Annotated[int, typer.Option(help="Same seed, accounts and now: same file.")] = 7,
    now: Annotated[
        str | None,
        typer.Option(
            help="ISO 8601 moment the data is built around (default: today 00:00 UTC).",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Write a realistic, deterministic demo bundle, ready for `advocacy import`.

    Judged at --now by the default policy, most accounts have no recent positive signal, about
    a fifth are held (open tickets, complaints, low health, recent asks), a few are stopped
    (do-not-contact, disputed referrals, unclear consent) and the rest are candidates for every
    ask type. The file is written as a stream: 100000 accounts take little memory.

    Examples:
      advocacy demo-data --out demo.json && advocacy import demo.json
      advocacy demo-data --accounts 100000 --seed 1 --now 2026-11-27T00:00:00Z --out big.json
    """
    from store.demo_data import write_demo_bundle

    moment = _today() if now is None else _parse_now(now)
    counts = write_demo_bundle(out=out, accounts=accounts, seed=seed, now=moment)
    console.print(f"wrote {out} (now = {moment.isoformat()})", highlight=False)
    table = Table()
    table.add_column("kind")
    table.add_column("rows", justify="right")
    for key, count in counts.items():
        table.add_row(key, f"{count:,}")
    console.print(table)


def register(app: typer.Typer) -> None:
    app.command("import")(import_command)
    app.command("demo-data")(demo_data_command)
