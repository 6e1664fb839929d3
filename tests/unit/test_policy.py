"""The ask-type ladder as a table: one row per need of each ask type, with its boundaries."""

from __future__ import annotations

import pytest

from domain.policy import choose_ask, trigger_ids, value_proof_ids
from domain.report import AskPolicyResult
from domain.settings import PolicySettings
from domain.snapshot import AskItem, ContactItem, EvidenceSnapshot
from tests.unit.snapshots import (
    NOW,
    TRIGGER,
    ask,
    champion,
    nps,
    outcome,
    permission,
    signal,
    since,
    snap,
)

POLICY = PolicySettings()
# Everything the top of the ladder needs: promoter nps, an outcome, a champion, 400 days.
FULL = (TRIGGER, outcome())


def choose(snapshot: EvidenceSnapshot) -> AskPolicyResult:
    triggers = trigger_ids(snapshot, POLICY, NOW)
    proof = value_proof_ids(snapshot, POLICY, NOW)
    return choose_ask(snapshot, POLICY, NOW, trigger_ids=triggers, value_proof_ids=proof)


def eligible(snapshot: EvidenceSnapshot, ask_type: str) -> bool:
    option = next(o for o in choose(snapshot).options if o.ask_type == ask_type)
    assert option.why
    return option.eligible


def calls(contact_id: str, *days: int) -> tuple[AskItem, ...]:
    return tuple(
        ask(d, ask_type="reference_call", contact_id=contact_id, id=f"a-{contact_id}-{d}")
        for d in days
    )


NOT_CHAMPION = ContactItem(id="c-2", name="Sam Lee", champion=False)

LADDER_ROWS = [
    # case_study: outcome with metric and value, tenure >= 180, champion, nps >= 9 or review >= 4
    pytest.param(snap(*FULL), "case_study", True, id="case_study"),
    pytest.param(
        snap(*FULL, customer_since=since(180)), "case_study", True, id="case_study_tenure_180"
    ),
    pytest.param(
        snap(*FULL, customer_since=since(179)), "case_study", False, id="case_study_tenure_179"
    ),
    pytest.param(
        snap(*FULL, customer_since=None), "case_study", False, id="case_study_tenure_unknown"
    ),
    pytest.param(
        snap(*FULL, contacts=(NOT_CHAMPION,)), "case_study", False, id="case_study_no_champion"
    ),
    pytest.param(
        snap(TRIGGER, outcome(metric=None)),
        "case_study",
        False,
        id="case_study_outcome_without_metric",
    ),
    pytest.param(
        snap(TRIGGER, outcome(value="")), "case_study", False, id="case_study_outcome_without_value"
    ),
    pytest.param(
        snap(TRIGGER, outcome(days=91)), "case_study", False, id="case_study_outcome_outside_window"
    ),
    pytest.param(
        snap(outcome(), signal("review", score=4)),
        "case_study",
        True,
        id="case_study_review_4_instead_of_nps",
    ),
    pytest.param(snap(outcome(), nps(8)), "case_study", False, id="case_study_nps_8"),
    pytest.param(
        snap(*FULL, permission("case_study", "denied")),
        "case_study",
        False,
        id="case_study_denied_scope",
    ),
    pytest.param(
        snap(*FULL, permission("case_study", "revoked")),
        "case_study",
        False,
        id="case_study_revoked_scope",
    ),
    pytest.param(
        snap(*FULL, permission("case_study", "granted", expires_at=NOW)),
        "case_study",
        True,
        id="case_study_expired_scope_still_eligible",
    ),
    # reference_call: tenure >= 90, champion, nps >= 9, reference fatigue ok
    pytest.param(snap(TRIGGER), "reference_call", True, id="reference_call"),
    pytest.param(
        snap(TRIGGER, customer_since=since(90)),
        "reference_call",
        True,
        id="reference_call_tenure_90",
    ),
    pytest.param(
        snap(TRIGGER, customer_since=since(89)),
        "reference_call",
        False,
        id="reference_call_tenure_89",
    ),
    pytest.param(
        snap(TRIGGER, contacts=(NOT_CHAMPION,)),
        "reference_call",
        False,
        id="reference_call_no_champion",
    ),
    pytest.param(
        snap(signal("review", score=5)),
        "reference_call",
        False,
        id="reference_call_review_is_not_nps",
    ),
    pytest.param(
        snap(TRIGGER, *calls("c-1", 10, 90)),
        "reference_call",
        False,
        id="reference_call_fatigue_2_calls",
    ),
    pytest.param(
        snap(TRIGGER, *calls("c-1", 10)), "reference_call", True, id="reference_call_fatigue_1_call"
    ),
    pytest.param(
        snap(TRIGGER, *calls("c-1", 10, 91)),
        "reference_call",
        True,
        id="reference_call_fatigue_call_day_91",
    ),
    pytest.param(
        snap(TRIGGER, *calls("c-1", 10, 20), champion("c-3")),
        "reference_call",
        True,
        id="reference_call_fatigue_other_champion_rested",
    ),
    pytest.param(
        snap(TRIGGER, permission("reference_call", "denied")),
        "reference_call",
        False,
        id="reference_call_denied_scope",
    ),
    # testimonial: nps >= 9, review >= 4, or support praise / positive feedback with text;
    # and a named contact
    pytest.param(snap(nps(9)), "testimonial", True, id="testimonial_nps_9"),
    pytest.param(snap(nps(8), signal("renewal")), "testimonial", False, id="testimonial_nps_8"),
    pytest.param(snap(signal("review", score=4)), "testimonial", True, id="testimonial_review_4"),
    pytest.param(
        snap(signal("support_praise", text="Great help")),
        "testimonial",
        True,
        id="testimonial_support_praise_with_text",
    ),
    pytest.param(
        snap(signal("support_praise")),
        "testimonial",
        False,
        id="testimonial_support_praise_without_text",
    ),
    pytest.param(
        snap(signal("feedback", sentiment="positive", text="Love it")),
        "testimonial",
        True,
        id="testimonial_positive_feedback_with_text",
    ),
    pytest.param(
        snap(signal("feedback", sentiment="positive", text="  ")),
        "testimonial",
        False,
        id="testimonial_blank_text",
    ),
    pytest.param(snap(TRIGGER, contacts=()), "testimonial", False, id="testimonial_no_contact"),
    pytest.param(
        snap(TRIGGER, permission("public_quote", "revoked")),
        "testimonial",
        False,
        id="testimonial_public_quote_revoked",
    ),
    # referral: a positive signal plus value proof, in the window
    pytest.param(snap(TRIGGER, signal("expansion")), "referral", True, id="referral_value_proof"),
    pytest.param(
        snap(signal("project_close")), "referral", True, id="referral_value_proof_is_the_trigger"
    ),
    pytest.param(snap(TRIGGER), "referral", False, id="referral_no_value_proof"),
    pytest.param(
        snap(TRIGGER, signal("renewal", days=91)),
        "referral",
        False,
        id="referral_value_proof_day_91",
    ),
    # review: any positive signal; never with a denied review scope
    pytest.param(snap(signal("usage_milestone")), "review", True, id="review"),
    pytest.param(
        snap(TRIGGER, permission("review", "denied")), "review", False, id="review_denied_scope"
    ),
    pytest.param(snap(nps(5)), "review", False, id="review_not_triggered"),
    # private_feedback: always, once triggered
    pytest.param(
        snap(signal("usage_milestone"), contacts=()),
        "private_feedback",
        True,
        id="private_feedback",
    ),
]


@pytest.mark.parametrize(
    ("snapshot", "ask_type", "expected"),
    LADDER_ROWS,
)
def test_ladder(snapshot: EvidenceSnapshot, ask_type: str, expected: bool) -> None:
    assert eligible(snapshot, ask_type) is expected


RECOMMEND_ROWS = [
    pytest.param(snap(*FULL), "case_study", id="recommend_case_study"),
    pytest.param(snap(TRIGGER), "reference_call", id="recommend_reference_call_without_outcome"),
    pytest.param(
        snap(*FULL, permission("case_study", "denied"), permission("reference_call", "revoked")),
        "testimonial",
        id="recommend_testimonial_when_case_study_and_reference_denied",
    ),
    pytest.param(snap(signal("renewal")), "referral", id="recommend_referral_without_praise"),
    pytest.param(snap(signal("usage_milestone")), "review", id="recommend_review_on_milestone"),
    pytest.param(
        snap(signal("usage_milestone"), permission("review", "denied")),
        "private_feedback",
        id="recommend_private_feedback_last",
    ),
]


@pytest.mark.parametrize(
    ("snapshot", "ask_type"),
    RECOMMEND_ROWS,
)
def test_recommends_the_highest_eligible(snapshot: EvidenceSnapshot, ask_type: str) -> None:
    result = choose(snapshot)
    assert result.recommended == ask_type
    assert result.eligible[0] == ask_type
    assert ask_type in result.why


def test_options_follow_the_ladder_and_explain_themselves() -> None:
    result = choose(snap(TRIGGER, customer_since=since(100)))
    assert [o.ask_type for o in result.options] == [
        "case_study",
        "reference_call",
        "testimonial",
        "referral",
        "review",
        "private_feedback",
    ]
    case_study = result.options[0]
    assert "customer for >= 180 days (100 days)" in case_study.why
    assert TRIGGER.id in result.options[1].why


def test_denied_scope_says_so() -> None:
    option = choose(snap(*FULL, permission("case_study", "revoked"))).options[0]
    assert option.why == "Not eligible: permission for a case study is revoked."


def test_nothing_eligible_without_a_trigger() -> None:
    result = choose(snap())
    assert (result.recommended, result.eligible) == (None, ())
