"""The public API is enough: built-in rules import nothing of shlint-iam but ``shlint_iam.api``,
and every name the API documents is importable from it."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import shlint_iam.api as api

RULES = Path(__file__).resolve().parent.parent / "rules"
RULE_MODULES = sorted(p for p in RULES.glob("*.py"))


def _shlint_imports(path: Path) -> list[tuple[int, str]]:
    """(line, module) of every import of a shlint_iam module, at any depth of the file."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names if a.name.split(".")[0] == "shlint_iam"]
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # a relative import reaches into the package
                found.append((node.lineno, "." * node.level + (node.module or "")))
            elif node.module and node.module.split(".")[0] == "shlint_iam":
                found.append((node.lineno, node.module))
    return found


def test_there_are_rule_modules() -> None:
    assert len(RULE_MODULES) >= 10


@pytest.mark.parametrize("path", RULE_MODULES, ids=lambda p: p.name)
def test_builtin_rules_import_only_the_public_api(path: Path) -> None:
    bad = [(line, module) for line, module in _shlint_imports(path) if module != "shlint_iam.api"]
    assert not bad, f"{path.name} imports private modules {bad}; re-export what it needs from shlint_iam.api"


def test_all_names_exist() -> None:
    missing = [name for name in api.__all__ if not hasattr(api, name)]
    assert not missing
    assert len(set(api.__all__)) == len(api.__all__)


def test_documented_names_are_exported() -> None:
    """Every name the module docstring lists (in double backquotes) is in ``__all__``."""
    doc = api.__doc__ or ""
    stability = doc[doc.index("Stability") :]
    listed = {name for name in _backquoted(stability) if name.isidentifier()}
    assert listed, "the Stability section lists no names"
    # Attribute and method names (``check``, ``facts``...) are listed too; classes and constants
    # start with a capital.
    types = {n for n in listed if n[0].isupper()}
    assert types <= set(api.__all__), types - set(api.__all__)
    for name in ("Deploy", "Binding", "Invoker", "Delete", "ServiceRef", "Unverifiable", "CommandRun", "Word",
                 "show", "invoker_analysis", "binding_fix", "Match", "same_service", "is_broad",
                 "deployment_steps", "describe_step", "PUBLIC_MEMBERS", "normalise_member", "is_known"):
        assert name in api.__all__, name


def _backquoted(text: str) -> list[str]:
    import re

    return re.findall(r"``([^`]+)``", text)


def test_facts_are_the_model_classes() -> None:
    """Re-exports are the very classes the analysis creates, so isinstance works in plugins."""
    from shlint_iam.gcloud import facts
    from shlint_iam.shell import trace, values

    assert api.Deploy is facts.Deploy and api.Binding is facts.Binding and api.Invoker is facts.Invoker
    assert api.CommandRun is trace.CommandRun and api.Word is trace.Word
    assert api.show is values.show
