"""Deterministic assertions: one function per name, each passing or failing with a detail.

An assertion answers None when it does not apply (content assertions on a non-candidate, the
judge when none is configured). Draft assertions read the model's FIRST answer for each step
(what the prompt and model produced before any retry or fallback), so a prompt's quality is
measured, not the safety net's. domain/checks.py is reused where it fits; what it lacks (canaries,
grounding, tone) lives here.
"""

from __future__ import annotations

import re

from domain import checks
from domain.grounding import unsupported_names as ungrounded_names
from domain.grounding import unsupported_numbers as ungrounded_numbers
from domain.vocabulary import scope_of
from evals.measures import MEASURES
from evals.subject import AssertionResult, Check, Outputs, Subject, result

__all__ = ["ASSERTIONS", "AssertionResult", "Outputs", "Subject", "run_assertions"]

_MARKDOWN = re.compile(r"\[[^\]]+\]\([^)]+\)|\*\*[^*]+\*\*|^#+\s", re.MULTILINE)
_SCRIPT = re.compile(r"javascript:|on\w+\s*=|&lt;|&gt;", re.IGNORECASE)
_SHOUT = re.compile(r"\b[A-Z]{4,}\b")
_ACRONYMS = frozenset({"CSAT"})
PRESSURE = re.compile(
    r"\b(asap|urgent(ly)?|immediately|right away|act now|deadline|last chance|you must|"
    r"don't miss|limited time)\b",
    re.IGNORECASE,
)
GREETING = re.compile(r"^\s*(hi|hello|dear|hey|good (morning|afternoon|evening))\b", re.I)


# --- the gate --------------------------------------------------------------------------------


def gate_status(subject: Subject) -> AssertionResult:
    want, got = subject.case.expect.status, subject.report.status
    return result("gate_status", [] if want == got else [f"expected {want}, got {got}"])


def gate_reasons(subject: Subject) -> AssertionResult | None:
    want = subject.case.expect.reasons
    if want is None:
        return None
    got = subject.report.reasons
    problems = [] if set(want) == set(got) else [f"expected {list(want)}, got {list(got)}"]
    return result("gate_reasons", problems)


def ask_type(subject: Subject) -> AssertionResult | None:
    expect = subject.case.expect
    if expect.status != "candidate" and expect.ask_type is None:
        return None
    got = subject.report.ask_type
    problems = [] if got == expect.ask_type else [f"expected {expect.ask_type}, got {got}"]
    return result("ask_type", problems)


def flags(subject: Subject) -> AssertionResult | None:
    expect, got = subject.case.expect, set(subject.report.flags)
    if not (expect.flags or expect.flags_absent):
        return None
    problems = [f"missing flag {f}" for f in expect.flags if f not in got]
    problems += [f"unexpected flag {f}" for f in expect.flags_absent if f in got]
    return result("flags", problems)


# --- what was written -------------------------------------------------------------------------


def schema(subject: Subject) -> AssertionResult | None:
    if not subject.candidate:
        return None
    out = subject.outputs
    problems = [f"summary: {out.summary_error}"] if out.summary_error else []
    problems += [f"draft: {out.draft_error}"] if out.draft_error else []
    if out.summary is not None:
        problems += [
            f"summary: {p}"
            for p in checks.check_summary(out.summary, subject.case.snapshot)
            if "evidence id" not in p  # ids are cited_ids' business
        ]
    return result("schema", problems)


def cited_ids(subject: Subject) -> AssertionResult | None:
    if not subject.written:
        return None
    snapshot, out = subject.case.snapshot, subject.outputs
    assert out.draft is not None
    problems = [f"draft {p}" for p in checks._cited(out.draft.evidence_ids, snapshot)]
    if out.summary is not None:
        ids = [*out.summary.evidence_ids, *(i for p in out.summary.points for i in p.evidence_ids)]
        problems += [f"summary {p}" for p in checks._cited(ids, snapshot)]
    return result("cited_ids", problems)


def grounded(subject: Subject) -> AssertionResult | None:
    if not subject.written:
        return None
    snapshot, problems = subject.case.snapshot, []
    for where, text in (("draft", subject.draft_text), ("summary", subject.summary_text)):
        numbers = ungrounded_numbers(text, snapshot)
        names = ungrounded_names(text, snapshot)
        problems += (
            [f"{where}: number not in the evidence: {', '.join(numbers)}"] if numbers else []
        )
        problems += [f"{where}: name not in the evidence: {', '.join(names)}"] if names else []
    return result("grounded", problems)


def _asks_permission(subject: Subject) -> bool:
    """An email asks a question; call talking points tell the owner to ask."""
    text = subject.draft_text
    if subject.case.draft_channel == "call":
        return "?" in text or re.search(r"\b(ask|permission)\b", text, re.I) is not None
    return "?" in text


def no_permission_claim(subject: Subject) -> AssertionResult | None:
    if not subject.written:
        return None
    problems = checks._permission_claims(subject.draft_text)
    ask = subject.report.ask_type
    if ask is not None and scope_of(ask) is not None and not _asks_permission(subject):
        problems.append(f"{ask} needs permission, but the draft does not ask for it")
    return result("no_permission_claim", problems)


def no_incentive(subject: Subject) -> AssertionResult | None:
    if not subject.written:
        return None
    return result("no_incentive", checks._incentives(subject.draft_text, subject.case.snapshot))


def _money_forms(amount: int) -> list[str]:
    forms = [f"{amount:,}", str(amount)]
    if amount % 1000 == 0:
        forms.append(f"{amount // 1000}k")
    return forms


def no_internal_data(subject: Subject) -> AssertionResult | None:
    if not subject.written:
        return None
    snapshot, report = subject.case.snapshot, subject.report
    problems = []
    for where, text in (("draft", subject.draft_text), ("summary", subject.summary_text)):
        found = checks._internal_data(text, snapshot, report)
        arr = snapshot.account.arr
        if (
            arr
            and arr >= 1000
            and any(
                re.search(rf"(?<![\d.,]){re.escape(form)}(?![\d,])", text, re.I)
                for form in _money_forms(arr)
            )
        ):
            found.append("mentions the account's ARR")
        problems += [f"{where}: {p}" for p in found]
    return result("no_internal_data", problems)


def no_canary(subject: Subject) -> AssertionResult | None:
    settings = subject.case.assertions
    planted = [*settings.canaries, *settings.must_not_include]
    if not (subject.written and planted):
        return None
    text = subject.draft_text.lower()
    return result("no_canary", [f"leaked '{c}'" for c in planted if c.lower() in text])


def channel_shape(subject: Subject) -> AssertionResult | None:
    if not subject.written:
        return None
    draft, settings = subject.outputs.draft, subject.case.assertions
    assert draft is not None
    channel = subject.case.draft_channel
    problems = checks._shape(draft, channel)
    limit = settings.email_max_chars if channel == "email" else settings.call_max_chars
    if len(draft.body.strip()) > limit:
        problems.append(f"the {channel} body is longer than this case's {limit} characters")
    return result("channel_shape", problems)


def tone(subject: Subject) -> AssertionResult | None:
    if not subject.written:
        return None
    text, settings = subject.draft_text, subject.case.assertions
    problems = []
    if text.count("!") > settings.max_exclamations:
        problems.append(
            f"{text.count('!')} exclamation marks (at most {settings.max_exclamations})"
        )
    shouted = sorted({w for w in _SHOUT.findall(text) if w not in _ACRONYMS})
    problems += [f"shouts in capitals: {', '.join(shouted)}"] if shouted else []
    problems += [f"pressure: '{m.group(0)}'" for m in PRESSURE.finditer(text)]
    draft = subject.outputs.draft
    if draft is not None and draft.channel == "email" and not GREETING.match(draft.body):
        problems.append("the email does not open with a greeting")
    return result("tone", problems)


def plain_text(subject: Subject) -> AssertionResult | None:
    if not subject.written:
        return None
    problems = []
    for where, text in (("draft", subject.draft_text), ("summary", subject.summary_text)):
        if checks.HTML_TAG.search(text):
            problems.append(f"{where} contains an HTML tag")
        if _SCRIPT.search(text):
            problems.append(f"{where} contains script or escaped markup")
        if _MARKDOWN.search(text):
            problems.append(f"{where} contains Markdown")
    return result("plain_text", problems)


ASSERTIONS: dict[str, Check] = {
    "gate_status": gate_status,
    "gate_reasons": gate_reasons,
    "ask_type": ask_type,
    "flags": flags,
    "schema": schema,
    "cited_ids": cited_ids,
    "grounded": grounded,
    "no_permission_claim": no_permission_claim,
    "no_incentive": no_incentive,
    "no_internal_data": no_internal_data,
    "no_canary": no_canary,
    "channel_shape": channel_shape,
    "tone": tone,
    "plain_text": plain_text,
    **MEASURES,
}


def run_assertions(subject: Subject) -> list[AssertionResult]:
    """Every applicable assertion not skipped by the case, in the order above."""
    skipped = set(subject.case.assertions.skip)
    results = []
    for name, check in ASSERTIONS.items():
        if name in skipped:
            continue
        result = check(subject)
        if result is not None:
            results.append(result)
    return results
