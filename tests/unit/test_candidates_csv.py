"""The CSV export's cells: nothing a spreadsheet would run, RFC 4180 quoting, one record a row."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from typing import Any

import pytest

from agent.usecases.candidates_csv import COLUMNS, csv_lines, safe_cell
from agent.usecases.results import CandidateOut


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+1 555", "'+1 555"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tcmd", "'\tcmd"),
        ("Northwind Dental", "Northwind Dental"),
        ("a=b", "a=b"),
        (24000, "24000"),
        (None, ""),
        (["open_ticket", "low_health"], "open_ticket;low_health"),
        (datetime(2026, 11, 27, 9, tzinfo=UTC), "2026-11-27T09:00:00+00:00"),
    ],
)
def test_cells(value: Any, cell: str) -> None:
    assert safe_cell(value) == cell


def item(**fields: Any) -> CandidateOut:
    base: dict[str, Any] = {
        "scan_id": "sc-1",
        "account_id": "acc-1",
        "owner_id": "u-1",
        "status": "candidate",
        "reasons": [],
        "flags": [],
        "eligible_ask_types": ["review"],
        "ask_type": "review",
        "review_id": None,
    }
    return CandidateOut(**{**base, **fields})


def test_quotes_commas_newlines_and_unicode_survive_a_round_trip() -> None:
    name = 'Søren, "the" Dentist\nLine two'
    text = "".join(csv_lines([item(account_name=name), item(account_id="acc-2")]))
    assert text.startswith(",".join(COLUMNS) + "\r\n")
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    assert [row["account_id"] for row in rows] == ["acc-1", "acc-2"]
    assert rows[0]["account_name"] == name
