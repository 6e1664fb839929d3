"""The offline drafter for an invitation to each activity: it passes the draft's own checks
(no incentive words, no invented facts, only known ids), names the activity, and the summary
cites the advocate's completed asks, the record the invitation rests on."""

from __future__ import annotations

import pytest

from agent.offline import offline_draft, offline_summary
from domain.checks import check_draft, check_summary
from domain.invitations import invitation_report
from domain.settings import PolicySettings
from domain.vocabulary import ACTIVITIES, CHANNELS, Activity, Channel
from prompts.loader import load_prompt
from tests.unit.snapshots import NOW, ask, snap

EVIDENCE = snap(
    ask(400, ask_type="review", contact_id="c-1", id="a-review"),
    ask(500, ask_type="case_study", contact_id="c-1", id="a-story"),
)
WORDS = {
    "advisory_board": "advisory board",
    "beta_access": "early",
    "event_speaking": "speak",
    "community": "community",
}


@pytest.mark.parametrize("channel", CHANNELS)
@pytest.mark.parametrize("activity", ACTIVITIES)
def test_an_invitation_draft_passes_its_own_checks(activity: Activity, channel: Channel) -> None:
    report = invitation_report(EVIDENCE, PolicySettings(), NOW, activity)
    draft = offline_draft(EVIDENCE, report, ask_type=activity, channel=channel)
    assert check_draft(draft, EVIDENCE, report, channel=channel) == []
    assert WORDS[activity] in draft.body.lower()


@pytest.mark.parametrize("activity", ACTIVITIES)
def test_an_invitation_summary_cites_the_completed_asks(activity: Activity) -> None:
    report = invitation_report(EVIDENCE, PolicySettings(), NOW, activity)
    summary = offline_summary(EVIDENCE, report)
    assert check_summary(summary, EVIDENCE) == []
    assert {"a-review", "a-story"} <= set(summary.evidence_ids)
    assert summary.headline.endswith(f"invited to {activity.replace('_', ' ')}")


def test_the_invitation_prompt_takes_the_draft_prompts_values() -> None:
    assert load_prompt("invite").placeholders == load_prompt("draft").placeholders
