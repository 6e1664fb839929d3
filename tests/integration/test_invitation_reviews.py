"""The reviews an invitation reads (checkpoints/reviews.py `open_review_kinds`), on SQLite and
PostgreSQL: the account's open reviews and unexpired deferrals, by ask type or activity, but
the one being decided; decided reviews and ended deferrals do not count."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from checkpoints.reviews import open_review_kinds
from store.importer import import_bundle
from store.models import Review

NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
EXAMPLE = Path(__file__).parent.parent / "fixtures" / "design_example.json"


def review(review_id: str, status: str, ask_type: str, **fields: object) -> Review:
    return Review(
        id=review_id,
        account_id="acc-001",
        owner_id="u-ana",
        status=status,
        created_at=NOW,
        trigger_at=NOW,
        ask_type=ask_type,
        **fields,
    )


def test_open_review_kinds(engine: Engine) -> None:
    import_bundle(engine=engine, source=EXAMPLE)
    with Session(engine) as session:
        session.add_all(
            [
                review("rv-open", "pending", "advisory_board"),
                review("rv-done", "approved", "review"),
                review("rv-later", "deferred", "community", deferred_until=NOW + timedelta(1)),
                review("rv-over", "deferred", "beta_access", deferred_until=NOW - timedelta(1)),
            ]
        )
        session.commit()
        kinds = open_review_kinds(session=session, account_id="acc-001", now=NOW)
        assert sorted(kinds) == ["advisory_board", "community"]
        mine = open_review_kinds(
            session=session, account_id="acc-001", now=NOW, excluding="rv-open"
        )
        assert mine == ["community"]
        assert open_review_kinds(session=session, account_id="acc-002", now=NOW) == []
