"""The `advocacy` command as a user runs it: separate processes on one SQLite file."""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

ADVOCACY = str(Path(sys.executable).parent / "advocacy")
RESULT_KEYS = {
    "account_id",
    "status",
    "reasons",
    "flags",
    "eligible_ask_types",
    "ask_type",
    "review_id",
    "programs",
}


def clean_env() -> dict[str, str]:
    """The user's environment without our settings or a model key: the offline default."""
    return {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("ADVOCACY_", "OPENAI_"))
    }


def run(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [ADVOCACY, *args],
        cwd=folder,
        env={**clean_env(), "COLUMNS": "120"},
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture(scope="module")
def demo_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("demo")
    done = run(folder, "demo", "--accounts", "80")
    assert done.returncode == 0, done.stderr
    assert "offline-template" in done.stdout
    assert (folder / "advocacy.db").exists()
    return folder


def pending(folder: Path) -> list[dict[str, Any]]:
    listed = run(folder, "reviews", "list", "--json")
    assert listed.returncode == 0, listed.stderr
    reviews: list[dict[str, Any]] = json.loads(listed.stdout)
    return reviews


def test_the_demo_leaves_reviews_waiting(demo_folder: Path) -> None:
    assert pending(demo_folder)


def test_scan_json_has_the_documented_shape(demo_folder: Path) -> None:
    done = run(demo_folder, "scan", "--json")
    assert done.returncode == 0, done.stderr
    printed = json.loads(done.stdout)
    assert set(printed) == {"scan_id", "now", "results"}
    assert len(printed["results"]) == 80
    keys = {
        "account_id",
        "status",
        "reasons",
        "flags",
        "eligible_ask_types",
        "ask_type",
        "review_id",
        "programs",
    }
    assert all(set(result) == keys for result in printed["results"])
    statuses = {result["status"] for result in printed["results"]}
    assert statuses == {"not_triggered", "held", "stopped", "candidate"}
    candidates = [r for r in printed["results"] if r["status"] == "candidate"]
    assert all(r["review_id"] and r["ask_type"] for r in candidates)
    waiting = {r["review_id"] for r in pending(demo_folder)}
    assert {r["review_id"] for r in candidates} == waiting, "a re-scan opens no second review"


HEAVY = ("langchain", "langchain_core", "langchain_openai", "openai", "langgraph")
POSTGRES_DRIVER = ("psycopg", "psycopg_pool", "psycopg_binary")
# Runs `advocacy WORDS` as the console script does (cli.main:main), then lists the modules it
# imported under the given top-level names.
PROBE = """
import json, sys
from cli.main import main
roots = set(json.loads(sys.argv[2]))
sys.argv = ["advocacy", *json.loads(sys.argv[1])]
try:
    main()
except SystemExit as done:
    assert not done.code, done.code
print("HEAVY=" + json.dumps(sorted({m for m in sys.modules if m.split(".")[0] in roots})))
"""


@pytest.mark.parametrize(
    "words",
    [
        ("reviews", "list"),
        ("metrics",),
        ("tasks", "list"),
        ("candidates", "list"),
        ("advocates", "search"),
        ("rewards", "list"),
    ],
    ids=" ".join,
)
def test_a_command_that_only_reads_imports_no_model_nor_graph(
    demo_folder: Path, words: tuple[str, ...]
) -> None:
    """Only drafting and deciding need langchain, openai and langgraph (about 3 s of imports):
    the composition root builds the chat model, checkpointer and graphs on first use."""
    _, heavy = probe(demo_folder, words)
    assert heavy == []


def test_a_tick_with_no_draft_waiting_builds_no_graph(demo_folder: Path) -> None:
    """`advocacy tick` runs every minute from cron: with no draft to publish and no deferral to
    wake it needs no graph, and building one cost seconds of langgraph's imports each time."""
    printed, heavy = probe(demo_folder, ("tick", "--json"))
    assert json.loads(printed)["woken"] == 0
    assert heavy == []


def test_a_command_on_sqlite_that_opens_the_checkpointer_imports_no_postgres_driver(
    demo_folder: Path,
) -> None:
    """The Postgres saver and psycopg took ~0.1 s to import in every SQLite command that built
    a graph or opened the checkpointer; only a PostgreSQL database needs them."""
    printed, imported = probe(demo_folder, ("db", "upgrade"), roots=POSTGRES_DRIVER)
    assert "schema at revision" in printed
    assert imported == []


def probe(
    demo_folder: Path, words: tuple[str, ...], *, roots: tuple[str, ...] = HEAVY
) -> tuple[str, list[str]]:
    """What `advocacy WORDS` printed, and the modules under `roots` it imported (PROBE)."""
    done = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(words), json.dumps(roots)],
        cwd=demo_folder,
        env={**clean_env(), "COLUMNS": "120"},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    printed, _, heavy = done.stdout.partition("HEAVY=")
    return printed, json.loads(heavy)


def test_a_new_process_decides_a_paused_review_once(demo_folder: Path) -> None:
    review_id = pending(demo_folder)[0]["review_id"]
    approved = run(demo_folder, "reviews", "decide", review_id, "approve")
    assert approved.returncode == 0, approved.stderr
    assert "approved" in approved.stdout
    again = run(
        demo_folder, "reviews", "decide", review_id, "reject", "--reason", "changed my mind"
    )
    assert again.returncode == 1
    assert "already decided" in again.stderr
    shown = json.loads(run(demo_folder, "reviews", "show", review_id, "--json").stdout)
    assert shown["status"] == "approved"
    assert review_id not in {r["review_id"] for r in pending(demo_folder)}
    metrics = json.loads(run(demo_folder, "metrics", "--json").stdout)
    # This one, and the one the demo approved with a program's incentive (a reward to show).
    assert metrics["ask_approved"] == 2
    assert (metrics["reward_proposed"], metrics["ask_rejected"]) == (1, 0)


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["defer", "--until", "next tuesday"], "--until"),
        (["defer", "--until", "1970-01-01"], "until: must be in the future"),
        (["reject"], "reason"),
        (["approve", "--subject", "x"], "only go with action 'edit'"),
        (["edit", "--ask-type", "billboard"], "not eligible"),
        (["shout"], "action"),
    ],
    ids=[
        "bad-date",
        "deferral-into-the-past",
        "reject-without-reason",
        "edit-field-on-approve",
        "ineligible-type",
        "bad-action",
    ],
)
def test_bad_decisions_exit_2_and_change_nothing(
    demo_folder: Path, args: list[str], says: str
) -> None:
    review_id = pending(demo_folder)[-1]["review_id"]
    done = run(demo_folder, "reviews", "decide", review_id, *args)
    assert done.returncode == 2
    assert says in done.stderr
    assert review_id in {r["review_id"] for r in pending(demo_folder)}


def test_a_new_ask_type_without_new_text_exits_2(demo_folder: Path) -> None:
    review = next(r for r in pending(demo_folder) if r["ask_type"] != "private_feedback")
    args = ("reviews", "decide", review["review_id"], "edit", "--ask-type", "private_feedback")
    done = run(demo_folder, *args)
    assert done.returncode == 2
    assert "new text" in done.stderr and "private_feedback" in done.stderr
    assert review["review_id"] in {r["review_id"] for r in pending(demo_folder)}


def test_unknown_review_and_bad_time_exit_2(demo_folder: Path) -> None:
    assert run(demo_folder, "reviews", "show", "rv-nope").returncode == 2
    bad = run(demo_folder, "scan", "--now", "yesterday")
    assert bad.returncode == 2
    assert "--now" in bad.stderr


UVICORN_FACTORY = [sys.executable, "-m", "uvicorn", "--factory", "api.app:create_app"]
# What reads the settings first, and the prefix of its lines: the CLI, and the API factory as
# uvicorn runs it (it printed a traceback and "Application startup failed" before).
READERS = [
    pytest.param([ADVOCACY, "scan", "--segment", "smb"], "error: ", id="advocacy scan"),
    pytest.param([*UVICORN_FACTORY, "--port", "0"], "advocacy: ", id="uvicorn --factory"),
]


@pytest.mark.parametrize(("command", "prefix"), READERS)
@pytest.mark.parametrize(
    ("variable", "value", "words"),
    [
        ("ADVOCACY_DRAFT_HELPER_LOAD", "2", "less than or equal to 1"),
        ("ADVOCACY_SCAN_BATCH_SIZE", "abc", "valid integer"),
    ],
)
def test_a_bad_setting_exits_2_naming_it(
    demo_folder: Path, variable: str, value: str, words: str, command: list[str], prefix: str
) -> None:
    before = pending(demo_folder)
    bad = subprocess.run(
        command,
        cwd=demo_folder,
        env={**clean_env(), "COLUMNS": "120", variable: value},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert bad.returncode == 2, bad.stderr
    assert f"{prefix}setting {variable}: Input should be" in bad.stderr and words in bad.stderr
    assert f"(got '{value}')" in bad.stderr and "Traceback" not in bad.stderr
    assert pending(demo_folder) == before, "nothing scanned"


@pytest.mark.parametrize(("command", "prefix"), READERS)
def test_a_rule_across_settings_exits_2_without_echoing_the_settings(
    demo_folder: Path, command: list[str], prefix: str
) -> None:
    """A rule across settings failed with every setting read as its input, which the message
    printed, the API key included."""
    before = pending(demo_folder)
    secret = "sk-never-printed-0123"
    bad = subprocess.run(
        command,
        cwd=demo_folder,
        env={**clean_env(), "ADVOCACY_JOB_QUEUE": "procrastinate", "OPENAI_API_KEY": secret},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert bad.returncode == 2, bad.stderr
    rule = "settings: Value error, job_queue: procrastinate needs PostgreSQL"
    assert f"{prefix}{rule}" in bad.stderr
    assert secret not in bad.stderr + bad.stdout
    assert "Traceback" not in bad.stderr
    assert pending(demo_folder) == before, "nothing scanned"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def test_demo_serve_signs_the_owner_in_to_the_api_and_the_page(tmp_path: Path) -> None:
    port = free_port()
    env = {**clean_env(), "COLUMNS": "200", "PYTHONUNBUFFERED": "1"}
    args = [ADVOCACY, "demo", "--accounts", "30", "--serve", "--port", str(port)]
    server = subprocess.Popen(args, cwd=tmp_path, env=env, stdout=subprocess.PIPE, text=True)
    try:
        assert server.stdout is not None
        lines = (line.strip() for line in server.stdout)
        token = next(
            line.removeprefix("token:").strip() for line in lines if line.startswith("token:")
        )
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            with contextlib.suppress(httpx.TransportError):
                if httpx.get(f"{base}/healthz").status_code == 200:
                    break
            time.sleep(0.1)
        reviews = httpx.get(f"{base}/v1/reviews", headers={"Authorization": f"Bearer {token}"})
        assert reviews.status_code == 200
        assert reviews.json()["items"], "the owner of the shown review has it waiting"
        page = httpx.get(f"{base}/")
        assert page.status_code == 200
        assert "text/html" in page.headers["content-type"]
    finally:
        server.terminate()
        server.wait(timeout=30)
        if server.stdout is not None:
            server.stdout.close()
