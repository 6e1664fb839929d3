"""The line each bad setting prints (agent/settings.py, settings_problems): the CLI and the API
factory show these instead of pydantic's report; a secret's value never shows."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from agent.settings import Settings, settings_problems

SECRET = "sk-never-printed-0123"


def _problems(**values: Any) -> list[str]:
    with pytest.raises(ValidationError) as caught:
        Settings(database_url="sqlite:///x.db", **values)
    return settings_problems(caught.value)


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        pytest.param(
            {"scan_batch_size": "abc"},
            "setting ADVOCACY_SCAN_BATCH_SIZE: Input should be a valid integer, unable to parse "
            "string as an integer (got 'abc')",
            id="a field: its variable and the value given",
        ),
        pytest.param(
            {"draft_helper_load": 2},
            "setting ADVOCACY_DRAFT_HELPER_LOAD: Input should be less than or equal to 1 (got 2)",
            id="a bound",
        ),
        pytest.param(
            {"job_queue": "procrastinate", "openai_api_key": SECRET},
            "settings: Value error, job_queue: procrastinate needs PostgreSQL, not SQLite",
            id="a rule across settings: no input echoed",
        ),
        pytest.param(
            {"openai_base_url": 678},
            "setting OPENAI_BASE_URL: Input should be a valid string (got 678)",
            id="a field read under another name: the name it was read under",
        ),
        pytest.param(
            {"policy": {"trigger_window_days": "abc"}},
            "setting ADVOCACY_POLICY__TRIGGER_WINDOW_DAYS: Input should be a valid integer, "
            "unable to parse string as an integer (got 'abc')",
            id="a nested field: the variable pydantic-settings reads it from",
        ),
        pytest.param(
            {"openai_api_key": 12345},
            "setting OPENAI_API_KEY: Input should be a valid string (got hidden)",
            id="a secret: its value hidden",
        ),
    ],
)
def test_each_problem_is_one_line_naming_the_setting(values: dict[str, Any], expected: str) -> None:
    problems = _problems(**values)
    assert problems == [expected]
    assert SECRET not in " ".join(problems) and "12345" not in " ".join(problems)
