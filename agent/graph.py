"""The advocate graph: one thread per candidate, paused at the owner's checkpoint.

gather_evidence -> gate -> (summarize -> draft -> open_review -> owner_review -> apply_decision)
                        -> record_not_candidate when the account is no longer a candidate
"""

from __future__ import annotations

from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.graph import END, START, StateGraph
from langgraph.graph.state import CompiledStateGraph

from agent.advocate_nodes import (
    after_evidence,
    after_gate,
    after_open,
    draft,
    gate,
    gather_evidence,
    open_review,
    owner_review,
    record_not_candidate,
    summarize,
)
from agent.apply import apply_decision
from agent.deps import Deps
from agent.state import AdvocateState

AdvocateGraph = CompiledStateGraph[AdvocateState, Deps, AdvocateState, AdvocateState]


def build_advocate_graph() -> StateGraph[AdvocateState, Deps, AdvocateState, AdvocateState]:
    """The uncompiled graph; compile it with the checkpointer of your choice."""
    builder = StateGraph(AdvocateState, context_schema=Deps)
    builder.add_node("gather_evidence", gather_evidence)
    builder.add_node("gate", gate)
    builder.add_node("record_not_candidate", record_not_candidate)
    builder.add_node("summarize", summarize)
    builder.add_node("draft", draft)
    builder.add_node("open_review", open_review)
    builder.add_node("owner_review", owner_review)
    builder.add_node("apply_decision", apply_decision)
    builder.add_edge(START, "gather_evidence")
    builder.add_conditional_edges("gather_evidence", after_evidence)
    builder.add_conditional_edges("gate", after_gate)
    builder.add_edge("record_not_candidate", END)
    builder.add_edge("summarize", "draft")
    builder.add_edge("draft", "open_review")
    builder.add_conditional_edges("open_review", after_open)
    builder.add_edge("owner_review", "apply_decision")
    builder.add_edge("apply_decision", END)
    return builder


def compile_advocate_graph(checkpointer: BaseCheckpointSaver[str]) -> AdvocateGraph:
    return build_advocate_graph().compile(checkpointer=checkpointer)


def thread_config(review_id: str) -> RunnableConfig:
    """The config of a review's thread: its id only, never a pinned checkpoint."""
    return {"configurable": {"thread_id": review_id}}
