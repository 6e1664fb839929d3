"""domain/lexicon.search and finditer read an ASCII text's lower case with the patterns
compiled without IGNORECASE (faster): they must find exactly the spans the case-insensitive
patterns find in the text, for every pattern the checks use, on any text. found_any reads a group
of patterns joined into alternations (faster): it must answer as the patterns one by one.
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
GROUPS = [
    lexicon.PLACEHOLDERS,
    lexicon.PROMPT_ECHOES,
    lexicon.COMMITMENTS,
    lexicon.PUBLICATION,
    lexicon.PRIOR_CONSENT,
    lexicon.INSTRUCTIONS,
    lexicon.INCENTIVE_PHRASES,
    checks.PERMISSION_CLAIMS,
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
    for group in GROUPS:
        one_by_one = any(pattern.search(text) for pattern in group)
        assert lexicon.found_any(group, text, lower) == one_by_one, (group, text)


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


def test_a_group_is_joined_by_flags_and_case_rule() -> None:
    # PROMPT_ECHOES: IGNORECASE ones and MULTILINE ones; PLACEHOLDERS: one names TBD.
    assert [len(lexicon.alternations(g)) for g in GROUPS[:2]] == [2, 2]
    assert len(lexicon.alternations(lexicon.PRIOR_CONSENT)) == 1
    assert lexicon.alternations(lexicon.PRIOR_CONSENT) is lexicon.alternations(
        lexicon.PRIOR_CONSENT
    )


def test_the_corpora_have_texts_each_group_finds_and_texts_it_does_not() -> None:
    """So the equality above is tested both ways for every group."""
    for group in GROUPS:
        found = [any(p.search(text) for p in group) for text in CORPUS]
        assert any(found) and not all(found), group


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
