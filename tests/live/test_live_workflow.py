"""The whole workflow against a real model server (the 135M model writes fluent nonsense).

Whatever the model writes, nothing that fails the output checks reaches an owner: every proposed
draft passes domain.checks again here, whoever wrote it; every candidate pauses for its owner; a
model that failed twice is replaced by the offline drafter and flagged `llm_fallback`.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from agent.bootstrap import Services, open_services
from agent.llm import METHOD_SETTING, make_chat_model
from agent.settings import Settings, StructuredOutputMethod
from agent.state import thread_config
from agent.usecases.decisions import decide
from agent.usecases.scans import run_scan
from agent.writing import Writer
from checkpoints.schemas import Decision
from domain.checks import check_draft, check_summary
from domain.outputs import AdvocacySummary, AskDraft
from domain.report import GateReport
from domain.snapshot import EvidenceSnapshot
from store.demo_data import write_demo_bundle
from store.importer import import_bundle
from store.models import Review, ScanResult
from tests.live.conftest import LiveFigures, LiveServer
from tests.llm_fakes import sample_report, sample_snapshot

pytestmark = pytest.mark.live

NOW = datetime(2026, 11, 27, 9, tzinfo=UTC)
SEED = 7
_QUOTED = re.compile(r" \([^)]*\)|'[^']*'")


def live_settings(live: LiveServer, database_url: str, **changes: Any) -> Settings:
    fields: dict[str, Any] = {
        "database_url": database_url,
        "openai_base_url": live.base_url,
        "openai_api_key": "sk-local-placeholder",
        "model": live.model,
        "structured_output_method": live.method,
        "llm_concurrency": 2,
        "llm_timeout_seconds": 120,
        "llm_max_retries": 0,
        "llm_max_tokens": 600,
    }
    return Settings(**(fields | changes))


@dataclass
class LiveScan:
    built: Services
    scan_id: str
    seconds: float
    results: list[ScanResult]
    reviews: list[Review]

    def state(self, review_id: str) -> dict[str, Any]:
        values: dict[str, Any] = self.built.advocate.get_state(thread_config(review_id)).values
        return values


@pytest.fixture(scope="session")
def scanned(
    live: LiveServer, figures: LiveFigures, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveScan]:
    """One scan of the demo data (live.accounts accounts) with the real server as the model."""
    folder: Path = tmp_path_factory.mktemp("live")
    bundle = folder / "bundle.json"
    write_demo_bundle(out=bundle, accounts=live.accounts, seed=SEED, now=NOW)
    settings = live_settings(live, f"sqlite:///{folder / 'live.db'}")
    with open_services(settings, clock=lambda: NOW) as built:
        import_bundle(engine=built.engine, source=bundle)
        started = time.perf_counter()
        scan_id = run_scan(services=built, now=NOW)
        seconds = time.perf_counter() - started
        with built.deps.session_factory() as session:
            results = list(session.scalars(select(ScanResult).where(ScanResult.scan_id == scan_id)))
            reviews = list(session.scalars(select(Review).where(Review.scan_id == scan_id)))
        scan = LiveScan(built, scan_id, seconds, results, reviews)
        _record(scan, live, figures)
        yield scan


def _reason_kind(reason: str) -> str:
    """'attempt 1: states numbers not in the evidence ('40'): use ...' -> its kind, unquoted."""
    reason = re.sub(r"^attempt \d+: ", "", reason)
    kind = reason.split(":")[0] if "HTTP" not in reason else reason
    return re.sub(r"got \d+", "got N", _QUOTED.sub("", kind)).strip()[:110]


def _record(scan: LiveScan, live: LiveServer, figures: LiveFigures) -> None:
    calls = texts = fallbacks = drafts_by_model = 0
    for review in scan.reviews:
        state = scan.state(review.id)
        for part in ("summary", "draft"):
            written = state[part]
            texts += 1
            calls += int(written["llm_calls"])
            fallbacks += bool(written["fallback"])
            drafts_by_model += part == "draft" and not written["fallback"]
            for failure in written["failures"]:
                for problem in failure.split("; "):
                    figures.reasons[f"{part}: {_reason_kind(problem)}"] += 1
    candidates = sum(r.status == "candidate" for r in scan.results)
    figures.figures.update(
        {
            "server": live.base_url,
            "model": live.model,
            "structured output method": live.method,
            "accounts scanned": len(scan.results),
            "candidates": candidates,
            "reviews opened": len(scan.reviews),
            "texts written (summary + draft)": texts,
            "model calls": calls,
            "calls per text": f"{calls / texts:.2f}" if texts else "-",
            "texts that fell back (offline template)": fallbacks,
            "fallback rate": f"{fallbacks / texts:.0%}" if texts else "-",
            "drafts proposed as the model wrote them": drafts_by_model,
            "reviews flagged llm_fallback": sum("llm_fallback" in r.flags for r in scan.reviews),
            "scan wall time": f"{scan.seconds:.1f} s",
            "seconds per model call": f"{scan.seconds / calls:.2f}" if calls else "-",
        }
    )


def test_every_candidate_pauses_for_its_owner(scanned: LiveScan) -> None:
    candidates = [r for r in scanned.results if r.status == "candidate"]
    assert candidates, "the demo data should hold candidates"
    assert {r.review_id for r in candidates} == {review.id for review in scanned.reviews}
    for review in scanned.reviews:
        assert review.status == "pending"
        paused = scanned.built.advocate.get_state(thread_config(review.id))
        assert paused.next == ("owner_review",), review.id
        assert paused.interrupts, review.id


def test_no_proposed_text_fails_the_checks_whoever_wrote_it(scanned: LiveScan) -> None:
    for review in scanned.reviews:
        state = scanned.state(review.id)
        snapshot = EvidenceSnapshot.model_validate(state["snapshot"])
        report = GateReport.model_validate(state["report"])
        # What the owner is shown is exactly what was checked.
        assert review.payload["draft"] == state["draft"]["value"]
        draft = AskDraft.model_validate(review.payload["draft"])
        summary = AdvocacySummary.model_validate(review.payload["summary"])
        channel = snapshot.account.preferred_channel
        assert check_draft(draft, snapshot, report, channel=channel) == [], review.id
        assert check_summary(summary, snapshot) == [], review.id


def test_fallbacks_are_flagged_with_their_reasons(scanned: LiveScan) -> None:
    for review in scanned.reviews:
        written_by = review.payload["written_by"]
        fell_back = [part for part, written in written_by.items() if written["fallback"]]
        assert ("llm_fallback" in review.flags) == bool(fell_back), review.id
        for part in fell_back:
            assert written_by[part]["author"] == "offline-template"
            assert written_by[part]["failures"], f"{review.id} {part}: a fallback needs reasons"
        for written in written_by.values():
            if not written["fallback"]:
                assert written["author"] != "offline-template"  # the model wrote it


def test_the_model_server_answered_every_call(scanned: LiveScan) -> None:
    """A fallback here is the model's text failing the checks, never a server that could not be
    reached: the live tier once passed with its server crashed and every text from the template."""
    unreachable = [
        f"{review.id} {part}: {failure}"
        for review in scanned.reviews
        for part, written in review.payload["written_by"].items()
        for failure in written["failures"]
        if "ConnectionError" in failure
    ]
    assert not unreachable, unreachable[:3]


def test_the_owner_decides_and_each_decision_applies_once(scanned: LiveScan) -> None:
    reviews = scanned.reviews[:2]
    actions = [("approve", {}), ("reject", {"reason": "live tier: not now"})]
    for review, (action, extra) in zip(reviews, actions, strict=False):
        decision = Decision.model_validate({"action": action, "by": review.owner_id} | extra)
        closed = decide(
            deps=scanned.built.deps,
            advocate=scanned.built.advocate,
            review_id=review.id,
            decision=decision,
        )
        assert closed.status == {"approve": "approved", "reject": "rejected"}[action]


def _one_summary(live: LiveServer, method: StructuredOutputMethod, tmp_path: Path) -> Any:
    settings = live_settings(
        live, f"sqlite:///{tmp_path / 'm.db'}", structured_output_method=method
    )
    writer = Writer(make_chat_model(settings), settings=settings)
    return writer.summarize(sample_snapshot(), sample_report())


@pytest.mark.parametrize("method", ["function_calling", "json_mode", "json_schema"])
def test_which_structured_output_methods_the_server_takes(
    live: LiveServer, figures: LiveFigures, method: StructuredOutputMethod, tmp_path: Path
) -> None:
    """A method the server refuses falls back at once with a reason naming the setting."""
    written = _one_summary(live, method, tmp_path)
    refused = any(METHOD_SETTING in failure for failure in written.failures)
    figures.figures[f"method {method}"] = (
        "refused by the server: " + written.failures[0][:90]
        if refused
        else f"accepted ({written.llm_calls} call(s), fallback={written.fallback})"
    )
    if refused:
        assert written.fallback and written.llm_calls == 1
        assert "HTTP" in written.failures[0]
    else:
        assert not any("HTTP" in failure for failure in written.failures), written.failures
    if method == live.method:
        assert not refused, f"the live tier's own method {method} was refused"
