"""The reference finder (issue 12): contacts who may be asked for proof like this, best first.

A pure ranking over advocate profiles. A contact is a match when a consent scope is granted and
unexpired for them (the one asked for, or the one the ask type needs, or any), nothing in their
history says *not now* (domain/profile.py fatigue: an ask in flight, a recent ask or decline,
reference-call fatigue, the owner's yearly limit), they have not asked to avoid the ask type,
and the account's industry and segment are the ones asked for (any case). `unavailable_until`
only excludes with `available`; otherwise the match says until when.

Best first: higher tier (repeat advocacy), proof of this ask type given before, a champion,
fewer reference calls in the last 90 days (spread the load), then the longest since last asked.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from pydantic import BaseModel, ConfigDict

from domain.advocates import TIERS, Tier, advocate_tier
from domain.profile import AdvocateProfile, ConsentOut
from domain.vocabulary import SCOPE_OF_ASK, AskType, Scope

ALWAYS_OUT = frozenset(
    {"advocate_ask_limit", "pending_ask", "recent_ask", "recent_decline", "reference_fatigue"}
)


class _Value(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ReferenceQuery(_Value):
    industry: str | None = None
    segment: str | None = None
    ask_type: AskType | None = None
    permission: Scope | None = None
    available: bool = False

    def scopes(self) -> set[str] | None:
        """The scopes a match needs granted (all of them); None: any one scope will do."""
        needed = {self.permission} if self.permission else set()
        scope = SCOPE_OF_ASK[self.ask_type] if self.ask_type else None
        if scope:
            needed.add(scope)
        return {str(s) for s in needed} or None


class ReferenceMatch(_Value):
    contact_id: str
    account_id: str
    score: int
    why: tuple[str, ...]
    profile: AdvocateProfile


def _same(wanted: str | None, value: str | None) -> bool:
    return wanted is None or (value or "").casefold() == wanted.casefold()


def _granted(profile: AdvocateProfile, query: ReferenceQuery) -> list[ConsentOut]:
    active = [c for c in profile.permissions if c.active]
    needed = query.scopes()
    if needed is None:
        return active
    if not needed <= {c.scope for c in active}:
        return []
    return [c for c in active if c.scope in needed]


def _out(profile: AdvocateProfile, query: ReferenceQuery) -> bool:
    avoided = profile.preferences.avoid_ask_types if profile.preferences else ()
    return (
        not (_same(query.industry, profile.industry) and _same(query.segment, profile.segment))
        or bool(ALWAYS_OUT & set(profile.fatigue))
        or (query.ask_type is not None and query.ask_type in avoided)
        or (query.available and not profile.available)
    )


def _consent_words(consent: ConsentOut) -> str:
    expiry = f", expires {consent.expires_at.date().isoformat()}" if consent.expires_at else ""
    whose = "account-wide" if consent.account_wide else "theirs"
    return f"{consent.scope} granted ({whose}{expiry})"


def match(profile: AdvocateProfile, query: ReferenceQuery) -> ReferenceMatch | None:
    """The profile as a match for `query` with its score and why; None when it does not match."""
    granted = _granted(profile, query)
    if not granted or _out(profile, query):
        return None
    proven = bool(query.ask_type and profile.asks_by_type.get(query.ask_type, {}).get("completed"))
    why = [", ".join(_consent_words(c) for c in granted)]
    why.append(f"tier {profile.tier} ({profile.completed_asks} completed asks)")
    if proven:
        why.append(f"has given a {query.ask_type} before")
    if profile.champion:
        why.append("a champion")
    why.append(f"{profile.references_used_90d} reference call(s) in the last 90 days")
    if query.industry or query.segment:
        why.append(f"{profile.industry or '-'} / {profile.segment or '-'}")
    if not profile.available and profile.preferences:
        until = profile.preferences.unavailable_until
        why.append(f"unavailable until {until.date().isoformat() if until else '?'}")
    score = _score(profile.tier, proven, profile.champion, profile.references_used_90d)
    return ReferenceMatch(
        contact_id=profile.contact_id,
        account_id=profile.account_id,
        score=score,
        why=tuple(why),
        profile=profile,
    )


def _score(tier: Tier, proven: bool, champion: bool, references_90d: int) -> int:
    return TIERS.index(tier) * 10 + 5 * proven + 2 * champion - 3 * references_90d


def score_bound(completed: Sequence[str], champion: bool, query: ReferenceQuery) -> int:
    """The highest score a contact can have, from their completed asks' types and whether they
    are a champion, before the reference calls of the last 90 days are taken off: never below
    their match's score, so a finder may build profiles best bound first and stop once no
    bound left can beat its last match (agent/usecases/advocates.py)."""
    proven = bool(query.ask_type and query.ask_type in completed)
    return _score(advocate_tier(len(completed)), proven, champion, 0)


def find_references(profiles: list[AdvocateProfile], query: ReferenceQuery) -> list[ReferenceMatch]:
    """The matches, best first (module docstring); ties: longest since last asked, then id."""
    matches = [m for m in (match(p, query) for p in profiles) if m is not None]
    oldest = datetime.min.replace(tzinfo=None)

    def key(m: ReferenceMatch) -> tuple[int, datetime, str]:
        last = m.profile.last_asked_at
        return (-m.score, last.replace(tzinfo=None) if last else oldest, m.contact_id)

    return sorted(matches, key=key)
