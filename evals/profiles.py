"""Request settings per model, read from `evals/models.yaml`.

A cassette's key hashes the whole request: the structured output method (tools or a response
format) and the answer limit are in it. So a model's cassettes replay only with the settings
they were recorded with; its line here fixes them, over the environment, when recording and
replaying alike. A model without a line uses the environment's settings.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from agent.settings import StructuredOutputMethod

PROFILES_FILE = Path(__file__).parent / "models.yaml"


class Profile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    structured_output_method: StructuredOutputMethod | None = None
    llm_max_tokens: int | None = Field(None, ge=64, le=32_000)
    llm_timeout_seconds: float | None = Field(None, gt=0)

    def overrides(self) -> dict[str, Any]:
        return self.model_dump(exclude_none=True)


class Profiles(BaseModel):
    model_config = ConfigDict(extra="forbid")

    models: dict[str, Profile] = {}

    def overrides(self, model: str) -> dict[str, Any]:
        profile = self.models.get(model)
        return profile.overrides() if profile else {}


def load_profiles(path: Path = PROFILES_FILE) -> Profiles:
    """The profiles in `path` (none when it does not exist); a bad file raises ValueError."""
    if not path.is_file():
        return Profiles()
    try:
        return Profiles.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")) or {})
    except (OSError, yaml.YAMLError, ValidationError) as error:
        raise ValueError(f"{path}: not a model profile table ({error})") from None
