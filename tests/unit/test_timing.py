"""When and whom to ask, as tables: the timing line over trigger ages around the send window,
and the one contact that the review names and the draft greets."""

from __future__ import annotations

import pytest

from agent.offline import offline_draft
from agent.payload import build_payload
from domain.report import GateReport
from domain.snapshot import ContactItem, SignalItem
from domain.timing import ask_contact, timing
from domain.vocabulary import AskType
from tests.unit.snapshots import NOW, nps, signal, snap

WINDOW = 7


def report_of(*trigger_ids: str, ask_type: AskType | None = None) -> GateReport:
    return GateReport(
        account_id="acc-001",
        status="candidate",
        trigger_signal_ids=trigger_ids,
        ask_type=ask_type,
        eligible_ask_types=(ask_type,) if ask_type else (),
    )


TIMING_ROWS = [
    pytest.param(
        3,
        "ask within 7 days, while the positive moment is fresh (latest trigger 3 days ago)",
        id="fresh",
    ),
    pytest.param(
        1,
        "ask within 7 days, while the positive moment is fresh (latest trigger 1 day ago)",
        id="fresh_one_day",
    ),
    pytest.param(
        0.2,
        "ask within 7 days, while the positive moment is fresh (latest trigger today)",
        id="fresh_today",
    ),
    pytest.param(
        7,
        "ask within 7 days, while the positive moment is fresh (latest trigger 7 days ago)",
        id="exactly_at_the_window",
    ),
    pytest.param(
        8,
        "the moment is no longer fresh: the latest trigger was 8 days ago, past the 7-day window;"
        " ask soon and mention something current, or wait for a new positive signal",
        id="one_day_past_the_window",
    ),
    pytest.param(
        73,
        "the moment is no longer fresh: the latest trigger was 73 days ago, past the 7-day window;"
        " ask soon and mention something current, or wait for a new positive signal",
        id="long_past_the_window",
    ),
]


@pytest.mark.parametrize(("age_days", "why"), TIMING_ROWS)
def test_the_timing_line_says_whether_the_moment_is_still_fresh(age_days: float, why: str) -> None:
    trigger = nps(10, days=age_days, id="s-trigger")
    planned = timing(report_of("s-trigger"), snap(trigger), now=NOW, send_within_days=WINDOW)
    assert planned == {"send_by": "2026-12-08", "why": why}


def test_the_newest_trigger_counts_and_no_trigger_gives_the_window_from_approval() -> None:
    """No trigger: an owner's invitation to an activity, which does not claim a fresh moment."""
    old, fresh = nps(9, days=73, id="s-old"), nps(10, days=2, id="s-fresh")
    planned = timing(report_of("s-old", "s-fresh"), snap(old, fresh), now=NOW, send_within_days=7)
    assert planned["why"].endswith("(latest trigger 2 days ago)")
    alone = timing(report_of(), snap(), now=NOW, send_within_days=7)
    assert alone["why"] == "send within 7 days of your approval; no recent praise to build on"


# --- whom to ask ----------------------------------------------------------------------------------

RAJ = ContactItem(id="c-raj", name="Raj Patel", champion=True)
AISHA = ContactItem(id="c-aisha", name="Aisha Khan")
BEN = ContactItem(id="c-ben", name="Ben Ortiz")
AISHA_PRAISE = signal("support_praise", 4, id="s-aisha", contact_id="c-aisha", text="Great help")
BEN_NPS = signal("nps", 20, id="s-ben", contact_id="c-ben", score=10)
RAJ_NPS = signal("nps", 30, id="s-raj", contact_id="c-raj", score=10)
UNNAMED = signal("renewal", 2, id="s-renewal")

CONTACT_ROWS = [
    pytest.param((RAJ, AISHA), (AISHA_PRAISE,), "testimonial", "c-aisha", id="trigger_person"),
    pytest.param(
        (RAJ, AISHA, BEN), (BEN_NPS, AISHA_PRAISE), "review", "c-aisha", id="newest_trigger"
    ),
    pytest.param(
        (AISHA, RAJ), (AISHA_PRAISE,), "case_study", "c-raj", id="case_study_needs_a_champion"
    ),
    pytest.param(
        (AISHA, RAJ), (AISHA_PRAISE,), "reference_call", "c-raj", id="reference_needs_a_champion"
    ),
    pytest.param(
        (AISHA, RAJ), (AISHA_PRAISE, RAJ_NPS), "case_study", "c-raj", id="champion_trigger"
    ),
    pytest.param((AISHA, RAJ), (UNNAMED,), "referral", "c-raj", id="no_trigger_person_champion"),
    pytest.param((AISHA, BEN), (UNNAMED,), "review", "c-aisha", id="no_champion_first_contact"),
    pytest.param((), (UNNAMED,), "review", None, id="no_contact"),
]


@pytest.mark.parametrize(("contacts", "signals", "ask_type", "expected"), CONTACT_ROWS)
def test_one_contact_is_asked(
    contacts: tuple[ContactItem, ...],
    signals: tuple[SignalItem, ...],
    ask_type: AskType,
    expected: str | None,
) -> None:
    snapshot = snap(*signals, contacts=contacts)
    report = report_of(*(s.id for s in snapshot.signals), ask_type=ask_type)
    contact = ask_contact(snapshot, report)
    assert (contact.id if contact else None) == expected


def test_the_review_names_the_contact_the_draft_greets() -> None:
    """Raj is the champion, Aisha gave the praise: the two used to differ (issue 11)."""
    snapshot = snap(AISHA_PRAISE, contacts=(RAJ, AISHA))
    report = report_of("s-aisha", ask_type="testimonial")
    draft = offline_draft(snapshot, report, ask_type="testimonial", channel="email")
    payload = build_payload(
        review_id="r-1",
        snapshot=snapshot,
        report=report,
        summary={},
        draft=draft.model_dump(mode="json"),
        written_by={},
        flags=[],
        now=NOW,
        send_within_days=WINDOW,
    )
    assert payload.contact is not None and payload.contact["name"] == "Aisha Khan"
    assert draft.body.startswith("Hi Aisha,")
    assert draft.subject is not None and "Aisha" in draft.subject and "Raj" not in draft.body
