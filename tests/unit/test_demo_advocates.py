"""The demo's advocates: history within the year that expands the journey, consent the reference
finder uses, and the owners' preferences the bundle carries."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.orm import Session

from agent.settings import Settings
from domain.finder import ReferenceQuery, find_references
from domain.gates import evaluate
from domain.profile import build_profile
from store import advocates as store
from store.db import make_engine, make_session_factory
from store.demo_advocates import noted_advocates
from store.demo_data import write_demo_bundle
from store.importer import import_bundle
from store.migrate import upgrade
from tools.batch import load_snapshots

NOW = datetime(2026, 11, 27, tzinfo=UTC)
ACCOUNTS = 600


def test_demo_advocates_expand_and_can_be_found(tmp_path: Path) -> None:
    path = tmp_path / "demo.json"
    write_demo_bundle(out=path, accounts=ACCOUNTS, seed=7, now=NOW)
    engine = make_engine(f"sqlite:///{tmp_path / 'demo.db'}")
    upgrade(engine)
    import_bundle(engine=engine, source=path)
    factory = make_session_factory(engine)
    noted = noted_advocates(factory=factory)
    policy = Settings().policy
    ids = [f"acc-{n:06d}" for n in range(1, ACCOUNTS + 1)]
    with Session(engine) as session:
        snapshots = load_snapshots(session=session, account_ids=ids, as_of=NOW, limit=10)
        rows = store.contact_rows(session=session, pool=store.Pool())
        profiles = [
            build_profile(h, policy, NOW)
            for h in store.histories(session=session, contacts=rows, now=NOW)
        ]
        changes = store.preference_changes(session=session, contact_id=noted[0])
    engine.dispose()
    reports = [evaluate(snapshots[i], policy, NOW) for i in ids]
    expanded = [
        r
        for r in reports
        if r.ask_policy is not None and "done already, ranked below" in r.ask_policy.why
    ]
    assert len(expanded) >= 5, "some candidates' contacts advocated within the year"
    assert {"case_study", "testimonial"} & {
        o.ask_type
        for r in expanded
        for o in r.ask_policy.options
        if o.repeat  # type: ignore[union-attr]
    }
    held = Counter(code for r in reports for code in r.reasons)
    assert len(noted) == 3 and [c.actor for c in changes] == ["import"]
    assert {p.journey_stage for p in profiles} >= {"listening", "active"}
    references = find_references(profiles, ReferenceQuery(ask_type="reference_call"))
    assert references and all(m.why for m in references)
    # The owners' notes gate their accounts: one away, one at their yearly limit, one avoiding.
    assert (held["advocate_unavailable"], held["advocate_ask_limit"]) == (1, 1)
    avoided = [
        o
        for r in reports
        if r.ask_policy is not None
        for o in r.ask_policy.options
        if "does not want reference call asks" in o.why
    ]
    assert len(avoided) == 1
