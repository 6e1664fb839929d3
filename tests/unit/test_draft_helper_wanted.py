"""Which scans have their texts written by a draft helper (agent/draft_helper.py), and when it
starts."""

from __future__ import annotations

from typing import Any

import pytest

from agent.draft_helper import helper_due, wants_draft_helper
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


@pytest.mark.parametrize(
    ("load", "write_cpu", "elapsed", "due"),
    [
        pytest.param(0.0, 0.0, 0.0, True, id="load_0_starts_with_the_first_candidate"),
        pytest.param(0.25, 0.05, 0.05, False, id="too_soon_to_judge"),
        pytest.param(0.25, 0.025, 0.1, True, id="a_quarter_core_at_the_window"),
        pytest.param(0.25, 0.024, 0.1, False, id="just_under_a_quarter"),
        pytest.param(0.25, 0.6, 1.0, True, id="fast_model_busy_writer"),
        pytest.param(0.25, 0.15, 1.0, False, id="slow_model_idle_writer"),
        pytest.param(1.0, 0.9, 1.0, False, id="a_full_core_asked"),
    ],
)
def test_helper_due(load: float, write_cpu: float, elapsed: float, due: bool) -> None:
    assert helper_due(load=load, write_cpu=write_cpu, elapsed=elapsed) is due
