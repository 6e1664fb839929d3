"""Patterns that read a draft's meaning: the words and phrases behind each semantic check.

Measured on evals/corpora/bad.jsonl (every planted draft caught) and good.jsonl (drafts written
from realistic evidence that must pass); add a phrase here with a row in both files.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cache

_I = re.IGNORECASE
_M = re.IGNORECASE | re.MULTILINE
_DAY = r"(monday|tuesday|wednesday|thursday|friday|saturday|sunday)"
_MONTH = r"(january|february|march|april|may|june|july|august|september|october|november|december)"


def _any(*patterns: str, flags: int = _I) -> tuple[re.Pattern[str], ...]:
    return tuple(re.compile(pattern, flags) for pattern in patterns)


# Inline flags ("(?i)", "(?-i:...)") make a pattern's case rules its own.
_INLINE_FLAGS = re.compile(r"\(\?[aiLmsux-]+[:)]")
_ESCAPE = re.compile(r"\\.")
_CASE_FREE: dict[tuple[str, int], re.Pattern[str] | None] = {}


def lowered(text: str) -> str | None:
    """The lower case of an ASCII text, where `search`/`finditer` may read it; else None."""
    return text.lower() if text.isascii() else None


def _case_free(pattern: re.Pattern[str]) -> re.Pattern[str] | None:
    """`pattern` without IGNORECASE, for an ASCII text's lower case: Python's re is 1.3-4x
    slower with IGNORECASE. Over ASCII, a pattern naming no upper-case letter matches the
    lowered text at exactly the spans where the case-insensitive one matches the text. None
    for a pattern that is case-sensitive, sets flags inline or names an upper-case letter."""
    key = source, flags = pattern.pattern, pattern.flags
    if key not in _CASE_FREE:
        free = (
            flags & re.IGNORECASE
            and not _INLINE_FLAGS.search(source)
            and not any(c.isupper() for c in _ESCAPE.sub("", source))
        )
        _CASE_FREE[key] = re.compile(source, flags & ~re.IGNORECASE) if free else None
    return _CASE_FREE[key]


def search(pattern: re.Pattern[str], text: str, lower: str | None) -> re.Match[str] | None:
    """`pattern.search(text)`, read in `lower` (`lowered(text)`) where that is faster: the
    match's span is the text's, its group(0) may be in lower case."""
    if lower is not None and (free := _case_free(pattern)) is not None:
        return free.search(lower)
    return pattern.search(text)


def finditer(pattern: re.Pattern[str], text: str, lower: str | None) -> Iterator[re.Match[str]]:
    """`pattern.finditer(text)`, as `search` reads it."""
    if lower is not None and (free := _case_free(pattern)) is not None:
        return free.finditer(lower)
    return pattern.finditer(text)


def found_any(patterns: tuple[re.Pattern[str], ...], text: str, lower: str | None) -> bool:
    """Whether any of `patterns` matches `text`, read as `search` reads it, in one pass per
    alternation of `alternations(patterns)` rather than one per pattern."""
    return any(search(pattern, text, lower) for pattern in alternations(patterns))


@cache
def alternations(patterns: tuple[re.Pattern[str], ...]) -> tuple[re.Pattern[str], ...]:
    """`patterns` joined into as few alternations as keep their meaning: one per set of flags,
    the patterns `search` reads case-free apart from the others so the join keeps that speed.
    Some pattern matches a text exactly when one of the joins does (a join's groups are
    renumbered, which `found_any` never reads). Over the checks' drafts this read ~30% faster."""
    joined: dict[tuple[int, bool], list[str]] = {}
    for pattern in patterns:
        key = (pattern.flags, _case_free(pattern) is not None)
        joined.setdefault(key, []).append(f"(?:{pattern.pattern})")
    return tuple(re.compile("|".join(sources), flags) for (flags, _), sources in joined.items())


# Template syntax a model leaves unfilled: [url], {name}, {{x}}, <first name>, XXX, TBD.
PLACEHOLDERS = _any(
    r"\[[^\[\]\n]{1,40}\]",
    r"\{\{?\s*[\w .-]{0,40}\s*\}\}?",
    r"<\s*(first|last|full|your|their|recipient|customer|contact|company|sender|owner|name|"
    r"date|time|link|url|email|phone|signature)\b[^<>\n]{0,30}>",
    r"(?-i:\bX{3,}\b|\bTBD\b|\bTBC\b|\bTODO\b|\bINSERT\b|\bN/A\b)",
    r"\blorem ipsum\b|_{3,}|\.{3}\s*\]",
    r"\b(your|recipient'?s?|contact'?s?|customer'?s?|company|first) name here\b",
    r"\binsert (name|date|link|url|company|time)\b",
)

# Our own prompt and its labels (prompts/*.md, agent/writing.py, agent/prompt_evidence.py).
PROMPT_ECHOES = (
    *_any(
        r"customer data|untrusted|never instructions|quoted data|data ends|<<<|>>>",
        r"\bevidence[ _-]?(ids?|items?|blocks?|records?)\b|\bask[ _]type\b|chosen by our policy",
        r"what this ask means|contact to address|output contract|channel[ _]contract",
        r"permission[ _]instruction|summary[ _]block|field descriptions?|structured output",
        r"write the (email|call) draft|\bas an ai\b|\blanguage model\b|\bour policy\b",
        r'"\w+"\s*:\s*["\[{\d]',
        r"\bchannel:\s*(email|call)\b|\bpermission:\s*(this ask|nothing will)",
    ),
    *_any(
        r"^\s*(channel|permission|account|ask type|contact|subject|body|headline|points?|"
        r"evidence|summary|system|user|assistant)\s*:",
        r"^\s*#{1,3}\s*(system|user|summary|evidence)\b",
        flags=_M,
    ),
)
EVIDENCE_ID = re.compile(r"(?<![\w-])(?:[scatr]-\d+|perm:[\w:-]+)(?![\w-])")

# Promises of dates, deliveries or publication.
_FUTURE = r"\b(we|i)('ll| will| shall|'re going to| are going to| am going to|'m going to)\b"
_DELIVER = r"\b(send|publish|post|deliver|ship|share|release|feature|mail|email|launch|have)\w*"
_WHEN = (
    rf"\b(tomorrow|tonight|today|this (morning|afternoon|evening|week|weekend|month)|"
    rf"next (week|month|{_DAY})|(on |by |this |next )?{_DAY}|{_MONTH} \d|"
    r"at \d{1,2}(:\d\d)?\s*(am|pm|a\.m\.|p\.m\.)?|\d{1,2}(:\d\d)?\s*(am|pm)\b|"
    r"by (the )?(end of|eod|eow|close of)|within (\d+|a|the next|two|three) \w+|"
    r"in (a|two|three|\d+) (days?|weeks?|hours?)|first thing|right away|immediately)"
)
COMMITMENTS = _any(rf"{_FUTURE}.*{_DELIVER}.*{_WHEN}|{_FUTURE}.*{_WHEN}.*{_DELIVER}")
PUBLICATION = _any(
    r"\byour (case study|story|quote|testimonial|review|interview|article|feature|logo|video|"
    r"words)\b[^.?!]{0,40}\b(will|is going to|is set to|is scheduled to) (be |go )?"
    r"(published|live|posted|featured|shared|released|out|up|online|printed)\b",
    r"\b(will|is going to) (be )?(published|posted|go live|going live)\b",
    r"\b(scheduled|slated|set) (for|to go) (publication|live)\b|\bgoes live\b",
)

# Claims that the customer already said yes (extend domain/checks.PERMISSION_CLAIMS).
PRIOR_CONSENT = _any(
    r"\b(since|because|now that|as) you('ve| have)? (already )?(said|told us|told me) "
    r"(yes|we could|we can|that we could|it was fine|it's fine|it is fine)",
    r"\b(you|she|he|they)('ve| have| has)? (already )?said yes\b",
    r"\b(you|she|he|they)('ve| have| has)? already (agreed|approved|consented)\b",
    r"\byou (said|told (us|me)) (that )?(we|i) (could|can|may|were free to)\b",
    r"\bas (we )?(agreed|arranged|confirmed) (on|during|in|over|at) (our|the|your) "
    r"(call|meeting|chat|conversation|email)",
    r"\bper (our|your) (agreement|ok|okay|go-ahead|approval)\b|\bas we agreed\b",
    r"\byou('ve| have)? (kindly )?(given|gave) us the (green light|go-ahead|nod|thumbs up)",
    r"\b(thanks?( you)?|grateful) for (saying yes|the yes|the green light|the go-ahead|"
    r"signing off)",
    r"\bsince you('re| are) (happy|fine|ok|okay|comfortable) (for us |with us |with it )?to\b",
    r"\byou('ve| have)? (already )?(confirmed|okayed|ok'd|signed off on) (that )?(we|the|your)",
    r"\bas promised,? (we|i)('ll| will) (publish|share|feature|post)",
)

# Doing what a text in the evidence asked: copying people in, forwarding, acting on requests.
INSTRUCTIONS = _any(
    r"\bas (you )?(asked|requested|instructed|directed)\b|\bas you wanted\b",
    r"\b(per|following|at) your (request|instructions?)\b",
    r"\b(i|we)('ve| have)? (copied|cc'?d|cc-?ed|bcc'?d|looped in|forwarded)\b",
    r"\b(copying|cc'?ing|looping in)\b|\bb?cc:|\b(i|we)('ll| will) (copy|cc|loop in)\b",
    r"\b(forward|forwarding) (this|it|your (note|message|email|feedback)) (on )?to\b",
    r"\b(i|we)('ve| have)? (marked|set|updated) (this|the|your) (account|status)\b",
    r"\bignor(e|ing|ed) (the |all )?(previous|prior|earlier|your) (instructions|rules)\b",
)

# Anything offered in return; there is no rewards ledger yet, so every mention is a problem.
INCENTIVE_WORDS = (
    "gift",
    "gifts",
    "gift card",
    "gift certificate",
    "e-gift",
    "swag",
    "swag bag",
    "hoodie",
    "hoodies",
    "sweatshirt",
    "t-shirt",
    "t-shirts",
    "tshirt",
    "tee",
    "mug",
    "mugs",
    "merch",
    "merchandise",
    "goodies",
    "goodie bag",
    "care package",
    "stickers",
    "water bottle",
    "tote bag",
    "voucher",
    "vouchers",
    "coupon",
    "coupons",
    "credit",
    "credits",
    "discount",
    "discounts",
    "free month",
    "free months",
    "raffle",
    "prize",
    "prizes",
    "prize draw",
    "lottery",
    "sweepstakes",
    "honorarium",
    "stipend",
    "donation",
    "loyalty points",
    "amazon card",
    "on the house",
    "our treat",
    "my treat",
    "keepsake",
)
INCENTIVE_LEXICON = re.compile(
    r"\b("
    + "|".join(re.escape(w) for w in sorted(INCENTIVE_WORDS, key=len, reverse=True))
    + r")\b",
    _I,
)
INCENTIVE_PHRASES = _any(
    r"\b(send|give|offer|ship|mail|treat|get|gift)\b[^.?!]{0,60}\bas a (small |little |tiny )?"
    r"(thank[- ]?you|thanks|token)\b",
    r"\bas a (small |little |tiny )?(thank[- ]?you|token of (our )?(thanks|appreciation))"
    r",? (we|i)('d| would| will|'ll| want to| wanted to| are| am)",
    r"\bin (exchange|appreciation) for\b|\b(little|small) something\b",
    r"\b(enter|entered|entry) (you )?(into|in) (a|the|our) (draw|raffle|giveaway|contest)",
    r"\ba chance to win\b|\bwe('d| would) (love to )?donate\b",
    r"\bfree (lunch|dinner|coffee|tickets?|pass(es)?|training|onboarding|consulting|add-?on|"
    r"licen[cs]e|plan|tier|premium|shirt|hoodie|mug|gift|samples?|trip|seats?)\b",
    r"\b(event|conference) (tickets?|pass(es)?)\b|\btickets to (our|the|a)\b",
)
_THANKS_BEFORE = re.compile(r"thank(s| you)[\w ,]{0,12}$", _I)
FOR_YOUR_TIME = re.compile(r"\bfor your time\b", _I)


def paid_for_time(text: str) -> bool:
    """'for your time' as payment ('$50 for your time'), not as thanks ('thanks for your time')."""
    return any(
        not _THANKS_BEFORE.search(text[max(0, m.start() - 24) : m.start()])
        for m in FOR_YOUR_TIME.finditer(text)
    )
