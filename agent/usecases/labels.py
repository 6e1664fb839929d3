"""`?labels=true`: the codes of an answer, each with its label and explanation (domain/labels.py).

Machines keep reading the codes; a client that shows them to a person asks for the words once
with the answer instead of keeping its own copy of the table.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from agent.usecases.results import CandidatePage, CodeLabel, ReviewOut, ReviewPage
from domain.labels import labels_for


def _labels(codes: Iterable[str | None]) -> dict[str, CodeLabel]:
    found = labels_for(code for code in codes if code)
    return {code: CodeLabel(**words) for code, words in found.items()}


def label_candidates(page: CandidatePage) -> CandidatePage:
    codes = [
        code
        for item in page.items
        for code in (item.status, item.ask_type, *item.reasons, *item.flags)
    ]
    codes += [ask for item in page.items for ask in item.eligible_ask_types]
    return page.model_copy(update={"labels": _labels(codes)})


def label_reviews(page: ReviewPage) -> ReviewPage:
    codes = [code for item in page.items for code in (item.ask_type, *item.flags)]
    return page.model_copy(update={"labels": _labels(codes)})


def label_review(review: ReviewOut) -> ReviewOut:
    extra: dict[str, Any] = review.model_extra or {}
    report = extra.get("gate_report") or {}
    codes = [
        report.get("status"),
        *report.get("reasons", []),
        *extra.get("flags", []),
        extra.get("recommended_ask_type"),
        *extra.get("eligible_ask_types", []),
        *(review.refusal or {}).get("reasons", []),
    ]
    return review.model_copy(update={"labels": _labels(codes)})
