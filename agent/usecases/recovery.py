"""After a crash: finish or release what a dead process held, so nothing stays stuck.

- A review still `drafting` whose thread paused at the owner's checkpoint joins the queue (a scan
  publishes its drafts in batches; a crash between batches leaves such drafts; the timers publish
  them too, every minute: `publish_paused_drafts`); one whose drafter died before the pause
  (past `draft_lease_seconds`) is discarded with its partial thread and its candidate event, so
  the next scan drafts it again.
- A decision claim older than `claim_lease_seconds` is completed from the checkpoint when the
  thread already took the decision, else released back to the queue.
- A scan queued or running in a process of this host that has ended is marked `interrupted`.

Safe to run from any number of processes at once: each step is a conditional write.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING

from agent.deps import Deps
from agent.runner import runner_is_gone
from agent.state import AdvocateState, thread_config
from checkpoints.reviews import discard_draft, publish_reviews, release_claim, stale_reviews
from store.db import transaction
from store.models import Review
from store.scans import unfinished_scans
from store.writes import forget_events

if TYPE_CHECKING:  # langgraph: only when a review is to recover
    from agent.graph import AdvocateGraph


@dataclass
class Recovered:
    """What one recovery pass did."""

    counts: dict[str, int] = field(default_factory=dict)

    def add(self, what: str) -> None:
        self.counts[what] = self.counts.get(what, 0) + 1


def recover(deps: Deps, advocate: AdvocateGraph) -> Recovered:
    """One pass over lost drafts, lost decision claims and interrupted scans (at every start)."""
    return recover_with(deps, lambda: advocate)


def recover_with(deps: Deps, advocate_of: Callable[[], AdvocateGraph]) -> Recovered:
    """`recover`, building the graph (and its checkpointer) only when a review is to recover: a
    start with nothing stuck, the usual one, reads two queries and builds neither."""
    done = Recovered()
    lost_before = deps.clock() - timedelta(seconds=deps.settings.draft_lease_seconds)
    for review in _stale(deps, "drafting", 0):
        assert review.claimed_at is not None
        lost = review.claimed_at < lost_before
        if outcome := recover_draft(deps, advocate_of(), review, lost=lost):
            done.add(outcome)
    for review in _stale(deps, "deciding", deps.settings.claim_lease_seconds):
        done.add(recover_claim(deps, advocate_of(), review))
    for _ in interrupt_dead_scans(deps):
        done.add("scans_interrupted")
    return done


def publish_paused_drafts(deps: Deps, advocate_of: Callable[[], AdvocateGraph]) -> int:
    """Every `drafting` review whose thread already paused joins the queue, however recent (the
    timers run this every minute): a drafter that paused but did not publish, e.g. one killed
    between the pause and its batch's publish while other processes went on. The graph (and
    langgraph's imports, seconds of a tick that has nothing to do) is built only when a review
    is drafting."""
    with deps.session_factory() as session:
        drafting = stale_reviews(session=session, status="drafting", claimed_before=None)
    if not drafting:
        return 0
    advocate = advocate_of()
    outcomes = [recover_draft(deps, advocate, review, lost=False) for review in drafting]
    return outcomes.count("drafts_published")


def hand_off_review(deps: Deps, advocate: AdvocateGraph, state: AdvocateState) -> None:
    """A review drafted on another checkpointer (Studio's) gets its own thread on `advocate`'s,
    as if open_review had just run there, run to the owner's checkpoint; then it is published.
    Idempotent: a thread that exists already is only run on, if it has not paused."""
    review_id = state["review_id"]
    config = thread_config(review_id)
    if not advocate.get_state(config).values:
        advocate.update_state(config, dict(state), as_node="open_review")
    if not thread_paused(advocate, review_id):
        advocate.invoke(None, config, context=deps, durability="exit")
    recover_draft(deps, advocate, _review(deps, review_id), lost=False)


def _review(deps: Deps, review_id: str) -> Review:
    with deps.session_factory() as session:
        return session.get_one(Review, review_id)


def _stale(deps: Deps, status: str, lease_seconds: float) -> list[Review]:
    before = deps.clock() - timedelta(seconds=lease_seconds)
    with deps.session_factory() as session:
        return stale_reviews(session=session, status=status, claimed_before=before)


def claim_is_lost(deps: Deps, review: Review) -> bool:
    """A `deciding` review whose claim is older than the lease: its decider died."""
    if review.status != "deciding" or review.claimed_at is None:
        return False
    lease = timedelta(seconds=deps.settings.claim_lease_seconds)
    return review.claimed_at < deps.clock() - lease


def thread_paused(advocate: AdvocateGraph, review_id: str) -> bool:
    """The review's thread waits at the owner's checkpoint: the review is decidable."""
    return bool(advocate.get_state(thread_config(review_id)).interrupts)


def recover_draft(deps: Deps, advocate: AdvocateGraph, review: Review, *, lost: bool) -> str | None:
    """Publish a draft whose thread paused (at any age: it is decidable); discard one that never
    paused once its drafter is `lost` (past the lease); leave a live drafter's draft alone."""
    if thread_paused(advocate, review.id):
        with transaction(deps.session_factory) as session:
            publish_reviews(session=session, review_ids=[review.id])
        return "drafts_published"
    if not lost:
        return None
    with transaction(deps.session_factory) as session:
        if not discard_draft(session=session, review_id=review.id):
            return "drafts_moved_on"
        forget_events(session, [f"candidate_identified:{review.id}"])
    if advocate.checkpointer is not None:
        advocate.checkpointer.delete_thread(review.id)  # type: ignore[union-attr]
    return "drafts_discarded"


def recover_claim(deps: Deps, advocate: AdvocateGraph, review: Review) -> str:
    """Release a lost claim whose thread still waits; finish one whose thread took the decision."""
    config = thread_config(review.id)
    state = advocate.get_state(config)
    if state.interrupts or not state.next:
        with transaction(deps.session_factory) as session:
            release_claim(session=session, review_id=review.id)
        return "claims_released"
    advocate.invoke(None, config, context=deps)
    return "claims_completed"


def interrupt_dead_scans(deps: Deps) -> list[str]:
    """Mark `interrupted` every unfinished scan whose process (on this host) has ended: at every
    start, and while `advocacy scans --wait` follows one."""
    interrupted: list[str] = []
    with transaction(deps.session_factory) as session:
        for scan in unfinished_scans(session=session):
            if runner_is_gone(scan.runner):
                scan.status = "interrupted"
                scan.finished_at = deps.clock()
                scan.error = f"interrupted: its process ({scan.runner}) ended; run it again"
                interrupted.append(scan.id)
    return interrupted
