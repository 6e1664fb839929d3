"""The owner's decision use-case: claim once, re-check the gates, resume the paused thread.

The CLI, the API and the review page all call it; each maps the domain errors once.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from langgraph.types import Command
from pydantic import ValidationError
from sqlalchemy.orm import Session

from agent.apply import decided_ask, proposed_ask, with_incentive
from agent.bootstrap import Services
from agent.deps import Deps
from agent.edit_checks import edit_problems, new_text_needed
from agent.gating import gate_now
from agent.graph import AdvocateGraph
from agent.records import record_refusal
from agent.rewards import ledger_paragraph, resolve_incentive
from agent.state import thread_config
from agent.usecases.invitations import recheck_invitation
from agent.usecases.reads import visible_review
from agent.usecases.recovery import claim_is_lost, recover_claim
from agent.usecases.results import DecisionOut
from checkpoints.reviews import claim_for_decision, get_review, release_claim
from checkpoints.schemas import Decision
from domain.actors import Actor
from domain.checks import ledger_incentive_problems
from domain.errors import Conflict, Forbidden, Invalid, NotFound, Refused
from domain.meaning import problem_codes
from domain.report import GateReport
from domain.vocabulary import is_ask_type
from store.db import transaction
from store.models import Owner, Review


class ReviewNotFound(NotFound):
    pass


class NotAllowed(Forbidden):
    pass


class InvalidDecision(Invalid):
    pass


class EditHasProblems(Invalid):
    def __init__(self, problems: list[str]) -> None:
        codes = problem_codes(problems)
        super().__init__(
            f"the edited text has problems ({', '.join(codes)}): fix them, or confirm that you "
            "accept them (accept_problems)",
            problems=codes,
        )
        self.problems = codes


class AlreadyDecided(Conflict):
    def __init__(self, review_id: str, status: str) -> None:
        super().__init__(
            f"review {review_id} is already decided ({status}); nothing changed", status=status
        )
        self.status = status


class GatesNowFailing(Refused):
    def __init__(self, review_id: str, reasons: Sequence[str]) -> None:
        listed = ", ".join(reasons) or "no longer a candidate"
        super().__init__(
            f"approval of {review_id} refused: the account is now held or stopped ({listed})",
            list(reasons),
        )


class ProgramCapacityReached(Refused):
    def __init__(self, review_id: str, refusal: dict[str, Any]) -> None:
        why = "; ".join(refusal.get("why", []))
        room = str(refusal.get("room_from", ""))[:10]
        super().__init__(
            f"approval of {review_id} refused: no program it counts against has room ({why}); "
            f"nothing was written: defer it until {room}, or choose another ask type",
            list(refusal.get("reasons", [])),
        )


def decision_of(fields: dict[str, Any], *, by: str) -> Decision:
    """The caller's decision; Invalid names each wrong field (`errors`: where and what)."""
    try:
        return Decision.model_validate({**fields, "by": by})
    except ValidationError as error:
        messages = [str(item["msg"]).removeprefix("Value error, ") for item in error.errors()]
        problems = [
            {"loc": ["body", *item["loc"]], "msg": message}
            for item, message in zip(error.errors(), messages, strict=True)
        ]
        raise Invalid("; ".join(messages), errors=problems) from None


def check_decision(
    *, services: Services, actor: Actor, review_id: str, fields: dict[str, Any]
) -> Decision:
    """The signed-in owner's decision on a review they can see, validated (API and page)."""
    with services.deps.session_factory() as session:
        visible_review(session=session, actor=actor, review_id=review_id)
    return decision_of(fields, by=actor.id)


def decide_review(
    *, services: Services, review_id: str, decision: Decision, replay: bool = False
) -> DecisionOut:
    """`decide`, answered as the API and the page show it."""
    closed = decide(
        deps=services.deps,
        advocate=services.advocate,
        review_id=review_id,
        decision=decision,
        replay=replay,
    )
    return DecisionOut(
        review_id=closed.id,
        status=closed.status,
        decided_by=closed.decided_by,
        decided_at=closed.decided_at,
        decision=closed.decision,
    )


def decide(
    *,
    deps: Deps,
    advocate: AdvocateGraph,
    review_id: str,
    decision: Decision,
    replay: bool = False,
) -> Review:
    """Apply one decision to a pending review exactly once and return the closed review.

    `replay`: the same request again after its first attempt was lost with its process; when
    that attempt had applied this very decision, the closed review is the answer.
    """
    review = _current(deps, advocate, review_id)
    if replay and review.decision == decision.model_dump(mode="json"):
        return review
    with deps.session_factory() as session:
        _check_allowed(session, review, decision)
        _check_incentive(session, review, decision)
    _check_edit(review, decision, deps.clock())
    if decision.until is not None and decision.until <= deps.clock():
        raise InvalidDecision("until: must be in the future (defer re-proposes the account then)")
    with transaction(deps.session_factory) as session:
        if not claim_for_decision(session=session, review_id=review_id, now=deps.clock()):
            current = get_review(session=session, review_id=review_id)
            raise AlreadyDecided(review_id, current.status if current else "unknown")
    try:
        if decision.action in ("approve", "edit"):
            _recheck_gates(deps, review, decision)
        resume: Command[None] = Command(resume=decision.model_dump(mode="json"))
        advocate.invoke(resume, thread_config(review_id), context=deps)
    except BaseException:
        # Refused or crashed: the review goes back to the queue (a refusal released it already).
        with transaction(deps.session_factory) as session:
            release_claim(session=session, review_id=review_id)
        raise
    with deps.session_factory() as session:
        closed = get_review(session=session, review_id=review_id)
    assert closed is not None
    if closed.status == "pending":  # the apply found no capacity and gave it back
        raise ProgramCapacityReached(review_id, closed.refusal or {})
    return closed


def _current(deps: Deps, advocate: AdvocateGraph, review_id: str) -> Review:
    """The review, after finishing or releasing a claim its decider lost in a crash."""
    with deps.session_factory() as session:
        review = get_review(session=session, review_id=review_id)
    if review is None:
        raise ReviewNotFound(f"no review {review_id}")
    if not claim_is_lost(deps, review):
        return review
    recover_claim(deps, advocate, review)
    with deps.session_factory() as session:
        recovered = get_review(session=session, review_id=review_id)
    assert recovered is not None
    return recovered


def _check_allowed(session: Session, review: Review, decision: Decision) -> None:
    if decision.by != review.owner_id:
        if review.owner_only:
            raise NotAllowed(
                f"review {review.id} is owner-only: only {review.owner_id} may decide it"
            )
        if session.get(Owner, decision.by) is None:
            raise NotAllowed(f"unknown user {decision.by!r}")
    eligible = review.payload.get("eligible_ask_types", [])
    if decision.ask_type is not None and decision.ask_type not in eligible:
        raise InvalidDecision(
            f"ask type {decision.ask_type!r} is not eligible for this account;"
            f" choose one of {', '.join(eligible)}"
        )
    if review.status != "pending":
        raise AlreadyDecided(review.id, review.status)


def _check_incentive(session: Session, review: Review, decision: Decision) -> None:
    """An incentive must be one a program the account fits allows for the ask type, and the
    ask's text with it must pass the ledger check: no incentive words but the ledger's own
    paragraph, which carries the disclosure (FTC 2024 rule; G2 and Capterra)."""
    if decision.incentive is None:
        return
    ask = decided_ask(proposed_ask(review.payload), decision)
    try:
        with_text = with_incentive(session, review, ask, decision.incentive)
    except Invalid as error:
        raise InvalidDecision(str(error)) from None
    program, incentive = resolve_incentive(
        session, review.payload, ask["ask_type"], decision.incentive
    )
    problems = ledger_incentive_problems(with_text["body"], ledger_paragraph(program, incentive))
    if problems:
        raise InvalidDecision(
            "the ask with this incentive fails the ledger check: " + "; ".join(problems)
        )


def _check_edit(review: Review, decision: Decision, now: datetime) -> None:
    """A new ask type needs the owner's new text (no accepting that away). An edit's text gets
    the draft's checks, against the evidence the draft was written from (agent/edit_checks.py
    rebuilds it from the payload); the owner may accept what they flag."""
    needed = new_text_needed(review.payload, decision)
    if needed is not None:
        raise InvalidDecision(needed)
    problems = edit_problems(review.payload, decision, as_of=now)
    if problems and not decision.accept_problems:
        raise EditHasProblems(problems)


def _recheck_gates(deps: Deps, review: Review, decision: Decision) -> None:
    """Evidence may have changed while the draft waited (a ticket opened): read it again."""
    now = deps.clock()
    if not is_ask_type(review.ask_type):
        _recheck_invitation(deps, review, decision, now)
        return
    with deps.session_factory() as session:
        gated = gate_now(
            session=session, settings=deps.settings, account_id=review.account_id, now=now
        )
    report = gated.report if gated else None
    chosen = decision.ask_type or review.ask_type
    if report is not None and report.status == "candidate" and chosen in report.eligible_ask_types:
        return
    _refuse(deps, review, decision, now, _refusal_reasons(report, chosen), report)


def _recheck_invitation(deps: Deps, review: Review, decision: Decision, now: datetime) -> None:
    """An invitation to an activity: the invitation rules again (domain/invitations.py)."""
    with deps.session_factory() as session:
        reasons = recheck_invitation(
            session=session, settings=deps.settings, review=review, now=now
        )
    if reasons:
        _refuse(deps, review, decision, now, reasons, None, status="held")


def _refuse(
    deps: Deps,
    review: Review,
    decision: Decision,
    now: datetime,
    reasons: list[str],
    report: GateReport | None,
    *,
    status: str | None = None,
) -> None:
    """Record the refused approval, give the review back to the queue, and say why."""
    with transaction(deps.session_factory) as session:
        record_refusal(
            session,
            review_id=review.id,
            actor=decision.by,
            action=decision.action,
            at=now,
            changes={
                "reasons": reasons,
                "status": status or (report.status if report else "unknown_account"),
            },
        )
        release_claim(
            session=session,
            review_id=review.id,
            refusal={"reasons": reasons, "at": now.isoformat()},
        )
    raise GatesNowFailing(review.id, reasons)


def _refusal_reasons(report: GateReport | None, chosen: str) -> list[str]:
    if report is None:
        return ["account_missing"]
    if report.status != "candidate":
        return list(report.reasons)
    return [f"ask_type_no_longer_eligible:{chosen}"]
