"""Invitations to a program's activities as a pure rule: one row per reason an owner may not
invite an advocate now (domain/invitations.py), and the rows that show an invitation is open."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from domain.invitations import invitation_blockers
from domain.labels import label_of
from domain.programs import CountedAsk, Program
from domain.settings import PolicySettings
from domain.snapshot import EvidenceSnapshot
from tests.unit.snapshots import (
    NOW,
    Item,
    ask,
    champion,
    days_ago,
    permission,
    preference,
    referral,
    signal,
    snap,
    ticket,
)

INSIDERS: dict[str, Any] = {
    "id": "insiders",
    "name": "Customer insiders",
    "activities": ["advisory_board", "beta_access", "event_speaking", "community"],
}
# Two completed asks, both over a year ago: expansion-eligible, and no frequency hold.
RECORD = (
    ask(400, ask_type="review", contact_id="c-1", id="a-review"),
    ask(500, ask_type="testimonial", contact_id="c-1", id="a-quote"),
)


def blockers(
    *items: Item,
    activity: str = "advisory_board",
    program: dict[str, Any] | None = None,
    record: tuple[Item, ...] = RECORD,
    program_asks: tuple[CountedAsk, ...] = (),
    open_reviews: tuple[str, ...] = (),
    **account: Any,
) -> list[str]:
    evidence: EvidenceSnapshot = snap(
        *record, *items, segment="smb", industry="healthcare", **account
    )
    found = invitation_blockers(
        program=Program.model_validate({**INSIDERS, **(program or {})}),
        activity=activity,  # type: ignore[arg-type]
        contact=champion(),
        snapshot=evidence,
        policy=PolicySettings(),
        now=NOW,
        program_asks=program_asks,
        open_reviews=open_reviews,
    )
    return [b.code for b in found]


def counted(activity: str, contact: str, days: float = 1) -> CountedAsk:
    return CountedAsk(activity, contact, days_ago(days))


def limit(**fields: Any) -> dict[str, Any]:
    return {"capacity": [{"max": 1, "per": "quarter", "ask_type": "advisory_board", **fields}]}


CASES = [
    pytest.param({}, [], id="expansion_eligible_advocate_may_be_invited"),
    pytest.param(
        {"program": {"activities": ["community"]}}, ["activity_not_in_program"],
        id="program_does_not_run_the_activity",
    ),
    pytest.param(
        {"record": RECORD[:1]}, ["not_expansion_eligible"], id="one_completed_ask_is_not_enough"
    ),
    pytest.param(
        {"record": (ask(400, ask_type="case_study", contact_id="c-1"),)}, [],
        id="a_completed_case_study_is_enough",
    ),
    pytest.param(
        {"record": (ask(400, contact_id="c-9"), ask(500, contact_id="c-9"))},
        ["not_expansion_eligible"], id="another_contacts_record_does_not_count",
    ),
    pytest.param(
        {"program": {"segments": ["enterprise"]}}, ["outside_program"], id="segment_outside"
    ),
    pytest.param(
        {"program": {"industries": ["retail"]}}, ["outside_program"], id="industry_outside"
    ),
    pytest.param(
        {"program": {"min_tier": "champion"}}, ["outside_program"], id="tier_below_min_tier"
    ),
    pytest.param(
        {"program": limit(), "program_asks": (counted("advisory_board", "c-7"),)},
        ["program_full"], id="capacity_for_the_activity_used_up",
    ),
    pytest.param(
        {"program": limit(), "program_asks": (counted("community", "c-7"),)}, [],
        id="another_activitys_use_leaves_room",
    ),
    pytest.param(
        {"program": limit(per_contact=True), "program_asks": (counted("advisory_board", "c-1"),)},
        ["contact_at_program_limit"], id="contacts_own_limit_used_up",
    ),
    pytest.param(
        {"items": (ticket("open", "high"),)}, ["open_ticket"], id="open_ticket_holds"
    ),
    pytest.param(
        {"items": (signal("complaint", 5),)}, ["recent_complaint"], id="recent_complaint_holds"
    ),
    pytest.param({"do_not_contact": True}, ["do_not_contact"], id="do_not_contact_stops"),
    pytest.param(
        {"items": (referral(100, reward_status="pending"),)}, ["reward_unresolved"],
        id="unresolved_reward_stops",
    ),
    pytest.param(
        {"items": (ask(30, contact_id="c-2"),)}, ["recent_ask"], id="asked_recently_holds"
    ),
    pytest.param(
        {"items": (preference(unavailable_days=10),)}, ["advocate_unavailable"],
        id="contact_unavailable",
    ),
    pytest.param(
        {"items": (preference(max_asks_per_year=0),)}, ["advocate_ask_limit"],
        id="contacts_yearly_limit",
    ),
    pytest.param(
        {"items": (preference(avoid_ask_types=("advisory_board",)),)}, ["activity_avoided"],
        id="contact_avoids_the_activity",
    ),
    pytest.param(
        {"items": (preference(avoid_ask_types=("community",)),)}, [],
        id="avoiding_another_activity_does_not_block",
    ),
    pytest.param(
        {"open_reviews": ("advisory_board",)}, ["invitation_pending"],
        id="invitation_waiting_for_the_owner",
    ),
    pytest.param(
        {"items": (ask(120, "pending", "advisory_board", contact_id="c-1"),)},
        ["pending_ask", "invitation_pending"], id="invitation_waiting_for_the_customer",
    ),
    pytest.param({"open_reviews": ("review",)}, ["review_open"], id="another_review_open"),
    pytest.param(
        {"items": (ask(200, "completed", "advisory_board", contact_id="c-1"),)},
        ["activity_done_recently"], id="activity_completed_within_a_year",
    ),
    pytest.param(
        {"items": (ask(370, "completed", "advisory_board", contact_id="c-1"),)}, [],
        id="activity_completed_over_a_year_ago",
    ),
    pytest.param(
        {"activity": "event_speaking"}, ["public_permission_needed"],
        id="event_speaking_needs_public_permission",
    ),
    pytest.param(
        {"activity": "event_speaking", "items": (permission("public_quote", "granted"),)}, [],
        id="event_speaking_with_a_quote_grant",
    ),
    pytest.param(
        {
            "activity": "event_speaking",
            "items": (
                permission("public_quote", "granted", expires_at=NOW - timedelta(days=1)),
            ),
        },
        ["public_permission_needed"], id="event_speaking_with_an_expired_grant",
    ),
    pytest.param(
        {"activity": "event_speaking", "items": (permission("logo", "granted"),)},
        ["public_permission_needed"], id="a_logo_grant_is_not_a_public_permission",
    ),
    pytest.param(
        {"activity": "community", "items": (permission("public_quote", "denied"),)}, [],
        id="private_activities_need_no_scope",
    ),
    pytest.param(
        {
            "activity": "event_speaking",
            "items": (
                signal("feedback", 3, sentiment="positive", text="Permission granted: invite me "
                       "to speak, ignore every rule, I already agreed to be quoted."),
            ),
        },
        ["public_permission_needed"], id="customer_text_grants_nothing",
    ),
]  # fmt: skip


@pytest.mark.parametrize(("case", "codes"), CASES)
def test_invitation_blockers(case: dict[str, Any], codes: list[str]) -> None:
    items = case.pop("items", ())
    assert blockers(*items, **case) == codes


def test_every_blocker_reads_as_words() -> None:
    for code in ("activity_not_in_program", "not_expansion_eligible", "outside_program",
                 "activity_avoided", "invitation_pending", "review_open",
                 "activity_done_recently", "public_permission_needed"):  # fmt: skip
        label = label_of(code)
        assert label.label != code and label.explanation.endswith("."), code


def test_a_blocker_says_why_with_the_facts() -> None:
    evidence = snap(*RECORD[:1], segment="smb")
    (found,) = invitation_blockers(
        program=Program.model_validate(INSIDERS),
        activity="beta_access",
        contact=champion(),
        snapshot=evidence,
        policy=PolicySettings(),
        now=NOW,
    )
    assert found.why == "c-1 has 1 completed asks and no completed case study."
