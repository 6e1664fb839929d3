"""Owner edits get the draft's text checks; problems refuse the edit unless the owner accepts.
A new ask type needs the owner's new text: the draft's words were written for the old type."""

from __future__ import annotations

from typing import Any

import pytest

from agent.edit_checks import edit_problems, new_text_needed, snapshot_of
from agent.payload import evidence_list
from agent.usecases.decisions import EditHasProblems, InvalidDecision, _check_edit
from checkpoints.schemas import Decision
from domain.meaning import problem_codes
from store.models import Review
from tests.llm_fakes import GOOD_EMAIL_BODY, NOW, sample_report, sample_snapshot

SNAPSHOT = sample_snapshot()


def _payload() -> dict[str, Any]:
    return {
        "account": SNAPSHOT.account.model_dump(mode="json"),
        "evidence": evidence_list(SNAPSHOT),
        "gate_report": sample_report(flags=("high_value",)).model_dump(mode="json"),
        "recommended_ask_type": "testimonial",
        "draft": {"subject": "Thank you, Lee", "body": GOOD_EMAIL_BODY},
    }


def _edit(**fields: Any) -> Decision:
    return Decision.model_validate({"action": "edit", "by": "u-ana", **fields})


def test_the_payload_evidence_rebuilds_the_snapshot() -> None:
    assert snapshot_of(_payload(), as_of=NOW) == SNAPSHOT


def test_an_unreadable_payload_is_checked_against_the_account_alone() -> None:
    rebuilt = snapshot_of({"account": {"id": "a", "name": "N"}, "evidence": [{}]}, as_of=NOW)
    assert rebuilt.account.name == "N" and not rebuilt.signals


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (GOOD_EMAIL_BODY + " Here is a $500 gift card for you.", "incentive"),
        (GOOD_EMAIL_BODY + " Call me on +1 415 555 0199.", "contact_details"),
        (GOOD_EMAIL_BODY + " <script>alert(1)</script>", "html"),
        (GOOD_EMAIL_BODY + " Your health score is great.", "internal_data"),
        (GOOD_EMAIL_BODY + " I will send it to [url] tomorrow.", "placeholder"),
    ],
)
def test_an_edited_body_is_checked(body: str, code: str) -> None:
    assert code in problem_codes(edit_problems(_payload(), _edit(body=body), as_of=NOW))


def test_a_good_edit_an_approval_and_an_ask_type_edit_have_no_problems() -> None:
    payload = _payload()
    assert edit_problems(payload, _edit(subject="A quick favour, Lee?"), as_of=NOW) == []
    approve = Decision(action="approve", by="u-ana")
    assert edit_problems(payload, approve, as_of=NOW) == []
    assert edit_problems(payload, _edit(ask_type="review"), as_of=NOW) == []


def test_problems_refuse_the_edit_unless_accepted() -> None:
    review = Review(id="rv-1", payload=_payload())
    planted = GOOD_EMAIL_BODY + " As a thank-you, a $500 gift card."
    with pytest.raises(EditHasProblems) as refused:
        _check_edit(review, _edit(body=planted), NOW)
    assert "incentive" in refused.value.details["problems"]
    assert "accept_problems" in refused.value.message
    _check_edit(review, _edit(body=planted, accept_problems=True), NOW)


NEW_BODY = "Hi Lee,\n\nWould you write a short review of us? Only if you like.\n\nAna"
RETYPE_ROWS = [
    pytest.param({"ask_type": "review"}, True, id="type_alone"),
    pytest.param({"ask_type": "review", "subject": "A review?"}, True, id="type_and_subject"),
    pytest.param({"ask_type": "review", "body": GOOD_EMAIL_BODY}, True, id="draft_body_again"),
    pytest.param(
        {"ask_type": "review", "body": "  " + GOOD_EMAIL_BODY.replace("\n\n", "\r\n\r\n")},
        True,
        id="draft_body_respaced",
    ),
    pytest.param({"ask_type": "review", "body": NEW_BODY}, False, id="type_and_new_body"),
    pytest.param({"ask_type": "testimonial"}, False, id="same_type"),
    pytest.param({"body": NEW_BODY}, False, id="body_alone"),
    pytest.param({"subject": "A quick favour?"}, False, id="subject_alone"),
]


@pytest.mark.parametrize(("fields", "refused"), RETYPE_ROWS)
def test_a_new_ask_type_needs_the_owners_new_body(fields: dict[str, Any], refused: bool) -> None:
    why = new_text_needed(_payload(), _edit(**fields))
    assert (why is not None) == refused
    if why is not None:
        assert "testimonial" in why and "review" in why and "body" in why


def test_a_new_ask_type_without_new_text_is_invalid_even_with_accept_problems() -> None:
    review = Review(id="rv-1", payload=_payload())
    for decision in (_edit(ask_type="review"), _edit(ask_type="review", accept_problems=True)):
        with pytest.raises(InvalidDecision, match="new text"):
            _check_edit(review, decision, NOW)
    assert new_text_needed(_payload(), Decision(action="approve", by="u-ana")) is None
    _check_edit(review, _edit(ask_type="review", body=NEW_BODY), NOW)
