"""The matrix: prompt versions x models. `offline-template` is a model that needs no prompt.

`write` is the one-call prompt (agent/writing.py, write_mode one_call): the summary and the
draft in one answer. Its version `v0` is no prompt at all: the two-call mode, summarize then
draft (the default here, the mode the shipped cassettes were recorded in). So
`--prompt write=v0,v1` compares the one-call mode (B) with the two-call mode (A).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from agent.offline import OFFLINE_AUTHOR
from agent.writing import DRAFT_VERSION, SUMMARIZE_VERSION
from prompts.loader import PromptError, load_prompt

PROMPT_NAMES = ("summarize", "draft", "write")
TWO_CALLS = "v0"  # the `write` version that means "no one-call prompt: two calls"
_SPEC = re.compile(r"^(?P<name>[a-z_]+)=(?P<versions>v\d+(,v\d+)*)$")


@dataclass(frozen=True)
class Variant:
    """One column of the matrix: a model and the prompt version per prompt name."""

    model: str
    prompts: tuple[tuple[str, str], ...]

    @property
    def offline(self) -> bool:
        return self.model == OFFLINE_AUTHOR

    @property
    def one_call(self) -> bool:
        """The summary and the draft from one answer (the `write` prompt), not two calls."""
        return dict(self.prompts).get("write", TWO_CALLS) != TWO_CALLS

    @property
    def prompt_versions(self) -> dict[str, str]:
        return {name: v for name, v in self.prompts if (name, v) != ("write", TWO_CALLS)}

    @property
    def id(self) -> str:
        if self.offline:
            return OFFLINE_AUTHOR
        versions = " ".join(f"{name}.{v}" for name, v in self.prompt_versions.items())
        return f"{self.model} | {versions}"


def parse_prompt_specs(specs: Iterable[str]) -> dict[str, list[str]]:
    """`["summarize=v1,v2", "draft=v1"]` -> versions per prompt name (defaults: the Writer's)."""
    chosen: dict[str, list[str]] = {
        "summarize": [SUMMARIZE_VERSION],
        "draft": [DRAFT_VERSION],
        "write": [TWO_CALLS],
    }
    for spec in specs:
        match = _SPEC.match(spec.strip())
        if not match or match.group("name") not in PROMPT_NAMES:
            raise ValueError(
                f"--prompt {spec!r}: expected NAME=v1[,v2...] with NAME in {list(PROMPT_NAMES)}"
            )
        versions = list(dict.fromkeys(match.group("versions").split(",")))
        for version in versions:
            if (match.group("name"), version) == ("write", TWO_CALLS):
                continue
            try:
                load_prompt(match.group("name"), version)
            except PromptError as error:
                raise ValueError(f"--prompt {spec!r}: {error}") from None
        chosen[match.group("name")] = versions
    return chosen


def build_variants(models: Sequence[str], prompts: dict[str, list[str]]) -> list[Variant]:
    """Models x every combination of prompt versions; the offline template appears once."""
    combos = [
        tuple(zip(PROMPT_NAMES, versions, strict=True))
        for versions in itertools.product(*(prompts[name] for name in PROMPT_NAMES))
    ]
    variants: list[Variant] = []
    for model in dict.fromkeys(models):
        if model == OFFLINE_AUTHOR:
            variants.append(Variant(model, combos[0]))
        else:
            variants += [Variant(model, combo) for combo in combos]
    return variants
