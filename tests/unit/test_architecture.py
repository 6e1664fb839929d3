"""The layering, read from the source with `ast` (nothing here imports the project's modules).

- domain/ imports only the standard library, pydantic and itself;
- api/ and cli/ hold no SQL: they call use-cases, which own the queries;
- the production modules import one another without a cycle;
- modules stay short, and so do functions.

Each failure lists every offending place, as `path:line`.
"""

from __future__ import annotations

import ast
import statistics
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PRODUCTION = ("domain", "store", "tools", "agent", "prompts", "checkpoints", "api", "cli", "evals")
EXCLUDED = ("store/migrations",)

DOMAIN_MAY_IMPORT = frozenset(sys.stdlib_module_names) | {
    "pydantic",
    "pydantic_core",
    "typing_extensions",
    "domain",
}

MAX_MODULE_LINES = 400
MAX_MEDIAN_FUNCTION_LINES = 10


# --- reading the source ----------------------------------------------------------------------


def _rel(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def _python_files(*packages: str) -> list[Path]:
    files = [
        path
        for package in packages
        for path in sorted((ROOT / package).rglob("*.py"))
        if not any(_rel(path).startswith(f"{excluded}/") for excluded in EXCLUDED)
        and "__pycache__" not in path.parts
    ]
    assert files, f"no .py files found under {packages} in {ROOT}"
    return files


@cache
def _source(path: Path) -> str:
    return path.read_text(encoding="utf-8")


@cache
def _tree(path: Path) -> ast.Module:
    return ast.parse(_source(path), filename=str(path))


def _imports(tree: ast.AST) -> Iterator[ast.Import | ast.ImportFrom]:
    """Every import statement, wherever it is: top level, functions, `if TYPE_CHECKING:`."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node


def _report(title: str, hits: list[str]) -> str:
    return f"{title} ({len(hits)}):\n  " + "\n  ".join(hits)


# --- a. domain/ imports only the standard library, pydantic and itself --------------------------


def _top_level_names(node: ast.Import | ast.ImportFrom) -> list[str]:
    if isinstance(node, ast.Import):
        return [alias.name.split(".")[0] for alias in node.names]
    if node.level > 0:  # relative: inside domain/
        return ["domain"]
    return [(node.module or "").split(".")[0]]


def test_domain_imports_only_stdlib_pydantic_and_itself() -> None:
    hits = [
        f"{_rel(path)}:{node.lineno}: imports {name}"
        for path in _python_files("domain")
        for node in _imports(_tree(path))
        for name in _top_level_names(node)
        if name not in DOMAIN_MAY_IMPORT
    ]
    assert not hits, _report(
        "domain/ may import only the standard library, pydantic and domain", hits
    )


# --- b. api/ and cli/ hold no SQL ------------------------------------------------------------

SQL_ATTRIBUTE_CALLS = frozenset({"execute", "scalars", "scalar", "query"})
SQL_STATEMENT_NAMES = frozenset({"select", "insert", "update", "delete"})
# Types a signature may name; building or calling any of them is flagged below.
TYPE_ONLY = frozenset(
    {("sqlalchemy.orm", "Session"), ("sqlalchemy.orm", "sessionmaker"), ("sqlalchemy", "Engine")}
)


def _sqlalchemy_imports(tree: ast.AST) -> tuple[list[tuple[int, str]], dict[str, str]]:
    """The forbidden sqlalchemy imports (line, what), and local name -> sqlalchemy name.

    Only the TYPE_ONLY names (for annotations), imported under their own name, are allowed.
    """
    forbidden: list[tuple[int, str]] = []
    bound: dict[str, str] = {}
    for node in _imports(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "sqlalchemy":
                    shown = f"import {alias.name}" + (f" as {alias.asname}" if alias.asname else "")
                    forbidden.append((node.lineno, shown))
                    bound[alias.asname or alias.name.split(".")[0]] = alias.name
            continue
        module = node.module or ""
        if node.level > 0 or module.split(".")[0] != "sqlalchemy":
            continue
        for alias in node.names:
            bound[alias.asname or alias.name] = f"{module}.{alias.name}"
            if (module, alias.name) not in TYPE_ONLY or alias.asname is not None:
                shown = f"from {module} import {alias.name}"
                forbidden.append(
                    (node.lineno, shown + (f" as {alias.asname}" if alias.asname else ""))
                )
    return forbidden, bound


def _sql_call(node: ast.Call, bound: dict[str, str]) -> str | None:
    """What makes this call SQL, or None."""
    func = node.func
    if isinstance(func, ast.Name):
        origin = bound.get(func.id, "")
        if func.id == "select" or (
            origin.startswith("sqlalchemy") and origin.rsplit(".", 1)[-1] in SQL_STATEMENT_NAMES
        ):
            return f"calls {func.id}() ({origin or 'a bare select'})"
        if tuple(origin.rsplit(".", 1)) in TYPE_ONLY:
            return f"calls {func.id}() (allowed only as a type annotation)"
        return None
    if not isinstance(func, ast.Attribute):
        return None
    owner = func.value.id if isinstance(func.value, ast.Name) else None
    if func.attr in SQL_ATTRIBUTE_CALLS:
        return f"calls .{func.attr}()"
    if func.attr == "get" and owner == "session":
        return "calls session.get()"
    if owner is not None and bound.get(owner, "").startswith("sqlalchemy"):
        return f"calls {owner}.{func.attr}() from sqlalchemy"
    return None


def _sql_hits(path: Path) -> list[tuple[int, str]]:
    tree = _tree(path)
    hits, bound = _sqlalchemy_imports(tree)
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and (why := _sql_call(node, bound)):
            hits.append((node.lineno, why))
        elif (
            isinstance(node, ast.Attribute)
            and node.attr == "metadata"
            and isinstance(node.value, ast.Name)
            and node.value.id == "Base"
        ):
            hits.append((node.lineno, "reads Base.metadata"))
    return sorted(hits)


def test_api_and_cli_hold_no_sql() -> None:
    hits = [
        f"{_rel(path)}:{line}: {why}"
        for path in _python_files("api", "cli")
        for line, why in _sql_hits(path)
    ]
    assert not hits, _report(
        "api/ and cli/ must leave SQL to the use-cases (only Session, sessionmaker and Engine "
        "may be imported, as types)",
        hits,
    )


# --- c. no import cycle among the production modules -------------------------------------------


@dataclass(frozen=True)
class Module:
    name: str
    path: Path

    @property
    def package(self) -> str:
        """The package that a relative import in this module starts from."""
        if self.path.name == "__init__.py":
            return self.name
        return self.name.rpartition(".")[0]


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Module]:
    return {(name := _module_name(path)): Module(name, path) for path in _python_files(*PRODUCTION)}


def _existing(name: str, known: dict[str, Module]) -> str | None:
    """`name` or its longest prefix that is one of ours (a package stands for its __init__)."""
    parts = name.split(".")
    for end in range(len(parts), 0, -1):
        candidate = ".".join(parts[:end])
        if candidate in known:
            return candidate
    return None


def _absolute(module: Module, node: ast.ImportFrom) -> str:
    if node.level == 0:
        return node.module or ""
    base = module.package.split(".")
    base = base[: len(base) - (node.level - 1)]
    return ".".join([*base, *([node.module] if node.module else [])])


def _targets(
    module: Module, node: ast.Import | ast.ImportFrom, known: dict[str, Module]
) -> set[str]:
    if isinstance(node, ast.Import):
        found = (_existing(alias.name, known) for alias in node.names)
        return {name for name in found if name is not None}
    source = _absolute(module, node)
    targets: set[str] = set()
    for alias in node.names:
        submodule = f"{source}.{alias.name}"
        target = submodule if submodule in known else _existing(source, known)
        if target is not None:
            targets.add(target)
    return targets


def _import_graph() -> tuple[dict[str, set[str]], dict[tuple[str, str], list[int]]]:
    """module -> the modules it imports, and each edge's import lines."""
    known = _modules()
    graph: dict[str, set[str]] = {name: set() for name in known}
    lines: dict[tuple[str, str], list[int]] = {}
    for name, module in known.items():
        for node in _imports(_tree(module.path)):
            for target in _targets(module, node, known):
                graph[name].add(target)
                lines.setdefault((name, target), []).append(node.lineno)
    return graph, lines


def _strongly_connected(graph: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's algorithm, iterative (no recursion limit), in a stable order."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []
    for root in sorted(graph):
        if root in index:
            continue
        work: list[tuple[str, Iterator[str]]] = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is None:
                work.pop()
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[node])
                if low[node] == index[node]:
                    component: list[str] = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    components.append(sorted(component))
            elif child not in index:
                index[child] = low[child] = len(index)
                stack.append(child)
                on_stack.add(child)
                work.append((child, iter(sorted(graph[child]))))
            elif child in on_stack:
                low[node] = min(low[node], index[child])
    return components


def _path_of(name: str, known: dict[str, Module]) -> str:
    return _rel(known[name].path)


def test_no_import_cycles() -> None:
    graph, lines = _import_graph()
    known = _modules()
    cycles = [
        component
        for component in _strongly_connected(graph)
        if len(component) > 1 or component[0] in graph[component[0]]
    ]
    reports = []
    for component in cycles:
        members = set(component)
        edges = [
            f"    {source} -> {target}  ({_path_of(source, known)}:"
            + ",".join(map(str, sorted(lines[(source, target)])))
            + ")"
            for source in component
            for target in sorted(graph[source] & members)
        ]
        reports.append(f"cycle of {len(component)}: {', '.join(component)}\n" + "\n".join(edges))
    assert not cycles, f"{len(cycles)} import cycle(s) among the production modules:\n" + "\n".join(
        reports
    )


# --- d. short modules, short functions -------------------------------------------------------


def test_no_module_over_400_lines() -> None:
    sizes = {_rel(path): len(_source(path).splitlines()) for path in _python_files(*PRODUCTION)}
    hits = [
        f"{path}: {lines} lines"
        for path, lines in sorted(sizes.items(), key=lambda item: -item[1])
        if lines > MAX_MODULE_LINES
    ]
    assert not hits, _report(f"modules over {MAX_MODULE_LINES} lines", hits)


def test_median_function_length_at_most_10_lines() -> None:
    functions = [
        (node.end_lineno - node.lineno + 1, f"{_rel(path)}:{node.lineno}: {node.name}")
        for path in _python_files(*PRODUCTION)
        for node in ast.walk(_tree(path))
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.end_lineno
    ]
    assert functions, "no functions found"
    median = statistics.median(length for length, _ in functions)
    longest = sorted(functions, key=lambda item: (-item[0], item[1]))[:20]
    assert median <= MAX_MEDIAN_FUNCTION_LINES, (
        f"median function length is {median} lines over {len(functions)} functions "
        f"(at most {MAX_MEDIAN_FUNCTION_LINES}); the longest:\n  "
        + "\n  ".join(f"{where} ({length} lines)" for length, where in longest)
    )
