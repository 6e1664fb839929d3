"""Overlapping scans (issue 17): both finish, no review is doubled, and each scan's counts add
up: candidate = reviews_opened + reviews_already_open + reviews_not_opened."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from agent.bootstrap import Services
from agent.usecases.scans import run_scan
from store.models import Review, Scan, ScanResult
from tests.demo_services import demo_services

NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)


@pytest.fixture
def services(migrated_url: str, tmp_path: Path) -> Iterator[Services]:
    with demo_services(migrated_url, tmp_path, accounts=120, now=NOW) as built:
        yield built


def test_two_overlapping_scans_count_every_candidate_once(services: Services) -> None:
    with ThreadPoolExecutor(2) as pool:
        scan_ids = list(pool.map(lambda _: run_scan(services=services, now=NOW), range(2)))
    with services.deps.session_factory() as session:
        for scan_id in scan_ids:
            scan = session.get_one(Scan, scan_id)
            c = scan.counts
            assert scan.status == "done" and scan.phase == "done"
            assert c["candidate"] > 0
            # Nothing changed between gate and draft here, so every candidate has a review:
            # its own, or the one the other scan opened (linked, and counted as already open).
            assert c["reviews_not_opened"] == 0, c
            assert c["candidate"] == c["reviews_opened"] + c["reviews_already_open"], c
            unlinked = select(func.count()).where(
                ScanResult.scan_id == scan_id,
                ScanResult.status == "candidate",
                ScanResult.review_id.is_(None),
            )
            assert session.scalar(unlinked) == 0
            assert scan.drafted == scan.to_draft
        opened = [session.get_one(Scan, s).counts["reviews_opened"] for s in scan_ids]
        reviews = session.scalar(select(func.count()).select_from(Review))
        accounts = session.scalar(select(func.count(func.distinct(Review.account_id))))
    assert reviews == accounts == sum(opened)
