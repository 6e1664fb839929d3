"""Named variants, read from `evals/variants.yaml`: `advocacy evals run --variant NAME`.

A name stands for the options one would otherwise type (models, prompt versions, baseline), so a
README or a CI job can name a run instead of spelling it out; the run itself is unchanged.
"""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

NAMED_FILE = Path(__file__).parent / "variants.yaml"


class NamedVariant(BaseModel):
    model_config = ConfigDict(extra="forbid")

    about: str
    models: list[str] = Field(min_length=1)
    prompts: list[str] = []
    baseline: str | None = None  # a saved run, or "none": the gate is then every case


class NamedVariants(BaseModel):
    model_config = ConfigDict(extra="forbid")

    variants: dict[str, NamedVariant] = {}


def load_named(path: Path = NAMED_FILE) -> NamedVariants:
    """The named variants in `path`; a bad file raises ValueError."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        return NamedVariants.model_validate(raw)
    except (OSError, yaml.YAMLError, ValidationError) as error:
        raise ValueError(f"{path}: not a table of named variants ({error})") from None


def named_variant(name: str, path: Path = NAMED_FILE) -> NamedVariant:
    """The variant called `name`, or a ValueError listing the names there are."""
    variants = load_named(path).variants
    if name not in variants:
        known = ", ".join(sorted(variants)) or "none"
        raise ValueError(f"--variant {name}: no such variant in {path.name} (known: {known})")
    return variants[name]
