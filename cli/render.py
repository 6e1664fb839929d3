"""Rich views shared by the workflow commands."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import TYPE_CHECKING, Any

from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

if TYPE_CHECKING:
    from store.models import Review, ScanResult

STATUS_STYLE = {"candidate": "green", "held": "yellow", "stopped": "red", "not_triggered": "dim"}


def status_counts_table(results: list[ScanResult]) -> Table:
    counts = Counter(result.status for result in results)
    table = Table(title="Accounts by status")
    table.add_column("status")
    table.add_column("accounts", justify="right")
    for status in ("candidate", "held", "stopped", "not_triggered"):
        table.add_row(Text(status, style=STATUS_STYLE[status]), str(counts.get(status, 0)))
    return table


def results_table(results: list[ScanResult], *, per_status: int) -> Table:
    """A few accounts of each triggered status; not-triggered accounts are only counted."""
    table = Table(title="Scan results (a sample per status; `advocacy scan --json` lists all)")
    for column in ("account", "status", "reasons / ask type", "flags"):
        table.add_column(column, overflow="fold")
    for status in ("candidate", "held", "stopped"):
        rows = [r for r in results if r.status == status]
        for result in rows[:per_status]:
            table.add_row(
                result.account_id,
                Text(result.status, style=STATUS_STYLE[result.status]),
                (result.ask_type or "") if status == "candidate" else "\n".join(result.reasons),
                "\n".join(result.flags),
            )
        if len(rows) > per_status:
            table.add_row(
                "", Text(f"… {len(rows) - per_status} more {status}", style="dim"), "", ""
            )
    return table


def reviews_table(reviews: list[Review], *, now: datetime) -> Table:
    table = Table(title=f"Pending reviews ({len(reviews)})")
    for column in ("review", "account", "owner", "ask type", "trigger age", "flags"):
        table.add_column(column, overflow="fold")
    for review in reviews:
        account = review.payload.get("account", {})
        table.add_row(
            review.id,
            f"{account.get('name', '')} ({review.account_id})",
            review.owner_id,
            review.ask_type,
            f"{(now - review.trigger_at).days} d",
            ", ".join(review.flags),
        )
    return table


def review_panel(review: Review) -> Group:
    """One review as an owner reads it: evidence, gates, summary, draft."""
    payload = review.payload
    return Group(
        _header(review, payload),
        _evidence_table(payload.get("evidence", [])),
        _checks_table(payload.get("gate_report", {})),
        _summary_panel(payload.get("summary", {})),
        _draft_panel(payload),
    )


def _header(review: Review, payload: dict[str, Any]) -> Panel:
    account = payload.get("account", {})
    timing = payload.get("timing", {})
    body = Text.assemble(
        (str(account.get("name")), "bold"),
        f" ({review.account_id}) · owner {review.owner_id} · status ",
        (review.status, "bold"),
        "\nask type: ",
        (str(payload.get("recommended_ask_type")), "bold"),
        f" (eligible: {', '.join(payload.get('eligible_ask_types', []))})",
        f"\nchannel: {payload.get('channel')} · send by {timing.get('send_by')}",
        f" · flags: {', '.join(payload.get('flags', [])) or 'none'}",
    )
    if review.refusal:
        refused = ", ".join(review.refusal.get("reasons", []))
        body.append(f"\nlast approval refused: {refused}", style="red")
    return Panel(body, title=f"Review {review.id}")


def _evidence_table(evidence: list[dict[str, Any]]) -> Table:
    table = Table(title="Evidence")
    for column in ("id", "source", "what", "when"):
        table.add_column(column, overflow="fold")
    for item in evidence:
        what = (
            item.get("text")
            or item.get("subject")
            or item.get("metric")
            or item.get("kind")
            or item.get("scope")
            or item.get("ask_type")
            or item.get("name")
            or ""
        )
        when = (
            item.get("occurred_at")
            or item.get("opened_at")
            or item.get("recorded_at")
            or item.get("asked_at")
            or item.get("submitted_at")
            or ""
        )
        label = item.get("kind") or item.get("status") or ""
        table.add_row(
            item.get("id", ""),
            f"{item.get('source')} {label}".strip(),
            Text(str(what)[:160]),
            str(when)[:10],
        )
    return table


def _checks_table(report: dict[str, Any]) -> Table:
    table = Table(title=f"Gates: {report.get('status')}")
    for column in ("rule", "result", "why"):
        table.add_column(column, overflow="fold")
    for check in report.get("checks", []):
        mark = (
            Text("pass", style="green")
            if check.get("passed")
            else Text(check.get("reason") or "fail", style="red")
        )
        table.add_row(check.get("rule", ""), mark, Text(check.get("why", "")))
    return table


def _summary_panel(summary: dict[str, Any]) -> Panel:
    # Customer words may hold Rich markup: build Text pieces, never parse them as markup.
    body = Text(str(summary.get("headline", "")), style="bold")
    for point in summary.get("points", []):
        body.append(f"\n• {point.get('text')} ")
        body.append(", ".join(point.get("evidence_ids", [])), style="dim")
    return Panel(body, title="Summary")


def _draft_panel(payload: dict[str, Any]) -> Panel:
    draft = payload.get("draft", {})
    written = payload.get("written_by", {}).get("draft", {})
    author = f"{written.get('author')} · {written.get('prompt_version')}"
    title = f"Draft ({draft.get('channel')}) by {author}"
    subject = f"Subject: {draft.get('subject')}\n\n" if draft.get("subject") else ""
    return Panel(Text(subject + str(draft.get("body", ""))), title=title)


def print_error(console: Console, message: str) -> None:
    """One plain line (a terminal folds it; a pipe or log gets it whole)."""
    console.print(Text(f"error: {message}", style="bold red"), soft_wrap=True)


def _spread(value: dict[str, Any]) -> str:
    return "-" if value.get("median") is None else f"{value['median']:.0f}/{value['p90']:.0f}"


def owners_table(by_owner: dict[str, dict[str, Any]]) -> Table:
    """The ask's life per owner: counts, then hours (median/p90) between the steps."""
    table = Table(title="The ask after approval, per owner (hours: median/p90)")
    counts = ("asks_sent", "asks_responded", "asks_accepted", "asks_completed")
    counts += ("overdue_tasks", "escalations")
    hours = ("hours_trigger_to_approval", "hours_approval_to_send", "hours_send_to_response")
    table.add_column("owner")
    for name in (*counts, *hours):
        table.add_column(name.removeprefix("asks_").removeprefix("hours_").replace("_", " "))
    for owner, figures in sorted(by_owner.items()):
        cells = [str(figures[name]) for name in counts] + [_spread(figures[h]) for h in hours]
        table.add_row(owner, *cells)
    return table


def backlog_table(rows: list[dict[str, Any]]) -> Table:
    """The owners' backlog: what waits for each owner, and how old the oldest is (days)."""
    table = Table(title="Backlog per owner (most pending reviews first)")
    for column in ("owner", "pending reviews", "oldest (days)", "open tasks", "overdue"):
        table.add_column(column)
    for row in rows:
        oldest = "-" if row["oldest_review_days"] is None else f"{row['oldest_review_days']:.1f}"
        table.add_row(
            row["owner_name"] or row["owner_id"],
            str(row["pending_reviews"]),
            oldest,
            str(row["open_tasks"]),
            str(row["overdue_tasks"]),
        )
    return table
