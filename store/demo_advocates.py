"""Advocates with history in the demo (issue 12): some candidates' contacts already advocated
within the year, so the journey expands, and some hold consent the reference finder can use.

Drawn from a generator of the account's own (`advocates:<account id>`), so adding this history
leaves every other draw of the demo as it was. Nothing here falls within 90 days of `now` (the
account would be held for a recent ask), and at most one ask per account (three a year hold it).

Three of those advocates carry an owner's note in the bundle's `preferences` (imported like an
owner's edit, audited): one would rather not do reference calls, one is away for a month, one
takes one ask a year.
"""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from store.demo_rows import DemoRows
from store.models import AdvocatePreference

STAMP = "%Y-%m-%dT%H:%M:%SZ"
# Share of candidates shaped for each ask type whose contact already gave one within a year.
WITH_HISTORY = 0.4
# The owners' notes, on the first advocates with a case study or reference call this year
# (their account's only ask of the year: nothing else holds it).
NOTES: tuple[dict[str, Any], ...] = (
    {"avoid_ask_types": ["reference_call"], "preferred_channel": "call"},
    {"unavailable_until": 30},  # days from now
    {"max_asks_per_year": 1},
)


class AdvocateHistory(DemoRows):
    """The demo generator's rows of past advocacy (store/demo_data.py builds on it)."""

    def advocate_history(
        self, account_id: str, contacts: list[str], shape: str, *, profile: str
    ) -> None:
        """For a candidate shaped for `shape`: maybe a completed ask of that type last spring
        (a case study, a testimonial) or a reference call, and consent to be a reference.
        Accounts stopped for their consent keep exactly the records that stop them."""
        rng = random.Random(f"advocates:{account_id}")
        if profile != "candidate" or rng.random() >= WITH_HISTORY:
            return
        first = contacts[0]
        if shape in ("case_study", "testimonial", "reference_call"):
            self._ask(account_id, first, shape, self._ago(rng, 150, 330))
        if shape in ("case_study", "reference_call"):
            self._note(first)
        if shape in ("case_study", "reference_call"):
            expires = (self.now + timedelta(days=rng.randint(120, 700))).strftime(STAMP)
            self._grant(account_id, first, "reference_call", self._ago(rng, 100, 400), expires)
        if shape == "testimonial":
            self._grant(account_id, first, "public_quote", self._ago(rng, 100, 300), None)

    def _ago(self, rng: random.Random, low: int, high: int) -> str:
        return (
            self.now - timedelta(days=rng.randint(low, high), hours=rng.randint(0, 23))
        ).strftime(STAMP)

    def _ask(self, account_id: str, contact_id: str, ask_type: str, when: str) -> None:
        self.emit(
            "asks",
            {
                "id": self.next_id("a"),
                "account_id": account_id,
                "contact_id": contact_id,
                "ask_type": ask_type,
                "asked_at": when,
                "outcome": "completed",
                "incentive": None,
            },
        )

    def _note(self, contact_id: str) -> None:
        noted = self.counts["preferences"]
        if noted >= len(NOTES):
            return
        note = dict(NOTES[noted])
        if "unavailable_until" in note:
            away = self.now + timedelta(days=note["unavailable_until"])
            note["unavailable_until"] = away.strftime(STAMP)
        self.emit("preferences", {"contact_id": contact_id, **note})

    def _grant(
        self, account_id: str, contact_id: str, scope: str, when: str, expires: str | None
    ) -> None:
        self.emit(
            "permissions",
            {
                "account_id": account_id,
                "contact_id": contact_id,
                "scope": scope,
                "status": "granted",
                "recorded_at": when,
                "source": "signed release form",
                "expires_at": expires,
            },
        )


def noted_advocates(*, factory: sessionmaker[Session]) -> list[str]:
    """The contacts whose owner recorded preferences (the demo's notes), by id."""
    with factory() as session:
        query = select(AdvocatePreference.contact_id).order_by(AdvocatePreference.contact_id)
        return list(session.scalars(query))
