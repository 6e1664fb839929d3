"""Gating one batch of a scan, and reusing what a previous scan found where nothing changed.

Every result records the account's evidence version it read (a counter the database bumps on
any change of the account's evidence, migration 0010) and its `recheck_at`: the earliest moment
a time rule can flip it (domain/edges.py), or evidence already stored with a later date starts
counting. A re-scan (`base`: the newest finished scan gated with the same policy, as of the
same time or earlier) copies the result of every account whose version is the same and whose
`recheck_at` has not come, and gates only the others. A reused candidate is gated again unless
a review still blocks it (deferral over, review discarded: it may need a new review).
"""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from agent.deps import Deps
from agent.programs import ProgramBook, program_book
from agent.records import record_events
from agent.settings import Settings
from checkpoints.reviews import blocking_review_ids, blocks_a_new_review
from domain.edges import next_edge
from domain.events import gate_event
from domain.gates import evaluate
from domain.listing import ListingFacts, listing_facts
from domain.report import GateReport
from domain.snapshot import EvidenceSnapshot
from store.batch_models import ScanBatch
from store.models import Scan
from store.scan_reuse import (
    copy_events,
    copy_results,
    evidence_versions,
    first_future_evidence,
    gated_again,
    reusable_results,
)
from store.scans import add_results
from tools.batch import gc_paused, load_snapshots, triggered_account_ids

STATUSES = ("not_triggered", "held", "stopped", "candidate")
GATE_EVENTS = ("held", "stopped")  # the statuses whose result records an event
SKIPPED = "skipped_unchanged"  # the counts key: accounts whose previous result was reused


def gated_with(settings: Settings) -> str:
    """What the gates run with, hashed: results are reused only between equal ones."""
    text = settings.policy.model_dump_json() + f"|evidence_limit={settings.evidence_limit}"
    return hashlib.sha256(text.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class Base:
    """The scan whose results a re-scan may reuse, and its time."""

    scan_id: str
    as_of: datetime


@dataclass
class GatedBatch:
    """A batch after gating, not stored yet: its counts, its result rows and events, the
    accounts whose base result it copies, each fresh candidate's evidence and report, and the
    reused candidates with the review that blocks them (account -> review id)."""

    counts: Counter[str]
    candidates: dict[str, tuple[EvidenceSnapshot, GateReport]]
    reused_blocked: dict[str, str] = field(default_factory=dict)
    rows: list[dict[str, Any]] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
    reused: list[str] = field(default_factory=list)  # copied from the base
    reused_named: list[str] = field(default_factory=list)  # those held or stopped: their events
    # Issue 12: per candidate, the programs it fits.
    programs: dict[str, list[str]] = field(default_factory=dict)
    # Candidates gated now whose evidence and report `without_evidence` left out.
    bare_candidates: list[str] = field(default_factory=list)

    @property
    def all_candidates(self) -> list[str]:
        """Every candidate of the batch: gated now, or reused with the review that blocks it."""
        return sorted({*self.candidates, *self.bare_candidates, *self.reused_blocked})

    def without_evidence(self) -> GatedBatch:
        """The batch without its candidates' evidence and reports, as a gating helper process
        sends it (agent/scan_helper.py): what is stored, and who to draft; the drafting threads
        read their evidence themselves, as after a resumed batch."""
        bare = sorted({*self.candidates, *self.bare_candidates})
        return replace(self, candidates={}, bare_candidates=bare)


@dataclass
class _Read:
    versions: dict[str, int]
    reused: dict[str, str]  # account -> status
    blocked: dict[str, str]
    snapshots: dict[str, EvidenceSnapshot]
    reports: dict[str, GateReport]
    later: dict[str, datetime]
    programs: dict[str, list[str]]


def gate_batch(
    deps: Deps,
    *,
    scan_id: str,
    now: datetime,
    account_ids: list[str],
    base: Base | None = None,
    book: ProgramBook | None = None,
) -> GatedBatch:
    """Gate `account_ids` as of `now`, reusing `base`'s unchanged results: the rows and events
    to store (`store_gated`, in the caller's transaction). Reads only."""
    # The rules build many small acyclic objects: generation-2 collections find nothing to free.
    with gc_paused(), deps.session_factory() as reader:
        read = _read(reader, deps, account_ids, now, base, book)
    counts: Counter[str] = Counter(report.status for report in read.reports.values())
    counts.update(read.reused.values())
    counts["not_triggered"] += len(account_ids) - len(read.reports) - len(read.reused)
    counts[SKIPPED] += len(read.reused)
    candidates = {
        account_id: (read.snapshots[account_id], report)
        for account_id, report in read.reports.items()
        if report.status == "candidate"
    }
    return GatedBatch(
        counts=counts,
        candidates=candidates,
        reused_blocked=read.blocked,
        rows=_rows(deps, scan_id, account_ids, read, now),
        events=_events(scan_id, read, now),
        reused=sorted(read.reused),
        reused_named=sorted(a for a, status in read.reused.items() if status in GATE_EVENTS),
        programs=read.programs,
    )


def store_gated(
    *, session: Session, scan_id: str, gated: GatedBatch, base: Base | None, now: datetime
) -> None:
    """The batch's results (copied from `base` where reused) and events, in `session`."""
    if base is not None and gated.reused:
        base_id, ids = base.scan_id, gated.reused
        copy_results(session=session, from_scan=base_id, to_scan=scan_id, account_ids=ids)
        named = gated.reused_named
        copy_events(session=session, from_scan=base_id, to_scan=scan_id, account_ids=named, at=now)
    add_results(session=session, rows=gated.rows)
    record_events(session, gated.events)


def _read(
    reader: Any,
    deps: Deps,
    batch: list[str],
    now: datetime,
    base: Base | None,
    book: ProgramBook | None,
) -> _Read:
    # Versions before evidence: a change committed after this read is seen by the next scan,
    # never lost (a reused result's version is the one it read, still the account's).
    reused, blocked = _reusable(reader, batch, now, base) if base else ({}, {})
    fresh = [account_id for account_id in batch if account_id not in reused]
    versions = evidence_versions(session=reader, account_ids=fresh)
    snapshots, reports = _gate(reader, deps, fresh, now)
    programs: dict[str, list[str]] = {}
    if book is not None:  # within the program of a program scan; the programs each fits
        for account_id, report in reports.items():
            reports[account_id], programs[account_id] = book.gate(
                snapshots[account_id], report, now
            )
    later = first_future_evidence(session=reader, account_ids=fresh, now=now)
    return _Read(versions, reused, blocked, snapshots, reports, later, programs)


def _reusable(
    reader: Any, batch: list[str], now: datetime, base: Base
) -> tuple[dict[str, str], dict[str, str]]:
    if now < base.as_of:
        return {}, {}
    unchanged = reusable_results(session=reader, scan_id=base.scan_id, account_ids=batch, now=now)
    candidates = [a for a, status in unchanged.items() if status == "candidate"]
    blocked = blocking_review_ids(session=reader, account_ids=candidates, now=now)
    reused = {a: status for a, status in unchanged.items() if status != "candidate" or a in blocked}
    return reused, blocked


def gated_again_estimate(session: Session, base: Base, now: datetime) -> set[str] | None:
    """The accounts a re-scan at `now` will likely gate again (each batch decides again), or
    None when it reuses nothing."""
    if now < base.as_of:
        return None
    return gated_again(
        session=session, scan_id=base.scan_id, now=now, blocks=blocks_a_new_review(now)
    )


def _gate(
    reader: Any, deps: Deps, batch: list[str], now: datetime
) -> tuple[dict[str, EvidenceSnapshot], dict[str, GateReport]]:
    policy = deps.settings.policy
    since = now - timedelta(days=policy.trigger_window_days)
    triggered = triggered_account_ids(
        session=reader, account_ids=batch, since=since, as_of=now, policy=policy
    )
    snapshots = load_snapshots(
        session=reader, account_ids=sorted(triggered), as_of=now, limit=deps.settings.evidence_limit
    )
    reports = {account_id: evaluate(s, policy, now) for account_id, s in snapshots.items()}
    return snapshots, reports


def _rows(
    deps: Deps, scan_id: str, batch: list[str], read: _Read, now: datetime
) -> list[dict[str, Any]]:
    policy = deps.settings.policy
    rows = []
    for account_id in batch:
        if account_id in read.reused:
            continue
        snapshot = read.snapshots.get(account_id)
        edges = [read.later.get(account_id)]
        if snapshot is not None:
            edges.append(next_edge(snapshot, policy, now))
        report = read.reports.get(account_id)
        row = _result_row(scan_id, account_id, report)
        if snapshot is not None and report is not None:
            row.update(_listing(listing_facts(snapshot, report, now)))
        row["programs"] = read.programs.get(account_id, [])
        row["evidence_version"] = read.versions.get(account_id)
        row["recheck_at"] = min((edge for edge in edges if edge is not None), default=None)
        rows.append(row)
    return rows


def _events(scan_id: str, read: _Read, now: datetime) -> list[dict[str, Any]]:
    keyed = (
        gate_event(report, key=f"{scan_id}:{account_id}", at=now, scan_id=scan_id)
        for account_id, report in read.reports.items()
    )
    return [event for event in keyed if event is not None]


def _result_row(scan_id: str, account_id: str, report: GateReport | None) -> dict[str, Any]:
    # Every row carries every column: one multi-row INSERT, whatever the mix of statuses.
    row: dict[str, Any] = {
        "scan_id": scan_id,
        "account_id": account_id,
        "status": "not_triggered",
        "reasons": ["no_positive_signal"],
        "flags": [],
        "eligible_ask_types": [],
        "ask_type": None,
        "review_id": None,
        "contact_id": None,
        "trigger_signal_id": None,
        "permission_status": None,
        "granted_scopes": [],
        "programs": [],
    }
    if report is not None:
        row.update(
            status=report.status,
            reasons=list(report.reasons),
            flags=list(report.flags),
            eligible_ask_types=list(report.eligible_ask_types),
            ask_type=report.ask_type,
        )
    return row


def _listing(facts: ListingFacts) -> dict[str, Any]:
    return {
        "contact_id": facts.contact_id,
        "trigger_signal_id": facts.trigger_signal_id,
        "permission_status": facts.permission_status,
        "granted_scopes": list(facts.granted_scopes),
    }


def base_of(session: Session, scan: Scan) -> Base | None:
    """The scan whose results `scan` may reuse, if any."""
    if scan.base_scan_id is None:
        return None
    return Base(scan_id=scan.base_scan_id, as_of=session.get_one(Scan, scan.base_scan_id).as_of)


def gate_accounts(
    deps: Deps,
    scan_id: str,
    account_ids: list[str],
    now: datetime,
    base: Base | None,
    program_id: str | None,
) -> GatedBatch:
    """`account_ids` gated as of `now`, with the programs' capacity read now (a program scan's
    fit), not stored."""
    with deps.session_factory() as reader:
        book = program_book(session=reader, now=now, program_id=program_id)
    return gate_batch(deps, scan_id=scan_id, now=now, account_ids=account_ids, base=base, book=book)


def gate_for_helper(deps: Deps, scan_id: str, number: int) -> GatedBatch | None:
    """A queued batch gated, without its candidates' evidence, stored by nobody: the gating
    helper's task (agent/scan_helper.py). It only reads; the runner stores what it returns,
    SQLite's one writer. None when the batch is no longer queued."""
    with deps.session_factory() as session:
        scan = session.get_one(Scan, scan_id)
        batch = session.get_one(ScanBatch, (scan_id, number))
        status, account_ids = batch.status, list(batch.account_ids)
        now, base = scan.as_of, base_of(session, scan)
        program_id = (scan.filters or {}).get("program")
    if status != "queued":
        return None
    with gc_paused():
        return gate_accounts(deps, scan_id, account_ids, now, base, program_id).without_evidence()
