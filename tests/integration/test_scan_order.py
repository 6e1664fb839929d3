"""A scan's `limit` takes the most promising accounts, not the first ids (issue 17)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from domain.settings import PolicySettings
from store.db import make_engine, make_session_factory
from store.importer import import_bundle
from store.queries import AccountSelection
from tools.batch import most_promising_ids

NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)


def signal(sid: str, account: str, kind: str, day: str, **fields: Any) -> dict[str, Any]:
    return {"id": sid, "account_id": account, "kind": kind,
            "occurred_at": f"2026-{day}T10:00:00Z", **fields}  # fmt: skip


BUNDLE = {
    "owners": [{"id": "u-1", "name": "Ana"}, {"id": "u-2", "name": "Bob"}],
    "accounts": [
        {"id": f"a-{n}", "name": f"Account {n}", "owner_id": "u-1" if n < 6 else "u-2"}
        for n in range(1, 8)
    ],
    "signals": [
        signal("s-old", "a-2", "nps", "01-05", score=10),  # outside the 60-day window
        signal("s-csat", "a-3", "csat", "11-20", score=5),
        signal("s-out", "a-4", "outcome", "11-20", metric="visits", value="+9%"),
        signal("s-nps", "a-5", "nps", "11-25", score=10),
        signal("s-detractor", "a-6", "nps", "11-26", score=3),  # newest, but not positive
        signal("s-other", "a-7", "nps", "11-26", score=9),
    ],
}


def ordered(url: str, limit: int, **selection: Any) -> list[str]:
    engine = make_engine(url)
    try:
        with make_session_factory(engine)() as session:
            return most_promising_ids(
                session=session,
                selection=AccountSelection(**selection),
                limit=limit,
                since=datetime(2026, 9, 28, tzinfo=UTC),
                as_of=NOW,
                policy=PolicySettings(),
            )
    finally:
        engine.dispose()


def test_most_recent_positive_trigger_first_then_value_proof_then_id(
    migrated_url: str, tmp_path: Path
) -> None:
    source = tmp_path / "bundle.json"
    source.write_text(json.dumps(BUNDLE))
    engine = make_engine(migrated_url)
    import_bundle(engine=engine, source=source)
    engine.dispose()
    assert ordered(migrated_url, 7) == ["a-7", "a-5", "a-4", "a-3", "a-1", "a-2", "a-6"]
    assert ordered(migrated_url, 3, owner_id="u-1") == ["a-5", "a-4", "a-3"]
    assert ordered(migrated_url, 2, account_ids=["a-1", "a-2", "a-3"]) == ["a-3", "a-1"]
