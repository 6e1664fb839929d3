"""Plain measures of a text: words, characters, reading grade, similarity, and a word diff.

Pure functions, no model: what a prompt change aims at (shorter, simpler, closer to a
reference) measured the same way offline and live.
"""

from __future__ import annotations

import difflib
import math
import re
from collections import Counter
from typing import Literal

_WORD = re.compile(r"[A-Za-z0-9]+(?:['\u2019][A-Za-z]+)?")
_SENTENCE_END = re.compile(r"[.!?]+(?=\s|$)|\n\s*\n")
_VOWELS = re.compile(r"[aeiouy]+")
_TOKEN = re.compile(r"\s+|[^\s]+")

DiffOp = Literal["=", "-", "+"]


def words(text: str) -> list[str]:
    return _WORD.findall(text)


def word_count(text: str) -> int:
    return len(words(text))


def syllables(word: str) -> int:
    """Vowel groups, less a silent final e: the usual estimate, never below one."""
    lowered = word.lower()
    count = len(_VOWELS.findall(lowered))
    if lowered.endswith("e") and not lowered.endswith(("le", "ee")) and count > 1:
        count -= 1
    return max(1, count)


def sentence_count(text: str) -> int:
    parts = [p for p in _SENTENCE_END.split(text) if words(p)]
    return max(1, len(parts))


def reading_grade(text: str) -> float | None:
    """Flesch-Kincaid grade level (US school years); None for a text without words."""
    found = words(text)
    if not found:
        return None
    per_sentence = len(found) / sentence_count(text)
    per_word = sum(syllables(w) for w in found) / len(found)
    return round(0.39 * per_sentence + 11.8 * per_word - 15.59, 1)


def similarity(text: str, reference: str) -> float:
    """Cosine similarity of the two texts' lower-cased word counts, from 0 to 1."""
    a = Counter(w.lower() for w in words(text))
    b = Counter(w.lower() for w in words(reference))
    norm = math.sqrt(sum(v * v for v in a.values())) * math.sqrt(sum(v * v for v in b.values()))
    if not norm:
        return 0.0
    return round(sum(a[w] * b[w] for w in a) / norm, 3)


def word_diff(before: str, after: str) -> list[tuple[DiffOp, str]]:
    """`after` against `before`, word by word: runs kept (=), removed (-) and added (+)."""
    old, new = _TOKEN.findall(before), _TOKEN.findall(after)
    parts: list[tuple[DiffOp, str]] = []
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            parts.append(("=", "".join(old[i1:i2])))
            continue
        if i2 > i1:
            parts.append(("-", "".join(old[i1:i2])))
        if j2 > j1:
            parts.append(("+", "".join(new[j1:j2])))
    return parts
