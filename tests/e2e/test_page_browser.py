"""The review pages in a real Chromium (Debian's, never a downloaded one) against a live server.

Without /usr/bin/chromium these tests fail; ADVOCACY_SKIP_BROWSER=1 skips them for local runs.
Their screenshots go under build/screenshots/ (the README's, in docs/, come from `make
screenshots` over `make demo`'s data). Every page checked with axe has no serious or critical
violation, and none scrolls sideways, at 390 and 1280 px.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from agent.bootstrap import open_services
from agent.metrics import FUNNEL
from agent.settings import Settings
from agent.usecases.scans import run_scan
from agent.usecases.timers import tick
from agent.usecases.users import create_user
from api.app import create_app
from store.db import make_engine
from store.demo_programs import DEMO_PROGRAMS
from store.importer import import_bundle
from store.models import AuditEntry, OwnerTask, Review
from tests.e2e.api_fixtures import BOB_BUNDLE, EXAMPLE, NOW
from tests.e2e.page_fixtures import HOSTILE_TEXT, IMAGE, SCRIPT, import_page_extras
from tests.e2e.task_fixtures import Captured, smtp_server
from tests.e2e.test_api_serve import free_port

# Read at import: the autouse settings fixture removes ADVOCACY_* variables before each test.
SKIP_BROWSER = os.environ.get("ADVOCACY_SKIP_BROWSER") == "1"
CHROMIUM = Path(os.environ.get("ADVOCACY_CHROMIUM", "/usr/bin/chromium"))
SHOTS = Path(__file__).resolve().parents[2] / "build" / "screenshots"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]

pytestmark = pytest.mark.skipif(
    SKIP_BROWSER, reason="ADVOCACY_SKIP_BROWSER=1: the Chromium page tests are skipped"
)

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}

if not SKIP_BROWSER:
    from axe_playwright_python.sync_playwright import Axe
    from playwright.sync_api import (
        Browser,
        ConsoleMessage,
        Dialog,
        Locator,
        Page,
        expect,
        sync_playwright,
    )


@dataclass
class Site:
    base: str
    database_url: str
    tokens: dict[str, str]
    mailbox: Captured
    dialogs: list[str] = field(default_factory=list)
    csp_errors: list[str] = field(default_factory=list)

    def rows(self, statement: Select[tuple[Any]]) -> list[Any]:
        """Read the server's database directly, as an auditor would."""
        engine = make_engine(self.database_url)
        try:
            with Session(engine) as session:
                return list(session.scalars(statement))
        finally:
            engine.dispose()

    def review_id(self, account_id: str) -> str:
        (review,) = self.rows(select(Review).where(Review.account_id == account_id))
        return str(review.id)

    def watch(self, page: Page) -> Page:
        """Record every dialog (an executed alert) and every CSP violation on the page."""

        def on_dialog(dialog: Dialog) -> None:
            self.dialogs.append(dialog.message)
            dialog.dismiss()

        def on_console(message: ConsoleMessage) -> None:
            if "Content Security Policy" in message.text:
                self.csp_errors.append(message.text)

        page.on("dialog", on_dialog)
        page.on("console", on_console)
        return page


def seed(database_url: str, folder: Path) -> dict[str, str]:
    """The design example, Bob's accounts and a hostile feedback signal, scanned; a token each."""
    bob = folder / "bob.json"
    bob.write_text(json.dumps(BOB_BUNDLE))
    with open_services(Settings(database_url=database_url), clock=lambda: NOW) as services:
        import_bundle(engine=services.engine, source=EXAMPLE)
        import_bundle(engine=services.engine, source=bob)
        import_page_extras(services.engine, folder)
        programs = folder / "programs.json"
        programs.write_text(json.dumps({"programs": list(DEMO_PROGRAMS)}))
        import_bundle(engine=services.engine, source=programs)
        tokens = {
            who: create_user(
                session_factory=services.deps.session_factory, user_id=uid, role=role, now=NOW
            )
            for who, uid, role in (("ana", "u-ana", "owner"), ("mkt", "mkt-1", "marketing"))
        }
        run_scan(services=services, now=NOW, scan_id="sc-docs")
    return tokens


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} is missing: `apt-get install -y chromium` (as .ci/run does), "
            "or set ADVOCACY_SKIP_BROWSER=1 to skip the browser tests locally"
        )
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def smtp() -> Iterator[tuple[str, Captured]]:
    yield from smtp_server()


@pytest.fixture
def site(tmp_path: Path, smtp: tuple[str, Captured]) -> Iterator[Site]:
    """A live uvicorn on a free loopback port, in a thread, over a seeded SQLite file; its
    Send button mails to an SMTP server on loopback."""
    database_url = f"sqlite:///{tmp_path / 'advocacy.db'}"
    tokens = seed(database_url, tmp_path)
    settings = Settings(database_url=database_url, smtp_url=smtp[0])
    app = create_app(settings, clock=lambda: NOW)
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{port}"
    for _ in range(200):
        if server.started:
            break
        time.sleep(0.05)
    assert httpx.get(f"{base}/healthz").status_code == 200
    try:
        yield Site(base=base, database_url=database_url, tokens=tokens, mailbox=smtp[1])
    finally:
        server.should_exit = True
        thread.join(timeout=20)


def click_to_load(page: Page, target: Locator) -> None:
    """Click a link or a form's button and wait for the page it loads.

    A click need not wait for the navigation it starts (on a busy machine the browser may ask for
    the new page only after the click returns), and `wait_for_load_state` then returns at once on
    the old page, already loaded: reading the page races the new one (CI once counted the
    Measurements chart's bars while the inbox was still shown). Waiting for the next
    navigation, armed before the click, cannot miss it; `wait_for_url` could, where a form posts
    back to the page it is on.
    """
    with page.expect_navigation():
        target.click()


def signed_in_page(
    browser: Browser, site: Site, who: str, viewport: dict[str, int] = DESKTOP
) -> Page:
    context = browser.new_context(viewport=viewport)
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=site.base)
    page = site.watch(context.new_page())
    page.goto(f"{site.base}/")
    page.get_by_label("Bearer token").fill(site.tokens[who])
    click_to_load(page, page.get_by_role("button", name="Sign in"))
    return page


def test_an_owner_edits_and_approves_a_review_and_finds_it_counted(
    browser: Browser, site: Site
) -> None:
    page = signed_in_page(browser, site, "ana")
    assert page.url == f"{site.base}/inbox"
    review_id = site.review_id("acc-001")
    row = page.locator(f'tr[data-review-id="{review_id}"]')
    assert row.count() == 1
    assert "Case study" in row.inner_text()
    assert page.locator("#held-count").inner_text() == "1 held"
    assert page.locator("#stopped-count").inner_text() == "1 stopped"
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "inbox.png"), full_page=True)

    click_to_load(page, row.get_by_role("link", name="Northwind Dental"))
    assert page.url == f"{site.base}/reviews/{review_id}"
    assert page.get_by_role("heading", name="Gate report: candidate").is_visible()
    page.screenshot(path=str(SHOTS / "review.png"))
    page.locator(".sources a", has_text="s-1").first.click()
    assert page.url.endswith("#ev-s-1")
    assert page.locator("#ev-s-1").is_visible()

    page.get_by_label("Ask type (eligible only)").select_option("testimonial")
    page.get_by_label("Subject").fill("Would you share a few words, Lee?")
    page.get_by_label("Body").fill("Hi Lee,\n\nIn my own words: thank you.\n\nAna")
    click_to_load(page, page.get_by_role("button", name="Save edit and approve"))

    assert page.url == f"{site.base}/inbox?decided={review_id}"
    assert page.get_by_role("status").inner_text().endswith("is now edited.")
    assert page.locator(f'tr[data-review-id="{review_id}"]').count() == 0
    assert "Nothing is waiting for you." in page.inner_text("main")

    entries = site.rows(select(AuditEntry).where(AuditEntry.review_id == review_id))
    assert [(e.actor, e.action) for e in entries] == [("u-ana", "edit")]
    assert entries[0].changes["after"] == {
        "ask_type": "testimonial",
        "subject": "Would you share a few words, Lee?",
        "body": "Hi Lee,\n\nIn my own words: thank you.\n\nAna",
    }

    click_to_load(page, page.get_by_role("link", name="Measurements"))
    assert page.locator("svg[role=img] rect").count() == len(FUNNEL)
    assert page.locator("#count-ask_approved").inner_text() == "1"
    assert page.locator("#count-ask_edited").inner_text() == "1"
    assert site.dialogs == [] and site.csp_errors == []


def test_hostile_customer_text_is_shown_as_text_and_never_runs(
    browser: Browser, site: Site
) -> None:
    page = signed_in_page(browser, site, "ana")
    page.goto(f"{site.base}/reviews/{site.review_id('acc-001')}")
    evidence = page.locator("#ev-s-hostile")
    assert evidence.is_visible()
    assert HOSTILE_TEXT in evidence.inner_text()
    assert page.get_by_text(SCRIPT, exact=False).first.is_visible()
    assert page.get_by_text(IMAGE, exact=False).first.is_visible()
    assert page.locator("main script, main img").count() == 0
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    assert site.dialogs == [] and site.csp_errors == []


def test_another_owners_review_id_in_the_url_is_not_found(browser: Browser, site: Site) -> None:
    page = signed_in_page(browser, site, "ana")
    answer = page.goto(f"{site.base}/reviews/{site.review_id('acc-002')}")
    assert answer is not None and answer.status == 404
    assert page.get_by_role("heading", name="Not found").is_visible()
    assert "Harbor Vets" not in page.content()


# --- tasks and notifications: accessibility, phone width ----------------------------------------


def serious_violations(page: Page) -> list[str]:
    """axe's serious and critical violations on the page as shown, with where they are."""
    found = Axe().run(page).response["violations"]
    return [
        f"{v['id']} ({v['impact']}): {[node['target'] for node in v['nodes']]}"
        for v in found
        if v["impact"] in ("serious", "critical")
    ]


def fits_the_width(page: Page) -> bool:
    """Nothing sticks out sideways: no horizontal scrolling at the viewport's width."""
    width = page.evaluate("document.documentElement.scrollWidth")
    return bool(width <= page.viewport_size["width"])  # type: ignore[index]


def tables_sticking_out(page: Page) -> list[str]:
    """The tables that scroll sideways inside their own region (the page itself may fit)."""
    return list(
        page.eval_on_selector_all(
            ".table-scroll",
            "regions => regions.filter(r => r.scrollWidth > r.clientWidth)"
            ".map(r => r.getAttribute('aria-labelledby') || r.outerHTML.slice(0, 80))",
        )
    )


def approve_on_the_page(page: Page, site: Site, account_id: str) -> str:
    review_id = site.review_id(account_id)
    page.goto(f"{site.base}/reviews/{review_id}")
    click_to_load(page, page.get_by_role("button", name="Approve as drafted"))
    assert page.url == f"{site.base}/inbox?decided={review_id}"
    return f"task:{review_id}"


def test_an_owner_sends_an_ask_and_records_the_answer_on_a_phone(
    browser: Browser, site: Site
) -> None:
    page = signed_in_page(browser, site, "ana", PHONE)
    task_id = approve_on_the_page(page, site, "acc-001")
    click_to_load(page, page.get_by_role("link", name="Tasks"))
    card = page.locator("article.task")
    assert card.count() == 1 and card.get_attribute("data-task-id") == task_id
    assert "Lee Park <lee@northwind.example>" in card.inner_text()
    assert (
        card.get_by_role("link", name="Open in mail client")
        .get_attribute("href")
        .startswith("mailto:lee@northwind.example?subject=")
    )  # type: ignore[union-attr]
    assert fits_the_width(page) and serious_violations(page) == []
    SHOTS.mkdir(parents=True, exist_ok=True)
    card.screenshot(path=str(SHOTS / "tasks.png"))

    body = card.get_by_label("Body").input_value()
    assert body.startswith("Hi Lee,")
    card.get_by_role("button", name="Copy body").click()
    expect(card.get_by_role("status")).to_have_text("Copied.")
    assert page.evaluate("navigator.clipboard.readText()") == body

    card.get_by_text("Send by email from here").click()
    click_to_load(page, card.get_by_role("button", name="Send now"))
    assert "Northwind Dental: sent by email" in page.locator("#moved").inner_text()
    assert [m.rcpt_tos for m in site.mailbox.messages] == [["lee@northwind.example"]]
    assert fits_the_width(page) and serious_violations(page) == []

    page.get_by_role("radio", name="Accepted").check()
    page.get_by_label("Note (optional)").fill("Happy to do it in January.")
    click_to_load(page, page.get_by_role("button", name="Record response"))
    assert "response recorded, accepted" in page.locator("#moved").inner_text()
    (task,) = site.rows(select(OwnerTask))
    assert (task.status, task.response, task.response_note) == (
        "sent",
        "accepted",
        "Happy to do it in January.",
    )
    assert serious_violations(page) == []
    assert site.dialogs == [] and site.csp_errors == []


def test_the_badge_leads_to_the_notifications_which_it_then_stops_counting(
    browser: Browser, site: Site
) -> None:
    page = signed_in_page(browser, site, "ana")
    approve_on_the_page(page, site, "acc-001")
    with open_services(Settings(database_url=site.database_url), clock=lambda: NOW) as services:
        assert tick(services=services, now=NOW + timedelta(days=8)).reminders >= 1
    page.goto(f"{site.base}/tasks")
    badge = page.locator("#unread-count")
    assert badge.inner_text() == "1"
    assert page.get_by_role("link", name="Notifications 1 unread").is_visible()
    assert serious_violations(page) == []

    click_to_load(page, page.get_by_role("link", name="Notifications 1 unread"))
    assert page.url == f"{site.base}/notifications"
    assert "Reminder 1" in page.inner_text("main") and page.locator("#unread-count").count() == 0
    assert serious_violations(page) == []
    page.set_viewport_size(PHONE)  # type: ignore[arg-type]
    assert fits_the_width(page) and serious_violations(page) == []
    assert site.dialogs == [] and site.csp_errors == []


def test_marketing_reads_tasks_and_notifications_accessibly_without_actions(
    browser: Browser, site: Site
) -> None:
    owner = signed_in_page(browser, site, "ana")
    approve_on_the_page(owner, site, "acc-001")
    page = signed_in_page(browser, site, "mkt", PHONE)
    for path in ("/tasks", "/notifications"):
        page.goto(f"{site.base}{path}")
        assert "read-only" in page.inner_text("main"), path
        assert page.locator("main form").count() == 0, path
        assert fits_the_width(page) and serious_violations(page) == [], path
    for path in ("/backlog", "/metrics", "/programs"):
        page.goto(f"{site.base}{path}")
        assert fits_the_width(page) and serious_violations(page) == [], path
    assert site.dialogs == [] and site.csp_errors == []


# The header's other pages, each as first opened and with its results shown (a filter applied,
# the finder run, one advocate's profile).
HEADER_PAGES = (
    "/candidates",
    "/candidates?segment=smb&status=candidate",
    "/advocates",
    "/advocates?find=true",
    "/advocates/c-1",
    "/programs",
    "/notifications",
    "/backlog",
)


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["390px", "1280px"])
def test_the_owner_pages_fit_the_screen_and_pass_axe(
    browser: Browser, site: Site, viewport: dict[str, int]
) -> None:
    page = signed_in_page(browser, site, "ana", viewport)
    review = f"/reviews/{site.review_id('acc-001')}"
    for path in ("/inbox", review):
        page.goto(f"{site.base}{path}")
        assert fits_the_width(page), (path, page.evaluate("document.documentElement.scrollWidth"))
        assert serious_violations(page) == [], path
    approve_on_the_page(page, site, "acc-001")
    for path in ("/tasks", "/metrics", review, *HEADER_PAGES):
        shown = page.goto(f"{site.base}{path}")
        assert shown is not None and shown.status == 200, path
        assert fits_the_width(page), (path, page.evaluate("document.documentElement.scrollWidth"))
        assert tables_sticking_out(page) == [], path
        assert serious_violations(page) == [], path
    SHOTS.mkdir(parents=True, exist_ok=True)
    for path in HEADER_PAGES:  # to look at: build/screenshots/, never docs/
        page.goto(f"{site.base}{path}")
        name = path.strip("/").replace("/", "-").replace("?", "-").replace("&", "-")
        page.screenshot(path=str(SHOTS / f"{name}-{viewport['width']}.png"), full_page=True)
    page.goto(f"{site.base}/inbox")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"inbox-{viewport['width']}.png"), full_page=True)
    assert site.dialogs == [] and site.csp_errors == []


def test_the_page_speaks_in_labels_not_codes(browser: Browser, site: Site) -> None:
    page = signed_in_page(browser, site, "ana")
    page.goto(f"{site.base}/reviews/{site.review_id('acc-001')}")
    main = page.inner_text("main")
    assert "Case study permission: not recorded" in main
    assert "permission:case_study" not in main and "private_praise_only" not in main
    assert "Consent is not contradictory" in main and "consent_unclear" not in main
    evidence = page.locator("#ev-s-1").inner_text()
    assert "NPS survey: 10 of 10 from Lee Park" in evidence
    assert "(10 Nov 2026)" in evidence and "ago" in evidence
    assert "occurred_at" not in main and "contact_id" not in main
    assert page.request.get(f"{site.base}/favicon.ico").status == 200
