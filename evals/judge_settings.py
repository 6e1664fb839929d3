"""The LLM judge's own settings: its model, its provider and its rubric version.

Read once from the environment (`ADVOCACY_EVALS_JUDGE_<NAME>`, or `.env`); the command line's
`--judge-*` options override them. With neither a base URL nor a key of its own, the judge
uses the server of the models under test (OPENAI_BASE_URL / OPENAI_API_KEY).
"""

from __future__ import annotations

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class JudgeSettings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="ADVOCACY_EVALS_JUDGE_", env_file=".env", extra="ignore"
    )

    model: str | None = Field(None, description="The pinned judge model; none: no judge.")
    base_url: str | None = Field(None, description="The judge's OpenAI-compatible server.")
    api_key: SecretStr | None = None
    prompt: str = Field("v1", pattern=r"^v\d+$", description="prompts/judge.<version>.md")
    threshold: float = Field(3.5, ge=1, le=5, description="The mean score a draft needs.")

    @property
    def own_provider(self) -> bool:
        """Does the judge talk to a server of its own (not the models under test's)?"""
        return self.base_url is not None or self.api_key is not None
