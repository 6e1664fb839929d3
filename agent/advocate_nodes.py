"""The advocate graph's nodes. Only `apply_decision` runs after the owner's interrupt."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from langgraph.runtime import Runtime
from langgraph.types import interrupt
from sqlalchemy import select
from sqlalchemy.orm import Session

from agent.deps import Deps, deps_of
from agent.payload import build_payload
from agent.programs import program_book
from agent.records import record_events
from agent.state import AdvocateState
from agent.texts import written_texts
from checkpoints.schemas import DECISION_JSON_SCHEMA, Decision
from domain.events import event_row, gate_event
from domain.gates import evaluate
from domain.kpis import candidate_readiness
from domain.report import GateReport
from domain.snapshot import EvidenceSnapshot
from store.db import transaction
from store.models import Review
from store.writes import insert_new_rows
from tools.evidence import load_snapshot


def _now(state: AdvocateState) -> datetime:
    return datetime.fromisoformat(state["now"])


def _snapshot(state: AdvocateState) -> EvidenceSnapshot:
    return EvidenceSnapshot.model_validate(state["snapshot"])


def _report(state: AdvocateState) -> GateReport:
    return GateReport.model_validate(state["report"])


def gather_evidence(state: AdvocateState, runtime: Runtime[Deps]) -> dict[str, Any]:
    """Read the account's bounded evidence with the tools, as of the run's time."""
    deps = deps_of(runtime)
    with deps.session_factory() as session:
        snapshot = load_snapshot(
            session=session,
            account_id=state["account_id"],
            as_of=_now(state),
            limit=deps.settings.evidence_limit,
        )
    if snapshot is None:
        return {"result": "unknown_account"}
    return {"snapshot": snapshot.model_dump(mode="json")}


def gate(state: AdvocateState, runtime: Runtime[Deps]) -> dict[str, Any]:
    """Run the deterministic gates again on the evidence just read (within the program of a
    program scan), and find the programs the candidate fits."""
    deps, snapshot, now = deps_of(runtime), _snapshot(state), _now(state)
    report = evaluate(snapshot, deps.settings.policy, now)
    scanned = state.get("programs")  # a scan's candidate: its fit and capacity were read there
    if scanned is not None and not state.get("program_id"):
        return {"report": report.model_dump(mode="json"), "result": report.status}
    with deps.session_factory() as session:
        book = program_book(
            session=session, now=now, program_id=state.get("program_id"), capacity=not scanned
        )
    report, programs = book.gate(snapshot, report, now)
    return {
        "report": report.model_dump(mode="json"),
        "result": report.status,
        "programs": programs,
    }


def after_evidence(state: AdvocateState) -> Literal["gate", "__end__"]:
    return "__end__" if state.get("result") == "unknown_account" else "gate"


def after_gate(state: AdvocateState) -> Literal["write", "record_not_candidate"]:
    return "write" if state["report"]["status"] == "candidate" else "record_not_candidate"


def record_not_candidate(state: AdvocateState, runtime: Runtime[Deps]) -> dict[str, Any]:
    """The account turned out held or stopped: record why; no LLM call, no review."""
    row = gate_event(
        _report(state),
        key=state["review_id"],
        at=_now(state),
        owner_id=_snapshot(state).account.owner_id,
        scan_id=state.get("scan_id"),
    )
    if row is not None:
        with transaction(deps_of(runtime).session_factory) as session:
            record_events(session, [row])
    return {}


def write(state: AdvocateState, runtime: Runtime[Deps]) -> dict[str, Any]:
    """The LLM (or the offline drafter) writes the summary and the ask the code chose, citing
    evidence ids: one model call by default, two in the two_calls write mode."""
    return written_texts(deps_of(runtime).writer, _snapshot(state), _report(state))


def enter(
    state: AdvocateState,
) -> Literal["gather_evidence", "write", "open_review", "owner_review"]:
    """A scan hands over the evidence and the candidate report it has just read and gated:
    those runs go straight to writing (no second load, no second gate run), straight to
    opening the review when the scan has had the texts written too, or straight to the
    owner's pause when the scan has opened the review as well (`result` pending; reviews are
    opened in groups, agent/scan_drafting.py)."""
    prepared = state.get("report")
    if prepared and prepared.get("status") == "candidate" and state.get("snapshot"):
        if "summary" not in state or "draft" not in state:
            return "write"
        return "owner_review" if state.get("result") == "pending" else "open_review"
    return "gather_evidence"


def _review_flags(report: GateReport, state: AdvocateState) -> list[str]:
    flags = list(report.flags)
    if state["summary"].get("fallback") or state["draft"].get("fallback"):
        flags.append("llm_fallback")
    return flags


def open_review(state: AdvocateState, runtime: Runtime[Deps]) -> dict[str, Any]:
    """Insert the review, drafting. At most one open review per account wins the insert.

    It joins the owner's queue (`publish_reviews`) once the interrupt's checkpoint exists, so a
    crash in between leaves a draft that recovery completes or discards, never a review that
    cannot be decided. A scan opens its candidates' reviews in groups (`open_reviews`) and
    starts their runs at the pause.
    """
    deps = deps_of(runtime)
    opening = review_opening(state, deps)
    with transaction(deps.session_factory) as session:
        opened = open_reviews(session, [opening])[opening.review_id]
    return {"result": "duplicate" if opened == "duplicate" else "pending"}


@dataclass(frozen=True)
class Opening:
    """A candidate's review to open: its row and its candidate event."""

    review_id: str
    row: dict[str, Any]
    event: dict[str, Any]


def review_opening(
    state: AdvocateState,
    deps: Deps,
    evidence: tuple[EvidenceSnapshot, GateReport] | None = None,
) -> Opening:
    """The review of a run whose texts are written (`evidence`: its snapshot and report, when
    the caller holds them as objects; else they are read from the state)."""
    snapshot, report = evidence or (_snapshot(state), _report(state))
    now = _now(state)
    flags = _review_flags(report, state)
    payload = build_payload(
        review_id=state["review_id"],
        snapshot=snapshot,
        report=report,
        summary=state["summary"]["value"],
        draft=state["draft"]["value"],
        written_by=_written_by(state),
        flags=flags,
        now=now,
        send_within_days=deps.settings.policy.send_within_days,
        programs=state.get("programs", []),
        program_id=state.get("program_id"),
    )
    row = _review_row(state, snapshot, report, payload.model_dump(mode="json"))
    event = _candidate_event(state, snapshot, report, deps.settings.policy.send_within_days)
    return Opening(state["review_id"], {**row, "claimed_at": deps.clock()}, event)


Opened = Literal["inserted", "existing", "duplicate"]


def open_reviews(session: Session, openings: Sequence[Opening]) -> dict[str, Opened]:
    """Each review inserted, with its candidate event, unless another review of its account is
    open: `inserted` now, `existing` (an earlier run of the same thread inserted it; its event
    is recorded again, once) or `duplicate` (another review of the account is open)."""
    inserted = insert_new_rows(session, Review, [opening.row for opening in openings])
    existing = _existing(session, [o.review_id for o in openings if o.review_id not in inserted])
    results: dict[str, Opened] = {}
    for opening in openings:
        if opening.review_id in inserted:
            results[opening.review_id] = "inserted"
        elif opening.review_id in existing:
            results[opening.review_id] = "existing"
        else:
            results[opening.review_id] = "duplicate"
    record_events(session, [o.event for o in openings if results[o.review_id] != "duplicate"])
    return results


def _existing(session: Session, review_ids: list[str]) -> set[str]:
    """Replays of these runs (they inserted their reviews before): they go on to the interrupt."""
    if not review_ids:
        return set()
    return set(session.scalars(select(Review.id).where(Review.id.in_(review_ids))))


def _written_by(state: AdvocateState) -> dict[str, Any]:
    return {
        part: {
            key: state[part][key] for key in ("author", "prompt_version", "fallback", "failures")
        }
        for part in ("summary", "draft")
    }


def _review_row(
    state: AdvocateState, snapshot: EvidenceSnapshot, report: GateReport, payload: dict[str, Any]
) -> dict[str, Any]:
    now = _now(state)
    triggers = [s.occurred_at for s in snapshot.signals if s.id in report.trigger_signal_ids]
    return {
        "id": state["review_id"],
        "account_id": state["account_id"],
        "owner_id": snapshot.account.owner_id,
        "scan_id": state.get("scan_id"),
        "status": "drafting",
        "created_at": now,
        "trigger_at": min(triggers) if triggers else now,
        "ask_type": report.ask_type,
        "owner_only": report.owner_only,
        "flags": payload["flags"],
        "payload": payload,
    }


def _candidate_event(
    state: AdvocateState, snapshot: EvidenceSnapshot, report: GateReport, send_within_days: int
) -> dict[str, Any]:
    return event_row(
        kind="candidate_identified",
        key=state["review_id"],
        at=_now(state),
        account_id=state["account_id"],
        owner_id=snapshot.account.owner_id,
        review_id=state["review_id"],
        scan_id=state.get("scan_id"),
        data={
            **candidate_readiness(snapshot, report, _now(state), send_within_days),
            "programs": state.get("programs", []),
        },
    )


def after_open(state: AdvocateState) -> Literal["owner_review", "__end__"]:
    return "owner_review" if state.get("result") == "pending" else "__end__"


def owner_review(state: AdvocateState, runtime: Runtime[Deps]) -> dict[str, Any]:
    """Pause until the owner decides. Runs again from the top on resume: no side effects here."""
    status, payload = _stored_review(deps_of(runtime), state["review_id"])
    # A review still drafting is paused here for the first time: no resume value can come, so
    # the decision's JSON schema (for the clients' form) is the one built once, not per run.
    schema = DECISION_JSON_SCHEMA if status == "drafting" else Decision
    decision = interrupt(payload or {}, response_schema=schema)
    if not isinstance(decision, Decision):
        decision = Decision.model_validate(decision)
    return {"decision": decision.model_dump(mode="json")}


def _stored_review(deps: Deps, review_id: str) -> tuple[str | None, dict[str, Any]]:
    """The review's status and payload: read, unless a scan has just opened it for this run."""
    if deps.opened is not None and deps.opened[0] == review_id:
        return "drafting", deps.opened[1]
    with deps.session_factory() as session:
        stored = session.execute(
            select(Review.status, Review.payload).where(Review.id == review_id)
        ).first()
    return (stored[0], stored[1]) if stored is not None else (None, {})
