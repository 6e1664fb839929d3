"""Settings, validated once, read from the environment or `.env`.

Loading from the environment lives here, outside the pure core: the policy numbers themselves
are plain values (`domain.settings.PolicySettings`). Build them once in the composition root and
pass them in; never at import time.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal, get_args

from pydantic import AliasChoices, Field, SecretStr, ValidationError, model_validator
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, SettingsConfigDict

from domain.settings import PolicySettings

StructuredOutputMethod = Literal["json_schema", "function_calling", "json_mode"]
WriteMode = Literal["one_call", "two_calls"]
JobQueueMode = Literal["auto", "procrastinate", "in_process"]


class Settings(BaseSettings):
    """Process settings. Env names are ADVOCACY_<NAME> unless an alias says otherwise."""

    model_config = SettingsConfigDict(
        env_prefix="ADVOCACY_",
        env_file=".env",
        env_nested_delimiter="__",
        extra="ignore",
    )

    database_url: str = "sqlite:///./advocacy.db"
    evidence_limit: int = Field(
        10, ge=1, le=500, description="K: at most this many items per evidence kind."
    )
    prompt_evidence_limit: int = Field(
        12, ge=1, le=100, description="At most this many evidence items reach the LLM."
    )
    scan_batch_size: int = Field(1000, ge=1, le=20_000)
    scan_helper_min_accounts: int = Field(
        20_000,
        ge=0,
        description="An in-process SQLite scan of at least this many accounts gates part of its "
        "batches in a second process, on a second core (0: never).",
    )
    draft_helper_min_accounts: int = Field(
        5_000,
        ge=0,
        description="An in-process SQLite scan of at least this many accounts, with a model, has "
        "its candidates' texts written in a second process, on a second core (0: never).",
    )
    draft_helper_load: float = Field(
        0.25,
        ge=0,
        le=1,
        description="A scan with a draft helper starts it once its own writing takes at least "
        "this share of a core, measured from its first candidate (a slow model never needs "
        "it); 0: with the first candidate.",
    )
    scan_incremental: bool = Field(
        True,
        description="A re-scan reuses the previous results of accounts whose evidence did not "
        "change and whose time edges have not come (false: gate every account again).",
    )
    openai_api_key: SecretStr | None = Field(
        None, validation_alias=AliasChoices("OPENAI_API_KEY", "ADVOCACY_OPENAI_API_KEY")
    )
    openai_base_url: str | None = Field(
        None, validation_alias=AliasChoices("OPENAI_BASE_URL", "ADVOCACY_OPENAI_BASE_URL")
    )
    model: str = "gpt-4o-mini"
    structured_output_method: StructuredOutputMethod = "json_schema"
    write_mode: WriteMode = Field(
        "one_call",
        description="one_call: the summary and the draft come from one structured answer; "
        "two_calls: a summary call, then a draft call (for models that need smaller answers).",
    )
    llm_timeout_seconds: float = Field(30.0, gt=0)
    llm_max_retries: int = Field(2, ge=0, le=10)
    llm_concurrency: int = Field(16, ge=1, le=256)
    llm_max_tokens: int = Field(
        1200, ge=64, le=32_000, description="At most this many tokens per model answer."
    )
    claim_lease_seconds: float = Field(
        120, gt=0, description="A decision claim or Idempotency-Key older than this was lost."
    )
    draft_lease_seconds: float = Field(
        900, gt=0, description="A review still drafting after this long lost its drafter."
    )
    smtp_url: str | None = Field(
        None,
        description="smtp://[user:password@]host[:port] (smtps:// for TLS, ?starttls=1 to "
        "upgrade): set, owners get a Send button and notifications go out by email.",
    )
    notify_webhook_url: str | None = Field(
        None, description="Notifications are also posted here as Slack-compatible JSON."
    )
    mail_from: str = Field(
        "advocacy-agent@localhost", description="The sender of notices to owners (not of asks)."
    )
    public_url: str = Field(
        "http://127.0.0.1:8000", description="The review page's address, for links in notices."
    )
    tick_every_seconds: float = Field(
        60.0, ge=0, description="`advocacy serve` runs the timers this often (0: never)."
    )
    delivery_timeout_seconds: float = Field(10.0, gt=0, le=120)
    job_queue: JobQueueMode = Field(
        "auto",
        description="auto: scans, webhook runs and timers are jobs on procrastinate with "
        "PostgreSQL (`advocacy worker` runs them) and run in-process with SQLite; in_process: "
        "in-process on PostgreSQL too (no worker needed).",
    )
    worker_heartbeat_seconds: float = Field(
        10.0, gt=0, le=600, description="A worker records it is alive this often."
    )
    stalled_job_seconds: float = Field(
        60.0,
        gt=0,
        description="A running job whose worker has not been heard of for this long is retried "
        "by another worker (keep it well above worker_heartbeat_seconds).",
    )
    stalled_check_seconds: int = Field(
        10, ge=1, le=3600, description="Workers look for stalled jobs this often."
    )
    worker_poll_seconds: float = Field(
        5.0, gt=0, le=600, description="A worker looks for jobs (and retries) at least this often."
    )
    policy: PolicySettings = Field(default_factory=PolicySettings)

    @model_validator(mode="after")
    def _evidence_limit_covers_counting_rules(self) -> Settings:
        # The gates count asks and reference calls inside the bounded slices; a smaller K
        # would silently hide the asks that should hold an account.
        needed = max(self.policy.ask_limit_count, self.policy.reference_calls_per_contact)
        if self.evidence_limit < needed:
            raise ValueError(f"evidence_limit must be >= {needed} for the frequency rules")
        return self

    @model_validator(mode="after")
    def _stalled_after_heartbeats(self) -> Settings:
        # A live job's worker is heard of every heartbeat; a shorter threshold re-runs live jobs.
        if self.stalled_job_seconds < 2 * self.worker_heartbeat_seconds:
            raise ValueError("stalled_job_seconds must be >= 2 x worker_heartbeat_seconds")
        if self.job_queue == "procrastinate" and self.database_url.startswith("sqlite"):
            raise ValueError("job_queue: procrastinate needs PostgreSQL, not SQLite")
        return self

    @property
    def uses_job_queue(self) -> bool:
        """Scans, webhook runs and timers go through procrastinate (PostgreSQL only)."""
        if self.job_queue == "auto":
            return not self.database_url.startswith("sqlite")
        return self.job_queue == "procrastinate"

    @property
    def llm_configured(self) -> bool:
        return self.openai_api_key is not None or self.openai_base_url is not None


def settings_or_exit(report: Callable[[str], None]) -> Settings:
    """The settings from the environment and `.env`; a bad value is reported one line per
    problem (`settings_problems`, to `report`) and ends the process with exit 2."""
    try:
        return Settings()
    except ValidationError as error:
        for line in settings_problems(error):
            report(line)
        raise SystemExit(2) from None


def settings_problems(error: ValidationError) -> list[str]:
    """One line per bad setting, naming the environment variable it is read from (the CLI and
    the API factory print these instead of pydantic's report or a traceback)."""
    lines = []
    for problem in error.errors():
        loc = [str(part) for part in problem["loc"]]
        if not loc:  # a rule across settings: its input is every setting, the API key included
            lines.append(f"settings: {problem['msg']}")
            continue
        got = "hidden" if _is_secret(loc[0]) else repr(problem.get("input"))
        lines.append(f"setting {_nested_env_name(loc)}: {problem['msg']} (got {got})")
    return lines


def _nested_env_name(loc: list[str]) -> str:
    """A nested setting's variable, as pydantic-settings reads it: ADVOCACY_POLICY__FIELD."""
    delimiter = Settings.model_config.get("env_nested_delimiter") or "__"
    return delimiter.join([env_name(loc[0]), *(part.upper() for part in loc[1:])])


def env_name(name: str) -> str:
    """The environment variable a setting is read from: `name` is a field's, or one of the
    names it is read under (pydantic reports an aliased field by the alias it read)."""
    field = Settings.model_fields.get(name)
    if field is None and _aliased(name):
        return name
    alias = field.validation_alias if field is not None else None
    if isinstance(alias, AliasChoices) and isinstance(alias.choices[0], str):
        return alias.choices[0]
    if isinstance(alias, str):
        return alias
    return f"{Settings.model_config.get('env_prefix', '')}{name}".upper()


def _aliased(name: str) -> FieldInfo | None:
    """The field read under the alias `name`, if one is."""
    for field in Settings.model_fields.values():
        alias = field.validation_alias
        names = alias.choices if isinstance(alias, AliasChoices) else [alias]
        if name in names:
            return field
    return None


def _is_secret(name: str) -> bool:
    field = Settings.model_fields.get(name) or _aliased(name)
    if field is None:
        return False
    return field.annotation is SecretStr or SecretStr in get_args(field.annotation)
