"""The review pages over HTTP, without a browser: sessions, CSRF, headers, visibility, escaping."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from agent.usecases.scans import run_scan
from store.auth_models import WebSession
from store.models import AuditEntry, Review
from tests.e2e.api_fixtures import NOW, Api, open_api
from tests.e2e.page_fixtures import IMAGE, SCRIPT, csrf_of, import_page_extras, sign_in

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "frame-ancestors 'none'; form-action 'self'"
)


@pytest.fixture
def api(migrated_url: str, tmp_path: Path) -> Iterator[Api]:
    for opened in open_api(migrated_url, tmp_path, scan=False):
        services = opened.client.app.state.services  # type: ignore[attr-defined]
        import_page_extras(services.engine, tmp_path)
        run_scan(services=services, now=NOW)
        yield opened


def status_of(api: Api, review_id: str) -> str:
    services = api.client.app.state.services  # type: ignore[attr-defined]
    with services.deps.session_factory() as session:
        review = session.get(Review, review_id)
        assert review is not None
        return review.status


# --- sessions -------------------------------------------------------------------------------------


def test_a_token_becomes_a_strict_httponly_session_and_sign_out_ends_it(api: Api) -> None:
    form = api.client.get("/")
    assert form.status_code == 200 and 'name="token"' in form.text
    answer = api.client.post(
        "/signin",
        data={"csrf": csrf_of(form.text), "token": api.tokens["ana"]},
        follow_redirects=False,
    )
    assert answer.status_code == 303
    cookie = next(c for c in answer.headers.get_list("set-cookie") if "advocacy_session=" in c)
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie
    session_id = cookie.split(";")[0].split("=", 1)[1]
    services = api.client.app.state.services  # type: ignore[attr-defined]
    with services.deps.session_factory() as session:
        stored = list(session.scalars(select(WebSession.id_hash)))
    assert len(stored) == 1 and session_id not in stored[0]
    assert api.client.get("/", follow_redirects=False).headers["location"] == "/inbox"
    inbox = api.client.get("/inbox")
    assert inbox.status_code == 200 and "Northwind Dental" in inbox.text
    assert '"held-count">1 held<' in inbox.text and '"stopped-count">1 stopped<' in inbox.text
    assert "Billing or delivery ticket open" in inbox.text
    assert "Lakeside Clinic" in inbox.text and "Do not contact" in inbox.text
    assert "billing_or_delivery_ticket" not in inbox.text  # labels, not codes
    out = api.client.post("/signout", data={"csrf": csrf_of(inbox.text)}, follow_redirects=False)
    assert out.status_code == 303 and out.headers["location"] == "/signin"
    api.client.cookies.set("advocacy_session", session_id)
    again = api.client.get("/inbox", follow_redirects=False)
    assert again.status_code == 303 and again.headers["location"] == "/signin"


def test_an_unknown_token_is_refused_and_pages_need_a_session(api: Api) -> None:
    assert api.client.get("/inbox", follow_redirects=False).headers["location"] == "/signin"
    form = api.client.get("/signin")
    answer = api.client.post("/signin", data={"csrf": csrf_of(form.text), "token": "not-a-token"})
    assert answer.status_code == 401
    assert "unknown or has been revoked" in answer.text
    assert "advocacy_session" not in api.client.cookies


def test_marketing_reads_the_measurements_but_not_the_inbox(api: Api) -> None:
    sign_in(api.client, api.tokens["mkt"])
    assert api.client.get("/", follow_redirects=False).headers["location"] == "/metrics"
    refused = api.client.get("/inbox")
    assert refused.status_code == 403 and "for account owners" in refused.text
    metrics = api.client.get("/metrics")
    assert metrics.status_code == 200 and "<svg" in metrics.text
    assert 'id="count-candidate_identified">2<' in metrics.text


# --- CSRF and headers -----------------------------------------------------------------------------


def test_a_form_post_without_the_csrf_token_is_refused(api: Api) -> None:
    csrf = sign_in(api.client, api.tokens["ana"])
    review_id = api.review_of("acc-001").id
    path = f"/reviews/{review_id}/decision"
    for data in ({"action": "approve"}, {"action": "approve", "csrf": "forged"}):
        refused = api.client.post(path, data=data)
        assert refused.status_code == 403
        assert "security token" in refused.text and "nothing was changed" in refused.text
    assert status_of(api, review_id) == "pending"
    assert api.client.post("/signout", data={}).status_code == 403
    assert api.client.get("/inbox").status_code == 200
    accepted = api.client.post(path, data={"action": "approve", "csrf": csrf})
    assert accepted.status_code == 200 and status_of(api, review_id) == "approved"


def test_the_sign_in_form_needs_its_own_csrf_token(api: Api) -> None:
    api.client.get("/signin")
    refused = api.client.post("/signin", data={"token": api.tokens["ana"]})
    assert refused.status_code == 403
    assert "advocacy_session" not in api.client.cookies


def test_pages_carry_a_strict_content_security_policy(api: Api) -> None:
    sign_in(api.client, api.tokens["ana"])
    for path in ("/signin", "/inbox", f"/reviews/{api.review_of('acc-001').id}", "/metrics"):
        answer = api.client.get(path)
        assert answer.headers["content-security-policy"] == CSP, path
        assert answer.headers["x-content-type-options"] == "nosniff"
        assert answer.headers["referrer-policy"] == "same-origin"
        assert answer.headers["cache-control"] == "no-store"
        assert "<script" not in answer.text and "style=" not in answer.text
    assert api.client.get("/static/app.css").status_code == 200
    assert api.client.get("/v1/no-such-route").json() == {"detail": "Not Found"}


# --- reviews --------------------------------------------------------------------------------------


def test_another_owners_review_is_not_found(api: Api) -> None:
    csrf = sign_in(api.client, api.tokens["ana"])
    bobs = api.review_of("acc-002").id
    assert api.client.get(f"/reviews/{bobs}").status_code == 404
    posted = api.client.post(f"/reviews/{bobs}/decision", data={"action": "approve", "csrf": csrf})
    assert posted.status_code == 404 and status_of(api, bobs) == "pending"
    inbox = api.client.get("/inbox").text
    assert "Northwind Dental" in inbox and "Harbor Vets" not in inbox


def test_customer_text_is_escaped(api: Api) -> None:
    sign_in(api.client, api.tokens["ana"])
    page = api.client.get(f"/reviews/{api.review_of('acc-001').id}").text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
    assert SCRIPT not in page and IMAGE not in page


def test_an_approval_refused_by_the_gates_is_explained_in_words(api: Api) -> None:
    ticket = {
        "kind": "ticket",
        "row": {"id": "t-new", "account_id": "acc-001", "status": "open", "priority": "high",
                "category": "delivery", "opened_at": "2026-11-26T10:00:00Z"},
    }  # fmt: skip
    assert api.post("/v1/events", "ana", ticket).status_code == 200
    csrf = sign_in(api.client, api.tokens["ana"])
    review_id = api.review_of("acc-001").id
    answer = api.client.post(
        f"/reviews/{review_id}/decision",
        data={"action": "edit", "csrf": csrf, "subject": "My own words", "body": "Hi Lee"},
    )
    assert answer.status_code == 409
    assert "Not applied." in answer.text and "Open support ticket" in answer.text
    assert 'value="My own words"' in answer.text
    assert status_of(api, review_id) == "pending"
    missing_reason = api.client.post(
        f"/reviews/{review_id}/decision", data={"action": "reject", "csrf": csrf}
    )
    assert missing_reason.status_code == 422 and "reject needs a reason" in missing_reason.text


def test_defer_and_reject_go_through_the_decision_use_case(api: Api) -> None:
    csrf = sign_in(api.client, api.tokens["ana"])
    review_id = api.review_of("acc-001").id
    deferred = api.client.post(
        f"/reviews/{review_id}/decision",
        data={"action": "defer", "until": "2027-01-15", "csrf": csrf},
        follow_redirects=False,
    )
    assert deferred.status_code == 303
    assert deferred.headers["location"] == f"/inbox?decided={review_id}"
    assert "is now deferred" in api.client.get(deferred.headers["location"]).text
    services = api.client.app.state.services  # type: ignore[attr-defined]
    with services.deps.session_factory() as session:
        review = session.get(Review, review_id)
        assert review is not None and review.deferred_until is not None
        assert review.deferred_until.isoformat() == "2027-01-15T00:00:00+00:00"
        actions = list(session.scalars(select(AuditEntry.action)))
    assert actions == ["defer"]
    again = api.client.post(
        f"/reviews/{review_id}/decision",
        data={"action": "reject", "reason": "too late", "csrf": csrf},
    )
    assert again.status_code == 409 and "already decided" in again.text


def test_a_new_ask_type_without_new_text_is_refused_on_the_page(api: Api) -> None:
    csrf = sign_in(api.client, api.tokens["ana"])
    review_id = api.review_of("acc-001").id
    answer = api.client.post(
        f"/reviews/{review_id}/decision",
        data={"action": "edit", "csrf": csrf, "ask_type": "testimonial"},
    )
    assert answer.status_code == 422
    assert "Not applied." in answer.text and "needs your new text" in answer.text
    assert '<option value="testimonial" selected>' in answer.text
    assert status_of(api, review_id) == "pending"


# --- "Approve as drafted" with a changed form -----------------------------------------------------

OWN_BODY = "Hi Lee,\n\nIn my own words: thank you.\n\nAna"
GIFT = "\n\nAs a thank-you, a $500 gift card."
# What the form held besides action=approve, and the decision applied: (status, changed fields).
APPROVE_ROWS = [
    pytest.param({}, 303, "approved", {}, id="form_as_drafted"),
    pytest.param({"body": OWN_BODY}, 303, "edited", {"body": OWN_BODY}, id="edited_body"),
    pytest.param(
        {"subject": "A few words, Lee?"}, 303, "edited", {"subject": "A few words, Lee?"},
        id="edited_subject",
    ),
    pytest.param(
        {"ask_type": "testimonial", "body": OWN_BODY}, 303, "edited",
        {"ask_type": "testimonial", "body": OWN_BODY}, id="edited_type_and_body",
    ),
    pytest.param({"ask_type": "testimonial"}, 422, "pending", {}, id="edited_type_alone"),
    pytest.param({"body": OWN_BODY + GIFT}, 422, "pending", {}, id="edit_with_problems"),
    pytest.param(
        {"body": OWN_BODY + GIFT, "accept_problems": "true"}, 303, "edited",
        {"body": OWN_BODY + GIFT}, id="edit_with_problems_accepted",
    ),
]  # fmt: skip


@pytest.mark.parametrize(("changes", "code", "status", "applied"), APPROVE_ROWS)
def test_approve_as_drafted_applies_a_changed_form_as_an_edit(
    api: Api, changes: dict[str, str], code: int, status: str, applied: dict[str, str]
) -> None:
    csrf = sign_in(api.client, api.tokens["ana"])
    review = api.review_of("acc-001")
    form = {
        "action": "approve",
        "csrf": csrf,
        "ask_type": review.ask_type,
        "subject": review.payload["draft"]["subject"],
        "body": review.payload["draft"]["body"].replace("\n", "\r\n"),
        **changes,
    }
    answer = api.client.post(f"/reviews/{review.id}/decision", data=form, follow_redirects=False)
    assert answer.status_code == code, answer.text
    assert status_of(api, review.id) == status
    decided = api.review_of("acc-001")
    if status == "pending":
        assert "Not applied." in answer.text
        assert ("gift card" in answer.text) == ("body" in changes)  # the owner's text is kept
        kept = changes.get("ask_type", review.ask_type)
        assert f'<option value="{kept}" selected>' in answer.text
        return
    assert decided.decision is not None
    edits = {k: v for k, v in decided.decision.items() if k in ("ask_type", "subject", "body")}
    assert {k: v for k, v in edits.items() if v is not None} == applied


def _written_by_the_template_after_the_model_failed(api: Api, review_id: str) -> None:
    """As the writer leaves a review whose model draft failed the checks twice."""
    services = api.client.app.state.services  # type: ignore[attr-defined]
    with services.deps.session_factory() as session, session.begin():
        review = session.get(Review, review_id)
        assert review is not None
        written = dict(review.payload["written_by"])
        written["draft"] = written["draft"] | {
            "fallback": True,
            "failures": ["attempt 1: incentive: 'gift card'", "attempt 2: placeholder: '[url]'"],
        }
        review.payload = review.payload | {"written_by": written}
        review.flags = [*review.flags, "llm_fallback"]


def test_an_admin_reads_a_review_and_why_the_model_text_was_not_used(api: Api) -> None:
    review_id = api.review_of("acc-001").id
    _written_by_the_template_after_the_model_failed(api, review_id)
    sign_in(api.client, api.tokens["admin"])
    page = api.client.get(f"/reviews/{review_id}")
    assert page.status_code == 200
    assert "Read-only: decisions stay the owner's (u-ana)" in page.text
    assert "<form" not in page.text.split("<main", 1)[1]
    assert "Written by the template" in page.text  # the badge, in words
    assert "Why the model's text was not used" in page.text
    assert "attempt 1: incentive: &#39;gift card&#39;" in page.text  # the checks' own words
    assert status_of(api, review_id) == "pending"


def test_marketing_may_not_read_a_review_page(api: Api) -> None:
    sign_in(api.client, api.tokens["mkt"])
    refused = api.client.get(f"/reviews/{api.review_of('acc-001').id}")
    assert refused.status_code == 403
