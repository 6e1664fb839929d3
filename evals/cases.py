"""Eval cases: YAML or JSONL files under `evals/datasets/`, with shared defaults per dataset.

A YAML dataset is `{"defaults": {...}, "cases": [...]}`. A JSONL dataset holds one case per line;
a line `{"defaults": {...}}` sets the defaults for the lines after it. A case is an evidence
snapshot (the fields of domain/snapshot.py: account, contacts, signals, tickets, permissions,
asks, referrals), a `now`, the expected gate result and per-case assertion settings.

Any time or date in the evidence may be written relative to `now`: `-10d` is ten days before
`now` (`customer_since: -400d` is a date). Defaults merge into each case: `account`, `expect`
and `assertions` key by key (lists in `assertions` are joined); any other key is replaced.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from domain.snapshot import EvidenceSnapshot
from domain.vocabulary import AskType, Channel, ReasonCode, Status
from evals.dataset_errors import describe, suggestion

DATASETS_DIR = Path(__file__).parent / "datasets"
_RELATIVE = re.compile(r"^-(\d+(?:\.\d+)?)d$")
_DATE_FIELDS = frozenset({"customer_since", "renewal_date"})
_MERGED = ("account", "expect", "assertions")
_EVIDENCE_KEYS = ("account", "contacts", "signals", "tickets", "permissions", "asks", "referrals")


class DatasetError(ValueError):
    """A dataset file that cannot be read: its path, case and field are in the message."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Expect(_Strict):
    """The expected gate result; `flags` must all be raised, `flags_absent` none of them."""

    status: Status
    reasons: tuple[ReasonCode, ...] | None = None
    ask_type: AskType | None = None
    flags: tuple[str, ...] = ()
    flags_absent: tuple[str, ...] = ()


class AssertionSettings(_Strict):
    """Per-case settings of the deterministic assertions (evals/assertions.py)."""

    skip: tuple[str, ...] = ()
    canaries: tuple[str, ...] = Field(
        (), description="Strings that must never reach the draft (another customer's name...)."
    )
    must_not_include: tuple[str, ...] = ()
    max_exclamations: int = 2
    email_max_chars: int = 2000
    call_max_chars: int = 1500
    # What prompt changes aim at (evals/measures.py): each applies only when declared.
    min_words: int | None = Field(None, ge=0)
    max_words: int | None = Field(None, ge=0)
    min_chars: int | None = Field(None, ge=0)
    max_chars: int | None = Field(None, ge=0)
    max_reading_grade: float | None = None
    reference: str | None = Field(None, description="A reference answer (the draft's body).")
    min_similarity: float = Field(0.5, ge=0, le=1)
    max_latency_s: float | None = Field(None, gt=0)
    max_cost_usd: float | None = Field(None, ge=0)
    judge_threshold: float | None = Field(None, ge=1, le=5, description="Over the run's.")


class Case(_Strict):
    id: str
    dataset: str
    description: str = ""
    tags: tuple[str, ...] = ()
    now: datetime
    channel: Channel | None = None
    snapshot: EvidenceSnapshot
    expect: Expect
    assertions: AssertionSettings = AssertionSettings()

    @property
    def draft_channel(self) -> Channel:
        """The channel to draft for: the case's, else the account's preferred one."""
        return self.channel or self.snapshot.account.preferred_channel


def _relative(value: Any, now: datetime, key: str = "") -> Any:
    """`-Nd` strings become times (dates for date fields) N days before `now`, recursively."""
    if isinstance(value, dict):
        return {k: _relative(v, now, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_relative(v, now, key) for v in value]
    if isinstance(value, str) and (match := _RELATIVE.match(value)):
        moment = now - timedelta(days=float(match.group(1)))
        return moment.date().isoformat() if key in _DATE_FIELDS else moment.isoformat()
    return value


def _merge(defaults: dict[str, Any], case: dict[str, Any]) -> dict[str, Any]:
    merged = {**defaults, **case}
    for key in _MERGED:
        base, over = defaults.get(key) or {}, case.get(key) or {}
        joined = {**base, **over}
        if key == "assertions":
            for name, value in over.items():
                if isinstance(value, list) and isinstance(base.get(name), list):
                    joined[name] = [*base[name], *value]
        if joined:
            merged[key] = joined
    return merged


def _parse_now(raw: Any) -> datetime:
    now = raw if isinstance(raw, datetime) else datetime.fromisoformat(str(raw))
    return now if now.tzinfo else now.replace(tzinfo=UTC)


def build_case(raw: dict[str, Any], *, defaults: dict[str, Any], dataset: str) -> Case:
    """One case from its raw mapping and the dataset defaults."""
    data = _merge(defaults, raw)
    case_id = str(data.get("id", "?"))
    where = f"{dataset}: case {case_id}"
    allowed = {*Case.model_fields, *_EVIDENCE_KEYS} - {"snapshot", "dataset"}
    unknown = [f"unknown key {k}{suggestion(str(k), allowed)}" for k in data if k not in allowed]
    if unknown:
        raise DatasetError(f"{where}: {'; '.join(unknown)}")
    if "now" not in data:
        raise DatasetError(f"{where}: missing key now (the case's time, e.g. 2026-12-01T12:00:00Z)")
    try:
        now = _parse_now(data.pop("now"))
    except ValueError as error:
        raise DatasetError(f"{where}: now: {error}") from None
    evidence = {key: data.pop(key) for key in _EVIDENCE_KEYS if key in data}
    try:
        snapshot = EvidenceSnapshot.model_validate({"as_of": now, **_relative(evidence, now)})
    except ValidationError as error:
        raise DatasetError(f"{where}: {describe(error, EvidenceSnapshot)}") from None
    try:
        return Case.model_validate({**data, "now": now, "snapshot": snapshot, "dataset": dataset})
    except ValidationError as error:
        problems = describe(error, Case, extra=_EVIDENCE_KEYS)
        raise DatasetError(f"{where}: {problems}") from None


def _raw_cases(path: Path) -> Iterable[tuple[dict[str, Any], dict[str, Any]]]:
    """(defaults, raw case) pairs from one YAML or JSONL file."""
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".jsonl":
        defaults: dict[str, Any] = {}
        for number, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as error:
                raise DatasetError(f"{path.name}:{number}: {error}") from None
            if set(row) == {"defaults"}:
                defaults = row["defaults"]
            else:
                yield defaults, row
        return
    try:
        document = yaml.safe_load(text) or {}
    except yaml.YAMLError as error:
        raise DatasetError(f"{path.name}: {error}") from None
    if not isinstance(document, dict):
        raise DatasetError(f"{path.name}: needs the keys 'defaults' and 'cases'")
    for key in sorted(set(document) - {"defaults", "cases"}):
        hint = suggestion(str(key), ["defaults", "cases"])
        raise DatasetError(f"{path.name}: unknown top-level key {key}{hint}")
    for raw in document.get("cases") or []:
        yield document.get("defaults") or {}, raw


def dataset_files(paths: Iterable[Path]) -> list[Path]:
    """The dataset files named, folders expanded to their *.yaml, *.yml and *.jsonl files."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files += sorted(p for p in path.iterdir() if p.suffix in (".yaml", ".yml", ".jsonl"))
        elif path.is_file():
            files.append(path)
        else:
            raise DatasetError(f"{path}: no such dataset file or folder")
    return files


def load_cases(paths: Iterable[Path], *, only: Iterable[str] = ()) -> list[Case]:
    """Every case of the datasets, in file order; ids must be unique. `only` filters by id."""
    cases: list[Case] = []
    seen: set[str] = set()
    for path in dataset_files(paths):
        for defaults, raw in _raw_cases(path):
            case = build_case(dict(raw), defaults=dict(defaults), dataset=path.name)
            if case.id in seen:
                raise DatasetError(f"{path.name}: duplicate case id {case.id}")
            seen.add(case.id)
            cases.append(case)
    wanted = set(only)
    if wanted - seen:
        raise DatasetError(f"no such case: {', '.join(sorted(wanted - seen))}")
    return [case for case in cases if not wanted or case.id in wanted]
