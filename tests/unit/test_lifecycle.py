"""The ask after approval as pure rules: the chase schedule, send-by, no-response, send blockers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from domain.lifecycle import (
    RESPONSE_EFFECTS,
    ChaseStep,
    completes_ask,
    next_chase_step,
    no_response_due,
    send_blockers,
    task_send_by,
)
from domain.settings import PolicySettings
from domain.snapshot import RewardItem
from domain.vocabulary import OUTCOME_KINDS
from tests.unit.snapshots import NOW, TRIGGER, ask, permission, snap, ticket

POLICY = PolicySettings()  # reminders every 5 days, 2 before the escalation
DUE = NOW


def at(days: float) -> datetime:
    return DUE + timedelta(days=days)


CHASE_ROWS = [
    # (days after falling overdue, when earlier steps were taken, the step due now)
    pytest.param(-0.01, [], None, id="not_yet_overdue"),
    pytest.param(0, [], ChaseStep(1, "reminder"), id="first_reminder_when_overdue"),
    pytest.param(20, [], ChaseStep(1, "reminder"), id="late_timer_sends_one_step_not_three"),
    pytest.param(4.99, [at(0)], None, id="second_reminder_not_before_5_days"),
    pytest.param(5, [at(0)], ChaseStep(2, "reminder"), id="second_reminder_at_5_days"),
    pytest.param(9, [at(0), at(5)], None, id="escalation_not_before_5_more_days"),
    pytest.param(10, [at(0), at(5)], ChaseStep(3, "escalation"), id="escalation_after_2"),
    pytest.param(90, [at(0), at(5), at(10)], None, id="chase_ends_after_escalation"),
    # each step counts from when the one before it was really sent
    pytest.param(25, [at(20)], ChaseStep(2, "reminder"), id="schedule_follows_late_step"),
    pytest.param(24, [at(20)], None, id="no_catch_up_burst"),
]


@pytest.mark.parametrize(("days", "taken", "expected"), CHASE_ROWS)
def test_next_chase_step(days: float, taken: list[datetime], expected: ChaseStep | None) -> None:
    step = next_chase_step(overdue_from=DUE, taken=taken, now=at(days), policy=POLICY)
    assert step == expected


@pytest.mark.parametrize(
    ("before_escalation", "taken", "expected"),
    [
        pytest.param(0, [], ChaseStep(1, "escalation"), id="escalate_at_once"),
        pytest.param(0, [at(0)], None, id="one_escalation_only"),
        pytest.param(1, [at(0)], ChaseStep(2, "escalation"), id="after_one_reminder"),
    ],
)
def test_reminders_before_escalation_is_a_setting(
    before_escalation: int, taken: list[datetime], expected: ChaseStep | None
) -> None:
    policy = PolicySettings(reminders_before_escalation=before_escalation)
    assert next_chase_step(overdue_from=DUE, taken=taken, now=at(30), policy=policy) == expected


@pytest.mark.parametrize(
    ("recommended", "approved_at", "expected"),
    [
        pytest.param(
            "2026-12-08",
            datetime(2026, 12, 1, 9, tzinfo=UTC),
            datetime(2026, 12, 8, 23, 59, 59, tzinfo=UTC),
            id="end_of_recommended_day",
        ),
        pytest.param(
            "2026-12-08",
            datetime(2026, 12, 20, 9, tzinfo=UTC),
            datetime(2026, 12, 21, 9, tzinfo=UTC),
            id="late_approval_gets_a_day",
        ),
        pytest.param(
            None,
            datetime(2026, 12, 1, 9, tzinfo=UTC),
            datetime(2026, 12, 2, 9, tzinfo=UTC),
            id="no_recommendation",
        ),
    ],
)
def test_task_send_by(recommended: str | None, approved_at: datetime, expected: datetime) -> None:
    assert task_send_by(recommended, approved_at) == expected


@pytest.mark.parametrize(
    ("days_since_sent", "due"),
    [(13.99, False), (14, True), (30, True)],
    ids=["day_13", "day_14_inclusive", "day_30"],
)
def test_no_response_after_14_days(days_since_sent: float, due: bool) -> None:
    sent_at = NOW - timedelta(days=days_since_sent)
    assert no_response_due(sent_at, NOW, POLICY) is due


def test_responses_close_or_keep_the_ask() -> None:
    assert RESPONSE_EFFECTS == {
        "accepted": (None, "sent"),
        "declined": ("declined", "closed"),
        "no_response": ("no_response", "closed"),
    }


@pytest.mark.parametrize("kind", OUTCOME_KINDS)
def test_which_outcomes_complete_the_ask(kind: str) -> None:
    assert completes_ask(kind) is (kind not in ("permission_granted", "complaint"))


OWN_ASK = ask(1, "pending", ask_type="reference_call")

BLOCKER_ROWS = [
    pytest.param(snap(TRIGGER, OWN_ASK), [], id="own_pending_ask_never_blocks"),
    pytest.param(snap(OWN_ASK), [], id="an_old_trigger_does_not_hide_the_checks"),
    pytest.param(
        snap(TRIGGER, OWN_ASK, do_not_contact=True), ["do_not_contact"], id="do_not_contact"
    ),
    pytest.param(
        snap(OWN_ASK, permission("marketing_contact", "revoked")),
        ["do_not_contact"],
        id="contact_revoked_even_without_trigger",
    ),
    pytest.param(
        snap(TRIGGER, OWN_ASK, permission("reference_call", "revoked")),
        ["permission:reference_call:revoked"],
        id="scope_revoked",
    ),
    pytest.param(
        snap(TRIGGER, OWN_ASK, ticket("open", "urgent")),
        ["open_ticket"],
        id="a_ticket_opened_since_approval",
    ),
]


def reward(review_id: str) -> RewardItem:
    return RewardItem(id=f"reward:{review_id}", status="proposed", created_at=NOW)


@pytest.mark.parametrize(
    ("rewards", "expected"),
    [
        pytest.param((reward("rv-own"),), [], id="its_own_proposed_reward_never_blocks"),
        pytest.param(
            (reward("rv-own"), reward("rv-other")),
            ["reward_unresolved"],
            id="another_unresolved_reward_still_stops",
        ),
    ],
)
def test_an_incentivised_ask_may_be_sent(
    rewards: tuple[RewardItem, ...], expected: list[str]
) -> None:
    snapshot = snap(TRIGGER, OWN_ASK, *rewards)
    assert send_blockers(snapshot, POLICY, NOW, "reference_call", "reward:rv-own") == expected


@pytest.mark.parametrize(("snapshot", "expected"), BLOCKER_ROWS)
def test_send_blockers(snapshot: object, expected: list[str]) -> None:
    assert send_blockers(snapshot, POLICY, NOW, "reference_call") == expected  # type: ignore[arg-type]
