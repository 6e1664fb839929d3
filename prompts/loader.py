"""Versioned prompt files (`<name>.<version>.md`) and their safe rendering.

A prompt file has two sections, `## system` and `## user`. The user section is a template whose
`{placeholder}` names are filled in one pass: substituted text is never scanned again, so braces
or placeholder-like words inside customer text cannot change the template.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

_PLACEHOLDER = re.compile(r"\{([a-z_][a-z0-9_]*)\}")
_SECTION = re.compile(r"^## (system|user)\s*$", re.MULTILINE)


class PromptError(ValueError):
    """A prompt file is missing, malformed, or rendered with the wrong values."""


@dataclass(frozen=True)
class Prompt:
    name: str
    version: str
    system: str
    user_template: str

    @property
    def label(self) -> str:
        """What we record as the prompt version, e.g. `summarize.v1`."""
        return f"{self.name}.{self.version}"

    @property
    def placeholders(self) -> frozenset[str]:
        return frozenset(_PLACEHOLDER.findall(self.user_template))

    def render(self, **values: str) -> str:
        """The user message: every placeholder replaced, in one pass; exact names required."""
        missing = self.placeholders - values.keys()
        extra = values.keys() - self.placeholders
        if missing or extra:
            raise PromptError(
                f"{self.label}: missing {sorted(missing)}, unexpected {sorted(extra)}"
            )
        return _PLACEHOLDER.sub(lambda match: values[match.group(1)], self.user_template)


def _parse(name: str, version: str, text: str) -> Prompt:
    parts = _SECTION.split(text)
    # split() yields [preamble, "system", body, "user", body]; the preamble is a title.
    sections = dict(zip(parts[1::2], (body.strip() for body in parts[2::2]), strict=True))
    if set(sections) != {"system", "user"}:
        raise PromptError(f"{name}.{version}: needs exactly a '## system' and a '## user' section")
    return Prompt(name, version, sections["system"], sections["user"])


@lru_cache(maxsize=32)
def load_prompt(name: str, version: str = "v1") -> Prompt:
    """Load `prompts/<name>.<version>.md` (cached; the files ship inside the package)."""
    if not re.fullmatch(r"[a-z_]+", name) or not re.fullmatch(r"v\d+", version):
        raise PromptError(f"bad prompt name or version: {name!r} {version!r}")
    resource = resources.files("prompts").joinpath(f"{name}.{version}.md")
    if not resource.is_file():
        raise PromptError(f"no prompt file {name}.{version}.md")
    return _parse(name, version, resource.read_text(encoding="utf-8"))
