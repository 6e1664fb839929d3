"""A candidate's texts: what the `write` node stores and the draft helper sends back.

Its own module, free of LangGraph and the database: the draft helper (agent/draft_helper.py)
imports it at start-up, where every import is CPU the scan's helper pays before it writes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from domain.report import GateReport
from domain.snapshot import EvidenceSnapshot

if TYPE_CHECKING:  # the writer and its chat model: built where a draft is written
    from agent.writing import Writer

Texts = dict[str, Any]  # {"summary": ..., "draft": ...}, as JSON


def written_texts(writer: Writer, snapshot: EvidenceSnapshot, report: GateReport) -> Texts:
    """The `write` node's state update: the summary and the draft of a candidate's ask."""
    assert report.ask_type is not None
    summary, draft = writer.write(
        snapshot, report, ask_type=report.ask_type, channel=snapshot.account.preferred_channel
    )
    return {"summary": summary.model_dump(mode="json"), "draft": draft.model_dump(mode="json")}
