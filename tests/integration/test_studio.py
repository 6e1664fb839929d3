"""The graphs as LangGraph Studio runs them: from agent/studio.py (langgraph.json), no context."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.types import Command
from sqlalchemy import select

from agent import studio
from agent.scan import ScanState
from agent.state import AdvocateState
from agent.studio import close_environment_services, environment_services
from store.importer import import_bundle
from store.models import Review, ScanResult

NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
EXAMPLE = Path(__file__).parent.parent / "fixtures" / "design_example.json"
LANGGRAPH_JSON = Path(__file__).parents[2] / "langgraph.json"


@pytest.fixture
def environment(sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The settings Studio's server process would have: only the environment."""
    monkeypatch.setenv("ADVOCACY_DATABASE_URL", sqlite_url)
    import_bundle(engine=environment_services().engine, source=EXAMPLE)
    yield
    close_environment_services()


def the_review() -> Review:
    with environment_services().deps.session_factory() as session:
        return session.scalars(select(Review)).one()


@pytest.mark.usefixtures("environment")
def test_the_advocate_graph_pauses_and_resumes_without_our_context() -> None:
    # Studio's server brings its own persistence the same way.
    graph = studio.advocate.copy(update={"checkpointer": InMemorySaver()})
    config: RunnableConfig = {"configurable": {"thread_id": "studio-1"}}
    inputs: AdvocateState = {
        "account_id": "acc-001",
        "review_id": "rv-studio",
        "now": NOW.isoformat(),
    }
    paused = graph.invoke(inputs, config)
    assert paused["__interrupt__"][0].value["review_id"] == "rv-studio"
    # Studio keeps the checkpoint in its own store: the review stays drafting, out of our queue.
    assert the_review().status == "drafting"
    # Resuming is preceded by our claim on the review, as agent.usecases.decisions.decide makes it.
    with environment_services().deps.session_factory.begin() as session:
        session.get_one(Review, "rv-studio").status = "deciding"
    decision = {"action": "reject", "by": "u-ana", "reason": "tried in Studio"}
    graph.invoke(Command(resume=decision), config)
    assert the_review().status == "rejected"


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
