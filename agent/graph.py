"""The advocate graph: one thread per candidate, paused at the owner's checkpoint.

gather_evidence -> gate -> (write -> open_review -> owner_review -> apply_decision)
                        -> record_not_candidate when the account is no longer a candidate
apply_decision -> owner_review again when the approval is refused for capacity

A scan's run starts at `write` (the scan passes the evidence and the report it has just gated),
at `open_review` when the scan has had the texts written as well, or at `owner_review` when the
scan has opened the review too (agent/scan_drafting.py).
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any, Protocol

from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.graph import END, START, StateGraph
from langgraph.graph.state import CompiledStateGraph
from langgraph.runtime import Runtime

from agent.advocate_nodes import (
    after_evidence,
    after_gate,
    after_open,
    enter,
    gate,
    gather_evidence,
    open_review,
    owner_review,
    record_not_candidate,
    write,
)
from agent.apply import after_apply, apply_decision
from agent.deps import Deps
from agent.state import AdvocateState

AdvocateGraph = CompiledStateGraph[AdvocateState, Deps, AdvocateState, AdvocateState]


class Node(Protocol):
    """A node of the advocate graph: the state and the run's services in, a state update out."""

    def __call__(self, state: AdvocateState, runtime: Runtime[Deps]) -> dict[str, Any]: ...


def build_advocate_graph(
    *, before_pause: Node | None = None
) -> StateGraph[AdvocateState, Deps, AdvocateState, AdvocateState]:
    """The uncompiled graph; compile it with the checkpointer of your choice.

    `before_pause` runs between open_review and owner_review (Studio's hand-off of the review to
    our checkpointer, agent/studio.py); it must be idempotent and must not pause.
    """
    builder = StateGraph(AdvocateState, context_schema=Deps)
    builder.add_node("gather_evidence", gather_evidence)
    builder.add_node("gate", gate)
    builder.add_node("record_not_candidate", record_not_candidate)
    builder.add_node("write", write)
    builder.add_node("open_review", open_review)
    builder.add_node("owner_review", owner_review)
    builder.add_node("apply_decision", apply_decision)
    builder.add_conditional_edges(START, enter)
    builder.add_conditional_edges("gather_evidence", after_evidence)
    builder.add_conditional_edges("gate", after_gate)
    builder.add_edge("record_not_candidate", END)
    builder.add_edge("write", "open_review")
    if before_pause is None:
        builder.add_conditional_edges("open_review", after_open)
    else:
        builder.add_node("before_pause", before_pause)
        paths: dict[Hashable, str] = {"owner_review": "before_pause", END: END}
        builder.add_conditional_edges("open_review", after_open, paths)
        builder.add_edge("before_pause", "owner_review")
    builder.add_edge("owner_review", "apply_decision")
    builder.add_conditional_edges("apply_decision", after_apply)
    return builder


def compile_advocate_graph(checkpointer: BaseCheckpointSaver[str]) -> AdvocateGraph:
    return build_advocate_graph().compile(checkpointer=checkpointer)
