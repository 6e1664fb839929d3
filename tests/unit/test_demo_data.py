"""The demo bundle: deterministic, streamed, valid, and with realistic B2B proportions."""

from __future__ import annotations

import io
import json
import tracemalloc
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session

from agent.settings import Settings
from domain.gates import evaluate
from store.bundle import ROW_MODELS
from store.db import make_engine
from store.demo_data import write_demo_bundle
from store.importer import import_bundle
from store.migrate import upgrade
from tools.batch import load_snapshots

NOW = datetime(2026, 11, 27, tzinfo=UTC)
ACCOUNTS = 2000
POSITIVE_KINDS = {"outcome", "renewal", "expansion", "project_close", "support_praise"}
POSITIVE_KINDS |= {"usage_milestone"}


def bundle_text(accounts: int = ACCOUNTS, seed: int = 7, now: datetime = NOW) -> str:
    out = io.StringIO()
    write_demo_bundle(out=out, accounts=accounts, seed=seed, now=now)
    return out.getvalue()


@pytest.fixture(scope="module")
def demo() -> dict[str, list[dict[str, Any]]]:
    return json.loads(bundle_text())  # type: ignore[no-any-return]


def when(value: str) -> datetime:
    return datetime.fromisoformat(value)


def within(value: str, days: int) -> bool:
    return NOW - timedelta(days=days) <= when(value) <= NOW


def is_positive(signal: dict[str, Any]) -> bool:
    kind, score = signal["kind"], signal.get("score")
    return (
        (kind == "nps" and score >= 9)
        or (kind in ("csat", "review") and score >= 4)
        or (kind == "feedback" and signal.get("sentiment") == "positive")
        or kind in POSITIVE_KINDS
    )


def accounts_where(
    demo: dict[str, list[dict[str, Any]]], key: str, test: Callable[[dict[str, Any]], bool]
) -> set[str]:
    return {row["account_id"] for row in demo[key] if test(row)}


def share(part: set[str], whole: int = ACCOUNTS) -> float:
    return len(part) / whole


def triggered(demo: dict[str, list[dict[str, Any]]]) -> set[str]:
    signals = accounts_where(
        demo, "signals", lambda s: is_positive(s) and within(s["occurred_at"], 90)
    )
    referrals = accounts_where(demo, "referrals", lambda r: within(r["submitted_at"], 90))
    return signals | referrals


def test_same_arguments_same_bytes() -> None:
    assert bundle_text(accounts=50) == bundle_text(accounts=50)
    assert bundle_text(accounts=50) != bundle_text(accounts=50, seed=8)
    assert bundle_text(accounts=50) != bundle_text(accounts=50, now=NOW + timedelta(days=1))


def test_every_row_is_valid(demo: dict[str, list[dict[str, Any]]]) -> None:
    assert list(demo) == list(ROW_MODELS)
    for key, rows in demo.items():
        for row in rows:
            ROW_MODELS[key].model_validate(row)


def test_written_as_a_stream() -> None:
    tracemalloc.start()
    size = len(bundle_text(accounts=1000))
    tracemalloc.stop()
    # The StringIO itself holds the text (str plus its buffer); the generator adds little.
    tracemalloc.start()
    write_demo_bundle(out=io.StringIO(), accounts=1000, seed=7, now=NOW)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 2 * size + 2_000_000


def test_owners_one_per_25_accounts(demo: dict[str, list[dict[str, Any]]]) -> None:
    assert len(demo["owners"]) == ACCOUNTS // 25
    assert len(demo["owners"]) >= 3
    owners = {owner["id"] for owner in demo["owners"]}
    assert {account["owner_id"] for account in demo["accounts"]} <= owners


def test_most_accounts_are_not_triggered(demo: dict[str, list[dict[str, Any]]]) -> None:
    assert 0.52 <= 1 - share(triggered(demo)) <= 0.66
    # ... yet they have older history of every kind.
    old_positive = accounts_where(
        demo, "signals", lambda s: is_positive(s) and not within(s["occurred_at"], 90)
    )
    assert share(old_positive) > 0.6


def test_hold_conditions_are_common_among_triggered(demo: dict[str, list[dict[str, Any]]]) -> None:
    active = triggered(demo)
    open_risky = accounts_where(
        demo,
        "tickets",
        lambda t: (
            t["status"] != "closed"
            and (t["priority"] != "low" or t["category"] in ("billing", "delivery"))
        ),
    )
    complaints = accounts_where(
        demo,
        "signals",
        lambda s: (
            within(s["occurred_at"], 30)
            and (
                s["kind"] == "complaint"
                or s.get("sentiment") == "negative"
                or (s["kind"] == "nps" and s["score"] <= 6)
            )
        ),
    )
    low_health = {a["id"] for a in demo["accounts"] if a["health_score"] < 60}
    pending = accounts_where(demo, "asks", lambda a: a["outcome"] == "pending")
    recent = accounts_where(demo, "asks", lambda a: within(a["asked_at"], 90))
    for part in (open_risky, complaints, low_health, pending, recent):
        assert 0.01 <= share(part & active) <= 0.08


def test_stop_conditions_are_rare_but_present(demo: dict[str, list[dict[str, Any]]]) -> None:
    dnc = {a["id"] for a in demo["accounts"] if a["do_not_contact"]}
    disputed = accounts_where(demo, "referrals", lambda r: r["attribution_disputed"])
    reward = accounts_where(
        demo, "referrals", lambda r: r.get("reward_status") in ("pending", "disputed")
    )
    incentive = accounts_where(
        demo, "asks", lambda a: a["outcome"] == "pending" and a.get("incentive")
    )
    marketing = accounts_where(
        demo,
        "permissions",
        lambda p: p["scope"] == "marketing_contact" and p["status"] != "granted",
    )
    expired = accounts_where(
        demo, "permissions", lambda p: p["expires_at"] is not None and when(p["expires_at"]) < NOW
    )
    for part in (dnc, disputed, reward | incentive, marketing, expired):
        assert 0.002 <= share(part) <= 0.03
    assert len(incentive) >= 1
    assert len(unclear_consent(demo)) >= 5


def unclear_consent(demo: dict[str, list[dict[str, Any]]]) -> set[str]:
    statuses: dict[tuple[str, str, str], set[str]] = {}
    for p in demo["permissions"]:
        statuses.setdefault((p["account_id"], p["scope"], p["recorded_at"]), set()).add(p["status"])
    return {account for (account, _, _), found in statuses.items() if len(found) > 1}


def test_flags_and_text(demo: dict[str, list[dict[str, Any]]]) -> None:
    accounts = demo["accounts"]
    sensitive = [a for a in accounts if a["sensitive"]]
    assert 0.015 <= len(sensitive) / ACCOUNTS <= 0.05
    assert all(a["sensitive_reason"] for a in sensitive)
    high = [a for a in accounts if a["arr"] >= 100_000]
    assert 0.05 <= len(high) / ACCOUNTS <= 0.12
    assert Counter(a["segment"] for a in high).most_common(1)[0][0] == "enterprise"
    texts = [s["text"] for s in demo["signals"] if s.get("text")]
    assert len(set(texts)) > 300
    assert any("Ignore previous instructions" in t for t in texts)
    assert any("<script>" in t for t in texts)
    reviews = [s for s in demo["signals"] if s["kind"] == "review"]
    assert all(s["public"] for s in reviews)


def test_real_gates_over_the_demo(tmp_path: Path) -> None:
    path = tmp_path / "demo.json"
    write_demo_bundle(out=path, accounts=ACCOUNTS, seed=7, now=NOW)
    engine = make_engine(f"sqlite:///{tmp_path / 'demo.db'}")
    upgrade(engine)
    import_bundle(engine=engine, source=path)
    settings = Settings()
    ids = [f"acc-{n:06d}" for n in range(1, ACCOUNTS + 1)]
    with Session(engine) as session:
        snapshots = load_snapshots(
            session=session, account_ids=ids, as_of=NOW, limit=settings.evidence_limit
        )
    engine.dispose()
    reports = [evaluate(snapshots[i], settings.policy, NOW) for i in ids]
    status = Counter(r.status for r in reports)
    reasons = Counter(code for r in reports for code in r.reasons)
    asks = Counter(r.ask_type for r in reports if r.status == "candidate")

    assert 0.52 <= status["not_triggered"] / ACCOUNTS <= 0.66, status
    assert 0.15 <= status["held"] / ACCOUNTS <= 0.27, status
    assert 0.03 <= status["stopped"] / ACCOUNTS <= 0.10, status
    assert 0.09 <= status["candidate"] / ACCOUNTS <= 0.18, status
    every_reason = {
        "open_ticket", "billing_or_delivery_ticket", "recent_complaint", "low_health",
        "pending_ask", "recent_ask", "ask_limit", "recent_decline", "do_not_contact",
        "attribution_disputed", "reward_unresolved", "consent_unclear",
    }  # fmt: skip
    assert every_reason <= set(reasons), reasons
    every_ask = {"case_study", "reference_call", "testimonial", "referral", "review"}
    assert every_ask <= set(asks), asks
    assert asks["private_feedback"] <= asks["review"] / 3, asks
