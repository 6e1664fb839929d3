"""Customer marketing from the terminal (issue 17): scan -> list -> save -> export, on the demo
database the README's walk-through uses."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from tests.e2e.test_cli import run


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("marketing")
    done = run(folder, "demo", "--accounts", "60")
    assert done.returncode == 0, done.stderr
    return folder


def listed(folder: Path, *args: str) -> list[dict[str, object]]:
    done = run(folder, "candidates", "list", "--json", *args)
    assert done.returncode == 0, done.stderr
    return list(json.loads(done.stdout))


def test_the_list_filters_and_reads_like_a_campaign_row(demo: Path) -> None:
    everyone = listed(demo)
    assert len(everyone) == 60
    candidates = listed(demo, "--status", "candidate", "--segment", "SMB")
    assert candidates and all(
        c["status"] == "candidate" and c["segment"] == "smb" for c in candidates
    )
    first = candidates[0]
    assert first["account_name"] and first["owner_name"] and first["trigger"]
    assert first["contact_email"]  # the CLI reads as the operator (admin)


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("--segment", "startup"), "known values"),
        (("--arr-min", "-5"), "--arr-min"),
        (("--eligible", "podcast"), "--eligible"),
        (("--list", "nope"), "no list nope"),
    ],
)
def test_bad_filters_exit_2_naming_them(demo: Path, args: tuple[str, ...], words: str) -> None:
    done = run(demo, "candidates", "list", *args)
    assert done.returncode == 2, done.stdout
    assert words in done.stderr


def test_save_show_export_delete(demo: Path) -> None:
    made = run(demo, "lists", "create", "SMB candidates", "--segment", "smb",
               "--status", "candidate", "--json")  # fmt: skip
    assert made.returncode == 0, made.stderr
    assert json.loads(made.stdout)["filters"] == {"segment": "smb", "status": "candidate"}
    again = run(demo, "lists", "create", "smb CANDIDATES")
    assert again.returncode == 1 and "exists already" in again.stderr
    shown = run(demo, "lists", "show", "SMB candidates", "--json")
    expected = listed(demo, "--status", "candidate", "--segment", "smb")
    assert json.loads(shown.stdout) == expected
    exported = run(demo, "candidates", "export", "--csv", "--list", "SMB candidates",
                   "-o", "smb.csv")  # fmt: skip
    assert exported.returncode == 0, exported.stderr
    rows = list(csv.DictReader(io.StringIO((demo / "smb.csv").read_text(encoding="utf-8"))))
    assert [r["account_id"] for r in rows] == [c["account_id"] for c in expected]
    assert run(demo, "lists", "delete", "SMB candidates").returncode == 0
    assert run(demo, "lists", "show", "SMB candidates").returncode == 2


def test_a_bad_export_writes_nothing(demo: Path) -> None:
    done = run(demo, "candidates", "export", "--csv", "--industry", "mining", "-o", "x.csv")
    assert done.returncode == 2 and "known values" in done.stderr
    assert not (demo / "x.csv").exists() and not (demo / "x.csv.part").exists()
    piped = run(demo, "candidates", "export", "--csv", "--industry", "mining")
    assert piped.returncode == 2 and piped.stdout == ""


def test_scan_selects_by_industry_and_limit(demo: Path) -> None:
    wrong = run(demo, "scan", "--industry", "mining")
    assert wrong.returncode == 2 and "known industries" in wrong.stderr
    done = run(demo, "scan", "--industry", "HEALTHCARE", "--limit", "5", "--json")
    assert done.returncode == 0, done.stderr
    scanned = [r["account_id"] for r in json.loads(done.stdout)["results"]]
    industries = {c["account_id"]: c["industry"] for c in listed(demo)}
    assert len(scanned) == 5 and {industries[a] for a in scanned} == {"healthcare"}
