"""Generated hostile event and outcome bodies, on SQLite and PostgreSQL: never a 500, never a
traceback in the answer, and a refused request writes nothing."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from store.models import Base
from tests.e2e.api_fixtures import Api, open_api

TABLES = ("signals", "tickets", "referrals", "permissions", "measurement_events", "reviews")
# Text as hostile as JSON carries: NUL and other control characters, markup, very long runs.
TEXT = st.one_of(
    st.text(alphabet=st.characters(codec="utf-8"), max_size=40),
    st.sampled_from(["\x00", "a\x00b", "<script>x</script>", "'; DROP TABLE signals; --"]),
    st.text(min_size=300, max_size=600),
)
TIMES = st.one_of(
    st.datetimes().map(lambda moment: moment.isoformat()),
    st.sampled_from(
        ["2026-11-26T10:00:00Z", "2026-11-26T10:00:00", "3000-01-01T00:00:00Z",
         "0001-01-01T00:00:00Z", "1899-12-31T23:59:59Z", "not a time", ""]
    ),
)  # fmt: skip
NUMBERS = st.one_of(st.integers(), st.floats(allow_nan=False), st.none(), TEXT)
ACCOUNTS = st.sampled_from(["acc-001", "acc-002", "acc-003", "acc-nope", "", "acc-\x00"])


VALID_ROWS: dict[str, dict[str, Any]] = {
    "signal": {"kind": "nps", "score": 9, "occurred_at": "2026-11-26T10:00:00Z", "text": "ok"},
    "ticket": {"status": "open", "priority": "urgent", "category": "support",
               "opened_at": "2026-11-26T10:00:00Z", "subject": "ok"},
    "referral": {"referred_company": "Bayside", "submitted_at": "2026-11-26T10:00:00Z",
                 "status": "submitted", "reward": "ok"},
    "permission": {"scope": "review", "status": "granted", "recorded_at": "2026-11-26T10:00:00Z",
                   "source": "ok"},
}  # fmt: skip
HOSTILE_VALUES = {
    "id": TEXT, "account_id": ACCOUNTS, "text": TEXT, "subject": TEXT, "reward": TEXT,
    "source": TEXT, "referred_company": TEXT, "score": NUMBERS, "occurred_at": TIMES,
    "opened_at": TIMES, "submitted_at": TIMES, "recorded_at": TIMES, "expires_at": TIMES,
}  # fmt: skip


@st.composite
def events(draw: st.DrawFn) -> dict[str, Any]:
    """A valid row of the caller's account with one to three fields made hostile, so that most
    examples get past the schema to where the database would see them."""
    kind = draw(st.sampled_from(sorted(VALID_ROWS)))
    row: dict[str, Any] = {"id": f"h-{draw(st.integers(0, 10**6))}", "account_id": "OWN"}
    row |= VALID_ROWS[kind]
    names = [n for n in HOSTILE_VALUES if n in row or n in ("id", "account_id", "expires_at")]
    for name in draw(st.lists(st.sampled_from(names), min_size=1, max_size=3, unique=True)):
        row[name] = draw(HOSTILE_VALUES[name])
    return {"kind": kind, "row": row}


@st.composite
def outcomes(draw: st.DrawFn) -> dict[str, Any]:
    body: dict[str, Any] = {
        "kind": draw(st.sampled_from(["participation", "permission_granted", "complaint", "?"])),
        "review_id": draw(st.one_of(st.just("REVIEW"), TEXT)),
    }
    for name, values in (("outcome_id", TEXT), ("occurred_at", TIMES), ("note", TEXT)):
        if draw(st.booleans()):
            body[name] = draw(values)
    return body


@pytest.fixture
def api(migrated_url: str, tmp_path: Path) -> Iterator[Api]:
    yield from open_api(migrated_url, tmp_path)


def row_counts(api: Api) -> dict[str, int]:
    services = api.client.app.state.services  # type: ignore[attr-defined]
    with services.deps.session_factory() as session:
        return {
            name: session.scalar(select(func.count()).select_from(Base.metadata.tables[name])) or 0
            for name in TABLES
        }


def check(api: Api, answer: Any, before: dict[str, int]) -> None:
    assert answer.status_code < 500, answer.text
    assert "Traceback" not in answer.text
    if answer.status_code >= 400:
        assert row_counts(api) == before, answer.text


HOSTILE = settings(
    max_examples=40,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.mark.slow
@pytest.mark.parametrize("who", ["ana", "mkt"])
def test_hostile_events_never_500_and_refusals_write_nothing(api: Api, who: str) -> None:
    own = {"ana": "acc-001", "mkt": "acc-002"}[who]

    @HOSTILE
    @given(body=events())
    def one(body: dict[str, Any]) -> None:
        if body["row"]["account_id"] == "OWN":
            body["row"]["account_id"] = own
        before = row_counts(api)
        check(api, api.post("/v1/events", who, body), before)

    one()


@pytest.mark.slow
def test_hostile_outcomes_never_500_and_refusals_write_nothing(api: Api) -> None:
    review = api.review_of("acc-001").id

    @HOSTILE
    @given(body=outcomes())
    def one(body: dict[str, Any]) -> None:
        if body["review_id"] == "REVIEW":
            body["review_id"] = review
        before = row_counts(api)
        check(api, api.post("/v1/outcomes", "ana", body), before)

    one()
