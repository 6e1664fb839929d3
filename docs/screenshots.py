"""The README's screenshots, from `make demo`'s own data: `make screenshots`.

    .venv/bin/python docs/screenshots.py [--out docs] [--work build/demo-screenshots]

Runs `advocacy demo` (the same accounts and seed as `make demo`) into a database of its own
under --work, serves it on a free loopback port, signs in as the first review's owner in
Debian's Chromium and writes inbox.png, review.png, candidates.png, advocates.png (1280 px
wide), tasks.png (390 px, after approving that review) and programs.png (390 px) into --out.
The test suite never writes docs/: its own screenshots go under build/screenshots/.
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

CHROMIUM = Path(os.environ.get("ADVOCACY_CHROMIUM", "/usr/bin/chromium"))
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def demo_database(work: Path) -> str:
    """A fresh database holding exactly what `make demo` shows (its defaults: 200 accounts)."""
    work = work.resolve()
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    url = f"sqlite:///{work / 'advocacy.db'}"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ADVOCACY_", "OPENAI_"))}
    advocacy = Path(sys.executable).parent / "advocacy"
    subprocess.run(
        [str(advocacy), "demo"],
        cwd=work,
        env={**env, "ADVOCACY_DATABASE_URL": url},
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return url


def owner_token(url: str) -> tuple[str, str]:
    """(the first pending review's id, a fresh sign-in token of its owner)."""
    from agent.bootstrap import open_services
    from agent.settings import Settings
    from agent.usecases.reads import review_queue
    from agent.usecases.users import rotate_token
    from domain.clock import utc_now

    with open_services(Settings(database_url=url), clock=utc_now) as services:
        with services.deps.session_factory() as session:
            first = review_queue(session=session, owner_id=None)[0]
        token = rotate_token(
            session_factory=services.deps.session_factory,
            user_id=first.owner_id,
            role="owner",
            now=utc_now(),
        )
    return first.id, token


def serve(url: str) -> tuple[str, object]:
    import uvicorn

    from agent.settings import Settings
    from api.app import create_app

    port = free_port()
    config = uvicorn.Config(
        create_app(Settings(database_url=url)), host="127.0.0.1", port=port, log_level="warning"
    )
    server = uvicorn.Server(config)
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    return f"http://127.0.0.1:{port}", server


def shoot(base: str, review_id: str, token: str, out: Path) -> None:
    from playwright.sync_api import sync_playwright

    out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        page = browser.new_page(viewport=DESKTOP)
        page.goto(f"{base}/signin")
        page.get_by_label("Bearer token").fill(token)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_load_state()
        page.screenshot(path=str(out / "inbox.png"), full_page=True)
        page.goto(f"{base}/reviews/{review_id}")
        page.screenshot(path=str(out / "review.png"))
        page.get_by_role("button", name="Approve as drafted").click()
        page.wait_for_load_state()
        phone = browser.new_page(viewport=PHONE)
        phone.context.add_cookies(page.context.cookies())
        phone.goto(f"{base}/tasks")
        phone.locator("article.task").first.screenshot(path=str(out / "tasks.png"))
        # The header's other pages as a first visit shows them (the finder run for advocates).
        for name, path, shown in (
            ("candidates", "/candidates?status=candidate", page),
            ("advocates", "/advocates?find=true", page),
            ("programs", "/programs", phone),
        ):
            shown.goto(f"{base}{path}")
            shown.screenshot(path=str(out / f"{name}.png"))
        browser.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=Path("docs"))
    # Not build/screenshots: this folder is wiped first, and the browser tests write there.
    parser.add_argument("--work", type=Path, default=Path("build/demo-screenshots"))
    args = parser.parse_args()
    if not CHROMIUM.exists():
        sys.exit(f"{CHROMIUM} is missing: apt-get install -y chromium")
    url = demo_database(args.work)
    review_id, token = owner_token(url)
    base, server = serve(url)
    try:
        shoot(base, review_id, token, args.out)
    finally:
        server.should_exit = True  # type: ignore[attr-defined]
    names = ("inbox", "review", "tasks", "candidates", "advocates", "programs")
    print(f"wrote {', '.join(str(args.out / f'{n}.png') for n in names)}")


if __name__ == "__main__":
    main()
