"""The package's imports run one way: no module imports (at any depth, under TYPE_CHECKING
too) a module that imports it back, and nothing inside the package imports ``shlint_iam.api``,
the public face for plugins (only the built-in rules under ``rules/`` do, as plugins would)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "shlint_iam"
RULES = ROOT / "rules"

# Imports left out of the graph, each with the reason it cannot run the other way. Empty: keep
# it so, or say here why a function-level import is needed (e.g. for start-up time).
EXEMPT: dict[tuple[str, str], str] = {}


def _modules() -> dict[str, Path]:
    found: dict[str, Path] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    for path in sorted(RULES.glob("*.py")):
        name = "shlint_iam.rules" + ("" if path.stem == "__init__" else f".{path.stem}")
        found[name] = path
    return found


def _absolute(module: str, is_package: bool, level: int, target: str | None) -> str:
    if level == 0:
        return target or ""
    base = module.split(".")
    if not is_package:
        base = base[:-1]
    base = base[: len(base) - (level - 1)]
    return ".".join(base + ([target] if target else []))


def import_graph() -> dict[str, set[str]]:
    """Module -> the package modules it imports anywhere in its text (function bodies and
    ``if TYPE_CHECKING:`` blocks included)."""
    modules = _modules()
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        is_package = path.name == "__init__.py"
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = _absolute(name, is_package, node.level, node.module)
                # ``from . import x`` imports the submodule x when there is one.
                targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in modules else base for a in node.names]
            for target in targets:
                if target in modules and target != name and (name, target) not in EXEMPT:
                    graph[name].add(target)
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle (its modules, the first repeated at the end), or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                return path[path.index(nxt):] + [nxt]
            if nxt not in state:
                found = visit(nxt)
                if found:
                    return found
        path.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state:
            found = visit(node)
            if found:
                return found
    return None


def test_the_graph_sees_the_package() -> None:
    graph = import_graph()
    assert "shlint_iam.core" in graph and "shlint_iam.lint" in graph and "shlint_iam.report.sarif_format" in graph
    # Relative, absolute, function-level and TYPE_CHECKING imports are all edges.
    assert "shlint_iam.core" in graph["shlint_iam.lint"]
    assert "shlint_iam.parallel" in graph["shlint_iam.lint"]  # imported inside a method
    assert "shlint_iam.lint" in graph["shlint_iam.report.sarif_format"]  # under TYPE_CHECKING
    assert graph["shlint_iam.rules.iam001_missing_invoker_binding"] == {"shlint_iam.api"}


def test_find_cycle_finds_one() -> None:
    """The checker itself can fail: a made-up three-module cycle is found."""
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert find_cycle(graph) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_no_import_cycle_in_the_package() -> None:
    cycle = find_cycle(import_graph())
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


def test_nothing_in_the_package_imports_the_public_face() -> None:
    graph = import_graph()
    importers = sorted(m for m, targets in graph.items() if "shlint_iam.api" in targets)
    assert importers, "the built-in rules import shlint_iam.api"
    assert all(m.startswith("shlint_iam.rules.") for m in importers), importers


def test_the_public_face_only_re_exports() -> None:
    """``shlint_iam/api.py`` defines nothing: every name it offers comes from another module."""
    tree = ast.parse((PACKAGE / "api.py").read_text(encoding="utf-8"))
    defined = [
        node for node in tree.body
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
        or (isinstance(node, ast.Assign) and not any(isinstance(t, ast.Name) and t.id == "__all__"
                                                      for t in node.targets))
    ]
    assert not defined, [getattr(n, "name", ast.dump(n)[:60]) for n in defined]


def test_the_core_types_live_in_core() -> None:
    import shlint_iam.api as api
    import shlint_iam.core as core
    import shlint_iam.model as model

    for name in ("Rule", "FileContext", "ProjectContext"):
        assert getattr(api, name).__module__ == "shlint_iam.core", name
    for name in ("Finding", "Severity", "Span", "FileProblem"):
        assert getattr(core, name) is getattr(model, name), name
    assert api.CODE_PATTERN is core.CODE_PATTERN
