"""The advocate profile and the reference finder as tables: one row per rule and boundary."""

from __future__ import annotations

from typing import Any

import pytest

from domain.finder import ReferenceQuery, find_references, match
from domain.profile import AdvocateProfile, ContactHistory, OutcomeRecord, build_profile
from domain.settings import PolicySettings
from domain.snapshot import AskItem, ContactItem, PermissionItem
from tests.unit.snapshots import NOW, account, ask, champion, days_ago, permission, preference

POLICY = PolicySettings()


def asked(days: float, ask_type: str, result: str = "completed", **fields: Any) -> AskItem:
    fields.setdefault("contact_id", "c-1")
    fields.setdefault("id", f"a-{ask_type}-{result}-{days}")
    return ask(days, result, ask_type, **fields)


def outcome_of(kind: str, days: float, review_id: str | None = None) -> OutcomeRecord:
    return OutcomeRecord(kind=kind, occurred_at=days_ago(days), review_id=review_id)


def history(*items: Any, contact: ContactItem | None = None, **fields: Any) -> ContactHistory:
    """A contact's history from asks, permissions and outcomes, and any other field."""
    groups: dict[str, list[Any]] = {"asks": [], "permissions": [], "outcomes": []}
    for item in items:
        key = {AskItem: "asks", PermissionItem: "permissions", OutcomeRecord: "outcomes"}
        groups[key[type(item)]].append(item)
    return ContactHistory(
        account=account(segment="smb", industry="healthcare"),
        contact=contact or champion(),
        **{k: tuple(v) for k, v in groups.items()},
        **fields,
    )


def profile(*items: Any, **fields: Any) -> AdvocateProfile:
    return build_profile(history(*items, **fields), POLICY, NOW)


STAGE_ROWS = [
    pytest.param(history(), "listening", id="listening_no_history"),
    pytest.param(history(open_review_ids=("rv-1",)), "qualified", id="qualified_open_review"),
    pytest.param(
        history(asked(3, "review", "pending"), open_review_ids=("rv-1",)),
        "invited",
        id="invited_ask_in_flight",
    ),
    pytest.param(history(asked(200, "testimonial")), "active", id="active_one_completed"),
    pytest.param(
        history(outcome_of("participation", 10)), "active", id="active_participation_recorded"
    ),
    pytest.param(
        history(asked(200, "testimonial"), rewards=({"id": "rw-1", "status": "fulfilled"},)),
        "rewarded",
        id="rewarded_fulfilled",
    ),
    pytest.param(
        history(asked(200, "testimonial"), rewards=({"id": "rw-1", "status": "proposed"},)),
        "active",
        id="proposed_reward_is_not_rewarded",
    ),
    pytest.param(
        history(asked(300, "testimonial"), asked(120, "review")),
        "expanding",
        id="expanding_two_completed",
    ),
    pytest.param(history(asked(300, "case_study")), "expanding", id="expanding_case_study"),
    pytest.param(
        history(asked(300, "testimonial"), asked(120, "review", "declined")),
        "active",
        id="declined_does_not_expand",
    ),
]


@pytest.mark.parametrize(("contact_history", "stage"), STAGE_ROWS)
def test_journey_stage(contact_history: ContactHistory, stage: str) -> None:
    assert build_profile(contact_history, POLICY, NOW).journey_stage == stage


def test_counts_tier_and_last_asked() -> None:
    p = profile(
        asked(400, "testimonial"),
        asked(300, "review"),
        asked(200, "referral", "declined"),
        asked(100, "reference_call"),
        asked(50, "case_study"),
        asked(20, "review", contact_id="c-1"),
    )
    assert p.asks_by_type["review"] == {"completed": 2}
    assert p.asks_by_type["referral"] == {"declined": 1}
    assert (p.asks_total, p.completed_asks, p.tier) == (6, 5, "champion")
    assert p.last_asked_at == days_ago(20)
    assert p.expansion_eligible


REFERENCE_ROWS = [
    # reference_used outcomes and imported completed reference calls, each in its window
    pytest.param((outcome_of("reference_used", 90),), (1, 1), id="outcome_day_90"),
    pytest.param((outcome_of("reference_used", 91),), (0, 1), id="outcome_day_91"),
    pytest.param((outcome_of("reference_used", 366),), (0, 0), id="outcome_day_366"),
    pytest.param((asked(30, "reference_call"),), (1, 1), id="imported_call"),
    pytest.param((asked(30, "reference_call", "declined"),), (0, 0), id="declined_call"),
    pytest.param(
        (
            asked(30, "reference_call", id="ask:rv-1"),
            outcome_of("reference_used", 20, review_id="rv-1"),
        ),
        (1, 1),
        id="approved_call_counts_once_by_its_outcome",
    ),
]


@pytest.mark.parametrize(("items", "used"), REFERENCE_ROWS)
def test_references_used(items: tuple[Any, ...], used: tuple[int, int]) -> None:
    p = profile(*items)
    assert (p.references_used_90d, p.references_used_365d) == used


FATIGUE_ROWS = [
    pytest.param((), {}, (), id="rested"),
    pytest.param(
        (asked(10, "review", "pending"),), {}, ("pending_ask", "recent_ask"), id="pending"
    ),
    pytest.param((asked(90, "review"),), {}, ("recent_ask",), id="recent_ask_day_90"),
    pytest.param((asked(91, "review"),), {}, (), id="asked_day_91"),
    pytest.param((asked(180, "review", "declined"),), {}, ("recent_decline",), id="decline_180"),
    pytest.param((asked(181, "review", "declined"),), {}, (), id="decline_181"),
    pytest.param(
        (asked(91, "reference_call"),),
        {"preference": preference(max_asks_per_year=1)},
        ("advocate_ask_limit",),
        id="owner_limit_reached",
    ),
    pytest.param(
        (),
        {"preference": preference(unavailable_days=10)},
        ("advocate_unavailable",),
        id="unavailable",
    ),
]


@pytest.mark.parametrize(("items", "fields", "expected"), FATIGUE_ROWS)
def test_fatigue(items: tuple[Any, ...], fields: dict[str, Any], expected: tuple[str, ...]) -> None:
    assert profile(*items, **fields).fatigue == expected


def test_reference_fatigue_follows_the_gates_numbers() -> None:
    # Two reference calls in 90 days is the gates' limit per contact (both out of recent_ask).
    policy = PolicySettings(recent_ask_days=0)
    tired = history(asked(10, "reference_call"), asked(80, "reference_call"))
    assert build_profile(tired, policy, NOW).fatigue == ("reference_fatigue",)
    rested = history(asked(10, "reference_call"), asked(91, "reference_call"))
    assert build_profile(rested, policy, NOW).fatigue == ()


def test_consent_latest_per_scope_for_the_contact_or_account() -> None:
    p = profile(
        permission("reference_call", "granted", days=100),
        permission("reference_call", "revoked", days=10),
        permission("public_quote", "granted", days=5, contact_id=None),
        permission("case_study", "granted", days=5, contact_id="c-9"),
        permission("logo", "granted", days=5, expires_at=NOW),
    )
    by_scope = {c.scope: c for c in p.permissions}
    assert set(by_scope) == {"reference_call", "public_quote", "logo"}
    assert (by_scope["reference_call"].status, by_scope["reference_call"].active) == (
        "revoked",
        False,
    )
    assert by_scope["public_quote"].account_wide and by_scope["public_quote"].active
    assert not by_scope["logo"].active  # expired at NOW


# --- the reference finder ------------------------------------------------------------------------

GRANT = permission("reference_call", "granted", days=30)


def candidate(contact_id: str, *items: Any, **fields: Any) -> AdvocateProfile:
    contact = ContactItem(id=contact_id, name=contact_id, champion=fields.pop("champion", False))
    grant = permission("reference_call", "granted", days=30, contact_id=contact_id)
    relabelled = [
        i.model_copy(update={"contact_id": contact_id}) if isinstance(i, AskItem) else i
        for i in items
    ]
    return build_profile(history(grant, *relabelled, contact=contact, **fields), POLICY, NOW)


MATCH_ROWS = [
    pytest.param(candidate("c-a"), ReferenceQuery(), True, id="any_granted_scope"),
    pytest.param(
        build_profile(history(), POLICY, NOW), ReferenceQuery(), False, id="no_granted_scope"
    ),
    pytest.param(
        candidate("c-a"),
        ReferenceQuery(permission="case_study"),
        False,
        id="asked_scope_not_granted",
    ),
    pytest.param(
        candidate("c-a"),
        ReferenceQuery(ask_type="reference_call"),
        True,
        id="ask_type_scope_granted",
    ),
    pytest.param(
        candidate("c-a"), ReferenceQuery(ask_type="testimonial"), False, id="ask_type_scope_missing"
    ),
    pytest.param(
        candidate("c-a"), ReferenceQuery(ask_type="referral"), True, id="referral_needs_no_scope"
    ),
    pytest.param(
        candidate("c-a"), ReferenceQuery(industry="HEALTHCARE"), True, id="industry_any_case"
    ),
    pytest.param(candidate("c-a"), ReferenceQuery(industry="retail"), False, id="other_industry"),
    pytest.param(candidate("c-a"), ReferenceQuery(segment="enterprise"), False, id="other_segment"),
    pytest.param(
        candidate("c-a", asked(30, "review")), ReferenceQuery(), False, id="fatigued_recent_ask"
    ),
    pytest.param(
        candidate("c-a", preference=preference("c-a", avoid_ask_types=("reference_call",))),
        ReferenceQuery(ask_type="reference_call"),
        False,
        id="avoids_the_ask_type",
    ),
    pytest.param(
        candidate("c-a", preference=preference("c-a", unavailable_days=20)),
        ReferenceQuery(),
        True,
        id="unavailable_listed_without_available",
    ),
    pytest.param(
        candidate("c-a", preference=preference("c-a", unavailable_days=20)),
        ReferenceQuery(available=True),
        False,
        id="unavailable_left_out_with_available",
    ),
]


@pytest.mark.parametrize(("candidate_profile", "query", "matches"), MATCH_ROWS)
def test_reference_match(
    candidate_profile: AdvocateProfile, query: ReferenceQuery, matches: bool
) -> None:
    found = match(candidate_profile, query)
    assert (found is not None) == matches
    if found is not None:
        assert found.why


def test_best_matches_first_with_why() -> None:
    newcomer = candidate("c-new")
    repeat = candidate("c-repeat", asked(300, "reference_call"), asked(200, "testimonial"))
    busy = candidate("c-busy", asked(300, "reference_call"), asked(200, "testimonial"))
    busy = busy.model_copy(update={"references_used_90d": 1})
    champ = candidate("c-champ", champion=True)
    found = find_references(
        [newcomer, busy, champ, repeat], ReferenceQuery(ask_type="reference_call")
    )
    assert [m.contact_id for m in found] == ["c-repeat", "c-busy", "c-champ", "c-new"]
    assert "has given a reference_call before" in found[0].why
    assert any("reference_call granted" in w for w in found[0].why)
    assert "unavailable" not in " ".join(found[0].why)
