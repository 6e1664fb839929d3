"""The candidate list as CSV: RFC 4180 (CRLF, quoted as needed), UTF-8, a header row, and no
cell a spreadsheet would run as a formula."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from typing import Any

from agent.usecases.results import CandidateOut

COLUMNS = (
    "account_id",
    "account_name",
    "segment",
    "industry",
    "arr",
    "owner_id",
    "owner_name",
    "status",
    "reasons",
    "flags",
    "ask_type",
    "eligible_ask_types",
    "permission_status",
    "granted_scopes",
    "programs",
    "contact_name",
    "contact_title",
    "contact_email",
    "trigger",
    "trigger_kind",
    "trigger_at",
    "review_id",
    "review_status",
    "review_age_days",
    "scan_id",
    "scanned_at",
)
# OWASP's list: a leading =, +, -, @ (or a tab or CR that some programs skip) starts a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> str:
    """One cell as text; lists joined with `;`; a would-be formula prefixed with `'`."""
    if value is None:
        return ""
    if isinstance(value, list):
        value = ";".join(str(item) for item in value)
    if hasattr(value, "isoformat"):
        return str(value.isoformat())
    text = str(value)
    if isinstance(value, str) and text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


def csv_lines(items: Iterable[CandidateOut]) -> Iterator[str]:
    """The header row, then one line per item, each a complete CSV record."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")

    def take(row: Iterable[str]) -> str:
        writer.writerow(row)
        line = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return line

    yield take(COLUMNS)
    for item in items:
        data = item.model_dump()
        yield take(safe_cell(data[column]) for column in COLUMNS)
