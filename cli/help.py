"""How every `--help` reads: like the README, whoever adds the command.

Applied once to the whole command tree before a command line is parsed (`HumanGroup`), so a new
command follows these conventions by itself:
- no Python type names (`<bool>`, `<list[str]>`): a flag shows nothing, a value a plain word;
- a flag that is off by default shows no `[default: no-json]`;
- arguments read as in the README (`reviews show REVIEW_ID`);
- prose paragraphs of a docstring are reflowed to the terminal's width; lines of an example
  block (indented, or starting with `advocacy`) keep their line breaks, and one wider than the
  terminal is folded as a shell reads it (its comment on the line above, then ` \\`), never
  wrapped mid-word by the renderer.

What a command's help still needs from its author: a first line saying what it does, and an
`Examples:` paragraph with one command per line (tests/e2e/test_cli_help.py checks both).
"""

from __future__ import annotations

import inspect
import re
import shutil
import types
from datetime import datetime
from pathlib import Path
from typing import Any, get_args

from typer.core import TyperGroup

_WORDS: dict[Any, str] = {int: "N", float: "NUMBER", str: "TEXT", Path: "PATH", datetime: "TIME"}


def _human_type(param: Any) -> str:
    """The word shown after an option: nothing for a flag, else a plain noun."""
    if getattr(param, "is_flag", False):
        return ""
    described = getattr(param, "type_descriptor", None)
    if described is None:
        return "TEXT"
    if described.is_choice:
        return "|".join(str(getattr(c, "value", c)) for c in described.choices or ())
    annotation = described.annotation
    if described.is_list:
        (annotation,) = get_args(annotation) or (str,)
    if described.is_path:
        return "PATH"
    return _WORDS.get(annotation, "TEXT")


# A command line of an example: `advocacy ...`, maybe after environment settings.
_COMMAND = re.compile(r"^(?:[A-Z_]+=\S+ )*advocacy ")
_COMMENT = re.compile(r"\s+(\[dim\]#.*|#.*)$")
_WORD = re.compile(r"\"[^\"]*\"|'[^']*'|\S+")
# rich pads the help text by one column on each side.
_PADDING = 2


def reflow(text: str, width: int | None = None) -> str:
    """Join the hard-wrapped lines of prose paragraphs; keep example lines, folded to `width`
    (default: the terminal's)."""
    width = (width or shutil.get_terminal_size().columns) - _PADDING
    paragraphs = inspect.cleandoc(text).split("\n\n")
    return "\n\n".join(
        _fold_examples(paragraph, width) if _keeps_lines(paragraph) else " ".join(paragraph.split())
        for paragraph in paragraphs
    )


def _fold_examples(paragraph: str, width: int) -> str:
    return "\n".join(
        "\n".join(_fold(line, width)) if _COMMAND.match(line.strip()) else line
        for line in paragraph.splitlines()
    )


def _fold(line: str, width: int) -> list[str]:
    """One example line within `width`: its comment above it, then ` \\` continuations."""
    if len(line) <= width:
        return [line]
    indent = line[: len(line) - len(line.lstrip())]
    command, comment = line, ""
    if found := _COMMENT.search(line):
        command, comment = line[: found.start()], found.group(1)
    above = [indent + comment] if comment else []
    return above + _continued(_WORD.findall(command), indent, width)


def _continued(words: list[str], indent: str, width: int) -> list[str]:
    """Words filled into lines of `width`, each but the last ending in ` \\`."""
    lines: list[str] = []
    current = indent
    for word in words:
        if current.strip() and len(f"{current} {word} \\") > width:
            lines.append(current + " \\")
            current = f"{indent}    {word}"
        else:
            current = f"{current} {word}" if current.strip() else indent + word
    return [*lines, current]


def _keeps_lines(paragraph: str) -> bool:
    """An example block: a heading such as `Examples:`, or indented lines (one command each)."""
    first, *rest = paragraph.splitlines()
    heading = first.startswith(("\b", "Examples", "[bold]Examples"))
    return heading or first.startswith(" ") or any(line.startswith(" ") for line in rest)


def humanize(command: Any) -> None:
    """Apply the conventions above to `command` and every command under it, once."""
    if getattr(command, "_humanized", False):
        return
    command._humanized = True
    if command.help:
        command.help = reflow(command.help)
    listed = command.get_params

    def get_params(ctx: Any) -> list[Any]:
        params: list[Any] = listed(ctx)  # the command's own, and --help
        for param in params:
            _humanize_param(param)
        return params

    command.get_params = get_params
    for sub in getattr(command, "commands", {}).values():
        humanize(sub)


def _humanize_param(param: Any) -> None:
    word = _human_type(param)
    # typer prints `display_type_rich` in a column of its own: one plain word instead of a type.
    param.display_type_rich = types.MethodType(lambda _self, ctx=None: word or None, param)
    if param.param_type_name == "argument":
        param.metavar = param.metavar or param.name.upper()
        # The usage line as the README writes it: `reviews show REVIEW_ID`, not `{REVIEW_ID}`.
        usage = param.metavar if param.required else f"[{param.metavar}]"
        param._usage_display_name = lambda: usage
    if getattr(param, "is_flag", False) and not param.default:
        param.show_default = False
    if isinstance(param.default, Path) and param.default.is_absolute():
        param.show_default = _relative(param.default)
    param.secondary_opts = [o for o in param.secondary_opts if not o.startswith("--no-no-")]


def _relative(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


class HumanGroup(TyperGroup):
    """The root command: its tree is humanized before the command line is read."""

    def main(self, *args: Any, **kwargs: Any) -> Any:
        humanize(self)
        return super().main(*args, **kwargs)
