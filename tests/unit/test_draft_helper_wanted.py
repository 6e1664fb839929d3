"""Which scans have their texts written by a draft helper (agent/draft_helper.py)."""

from __future__ import annotations

from typing import Any

import pytest

from agent.draft_helper import wants_draft_helper
from agent.settings import Settings

SQLITE, POSTGRES = "sqlite:///./advocacy.db", "postgresql+psycopg://u@h/db"
MODEL = {"openai_base_url": "http://127.0.0.1:8080/v1"}


@pytest.mark.parametrize(
    ("fields", "accounts", "wanted"),
    [
        pytest.param({"database_url": SQLITE, **MODEL}, 5_000, True, id="big_sqlite_with_a_model"),
        pytest.param({"database_url": SQLITE, **MODEL}, 4_999, False, id="below_the_threshold"),
        pytest.param({"database_url": SQLITE}, 10_000, False, id="offline_template"),
        pytest.param(
            {"database_url": POSTGRES, "job_queue": "in_process", **MODEL},
            10_000,
            False,
            id="postgresql",
        ),
        pytest.param(
            {"database_url": SQLITE, "draft_helper_min_accounts": 0, **MODEL},
            10_000,
            False,
            id="turned_off",
        ),
        pytest.param(
            {"database_url": SQLITE, "draft_helper_min_accounts": 1, **MODEL},
            1,
            True,
            id="threshold_lowered",
        ),
    ],
)
def test_wants_draft_helper(fields: dict[str, Any], accounts: int, wanted: bool) -> None:
    assert wants_draft_helper(Settings(**fields), accounts=accounts) is wanted
