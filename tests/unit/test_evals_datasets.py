"""Dataset errors name the file, the case and the key, and suggest the likely spelling."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from evals.cases import DatasetError, build_case, load_cases

DEFAULTS = {"now": "2026-12-01T12:00:00Z"}
ACCOUNT = {"id": "acc-1", "name": "X", "owner_id": "u"}


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (
            {"acount": ACCOUNT, "expect": {"status": "candidate"}},
            "unknown key acount (did you mean account?)",
        ),
        (
            {"account": ACCOUNT, "expct": {"status": "candidate"}},
            "unknown key expct (did you mean expect?)",
        ),
        (
            {"account": {**ACCOUNT, "nam": "X"}, "expect": {"status": "candidate"}},
            "unknown key account.nam (did you mean name?)",
        ),
        (
            {
                "account": ACCOUNT,
                "signals": [{"id": "s-1", "kind": "nps", "occured_at": "-1d", "score": 9}],
                "expect": {"status": "candidate"},
            },
            "unknown key signals[0].occured_at (did you mean occurred_at?)",
        ),
        (
            {"account": ACCOUNT, "expect": {"status": "candidate"}, "assertions": {"max_word": 9}},
            "unknown key assertions.max_word (did you mean max_words?)",
        ),
        ({"account": {"id": "acc-1", "owner_id": "u"}, "expect": {}}, "missing key account.name"),
        (
            {"account": ACCOUNT, "expect": {"status": "candidat"}},
            "expect.status: Input should be 'not_triggered', 'held', 'stopped' or 'candidate' "
            "(got 'candidat')",
        ),
    ],
    ids=["case key", "expect", "account field", "signal field", "assertion", "missing", "value"],
)
def test_a_dataset_error_names_file_case_and_key(raw: dict[str, Any], message: str) -> None:
    with pytest.raises(DatasetError) as raised:
        build_case({"id": "c-1", **raw}, defaults=DEFAULTS, dataset="core.yaml")
    text = str(raised.value)
    assert text.startswith("core.yaml: case c-1: ") and message in text
    assert "pydantic" not in text and "For further information" not in text


def test_a_misspelled_top_level_key_of_a_dataset_file(tmp_path: Path) -> None:
    path = tmp_path / "mine.yaml"
    path.write_text("defaults: {}\ncase: []\n")
    with pytest.raises(
        DatasetError, match=r"mine\.yaml: unknown top-level key case \(did you mean cases\?\)"
    ):
        load_cases([path])
