"""The graphs as LangGraph Studio runs them: from agent/studio.py (langgraph.json), no context,
on Studio's own persistence; our side on the real checkpointer (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.types import Command
from sqlalchemy import func, select

from agent import studio
from agent.graph import AdvocateGraph
from agent.scan import ScanState
from agent.state import AdvocateState, thread_config
from agent.studio import close_environment_services, environment_services
from agent.usecases.decisions import AlreadyDecided, decide
from agent.usecases.recovery import hand_off_review, thread_paused
from checkpoints.reviews import claim_for_decision
from checkpoints.schemas import Decision
from store.db import transaction
from store.importer import import_bundle
from store.models import OwnerTask, Review, ScanResult

NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
EXAMPLE = Path(__file__).parent.parent / "fixtures" / "design_example.json"
LANGGRAPH_JSON = Path(__file__).parents[2] / "langgraph.json"


@pytest.fixture
def environment(migrated_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The settings Studio's server process would have: only the environment."""
    monkeypatch.setenv("ADVOCACY_DATABASE_URL", migrated_url)
    import_bundle(engine=environment_services().engine, source=EXAMPLE)
    yield
    close_environment_services()


def the_review() -> Review:
    with environment_services().deps.session_factory() as session:
        return session.scalars(select(Review)).one()


def tasks() -> int:
    with environment_services().deps.session_factory() as session:
        return session.scalar(select(func.count()).select_from(OwnerTask)) or 0


def draft_in_studio() -> tuple[AdvocateGraph, RunnableConfig]:
    """The advocate graph run as Studio runs it: on Studio's own persistence (an in-memory
    saver here), in a thread of Studio's naming, paused at the owner's checkpoint."""
    graph = studio.advocate.copy(update={"checkpointer": InMemorySaver()})
    config: RunnableConfig = {"configurable": {"thread_id": "studio-1"}}
    inputs: AdvocateState = {
        "account_id": "acc-001",
        "review_id": "rv-studio",
        "now": NOW.isoformat(),
    }
    paused = graph.invoke(inputs, config)
    assert paused["__interrupt__"][0].value["review_id"] == "rv-studio"
    return graph, config


@pytest.mark.usefixtures("environment")
def test_a_review_drafted_in_studio_joins_our_queue_and_is_decided_there() -> None:
    draft_in_studio()
    # Studio's thread is in Studio's store; the review got its own, paused, on our checkpointer.
    assert the_review().status == "pending"
    services = environment_services()
    assert thread_paused(services.advocate, "rv-studio")
    decision = Decision(action="approve", by="u-ana")
    closed = decide(
        deps=services.deps, advocate=services.advocate, review_id="rv-studio", decision=decision
    )
    assert closed.status == "approved" and the_review().status == "approved"
    assert tasks() == 1


@pytest.mark.usefixtures("environment")
def test_the_hand_off_is_idempotent() -> None:
    graph, config = draft_in_studio()
    services = environment_services()
    ours = services.advocate.get_state(thread_config("rv-studio"))
    hand_off_review(services.deps, services.advocate, graph.get_state(config).values)
    again = services.advocate.get_state(thread_config("rv-studio"))
    assert again.config == ours.config and again.interrupts == ours.interrupts
    assert the_review().status == "pending"


@pytest.mark.usefixtures("environment")
def test_the_advocate_graph_pauses_and_resumes_in_studio_without_our_context() -> None:
    graph, config = draft_in_studio()
    # Resuming from Studio is preceded by our claim, as agent.usecases.decisions.decide makes it.
    services = environment_services()
    with transaction(services.deps.session_factory) as session:
        assert claim_for_decision(session=session, review_id="rv-studio", now=NOW)
    decision = {"action": "reject", "by": "u-ana", "reason": "tried in Studio"}
    graph.invoke(Command(resume=decision), config)
    assert the_review().status == "rejected"
    # Our paused copy of the thread can no longer decide it: the review moved on.
    with pytest.raises(AlreadyDecided):
        decide(
            deps=services.deps,
            advocate=services.advocate,
            review_id="rv-studio",
            decision=Decision(action="approve", by="u-ana"),
        )
    assert tasks() == 0


@pytest.mark.usefixtures("environment")
def test_the_scan_graph_runs_without_our_context() -> None:
    inputs: ScanState = {"scan_id": "sc-studio", "now": NOW.isoformat()}
    studio.scan.invoke(inputs)
    with environment_services().deps.session_factory() as session:
        result = session.get_one(ScanResult, ("sc-studio", "acc-001"))
    assert (result.status, result.review_id) == ("candidate", the_review().id)


def test_langgraph_json_names_the_studio_modules_plain_compiles() -> None:
    graphs = json.loads(LANGGRAPH_JSON.read_text())["graphs"]
    assert graphs == {"advocate": "./agent/studio.py:advocate", "scan": "./agent/studio.py:scan"}
    # `langgraph dev` refuses a graph compiled with a checkpointer.
    assert studio.advocate.checkpointer is None
    assert studio.scan.checkpointer is None
