"""Invitations to a program's activities (issue 12): the account owner invites an
expansion-eligible advocate, and a normal review opens for the activity, drafted and paused at
the owner's checkpoint like any other; approving it makes the owner task and the ask history.

The CLI, the API and the advocate page call `invite`; the page lists `invitation_options`. The
rules are domain/invitations.py's; this reads what they need and runs the advocate graph from
its `write` node with the invitation's evidence and report. The approval re-checks the same
rules (`recheck_invitation`, agent/usecases/decisions.py).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from agent.bootstrap import Services
from agent.programs import counted_asks
from agent.records import record_audit
from agent.settings import Settings
from agent.state import AdvocateState, thread_config
from checkpoints.reviews import open_review_kinds, publish_reviews
from domain.actors import Actor
from domain.advocates import expansion_eligible
from domain.errors import Conflict, Forbidden, Invalid, Refused, not_found
from domain.invitations import (
    Blocker,
    first_open_activity,
    invitation_blockers,
    invitation_report,
)
from domain.labels import label_of
from domain.programs import CountedAsk, Program, ProgramId
from domain.snapshot import ContactItem, EvidenceSnapshot
from domain.vocabulary import Activity
from store import advocates as advocate_store
from store import programs as program_store
from store.db import transaction
from store.models import Review
from tools.evidence import load_snapshot


class InvitationIn(BaseModel):
    """Invite the contact to an activity of a program; the owner approves the draft after."""

    program: ProgramId = Field(description="The program's id (GET /v1/programs).")
    activity: Activity | None = Field(
        None,
        description="The activity; none: the program's first one the contact may be invited to.",
    )
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"program": "insiders", "activity": "advisory_board"}]},
    )


class InvitationOut(BaseModel):
    """The review the invitation opened, pending the owner's decision."""

    review_id: str
    status: str
    account_id: str
    contact_id: str
    program_id: str
    activity: Activity


class BlockerOut(BaseModel):
    code: str
    label: str
    why: str


class ActivityOption(BaseModel):
    """One activity of a program for this contact now: open (no blockers) or why not."""

    program_id: str
    program_name: str
    activity: Activity
    label: str
    blockers: list[BlockerOut]
    contact_id: str | None = None


class InvitationRefused(Refused):
    def __init__(self, contact_id: str, activity: str, blockers: tuple[Blocker, ...]) -> None:
        words = "; ".join(f"{label_of(b.code).label}: {b.why}" for b in blockers)
        super().__init__(
            f"invitation of {contact_id} to {label_of(activity).label} refused: {words}",
            list(dict.fromkeys(b.code for b in blockers)),
        )
        self.details["why"] = [b.why for b in blockers]


@dataclass(frozen=True)
class _Standing:
    """What the invitation rules read of one contact now."""

    contact: ContactItem
    snapshot: EvidenceSnapshot
    program_asks: dict[str, list[CountedAsk]]
    open_reviews: list[str]


def _check_role(actor: Actor) -> None:
    if actor.role not in ("owner", "admin"):
        raise Forbidden(f"the {actor.role} role may not invite an advocate")


def _standing(
    session: Session,
    actor: Actor,
    contact_id: str,
    settings: Settings,
    now: datetime,
    excluding: str | None = None,
) -> _Standing:
    """The contact (another owner's: not found), the account's evidence, the asks approved
    against each program this quarter, and the account's open reviews."""
    owner = actor.id if actor.is_owner else None
    rows = advocate_store.contact_rows(session=session, contact_ids=[contact_id], owner_id=owner)
    if not rows:
        raise not_found(f"contact {contact_id}")
    contact, account = rows[0]
    snapshot = load_snapshot(
        session=session, account_id=account.id, as_of=now, limit=settings.evidence_limit
    )
    if snapshot is None:
        raise not_found(f"contact {contact_id}")
    reviews = open_review_kinds(
        session=session, account_id=account.id, now=now, excluding=excluding
    )
    asks = counted_asks(session=session, now=now)
    return _Standing(contact, snapshot, dict(asks), reviews)


def _blockers(
    standing: _Standing, program: Program, activity: Activity, settings: Settings, now: datetime
) -> tuple[Blocker, ...]:
    return invitation_blockers(
        program=program,
        activity=activity,
        contact=standing.contact,
        snapshot=standing.snapshot,
        policy=settings.policy,
        now=now,
        program_asks=standing.program_asks.get(program.id, []),
        open_reviews=standing.open_reviews,
    )


def invitation_options(
    *, session: Session, actor: Actor, contact_id: str, settings: Settings, now: datetime
) -> list[ActivityOption]:
    """Every activity of every program for the contact now, each open or with its blockers."""
    standing = _standing(session, actor, contact_id, settings, now)
    return [
        ActivityOption(
            program_id=program.id,
            program_name=program.name,
            activity=activity,
            label=label_of(activity).label,
            blockers=[
                BlockerOut(code=b.code, label=label_of(b.code).label, why=b.why)
                for b in _blockers(standing, program, activity, settings, now)
            ],
        )
        for program in program_store.programs(session=session)
        for activity in program.activities
    ]


def invite(
    *, services: Services, actor: Actor, contact_id: str, invitation: InvitationIn
) -> InvitationOut:
    """Open the invitation's review (drafted, paused for the owner), or refuse with every
    reason. The contact's account owner or an admin only."""
    _check_role(actor)
    deps = services.deps
    now = deps.clock()
    with deps.session_factory() as session:
        standing = _standing(session, actor, contact_id, deps.settings, now)
        program = program_store.program(session=session, program_id=invitation.program)
    if program is None:
        raise Invalid(f"program: no program {invitation.program!r}")
    activity = _chosen(standing, program, invitation.activity, deps.settings, now)
    review_id = f"rv-{uuid.uuid4().hex[:10]}-{standing.snapshot.account.id}"
    inputs: AdvocateState = {
        "account_id": standing.snapshot.account.id,
        "review_id": review_id,
        "now": now.isoformat(),
        # The invited contact alone: the review names them, and the draft greets them.
        "snapshot": standing.snapshot.model_copy(
            update={"contacts": (standing.contact,)}
        ).model_dump(mode="json"),
        "report": invitation_report(standing.snapshot, deps.settings.policy, now, activity)
        .model_dump(mode="json"),
        "program_id": program.id,
        "programs": [program.id],
    }  # fmt: skip
    final = services.advocate.invoke(inputs, thread_config(review_id), context=deps)
    if final.get("result") != "pending":
        raise Conflict(f"a review of {standing.snapshot.account.id} opened meanwhile; try again")
    with transaction(deps.session_factory) as session:
        publish_reviews(session=session, review_ids=[review_id])
        # Who invited: the decision audits who approved, this who opened the review.
        record_audit(
            session,
            entry_id=f"audit:{review_id}:invited",
            review_id=review_id,
            actor=actor.id,
            action="invited",
            at=now,
            changes={"program": program.id, "activity": activity, "contact_id": contact_id},
        )
    return InvitationOut(
        review_id=review_id,
        status="pending",
        account_id=standing.snapshot.account.id,
        contact_id=contact_id,
        program_id=program.id,
        activity=activity,
    )


def _chosen(
    standing: _Standing,
    program: Program,
    wanted: Activity | None,
    settings: Settings,
    now: datetime,
) -> Activity:
    """The activity asked for when nothing blocks it; none asked for: the program's first
    open one. Refused with every reason otherwise."""
    if wanted is not None:
        blockers = _blockers(standing, program, wanted, settings, now)
        if blockers:
            raise InvitationRefused(standing.contact.id, wanted, blockers)
        return wanted
    if not program.activities:
        raise Invalid(f"program: {program.id!r} runs no activity to invite to")
    each = {a: _blockers(standing, program, a, settings, now) for a in program.activities}
    found = first_open_activity(program, each)
    if found is None:
        first = program.activities[0]
        raise InvitationRefused(standing.contact.id, first, each[first])
    return found


def recheck_invitation(
    *, session: Session, settings: Settings, review: Review, now: datetime
) -> list[str]:
    """At the owner's approval: the reasons the invitation may no longer go (empty: it may).
    Capacity is left to the approval itself, which locks the program and counts."""
    contact_id = (review.payload.get("contact") or {}).get("id")
    program_id = review.payload.get("program_id") or ""
    program = program_store.program(session=session, program_id=program_id)
    if contact_id is None or program is None:
        return ["activity_not_in_program"]
    # Who may decide was checked already (decisions.py); the rules read the account whoever
    # asks, so the contact is read without an owner's filter.
    admin = Actor(id="system", role="admin")
    standing = _standing(session, admin, contact_id, settings, now, excluding=review.id)
    standing = _Standing(standing.contact, standing.snapshot, {}, standing.open_reviews)
    activity: Activity = review.ask_type  # type: ignore[assignment]
    return [b.code for b in _blockers(standing, program, activity, settings, now)]


def an_open_invitation(
    *, session: Session, settings: Settings, now: datetime, tries: int = 40
) -> ActivityOption | None:
    """The first expansion-eligible contact (by id) with an activity open to them now, and
    that activity (the demo shows it); `tries` bounds the contacts read."""
    completed = advocate_store.completed_ask_types(session=session, now=now)
    eligible = sorted(c for c, done in completed.items() if expansion_eligible(done))
    admin = Actor(id="demo", role="admin")
    for contact_id in eligible[:tries]:
        options = invitation_options(
            session=session, actor=admin, contact_id=contact_id, settings=settings, now=now
        )
        found = next((o for o in options if not o.blockers), None)
        if found is not None:
            return found.model_copy(update={"contact_id": contact_id})
    return None
