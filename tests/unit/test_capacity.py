"""A program's capacity at approval as tables: one row per limit and situation."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from domain.capacity import approval_capacity, approval_problems, next_period_start
from domain.programs import CountedAsk, Program

NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
OCT = datetime(2026, 10, 5, tzinfo=UTC)  # this quarter, last month
NOV = datetime(2026, 11, 3, tzinfo=UTC)
AUG = datetime(2026, 8, 20, tzinfo=UTC)  # last quarter


def program(*limits: dict[str, Any], id: str = "voice") -> Program:
    return Program.model_validate(
        {"id": id, "name": id, "ask_types": ["review", "reference_call", "case_study"],
         "activities": ["advisory_board"], "capacity": list(limits)}
    )  # fmt: skip


def ask(ask_type: str, contact: str | None, at: datetime) -> CountedAsk:
    return CountedAsk(ask_type, contact, at)


MONTH_2 = {"max": 2, "per": "month"}
CASES_1 = {"max": 1, "per": "month", "ask_type": "case_study"}
REFS_PER_CONTACT = {"max": 2, "per": "quarter", "ask_type": "reference_call", "per_contact": True}
BOARD_0 = {"max": 0, "per": "quarter", "ask_type": "advisory_board"}

CASES = [
    pytest.param(MONTH_2, [], "review", "c-1", [], id="room_left"),
    pytest.param(MONTH_2, [ask("review", "c-2", NOV)], "review", "c-1", [], id="one_of_two_used"),
    pytest.param(
        MONTH_2,
        [ask("review", "c-2", NOV), ask("case_study", "c-3", NOV)],
        "review",
        "c-1",
        ["program_full"],
        id="program_wide_limit_counts_every_ask_type",
    ),
    pytest.param(
        MONTH_2,
        [ask("review", "c-2", OCT), ask("review", "c-3", OCT)],
        "review",
        "c-1",
        [],
        id="last_months_asks_do_not_count",
    ),
    pytest.param(
        CASES_1,
        [ask("case_study", "c-2", NOV)],
        "case_study",
        "c-1",
        ["program_full"],
        id="ask_type_limit_reached",
    ),
    pytest.param(
        CASES_1,
        [ask("case_study", "c-2", NOV)],
        "review",
        "c-1",
        [],
        id="ask_type_limit_leaves_other_types_alone",
    ),
    pytest.param(
        REFS_PER_CONTACT,
        [ask("reference_call", "c-1", OCT), ask("reference_call", "c-1", NOV)],
        "reference_call",
        "c-1",
        ["contact_at_program_limit"],
        id="per_contact_limit_reached_this_quarter",
    ),
    pytest.param(
        REFS_PER_CONTACT,
        [ask("reference_call", "c-1", NOV), ask("reference_call", "c-1", AUG)],
        "reference_call",
        "c-1",
        [],
        id="per_contact_last_quarter_does_not_count",
    ),
    pytest.param(
        REFS_PER_CONTACT,
        [ask("reference_call", "c-2", OCT), ask("reference_call", "c-2", NOV)],
        "reference_call",
        "c-1",
        [],
        id="another_contact_at_the_limit_leaves_this_one_room",
    ),
    pytest.param(
        REFS_PER_CONTACT,
        [ask("reference_call", None, NOV)] * 3,
        "reference_call",
        None,
        [],
        id="no_contact_no_per_contact_limit",
    ),
    pytest.param(BOARD_0, [], "advisory_board", "c-1", ["program_full"], id="activity_closed"),
]


@pytest.mark.parametrize(("limit", "asks", "ask_type", "contact", "codes"), CASES)
def test_capacity_at_approval(
    limit: dict[str, Any], asks: list[CountedAsk], ask_type: str, contact: str | None,
    codes: list[str],
) -> None:  # fmt: skip
    problems = approval_problems(
        program(limit), asks, ask_type=ask_type, contact_id=contact, now=NOW
    )
    assert [p.code for p in problems] == codes


def test_a_refusal_says_how_full_and_when_there_is_room_again() -> None:
    asks = [ask("reference_call", "c-1", OCT), ask("reference_call", "c-1", NOV)]
    (problem,) = approval_problems(
        program(REFS_PER_CONTACT), asks, ask_type="reference_call", contact_id="c-1", now=NOW
    )
    assert problem.why == (
        "voice: 2 of 2 reference call asks to c-1 approved this quarter (since 2026-10-01); "
        "room again from 2027-01-01"
    )
    assert problem.room_from == datetime(2027, 1, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    ("per", "now", "start"),
    [
        ("month", NOW, datetime(2026, 12, 1, tzinfo=UTC)),
        ("month", datetime(2026, 12, 31, 23, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC)),
        ("quarter", datetime(2026, 2, 10, tzinfo=UTC), datetime(2026, 4, 1, tzinfo=UTC)),
        ("quarter", NOW, datetime(2027, 1, 1, tzinfo=UTC)),
    ],
)
def test_the_next_period(per: str, now: datetime, start: datetime) -> None:
    assert next_period_start(per, now) == start  # type: ignore[arg-type]


def test_the_first_candidate_with_room_counts_the_ask() -> None:
    full = program(MONTH_2, id="alpha")
    roomy = program(MONTH_2, id="beta")
    used = {"alpha": [ask("review", "c-2", NOV), ask("review", "c-3", NOV)]}
    chosen = approval_capacity([full, roomy], used, ask_type="review", contact_id="c-1", now=NOW)
    assert (chosen.program_id, chosen.problems) == ("beta", ())
    none = approval_capacity([full], used, ask_type="review", contact_id="c-1", now=NOW)
    assert none.program_id is None
    assert [p.program_id for p in none.problems] == ["alpha"]
    assert approval_capacity([], used, ask_type="review", contact_id="c-1", now=NOW) == (
        approval_capacity([], {}, ask_type="review", contact_id=None, now=NOW)
    )
