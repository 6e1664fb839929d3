"""The live tier: tests against a real OpenAI-compatible model server (`make live` starts one).

They run only when ADVOCACY_LIVE_BASE_URL names the server; otherwise each is skipped with the
reason. The variables are read at import, before the suite's autouse fixture clears ADVOCACY_*.
Here the model requests are the point: the suite's guard against unmocked requests is off.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from agent.settings import StructuredOutputMethod

SUMMARY_FILE = Path(__file__).resolve().parents[2] / "build" / "live-summary.json"


@dataclass(frozen=True)
class LiveServer:
    base_url: str
    model: str
    method: StructuredOutputMethod
    accounts: int


def _live_server() -> LiveServer | None:
    base_url = os.environ.get("ADVOCACY_LIVE_BASE_URL")
    if not base_url:
        return None
    method = os.environ.get("ADVOCACY_LIVE_METHOD", "function_calling")
    if method not in ("json_schema", "function_calling", "json_mode"):
        raise pytest.UsageError(f"ADVOCACY_LIVE_METHOD: unknown method {method!r}")
    return LiveServer(
        base_url=base_url,
        model=os.environ.get("ADVOCACY_LIVE_MODEL", "smollm2-135m-instruct"),
        method=method,  # type: ignore[arg-type]
        accounts=int(os.environ.get("ADVOCACY_LIVE_ACCOUNTS", "40")),
    )


LIVE = _live_server()
SKIP_REASON = (
    "live tier: ADVOCACY_LIVE_BASE_URL is not set (run `make live`, which starts a local "
    "llama.cpp server and sets it)"
)


@dataclass
class LiveFigures:
    """What the live run saw: model calls, fallbacks and their reasons, per method."""

    figures: dict[str, Any] = field(default_factory=dict)
    reasons: Counter[str] = field(default_factory=Counter)


FIGURES = LiveFigures()


@pytest.fixture(scope="session")
def live() -> LiveServer:
    if LIVE is None:
        pytest.skip(SKIP_REASON)
    return LIVE


@pytest.fixture(scope="session")
def figures() -> LiveFigures:
    return FIGURES


@pytest.fixture(autouse=True)
def llm_guard() -> Iterator[list[str]]:
    """Overrides the suite's guard: the live tier talks to a real server on purpose."""
    yield []


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not FIGURES.figures:
        return
    write = terminalreporter.write_line
    terminalreporter.section("live model server")
    for name, value in FIGURES.figures.items():
        write(f"{name:<40} {value}")
    if FIGURES.reasons:
        write("fallback and retry reasons (count):")
        for reason, count in FIGURES.reasons.most_common():
            write(f"  {count:>4}  {reason}")
    SUMMARY_FILE.parent.mkdir(parents=True, exist_ok=True)
    summary = {"figures": FIGURES.figures, "reasons": dict(FIGURES.reasons.most_common())}
    SUMMARY_FILE.write_text(json.dumps(summary, indent=1) + "\n", encoding="utf-8")
    write(f"written to {SUMMARY_FILE}")
