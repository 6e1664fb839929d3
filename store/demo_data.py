"""A deterministic demo bundle with realistic B2B proportions, written as a stream.

Each account is drawn a profile, judged by the rules of DESIGN.md section 4 at `now`: quiet (no
positive signal in 90 days), held (one or two hold reasons), stopped (one stop reason) or a
candidate shaped for one rung of the ask ladder. Every account also gets ordinary, older history.
Rows go to one temporary file per key, then into the bundle key by key: memory stays flat.
"""

from __future__ import annotations

import math
import random
import shutil
import tempfile
from contextlib import ExitStack
from datetime import datetime, timedelta
from pathlib import Path
from typing import IO, Any

from domain.clock import utc
from store.bundle import BUNDLE_KEYS
from store.demo_advocates import AdvocateHistory
from store.demo_mix import (
    HOLD_REASONS,
    LADDER,
    POSITIVE_KINDS,
    PROFILES,
    SCOPE_OF,
    SEGMENTS,
    STOP_REASONS,
)
from store.demo_words import (
    _CORE,
    _FIRST,
    _LAST,
    _PREFIX,
    _SUFFIX,
    COMPLAINTS,
    INDUSTRIES,
    PRAISE,
    SENSITIVE,
    TITLES,
)


def write_demo_bundle(
    *, out: Path | IO[str], accounts: int, seed: int, now: datetime
) -> dict[str, int]:
    """Write a bundle of `accounts` accounts, the same for the same (accounts, seed, now).

    Returns the number of rows per key. `out` is a path or an open text stream.
    """
    with ExitStack() as stack:
        parts: dict[str, IO[str]] = {
            key: stack.enter_context(tempfile.TemporaryFile("w+", encoding="utf-8"))
            for key in BUNDLE_KEYS
        }
        demo = _Demo(rng=random.Random(seed), now=utc(now), parts=parts)
        demo.generate(accounts)
        if isinstance(out, Path):
            with out.open("w", encoding="utf-8") as handle:
                _assemble(parts, handle)
        else:
            _assemble(parts, out)
        return dict(demo.counts)


def _assemble(parts: dict[str, IO[str]], out: IO[str]) -> None:
    out.write("{")
    for position, (key, part) in enumerate(parts.items()):
        out.write(f'{"," if position else ""}\n"{key}": [')
        part.seek(0)
        shutil.copyfileobj(part, out, 1024 * 1024)
        out.write("\n]")
    out.write("\n}\n")


def _scope_to_skip(reason: str, shape: str) -> str | None:
    """The scope whose ordinary, older grant would blur what this profile is built to show."""
    if reason in ("consent_unclear", "consent_expired"):
        return SCOPE_OF[shape]
    if reason == "marketing_contact":
        return "marketing_contact"
    if reason == "private_feedback":
        return "review"
    return None


class _Demo(AdvocateHistory):
    # --- accounts -----------------------------------------------------------------------------

    def generate(self, accounts: int) -> None:
        owners = max(3, math.ceil(accounts / 25))
        for number in range(1, owners + 1):
            first, last = self.rng.choice(_FIRST.split()), self.rng.choice(_LAST.split())
            email = f"{first}.{last}{number}@vendor.example".lower()
            self.emit(
                "owners", {"id": f"u-{number:04d}", "name": f"{first} {last}", "email": email}
            )
        for number in range(1, accounts + 1):
            self.account(f"acc-{number:06d}", f"u-{self.rng.randint(1, owners):04d}")

    def account(self, account_id: str, owner_id: str) -> None:
        rng = self.rng
        profile = self.pick(PROFILES)
        reason = self.reason_for(profile)
        shape = reason if profile == "candidate" else rng.choice(tuple(SCOPE_OF))
        tenure = (
            rng.randint(100, 179)
            if shape == "reference_call" and rng.random() < 0.3
            else rng.randint(200, 2600)
        )
        row = self.account_row(account_id, owner_id, tenure)
        if reason == "do_not_contact":
            row["do_not_contact"] = True
        if reason == "low_health":
            row["health_score"] = rng.randint(20, 59)
        self.emit("accounts", row)
        contacts = self.contacts(account_id, champion=shape in ("case_study", "reference_call"))
        consent_stop = reason in ("consent_unclear", "consent_expired")
        self.history(account_id, contacts, tenure, skip_scope=_scope_to_skip(reason, shape))
        if profile == "quiet":
            self.quiet_extras(account_id, contacts)
            return
        if profile == "candidate" or consent_stop:
            self.candidate(account_id, contacts, shape)
            self.advocate_history(account_id, contacts, shape, profile=profile)
        else:
            self.trigger(account_id, contacts)
        if profile == "held":
            self.hold(account_id, contacts, reason)
            if rng.random() < 0.2:
                self.hold(
                    account_id,
                    contacts,
                    rng.choice(("open_ticket", "recent_ask", "recent_complaint")),
                )
        elif profile == "stopped":
            self.stop(account_id, contacts, reason, SCOPE_OF[shape])

    def reason_for(self, profile: str) -> str:
        """The hold or stop reason, or the ask type a candidate is shaped for."""
        if profile == "held":
            return self.rng.choice(HOLD_REASONS)
        if profile == "stopped":
            return self.rng.choice(STOP_REASONS)
        return self.pick(LADDER) if profile == "candidate" else ""

    def account_row(self, account_id: str, owner_id: str, tenure: int) -> dict[str, Any]:
        rng = self.rng
        segment = self.pick(SEGMENTS)
        arr = {
            "smb": rng.randint(3, 40) * 1000,
            "mid_market": rng.randint(25, 101) * 1000,
            "enterprise": rng.choice(
                (rng.randint(60, 99), rng.randint(100, 900), rng.randint(100, 900))
            )
            * 1000,
        }[segment]
        sensitive = rng.random() < 0.03
        words = rng.choice(_PREFIX.split()), rng.choice(_CORE.split()), rng.choice(_SUFFIX.split())
        name = f"{words[0]}{words[1]} {words[2]}"
        return {
            "id": account_id,
            "name": name.capitalize() if rng.random() < 0.1 else name,
            "owner_id": owner_id,
            "segment": segment,
            "industry": rng.choice(INDUSTRIES.split()),
            "arr": arr,
            "customer_since": (self.now - timedelta(days=tenure)).date().isoformat(),
            "renewal_date": (self.now + timedelta(days=rng.randint(20, 700))).date().isoformat(),
            "health_score": rng.randint(60, 100),
            "sensitive": sensitive,
            "sensitive_reason": rng.choice(SENSITIVE) if sensitive else None,
            "do_not_contact": False,
            "preferred_channel": "call" if rng.random() < 0.15 else "email",
        }

    def contacts(self, account_id: str, *, champion: bool) -> list[str]:
        rng = self.rng
        ids = []
        for position in range(rng.randint(1, 4)):
            contact_id = self.next_id("c")
            first, last = rng.choice(_FIRST.split()), rng.choice(_LAST.split())
            self.emit(
                "contacts",
                {
                    "id": contact_id,
                    "account_id": account_id,
                    "name": f"{first} {last}",
                    "email": f"{first}.{last}@{account_id}.example".lower(),
                    "title": rng.choice(TITLES),
                    "champion": (champion and position == 0) or rng.random() < 0.3,
                },
            )
            ids.append(contact_id)
        return ids

    # --- profiles ---------------------------------------------------------------------------

    def trigger(self, account_id: str, contacts: list[str]) -> None:
        """One positive signal in the last 90 days, of any kind."""
        rng = self.rng
        kind = rng.choice(POSITIVE_KINDS)
        when = self.ago(1, 85)
        contact = rng.choice(contacts)
        if kind == "referral":
            self.referral(account_id, when=when, status="submitted")
        elif kind in ("nps", "csat", "review"):
            score = rng.randint(9, 10) if kind == "nps" else rng.randint(4, 5)
            self.signal(
                account_id, kind, when, contact_id=contact, score=score, public=kind == "review"
            )
        elif kind in ("feedback", "support_praise"):
            self.signal(
                account_id,
                kind,
                when,
                contact_id=contact,
                text=self.feedback_text(PRAISE),
                sentiment="positive" if kind == "feedback" else None,
            )
        elif kind == "outcome":
            self.outcome(account_id, when)
        else:
            self.signal(account_id, kind, when)

    def candidate(self, account_id: str, contacts: list[str], ask_type: str) -> None:
        """Evidence that makes `ask_type` the highest rung of the ladder."""
        rng = self.rng
        champion = contacts[0]
        if ask_type in ("case_study", "reference_call"):
            self.signal(
                account_id,
                "nps",
                self.ago(1, 80),
                contact_id=champion,
                score=rng.randint(9, 10),
                text=self.feedback_text(PRAISE),
            )
            if ask_type == "case_study":
                self.outcome(account_id, self.ago(1, 80))
        elif ask_type == "testimonial":
            kind = rng.choice(("review", "feedback", "support_praise"))
            fields: dict[str, Any] = {
                "contact_id": rng.choice(contacts),
                "text": self.feedback_text(PRAISE),
            }
            if kind == "review":
                fields.update(score=rng.randint(4, 5), public=True)
            elif kind == "feedback":
                fields.update(sentiment="positive", public=False)
            self.signal(account_id, kind, self.ago(1, 80), **fields)
        elif ask_type == "referral":
            self.signal(
                account_id, rng.choice(("renewal", "expansion", "project_close")), self.ago(1, 80)
            )
        else:
            if rng.random() < 0.5:
                self.signal(account_id, "csat", self.ago(1, 80), score=rng.randint(4, 5))
            else:
                self.signal(account_id, "usage_milestone", self.ago(1, 80), text="1,000th booking")
        if ask_type in ("review", "private_feedback", "referral") and rng.random() < 0.5:
            self.signal(account_id, "csat", self.ago(1, 80), score=rng.randint(4, 5))
        if ask_type == "private_feedback":
            self.permission(
                account_id, None, scope="review", status="denied", when=self.ago(1, 300)
            )
        if rng.random() < 0.15:
            self.ticket(
                account_id,
                status="open",
                priority="low",
                category="support",
                opened=self.ago(1, 20),
            )

    def hold(self, account_id: str, contacts: list[str], reason: str) -> None:
        rng = self.rng
        if reason == "open_ticket":
            self.ticket(
                account_id,
                status=rng.choice(("open", "pending")),
                priority=rng.choice(("normal", "high", "urgent")),
                category=rng.choice(("support", "other")),
                opened=self.ago(1, 40),
            )
        elif reason == "billing_or_delivery_ticket":
            self.ticket(
                account_id,
                status=rng.choice(("open", "pending")),
                priority="low",
                category=rng.choice(("billing", "delivery")),
                opened=self.ago(1, 40),
            )
        elif reason == "recent_complaint":
            when = self.ago(1, 28)
            variant = rng.choice(("complaint", "feedback", "nps"))
            if variant == "nps":
                self.signal(
                    account_id,
                    "nps",
                    when,
                    contact_id=rng.choice(contacts),
                    score=rng.randint(0, 6),
                )
            else:
                self.signal(
                    account_id,
                    variant,
                    when,
                    text=self.feedback_text(COMPLAINTS),
                    sentiment="negative" if variant == "feedback" else None,
                )
        elif reason == "pending_ask":
            self.ask(
                account_id, contacts, ask_type="review", when=self.ago(95, 200), outcome="pending"
            )
        elif reason == "recent_ask":
            self.ask(
                account_id,
                contacts,
                ask_type=rng.choice(("review", "testimonial")),
                when=self.ago(3, 85),
                outcome=rng.choice(("completed", "no_response")),
            )
        elif reason == "ask_limit":
            for low, high in ((100, 180), (181, 270), (271, 360)):
                self.ask(
                    account_id,
                    contacts,
                    ask_type="review",
                    when=self.ago(low, high),
                    outcome="completed",
                )
        elif reason == "recent_decline":
            self.ask(
                account_id,
                contacts,
                ask_type="testimonial",
                when=self.ago(95, 175),
                outcome="declined",
            )

    def stop(self, account_id: str, contacts: list[str], reason: str, scope: str) -> None:
        rng = self.rng
        if reason == "marketing_contact":
            self.permission(
                account_id,
                contacts[0],
                scope="marketing_contact",
                status="granted",
                when=self.ago(400, 700),
            )
            self.permission(
                account_id,
                contacts[0],
                scope="marketing_contact",
                status=rng.choice(("denied", "revoked")),
                when=self.ago(10, 300),
            )
        elif reason == "attribution_disputed":
            self.referral(
                account_id,
                when=self.ago(30, 400),
                status=rng.choice(("qualified", "converted")),
                disputed=True,
            )
        elif reason == "reward_unresolved":
            if rng.random() < 0.6:
                self.referral(
                    account_id,
                    when=self.ago(30, 300),
                    status="converted",
                    reward_status=rng.choice(("pending", "disputed")),
                )
            else:
                self.ask(
                    account_id,
                    contacts,
                    ask_type="referral",
                    when=self.ago(95, 200),
                    outcome="pending",
                    incentive="$50 gift card",
                )
        elif reason == "consent_unclear":
            when = self.ago(5, 300)
            self.permission(account_id, contacts[0], scope=scope, status="granted", when=when)
            self.permission(account_id, contacts[0], scope=scope, status="revoked", when=when)
        elif reason == "consent_expired":
            expires = self.ago(5, 100)
            self.permission(
                account_id,
                contacts[0],
                scope=scope,
                status="granted",
                when=self.ago(400, 800),
                expires=expires,
            )
