"""Grounding checks: every number and every name in a text must come from the evidence.

A small model writes fluent text full of facts it made up: "40 hours saved", "John from our
billing team", "call 555-0199". These checks keep what a draft may state to what the model was
shown (signal texts, metrics, values, scores and dates; the account, owner and contact names and
titles), plus common words. They are deliberately strict: a false alarm costs a retry, then the
offline template; an invented fact that reaches a customer costs trust.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable
from functools import lru_cache, wraps
from typing import TypeVar

from domain.snapshot import EvidenceSnapshot

_I = re.IGNORECASE
_LETTERS = re.compile(r"[^\W\d_]+")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*(?P<clipped>…)?")
# Time asked of the customer ("20 minutes", "a 15-minute call") and rating scales are not facts.
_MINUTES = re.compile(r"\b\d+\s*-?\s*(?:minutes?|mins?)\b", _I)
_SCALE = re.compile(r"(?:/\s*|\bout of\s+)(?:5|10)\b", _I)
_SENTENCE_END = (".", "!", "?", ":", ";", "\n", "…")
_LEAD_IN = " \t\"'\u201c\u2018*\u2022-\u2013\u2014>"  # spaces, quotes, bullets, dashes

# Words a good draft capitalises in mid-sentence without naming anyone: greetings, sign-offs,
# months and days, our evidence labels, and the common words of a Title Case subject line.
_COMMON = """
    i im id ive ill ok okay hi hello hey dear thanks thank you your yours we our us best regards
    kind warm warmest many cheers sincerely all the a an and or of to for in on at by with from
    as is are be it its this that these those my me so very just quick small short big great
    monday tuesday wednesday thursday friday saturday sunday january february march april may
    june july august september october november december jan feb mar apr jun jul aug sep sept
    oct nov dec q nps csat feedback review reviews outcome outcomes renewal expansion project
    projects closed close praise support usage milestone milestones complaint testimonial
    testimonials referral referrals reference call calls case study studies story stories private
    public quote quotes permission ask asks favor favour question questions request requests
    experience experiences results result success successes partnership partner partners team
    teams customer customers account would could will can should might may share sharing tell
    help helping thoughts word words time chat conversation note update news follow up re fw
    fwd subject about how what why when where who which new next last recent recently first
    again more most great good wonderful lovely amazing happy glad grateful appreciate
    appreciation gratitude journey work working together year years month months week weeks
    day days today hope hoping love loved talking points point mention mentions
"""
COMMON_WORDS = frozenset(_COMMON.split())

T = TypeVar("T")
# Snapshots whose derived word and number sets are kept: one candidate's summary and draft
# checks, and its retry, read them again (~1 ms each time). More than a scan's 32 writing threads
# (at the default concurrency) check at once; one evicted early is only derived again.
SNAPSHOTS_KEPT = 64


def per_snapshot(derive: Callable[[EvidenceSnapshot], T]) -> Callable[[EvidenceSnapshot], T]:
    """`derive`, computed once per snapshot object (snapshots are frozen). Kept by identity,
    with the snapshot itself, so an id is never taken for another object's."""
    kept: OrderedDict[int, tuple[EvidenceSnapshot, T]] = OrderedDict()
    lock = threading.Lock()

    @wraps(derive)
    def cached(snapshot: EvidenceSnapshot) -> T:
        with lock:
            hit = kept.get(id(snapshot))
        if hit is not None and hit[0] is snapshot:
            return hit[1]
        value = derive(snapshot)
        with lock:
            kept[id(snapshot)] = (snapshot, value)
            if len(kept) > SNAPSHOTS_KEPT:
                kept.popitem(last=False)
        return value

    return cached


def _tokens(text: str) -> Iterable[str]:
    return (word.lower() for word in _LETTERS.findall(text))


def _evidence_strings(snapshot: EvidenceSnapshot) -> list[str]:
    """Everything a draft may name or count: what the model saw plus who the people are."""
    account = snapshot.account
    strings = [account.name, account.owner_name or "", account.industry or ""]
    strings += [f"{c.name} {c.title or ''}" for c in snapshot.contacts]
    for signal in snapshot.signals:
        strings += [signal.text or "", signal.metric or "", signal.value or ""]
        strings.append(f"{signal.score if signal.score is not None else ''}")
        day = signal.occurred_at
        strings.append(f"{day.year} {day.month} {day.day} {day:%B %b}")
    return strings


def _number_key(number: str) -> str:
    """'12,000' and '12000' are the same number; '3.50' stays itself."""
    return number.replace(",", "")


@per_snapshot
def evidence_numbers(snapshot: EvidenceSnapshot) -> frozenset[str]:
    return frozenset(
        _number_key(m.group(0))
        for text in _evidence_strings(snapshot)
        for m in _NUMBER.finditer(text)
    )


@per_snapshot
def evidence_words(snapshot: EvidenceSnapshot) -> frozenset[str]:
    return frozenset(word for text in _evidence_strings(snapshot) for word in _tokens(text))


def _without_known_ids(text: str, snapshot: EvidenceSnapshot) -> str:
    """Evidence ids ('s-12') hold digits that are not numbers of the story."""
    for evidence_id in sorted(snapshot.evidence_ids(), key=len, reverse=True):
        # The substring test first: compiling a pattern per id of every account is the slow part.
        if evidence_id in text:
            text = re.sub(rf"(?<![\w-]){re.escape(evidence_id)}(?![\w-])", " ", text)
    return text


def unsupported_numbers(text: str, snapshot: EvidenceSnapshot) -> list[str]:
    """Numbers in `text` that appear nowhere in the evidence (in order, once each)."""
    allowed = evidence_numbers(snapshot)
    text = _SCALE.sub(" ", _MINUTES.sub(" ", _without_known_ids(text, snapshot)))
    found: list[str] = []
    for match in _NUMBER.finditer(text):
        number = _number_key(match.group(0).rstrip("…"))
        ok = number in allowed or (
            # A quote cut short ("saved 12…") keeps the start of an evidence number.
            match.group("clipped") is not None and any(n.startswith(number) for n in allowed)
        )
        if not ok and number not in found:
            found.append(number)
    return found


def _starts_sentence(text: str, start: int) -> bool:
    before = text[:start].rstrip(_LEAD_IN)
    return not before or before.endswith(_SENTENCE_END)


@lru_cache(maxsize=1024)
def _lowercase_words(text: str) -> frozenset[str]:
    return frozenset(w for w in _LETTERS.findall(text) if w.islower())


def unsupported_names(text: str, snapshot: EvidenceSnapshot) -> list[str]:
    """Capitalised words in mid-sentence that are neither in the evidence nor common words.

    A word at the start of a sentence or line is not judged (it is capitalised anyway), nor is
    one that the text also uses in lower case ('Your Story' in a subject, 'your story' below).
    """
    allowed = evidence_words(snapshot) | COMMON_WORDS | _lowercase_words(text)
    found: list[str] = []
    for match in _LETTERS.finditer(text):
        word = match.group(0)
        if len(word) < 2 or not word[0].isupper() or word.lower() in allowed:
            continue
        if text[match.end() : match.end() + 1] == "…" or _starts_sentence(text, match.start()):
            continue
        if word not in found:
            found.append(word)
    return found
