"""domain/lexicon.search and finditer read an ASCII text's lower case with the patterns
compiled without IGNORECASE (faster): they must find exactly the spans the case-insensitive
patterns find in the text, for every pattern the checks use, on any text.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain import checks, lexicon
from evals.corpus import rows

PATTERNS: list[re.Pattern[str]] = [
    *lexicon.PLACEHOLDERS,
    *lexicon.PROMPT_ECHOES,
    *lexicon.COMMITMENTS,
    *lexicon.PUBLICATION,
    *lexicon.PRIOR_CONSENT,
    *lexicon.INSTRUCTIONS,
    *lexicon.INCENTIVE_PHRASES,
    lexicon.INCENTIVE_LEXICON,
    *checks.PERMISSION_CLAIMS,
    checks.INCENTIVES,
]
CORPUS = [f"{row['subject']}\n{row['body']}" for row in rows("bad.jsonl") + rows("good.jsonl")]


def spans(matches: object) -> list[tuple[int, int]]:
    return [m.span() for m in matches]  # type: ignore[attr-defined]


def assert_same(text: str) -> None:
    lower = lexicon.lowered(text)
    for pattern in PATTERNS:
        plain = pattern.search(text)
        folded = lexicon.search(pattern, text, lower)
        assert (plain and plain.span()) == (folded and folded.span()), (pattern.pattern, text)
        assert spans(pattern.finditer(text)) == spans(lexicon.finditer(pattern, text, lower))


def test_most_patterns_are_read_case_free() -> None:
    free = [p for p in PATTERNS if lexicon._case_free(p) is not None]
    assert len(free) >= len(PATTERNS) - 1


@pytest.mark.parametrize(
    ("pattern", "case_free"),
    [
        (re.compile(r"\bas you asked\b", re.I), True),
        (re.compile(r"\bTBD\b", re.I), False),  # names an upper-case letter
        (re.compile(r"(?-i:todo)|as asked", re.I), False),  # its own case rule inline
        (re.compile(r"\bas you asked\b"), False),  # case-sensitive as written
        (re.compile(r"\Sfoo\W", re.I), True),  # escapes are not letters
    ],
)
def test_which_patterns_are_read_case_free(pattern: re.Pattern[str], case_free: bool) -> None:
    assert (lexicon._case_free(pattern) is not None) is case_free


def test_the_corpora_match_alike_in_any_case() -> None:
    for text in CORPUS:
        for variant in (text, text.upper(), text.swapcase(), text.title()):
            assert_same(variant)


def test_a_non_ascii_text_is_read_as_written() -> None:
    # U+017F (long s) matches "s" under IGNORECASE but is not "s" in lower case.
    text = "\u017fince you said yes, we will publish it"
    assert lexicon.lowered(text) is None
    assert_same(text)
    assert lexicon.search(lexicon.PRIOR_CONSENT[0], text, lexicon.lowered(text)) is not None


WORDS = sorted({w for text in CORPUS for w in re.findall(r"\S+", text)})


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from(WORDS), st.sampled_from(["lower", "upper", "title", "same"])),
        max_size=40,
    ),
    st.sampled_from([" ", "\n", ". ", ", "]),
)
def test_mixed_case_texts_match_alike(words: list[tuple[str, str]], separator: str) -> None:
    cased = [w if how == "same" else getattr(w, how)() for w, how in words]
    assert_same(separator.join(cased))
