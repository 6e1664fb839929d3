"""Grounding: numbers and names in a text that the evidence does not hold.

Deterministic and deliberately simple. A number is grounded when the evidence the model could
see (signal texts, metrics, values, scores, dates) or a name it was given holds it; a number
followed by a time unit ("20 minutes") is part of the ask, not a claim. A name is a capitalised
word inside a sentence (not its first word) that appears nowhere in the evidence, the account,
the contacts or the owner, and is not a common capitalised word (months, days, acronyms...).
"""

from __future__ import annotations

import re

from agent.prompt_evidence import evidence_record
from tools.snapshot import EvidenceSnapshot

_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_TIME_UNIT = re.compile(r"\s*(?:-\s*)?(?:minutes?|mins?|hours?|days?|weeks?|seconds?)\b", re.I)
_WORD = re.compile(r"[A-Za-zÀ-ÿ][\w'\-]*")
_SENTENCE = re.compile(r"(?<=[.!?:;])\s+|\n+")
_LEAD = re.compile(r"^[\s\-*•>\"'(]+")
_RIGHT_QUOTE = "\u2019"  # typographic apostrophe, read as '
SCALES = frozenset({"5", "10"})  # "4/5", "9 out of 10"
_COMMON_WORDS = """i i'm i'd i've i'll q1 q2 q3 q4 nps csat ok okay
    january february march april may june july august september october november december
    jan feb mar apr jun jul aug sep sept oct nov dec
    monday tuesday wednesday thursday friday saturday sunday
    thank thanks hi hello dear best warm regards kind cheers
    email call permission ask outcome review feedback renewal expansion"""
COMMON_CAPITALISED = frozenset(_COMMON_WORDS.split())


def _normal(number: str) -> str:
    return number.replace(",", "").rstrip(".").lstrip("0") or "0"


def _numbers(text: str) -> set[str]:
    return {_normal(m.group(0)) for m in _NUMBER.finditer(text)}


def known_text(snapshot: EvidenceSnapshot) -> str:
    """Every string the writer may ground a claim on: evidence records and the names it got."""
    parts: list[str] = [snapshot.account.name, snapshot.account.owner_name or ""]
    parts += [contact.name for contact in snapshot.contacts]
    for signal in snapshot.signals:
        record = evidence_record(signal)
        parts += [str(value) for value in record.values() if value is not None]
        parts.append(signal.occurred_at.strftime("%d %b %Y %B"))
        parts.append(signal.kind.replace("_", " "))  # "Praise for support", "Usage milestone"
    return "\n".join(parts)


def ungrounded_numbers(text: str, snapshot: EvidenceSnapshot) -> list[str]:
    """Numbers in `text` that the evidence does not hold (time spans of the ask excepted)."""
    allowed = _numbers(known_text(snapshot)) | SCALES
    found = []
    for match in _NUMBER.finditer(text):
        if _TIME_UNIT.match(text, match.end()):
            continue
        if _normal(match.group(0)) not in allowed:
            found.append(match.group(0))
    return sorted(set(found))


def ungrounded_names(text: str, snapshot: EvidenceSnapshot) -> list[str]:
    """Capitalised words inside sentences that no evidence, name or common word accounts for."""
    text = text.replace(_RIGHT_QUOTE, "'")
    vocabulary = {w.lower() for w in _WORD.findall(known_text(snapshot))} | COMMON_CAPITALISED
    found = []
    for sentence in _SENTENCE.split(text):
        words = _WORD.findall(_LEAD.sub("", sentence))
        for word in words[1:]:
            bare = word.strip("'-")
            if bare[:1].isupper() and bare.lower() not in vocabulary:
                found.append(bare)
    return sorted(set(found))
