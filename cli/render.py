"""Rich views shared by the workflow commands.

Ids are what a person copies: an id column never wraps (`id_column`); the other columns fold
first. Codes are shown with their labels from domain/labels.py.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import TYPE_CHECKING, Any

from rich.console import Console, Group, RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

if TYPE_CHECKING:
    from store.models import Review, ScanResult


def id_column(table: Table, header: str, ids: list[str]) -> None:
    """A column of ids, each kept on one line whatever the terminal's width."""
    width = max([*(len(line) for line in header.splitlines()), *(len(i) for i in ids)])
    table.add_column(header, no_wrap=True, min_width=width, overflow="ignore")


def words(code: str) -> str:
    from domain.labels import label_of

    return label_of(code).label


STATUS_STYLE = {"candidate": "green", "held": "yellow", "stopped": "red", "not_triggered": "dim"}


def status_counts_table(results: list[ScanResult]) -> Table:
    counts = Counter(result.status for result in results)
    table = Table(title="Accounts by status")
    table.add_column("status")
    table.add_column("accounts", justify="right")
    for status in ("candidate", "held", "stopped", "not_triggered"):
        label = Text(words(status), style=STATUS_STYLE[status])
        table.add_row(label, str(counts.get(status, 0)))
    return table


def results_table(results: list[ScanResult], *, per_status: int) -> Table:
    """A few accounts of each triggered status; not-triggered accounts are only counted."""
    table = Table(title="Scan results (a sample per status; `advocacy scan --json` lists all)")
    shown = [r for s in ("candidate", "held", "stopped") for r in results if r.status == s]
    id_column(table, "account", [r.account_id for r in shown])
    for column in ("status", "reasons / ask type", "flags"):
        table.add_column(column, overflow="fold")
    for status in ("candidate", "held", "stopped"):
        rows = [r for r in results if r.status == status]
        for result in rows[:per_status]:
            why = [result.ask_type or ""] if status == "candidate" else result.reasons
            table.add_row(
                result.account_id,
                Text(words(result.status), style=STATUS_STYLE[result.status]),
                "\n".join(words(code) for code in why),
                "\n".join(words(flag) for flag in result.flags),
            )
        if len(rows) > per_status:
            table.add_row(
                "",
                Text(f"… {len(rows) - per_status} more: {words(status)}", style="dim"),
                "",
                "",
            )
    return table


def reviews_table(reviews: list[Review], *, now: datetime) -> Table:
    table = Table(title=f"Pending reviews ({len(reviews)})", padding=(0, 1))
    id_column(table, "review", [review.id for review in reviews])
    for column in ("account", "owner", "ask", "age", "flags"):
        table.add_column(column, overflow="fold")
    for review in reviews:
        account = review.payload.get("account", {})
        table.add_row(
            review.id,
            str(account.get("name") or review.account_id),
            review.owner_id,
            words(review.ask_type),
            f"{(now - review.trigger_at).days} d",
            ", ".join(words(flag) for flag in review.flags),
        )
    return table


def review_panel(review: Review, *, now: datetime) -> Group:
    """One review as an owner reads it: evidence, gates, summary, draft (and, when the
    offline template wrote it instead of the model, why)."""
    payload = review.payload
    parts: list[RenderableType] = [
        _header(review, payload),
        _evidence_table(payload, now),
        _checks_table(payload.get("gate_report", {})),
        _summary_panel(payload.get("summary", {})),
        _draft_panel(payload),
    ]
    fallback = _fallback_panel(payload)
    return Group(*parts, *([fallback] if fallback else []))


def _header(review: Review, payload: dict[str, Any]) -> Panel:
    account = payload.get("account", {})
    timing = payload.get("timing", {})
    eligible = ", ".join(words(a) for a in payload.get("eligible_ask_types", []))
    flags = "; ".join(words(f) for f in payload.get("flags", []))
    body = Text.assemble(
        (str(account.get("name")), "bold"),
        f" ({review.account_id}) · owner {review.owner_id} · status ",
        (review.status, "bold"),
        "\nask: ",
        (words(str(payload.get("recommended_ask_type"))), "bold"),
        f" (eligible: {eligible})",
        f"\nchannel: {payload.get('channel')} · send by {timing.get('send_by')}",
        f"\nflags: {flags or 'none'}",
    )
    if review.refusal:
        refused = "; ".join(words(r) for r in review.refusal.get("reasons", []))
        body.append(f"\nlast approval refused: {refused}", style="red")
    return Panel(body, title=Text(f"Review {review.id}", no_wrap=True))


def _evidence_table(payload: dict[str, Any], now: datetime) -> Table:
    """Evidence in words: what, from whom, when (relative and absolute), the customer's words."""
    from domain.evidence_words import describe_evidence

    table = Table(title="Evidence")
    for column in ("what", "when", "their words"):
        table.add_column(column, overflow="fold")
    for item in describe_evidence(payload, now):
        what = Text(f"{item.title} {item.who}".strip())
        what.append(f"\n{item.source}" + (f" · {item.id}" if item.show_id else ""), style="dim")
        table.add_row(what, item.when, Text(item.quote[:160]))
    return table


def _checks_table(report: dict[str, Any]) -> Table:
    from domain.labels import rule_label

    table = Table(title=f"Gates: {words(str(report.get('status')))}")
    for column in ("check", "result", "why"):
        table.add_column(column, overflow="fold")
    for check in report.get("checks", []):
        mark = Text("passed", style="green") if check.get("passed") else Text("failed", style="red")
        rule = rule_label(str(check.get("rule", ""))).label
        table.add_row(rule, mark, Text(check.get("why", "")))
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


def _fallback_panel(payload: dict[str, Any]) -> Panel | None:
    """Why the model's text was not used, in the checks' own words (admins, prompt engineers)."""
    written = payload.get("written_by", {})
    lines = [
        f"{part}: {reason}"
        for part in ("summary", "draft")
        if written.get(part, {}).get("fallback")
        for reason in written[part].get("failures", []) or ["no reason recorded"]
    ]
    if not lines:
        return None
    title = "Written by the offline template: why the model's text was not used"
    return Panel(Text("\n".join(lines)), title=title, border_style="yellow")


def print_no_worker_note(console: Console, heard_within_seconds: float) -> None:
    """A queued scan with no worker alive to run it: recorded and safe, it waits for one."""
    console.print(
        "note: no `advocacy worker` is running (none heard from in the last "
        f"{heard_within_seconds:g} s): the scan waits until one starts",
        soft_wrap=True,
    )


def print_error(console: Console, message: str) -> None:
    """One plain line (a terminal folds it; a pipe or log gets it whole)."""
    console.print(Text(f"error: {message}", style="bold red"), soft_wrap=True)


def _spread(value: dict[str, Any]) -> str:
    return "-" if value.get("median") is None else f"{value['median']:.0f}/{value['p90']:.0f}"


def _percent(value: float | None) -> str:
    return "no data yet" if value is None else f"{value * 100:.1f}%"


def _hours(value: dict[str, Any] | None) -> str:
    if not value or value.get("median") is None:
        return "no data yet"
    return f"median {value['median']:.1f} h, p90 {value['p90']:.1f} h ({value['n']} asks)"


FUNNEL_TITLE = "Funnel: events recorded"
PILOTS = {
    "pilot_approved_with_value_proof_share": "pilot_approved_with_value_proof_pass",
    "pilot_referral_asks_with_value_proof_share": "pilot_referral_asks_with_value_proof_pass",
}
RATES = ("advocate_candidate_eligibility_rate", "referral_request_readiness_rate", *PILOTS)
LIFE = (
    *("asks_sent", "asks_responded", "asks_accepted", "asks_completed", "overdue_tasks"),
    *("escalations", "hours_trigger_to_approval", "hours_approval_to_send"),
    "hours_send_to_response",
)


def metrics_tables(figures: dict[str, Any], funnel: tuple[str, ...]) -> list[Table]:
    """`advocacy metrics` for people: the funnel, the rates with what they measure, the ask's
    life; labels from domain/labels.py, no raw keys and no `None`."""
    from domain.labels import label_of

    counts = Table(title=FUNNEL_TITLE)
    counts.add_column("event")
    counts.add_column("count", justify="right")
    for kind in funnel:
        counts.add_row(label_of(kind).label, str(figures.get(kind, 0)))
    rates = Table(title="Rates and pilot thresholds")
    for column in ("measure", "value", "pilot", "what it measures"):
        rates.add_column(column, overflow="fold")
    for name in RATES:
        passed = figures.get(PILOTS[name]) if name in PILOTS else None
        verdict = "-" if name not in PILOTS else "not yet" if passed is None else "pass"
        verdict = "fail" if passed is False else verdict
        label = label_of(name)
        rates.add_row(label.label, _percent(figures.get(name)), verdict, label.explanation)
    life = Table(title="The ask after approval")
    life.add_column("measure")
    life.add_column("value", overflow="fold")
    for name in LIFE:
        value = figures.get(name)
        shown = _hours(value) if name.startswith("hours_") else str(value if value else 0)
        life.add_row(label_of(name).label, shown)
    return [counts, rates, life]


def owners_table(by_owner: dict[str, dict[str, Any]]) -> Table:
    """The ask's life per owner: counts, then hours (median/p90) between the steps. Six
    columns, the counts grouped, so that it fits 80 columns and an owner id never wraps."""
    table = Table(title="The ask after approval, per owner (hours: median/p90)")
    counts = ("asks_sent", "asks_responded", "asks_accepted", "asks_completed")
    late = ("overdue_tasks", "escalations")
    hours = ("hours_trigger_to_approval", "hours_approval_to_send", "hours_send_to_response")
    id_column(table, "owner", list(by_owner))
    table.add_column("sent / answered / accepted / completed", overflow="fold")
    table.add_column("overdue / escalated", overflow="fold")
    for title in ("trigger to approval", "approval to send", "send to answer"):
        table.add_column(title, overflow="fold")
    for owner, figures in sorted(by_owner.items()):
        grouped = ["/".join(str(figures[name]) for name in names) for names in (counts, late)]
        table.add_row(owner, *grouped, *(_spread(figures[h]) for h in hours))
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
