"""Row writers of the demo bundle: one method per kind, each row streamed to its key's file."""

from __future__ import annotations

import json
import random
from datetime import datetime, timedelta
from typing import IO, Any

from store.bundle import BUNDLE_KEYS
from store.demo_programs import DEMO_PROGRAMS
from store.demo_words import (
    _FIRST,
    _PREFIX,
    _SUFFIX,
    ADVERSARIAL,
    AREAS,
    COMPLAINTS,
    METRICS,
    NEUTRAL,
    PRAISE,
    SOURCES,
    SUBJECTS,
)


class DemoRows:
    """Emits rows with serial ids and times relative to `now`; the profiles build on it."""

    def __init__(self, *, rng: random.Random, now: datetime, parts: dict[str, IO[str]]) -> None:
        self.rng = rng
        self.now = now
        self.parts = parts
        self.counts = dict.fromkeys(BUNDLE_KEYS, 0)
        self.serial = 0

    # --- plumbing -----------------------------------------------------------------------------

    def emit(self, key: str, row: dict[str, Any]) -> None:
        separator = ",\n" if self.counts[key] else "\n"
        self.parts[key].write(separator + json.dumps(row, separators=(",", ":")))
        self.counts[key] += 1

    def emit_programs(self) -> None:
        """The demo's two programs (store/demo_programs.py)."""
        for program in DEMO_PROGRAMS:
            self.emit("programs", program)

    def next_id(self, prefix: str) -> str:
        self.serial += 1
        return f"{prefix}-{self.serial}"

    def ago(self, low: int, high: int) -> str:
        """A time between `low` and `high` days before now (minutes apart, never at midnight)."""
        moment = self.now - timedelta(
            days=self.rng.randint(low, high), minutes=self.rng.randint(1, 1400)
        )
        return moment.strftime("%Y-%m-%dT%H:%M:%SZ")

    def pick(self, weights: dict[str, int]) -> str:
        return self.rng.choices(list(weights), weights=list(weights.values()))[0]

    def fill(self, template: str) -> str:
        rng = self.rng
        first = rng.choice(_FIRST.split())
        return template.format(
            area=rng.choice(AREAS),
            person=first,
            metric=rng.choice(METRICS)[0],
            p=rng.randint(8, 45),
        )

    # --- evidence rows ------------------------------------------------------------------------

    def signal(self, account_id: str, kind: str, when: str, **fields: Any) -> None:
        row = {
            "id": self.next_id("s"),
            "account_id": account_id,
            "kind": kind,
            "occurred_at": when,
            "source": SOURCES.get(kind, "crm"),
        }
        row.update(fields)
        self.emit("signals", row)

    def ticket(
        self, account_id: str, *, status: str, priority: str, category: str, opened: str
    ) -> None:
        closed = None
        if status == "closed":
            closed_at = datetime.fromisoformat(opened) + timedelta(hours=self.rng.randint(2, 240))
            closed = min(closed_at, self.now).strftime("%Y-%m-%dT%H:%M:%SZ")
        self.emit(
            "tickets",
            {
                "id": self.next_id("t"),
                "account_id": account_id,
                "status": status,
                "priority": priority,
                "category": category,
                "opened_at": opened,
                "closed_at": closed,
                "subject": self.fill(self.rng.choice(SUBJECTS)),
            },
        )

    def ask(
        self,
        account_id: str,
        contacts: list[str],
        *,
        ask_type: str,
        when: str,
        outcome: str,
        incentive: str | None = None,
    ) -> None:
        self.emit(
            "asks",
            {
                "id": self.next_id("a"),
                "account_id": account_id,
                "contact_id": self.rng.choice(contacts),
                "ask_type": ask_type,
                "asked_at": when,
                "outcome": outcome,
                "incentive": incentive,
            },
        )

    def permission(
        self,
        account_id: str,
        contact_id: str | None,
        *,
        scope: str,
        status: str,
        when: str,
        expires: str | None = None,
    ) -> None:
        self.emit(
            "permissions",
            {
                "account_id": account_id,
                "contact_id": contact_id,
                "scope": scope,
                "status": status,
                "recorded_at": when,
                "source": self.rng.choice(("signed release form", "email", "crm")),
                "expires_at": expires,
            },
        )

    def referral(
        self,
        account_id: str,
        *,
        when: str,
        status: str,
        disputed: bool = False,
        reward_status: str | None = None,
    ) -> None:
        company = f"{self.rng.choice(_PREFIX.split())} {self.rng.choice(_SUFFIX.split())}"
        self.emit(
            "referrals",
            {
                "id": self.next_id("r"),
                "account_id": account_id,
                "referred_company": company,
                "submitted_at": when,
                "status": status,
                "attribution_disputed": disputed,
                "reward": "$200 credit" if reward_status else None,
                "reward_status": reward_status,
            },
        )

    def feedback_text(self, templates: tuple[str, ...]) -> str:
        if self.rng.random() < 0.01:
            return self.fill(self.rng.choice(ADVERSARIAL))
        return self.fill(self.rng.choice(templates))

    def outcome(self, account_id: str, when: str) -> None:
        metric, shape = self.rng.choice(METRICS)
        value = shape.format(p=self.rng.randint(8, 45), n=self.rng.randint(10, 200))
        self.signal(
            account_id,
            "outcome",
            when,
            metric=metric,
            value=value,
            text=f"{metric.capitalize()} {value} since rollout",
        )

    # --- ordinary history ---------------------------------------------------------------------

    def history(
        self, account_id: str, contacts: list[str], tenure: int, *, skip_scope: str | None
    ) -> None:
        """Older, ordinary history: nothing here triggers, holds or stops at `now`."""
        rng = self.rng
        oldest = max(tenure - 1, 121)
        for _ in range(rng.randint(2, 6)):
            self.old_signal(account_id, contacts, self.ago(120, oldest))
        for _ in range(rng.randint(1, 4)):
            self.ticket(
                account_id,
                status="closed",
                priority=rng.choice(("low", "normal", "high")),
                category=rng.choice(("support", "support", "billing", "delivery", "other")),
                opened=self.ago(100, max(oldest, 101)),
            )
        for scope in ("public_quote", "logo", "review", "marketing_contact"):
            if scope != skip_scope and rng.random() < 0.3:
                expires = (self.now + timedelta(days=rng.randint(100, 700))).strftime(
                    "%Y-%m-%dT%H:%M:%SZ"
                )
                self.permission(
                    account_id,
                    rng.choice(contacts),
                    scope=scope,
                    status="granted",
                    when=self.ago(120, 900),
                    expires=expires if rng.random() < 0.3 else None,
                )
        if rng.random() < 0.03:
            self.permission(
                account_id, None, scope="logo", status="denied", when=self.ago(120, 900)
            )
        for _ in range(rng.choice((0, 0, 1, 1, 2))):
            self.ask(
                account_id,
                contacts,
                ask_type=rng.choice(("review", "private_feedback", "testimonial")),
                when=self.ago(400, 1500),
                outcome=rng.choice(("completed", "completed", "no_response", "declined")),
            )
        if rng.random() < 0.06:
            self.referral(
                account_id, when=self.ago(200, 900), status="converted", reward_status="paid"
            )

    def old_signal(self, account_id: str, contacts: list[str], when: str) -> None:
        rng = self.rng
        kind = rng.choice(
            ("nps", "nps", "csat", "review", "feedback", "outcome", "complaint", "renewal")
        )
        contact = rng.choice(contacts) if rng.random() < 0.7 else None
        if kind == "nps":
            self.signal(account_id, kind, when, contact_id=contact, score=rng.randint(3, 10))
        elif kind in ("csat", "review"):
            self.signal(
                account_id,
                kind,
                when,
                contact_id=contact,
                score=rng.randint(2, 5),
                public=kind == "review",
            )
        elif kind == "feedback":
            sentiment = rng.choice(("positive", "neutral", "negative"))
            templates = {"positive": PRAISE, "neutral": NEUTRAL, "negative": COMPLAINTS}[sentiment]
            self.signal(
                account_id,
                kind,
                when,
                contact_id=contact,
                sentiment=sentiment,
                text=self.feedback_text(templates),
                public=False,
            )
        elif kind == "outcome":
            self.outcome(account_id, when)
        else:
            text = self.feedback_text(COMPLAINTS) if kind == "complaint" else None
            self.signal(account_id, kind, when, contact_id=contact, text=text)

    def quiet_extras(self, account_id: str, contacts: list[str]) -> None:
        """Recent but not positive activity: never a trigger."""
        rng = self.rng
        if rng.random() < 0.3:
            kind = rng.choice(("nps", "csat", "feedback", "complaint", "review"))
            when = self.ago(1, 85)
            if kind == "nps":
                self.signal(
                    account_id, kind, when, contact_id=rng.choice(contacts), score=rng.randint(0, 8)
                )
            elif kind in ("csat", "review"):
                self.signal(
                    account_id, kind, when, score=rng.randint(1, 3), public=kind == "review"
                )
            elif kind == "feedback":
                self.signal(
                    account_id, kind, when, sentiment="neutral", text=self.feedback_text(NEUTRAL)
                )
            else:
                self.signal(account_id, kind, when, text=self.feedback_text(COMPLAINTS))
        if rng.random() < 0.1:
            self.ticket(
                account_id,
                status="open",
                priority=rng.choice(("low", "normal", "high")),
                category="support",
                opened=self.ago(1, 30),
            )
