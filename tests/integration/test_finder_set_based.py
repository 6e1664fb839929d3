"""The reference finder reads the pool set-based and builds profiles best bound first, stopping
early: on real SQLite and PostgreSQL its answer is exactly the exhaustive one (every profile of
the pool built and ranked), for every query and limit, including an owner's own view."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, event
from sqlalchemy.orm import Session

from agent.settings import Settings
from agent.usecases.advocates import search_advocates
from domain.actors import Actor
from domain.finder import ReferenceQuery, find_references, score_bound
from domain.profile import build_profile
from store import advocates as store
from store.demo_data import write_demo_bundle
from store.importer import import_bundle

NOW = datetime(2026, 11, 27, tzinfo=UTC)
POLICY = Settings().policy
QUERIES = [
    ReferenceQuery(),
    ReferenceQuery(ask_type="reference_call"),
    ReferenceQuery(ask_type="testimonial", available=True),
    ReferenceQuery(permission="logo", segment="SMB"),
    ReferenceQuery(industry="healthcare"),
]


def exhaustive(session: Session, query: ReferenceQuery, owner: str | None) -> list[Any]:
    pool = store.Pool(
        industry=query.industry, segment=query.segment, scopes=frozenset(query.scopes() or ())
    )
    rows = store.contact_rows(session=session, owner_id=owner, pool=pool)
    profiles = [
        build_profile(h, POLICY, NOW)
        for h in store.histories(session=session, contacts=rows, now=NOW)
    ]
    return find_references(profiles, query)


@pytest.fixture
def demo(engine: Engine, tmp_path: Path) -> Engine:
    path = tmp_path / "demo.json"
    write_demo_bundle(out=path, accounts=400, seed=7, now=NOW)
    import_bundle(engine=engine, source=path)
    return engine


@pytest.mark.parametrize("limit", [1, 5, 50, 10_000])
def test_the_finder_answers_as_if_it_built_every_profile(demo: Engine, limit: int) -> None:
    with Session(demo) as session:
        for query in QUERIES:
            for actor, owner in ((Actor(id="m", role="marketing"), None),
                                 (Actor(id="u-0002", role="owner"), "u-0002")):  # fmt: skip
                expected = [(m.contact_id, m.score) for m in exhaustive(session, query, owner)]
                found = search_advocates(
                    session=session, actor=actor, query=query, policy=POLICY, now=NOW, limit=limit
                )
                assert [(m.contact_id, m.score) for m in found] == expected[:limit], query
                assert expected or owner, f"the demo has matches for {query}"


def test_a_small_limit_reads_few_profiles(demo: Engine) -> None:
    """Set-based: a handful of statements whatever the pool's size, not one per contact."""
    statements: list[str] = []
    event.listen(demo, "before_cursor_execute", lambda *args: statements.append(args[2]))
    with Session(demo) as session:
        found = search_advocates(
            session=session,
            actor=Actor(id="m", role="marketing"),
            query=ReferenceQuery(),
            policy=POLICY,
            now=NOW,
            limit=5,
        )
    assert len(found) == 5
    assert len(statements) <= 12, statements


def test_the_bound_is_the_score_before_reference_calls(demo: Engine) -> None:
    """The early stop is exact only if no contact scores above their bound."""
    query = ReferenceQuery(ask_type="testimonial")
    with Session(demo) as session:
        completed = store.completed_ask_types(session=session, now=NOW)
        matches = exhaustive(session, ReferenceQuery(), None)
    assert any(m.profile.champion for m in matches) and any(m.score >= 10 for m in matches)
    for found in matches:
        profile = found.profile
        again = find_references([profile], query)
        if not again:
            continue
        bound = score_bound(completed.get(profile.contact_id, ()), profile.champion, query)
        assert bound == again[0].score + 3 * profile.references_used_90d, profile.contact_id


def crowd(tmp_path: Path) -> Path:
    """600 contacts of one account, every one in the pool (an account-wide grant), each asked
    400 days ago without an answer, but the last one, never asked: all score 0, and the last
    one ranks first (the longest since last asked), from the second round of profiles."""
    contacts = [
        {"id": f"c-{n:03d}", "account_id": "acc-1", "name": f"Person {n}"} for n in range(600)
    ]
    asks = [
        {"id": f"a-{n:03d}", "account_id": "acc-1", "contact_id": f"c-{n:03d}",
         "ask_type": "review", "asked_at": "2025-10-20T10:00:00Z", "outcome": "no_response"}
        for n in range(599)
    ]  # fmt: skip
    bundle = {
        "owners": [{"id": "u-1", "name": "Ana"}],
        "accounts": [{"id": "acc-1", "name": "Crowd Inc", "owner_id": "u-1"}],
        "contacts": contacts,
        "permissions": [
            {"account_id": "acc-1", "scope": "public_quote", "status": "granted",
             "recorded_at": "2025-01-01T00:00:00Z"}
        ],
        "asks": asks,
    }  # fmt: skip
    path = tmp_path / "crowd.json"
    path.write_text(json.dumps(bundle))
    return path


def test_a_tie_at_the_limit_reads_on(engine: Engine, tmp_path: Path) -> None:
    import_bundle(engine=engine, source=crowd(tmp_path))
    with Session(engine) as session:
        (first,) = search_advocates(
            session=session,
            actor=Actor(id="m", role="marketing"),
            query=ReferenceQuery(),
            policy=POLICY,
            now=NOW,
            limit=1,
        )
    assert (first.contact_id, first.score) == ("c-599", 0)
