"""Evidence in words: one row per kind of evidence, as a person would write it."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from domain.evidence_words import describe_evidence, describe_item, relative

NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
NAMES = {"c-1": "Lee Park"}


@pytest.mark.parametrize(
    ("item", "title", "who", "quote"),
    [
        (
            {"source": "g2", "id": "s-1", "kind": "review", "score": 2, "contact_id": "c-1",
             "occurred_at": "2026-11-10T15:04:00Z", "text": "Slow support lately."},
            "G2 review, 2 of 5 stars", "from Lee Park", "Slow support lately.",
        ),
        (
            {"source": "survey_tool", "id": "s-2", "kind": "nps", "score": 10,
             "occurred_at": "2026-11-29T10:00:00Z", "text": None},
            "NPS survey: 10 of 10", "", "",
        ),
        (
            {"source": "crm", "id": "s-3", "kind": "outcome", "metric": "no-show rate",
             "value": "-31%", "occurred_at": "2026-10-30T00:00:00Z"},
            "Result: no-show rate -31%", "", "",
        ),
        (
            {"source": "crm", "id": "s-4", "kind": "project_close",
             "occurred_at": "2026-11-01T00:00:00Z"},
            "Project closed", "", "",
        ),
        (
            {"source": "tickets", "id": "t-9", "status": "closed", "priority": "high",
             "category": "billing", "opened_at": "2026-09-01T10:00:00Z",
             "subject": "Double charge"},
            "High-priority billing ticket, closed", "", "Double charge",
        ),
        (
            {"source": "crm", "id": "perm:acc-1:c-1:logo:2026-07-12T04:13:00+00:00:granted",
             "scope": "logo", "status": "granted", "contact_id": "c-1",
             "recorded_at": "2026-07-12T04:13:00Z", "expires_at": "2027-06-18T00:00:00Z"},
            "Lee Park: permission for using their logo granted, until 18 Jun 2027", "", "",
        ),
        (
            {"source": "referrals", "id": "r-1", "referred_company": "Bayside Ortho",
             "status": "converted", "attribution_disputed": True, "reward": "$200 credit",
             "reward_status": "pending", "submitted_at": "2026-06-01T00:00:00Z"},
            "Referred Bayside Ortho (converted), credit disputed, reward $200 credit pending",
            "", "",
        ),
        (
            {"source": "contacts", "id": "c-1", "name": "Lee Park", "title": "Practice Manager",
             "champion": True},
            "Lee Park, Practice Manager, champion", "", "",
        ),
    ],
    ids=["g2-review", "nps", "outcome", "project-close", "ticket", "permission", "referral",
         "contact"],
)  # fmt: skip
def test_an_evidence_row_reads_as_words(
    item: dict[str, Any], title: str, who: str, quote: str
) -> None:
    words = describe_item(item, NAMES, NOW)
    assert (words.title, words.who, words.quote) == (title, who, quote)


def test_a_derived_permission_id_is_not_shown_but_a_signal_id_is() -> None:
    payload = {
        "evidence": [
            {"source": "crm", "id": "perm:x", "scope": "logo", "status": "granted"},
            {"source": "crm", "id": "s-3", "kind": "renewal", "occurred_at": "2026-11-01"},
            {"source": "signed release form", "id": "perm:y", "scope": "logo",
             "status": "granted", "contact_id": "c-1"},
        ]
    }  # fmt: skip
    assert [w.show_id for w in describe_evidence(payload, NOW)] == [False, True, False]
    released = describe_item(payload["evidence"][2], NAMES, NOW)  # named once, in the title
    assert released.title.startswith("Lee Park: permission") and released.who == ""


@pytest.mark.parametrize(
    ("moment", "words"),
    [
        (datetime(2026, 11, 30, 8, tzinfo=UTC), "today"),
        (datetime(2026, 11, 29, 8, tzinfo=UTC), "yesterday"),
        (datetime(2026, 11, 25, 8, tzinfo=UTC), "5 days ago"),
        (datetime(2026, 11, 10, 8, tzinfo=UTC), "2 weeks ago"),
        (datetime(2026, 7, 1, tzinfo=UTC), "5 months ago"),
        (datetime(2023, 7, 1, tzinfo=UTC), "3 years ago"),
        (datetime(2026, 12, 5, 10, tzinfo=UTC), "in 5 days"),
    ],
)
def test_relative_dates(moment: datetime, words: str) -> None:
    assert relative(moment, NOW) == words


def test_the_when_column_gives_the_day_too() -> None:
    item = {"source": "g2", "id": "s-1", "kind": "review", "occurred_at": "2026-11-10T15:04:00Z"}
    assert describe_item(item, {}, NOW).when == "2 weeks ago (10 Nov 2026)"
