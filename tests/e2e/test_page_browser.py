"""The review pages in a real Chromium (Debian's, never a downloaded one) against a live server.

Without /usr/bin/chromium these tests fail; ADVOCACY_SKIP_BROWSER=1 skips them for local runs.
They also write the README's screenshots, docs/inbox.png and docs/review.png.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from agent.bootstrap import open_services
from agent.settings import Settings
from agent.usecases.scans import run_scan
from agent.usecases.users import create_user
from api.app import create_app
from store.db import make_engine
from store.importer import import_bundle
from store.models import AuditEntry, Review
from tests.e2e.api_fixtures import BOB_BUNDLE, EXAMPLE, NOW
from tests.e2e.page_fixtures import HOSTILE_TEXT, IMAGE, SCRIPT, import_page_extras
from tests.e2e.test_api_serve import free_port

# Read at import: the autouse settings fixture removes ADVOCACY_* variables before each test.
SKIP_BROWSER = os.environ.get("ADVOCACY_SKIP_BROWSER") == "1"
CHROMIUM = Path(os.environ.get("ADVOCACY_CHROMIUM", "/usr/bin/chromium"))
DOCS = Path(__file__).resolve().parents[2] / "docs"
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

if not SKIP_BROWSER:
    from playwright.sync_api import Browser, ConsoleMessage, Dialog, Page, sync_playwright


@dataclass
class Site:
    base: str
    database_url: str
    tokens: dict[str, str]
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
def site(tmp_path: Path) -> Iterator[Site]:
    """A live uvicorn on a free loopback port, in a thread, over a seeded SQLite file."""
    database_url = f"sqlite:///{tmp_path / 'advocacy.db'}"
    tokens = seed(database_url, tmp_path)
    app = create_app(Settings(database_url=database_url), clock=lambda: NOW)
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
        yield Site(base=base, database_url=database_url, tokens=tokens)
    finally:
        server.should_exit = True
        thread.join(timeout=20)


def signed_in_page(browser: Browser, site: Site, who: str) -> Page:
    page = site.watch(browser.new_context(viewport={"width": 1200, "height": 900}).new_page())
    page.goto(f"{site.base}/")
    page.get_by_label("Bearer token").fill(site.tokens[who])
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()
    return page


def test_an_owner_edits_and_approves_a_review_and_finds_it_counted(
    browser: Browser, site: Site
) -> None:
    page = signed_in_page(browser, site, "ana")
    assert page.url == f"{site.base}/inbox"
    review_id = site.review_id("acc-001")
    row = page.locator(f'tr[data-review-id="{review_id}"]')
    assert row.count() == 1
    assert "case_study" in row.inner_text()
    assert page.locator("#held-count").inner_text() == "1 held"
    assert page.locator("#stopped-count").inner_text() == "1 stopped"
    DOCS.mkdir(exist_ok=True)
    page.screenshot(path=str(DOCS / "inbox.png"), full_page=True)

    row.get_by_role("link", name="Northwind Dental").click()
    assert page.url == f"{site.base}/reviews/{review_id}"
    assert page.get_by_role("heading", name="Gate report: candidate").is_visible()
    page.screenshot(path=str(DOCS / "review.png"))
    page.locator(".sources a", has_text="s-1").first.click()
    assert page.url.endswith("#ev-s-1")
    assert page.locator("#ev-s-1").is_visible()

    page.get_by_label("Ask type (eligible only)").select_option("testimonial")
    page.get_by_label("Subject").fill("Would you share a few words, Lee?")
    page.get_by_label("Body").fill("Hi Lee,\n\nIn my own words: thank you.\n\nAna")
    page.get_by_role("button", name="Save edit and approve").click()
    page.wait_for_load_state()

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

    page.get_by_role("link", name="Measurements").click()
    assert page.locator("svg[role=img] rect").count() == 14
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
