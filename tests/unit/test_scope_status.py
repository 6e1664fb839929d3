"""`scope_status`: the consent status of one scope, read from a snapshot's latest records."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from domain.snapshot import (
    AccountProfile,
    EvidenceSnapshot,
    PermissionItem,
    ScopeStatus,
    scope_status,
)
from domain.vocabulary import PermissionStatus

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
AT = NOW - timedelta(days=3)


def record(
    status: PermissionStatus,
    *,
    scope: str = "public_quote",
    expires_at: datetime | None = None,
    pid: str = "perm:1",
) -> PermissionItem:
    return PermissionItem.model_validate(
        {"id": pid, "scope": scope, "status": status, "recorded_at": AT, "expires_at": expires_at}
    )


def snapshot(*records: PermissionItem) -> EvidenceSnapshot:
    account = AccountProfile(id="acc-1", name="Northwind", owner_id="u-ana")
    return EvidenceSnapshot(as_of=NOW, account=account, permissions=records)


CASES: list[tuple[str, tuple[PermissionItem, ...], ScopeStatus]] = [
    ("nothing_recorded_is_unknown", (), "unknown"),
    ("another_scope_only_is_unknown", (record("granted", scope="logo"),), "unknown"),
    ("granted", (record("granted"),), "granted"),
    ("denied", (record("denied"),), "denied"),
    ("revoked", (record("revoked"),), "revoked"),
    (
        "grant_expiring_later_is_granted",
        (record("granted", expires_at=NOW + timedelta(1)),),
        "granted",
    ),
    ("grant_expiring_exactly_now_is_expired", (record("granted", expires_at=NOW),), "expired"),
    (
        "grant_expired_before_now_is_expired",
        (record("granted", expires_at=NOW - timedelta(days=1)),),
        "expired",
    ),
    ("denial_past_its_expiry_stays_denied", (record("denied", expires_at=NOW),), "denied"),
    (
        "tie_granted_and_denied_is_unclear",
        (record("granted", pid="perm:a"), record("denied", pid="perm:b")),
        "unclear",
    ),
    (
        "tie_granted_and_revoked_is_unclear",
        (record("granted", pid="perm:a"), record("revoked", pid="perm:b")),
        "unclear",
    ),
    (
        "tie_that_agrees_is_clear",
        (record("granted", pid="perm:a"), record("granted", pid="perm:b")),
        "granted",
    ),
    (
        "tie_of_grants_one_expired_is_expired",
        (record("granted", pid="perm:a"), record("granted", pid="perm:b", expires_at=NOW)),
        "expired",
    ),
]


@pytest.mark.parametrize(("records", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_scope_status(records: tuple[PermissionItem, ...], expected: ScopeStatus) -> None:
    assert scope_status(snapshot(*records), "public_quote", NOW) == expected
