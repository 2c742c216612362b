"""Output formats, one module each; imported only when asked for."""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from ..lint import LintResult
    from ..registry import Registry

FORMATS = ("text", "concise", "gcc", "json", "sarif", "github", "markdown")


@dataclass
class ReportOptions:
    color: bool = False
    hyperlinks: bool = False  # OSC 8 links from rule codes to their documentation (text format)
    project_root: str | None = None  # SARIF/github URIs are made relative to this (default: cwd)
    include_suppressed: bool = False
    show_fixes: bool = True
    extra: dict[str, object] = field(default_factory=dict)


class Renderer(Protocol):
    def __call__(self, result: LintResult, registry: Registry, options: ReportOptions) -> str: ...


def renderer(name: str) -> Renderer:
    """The ``render`` function of format ``name`` (its module is imported now, not at start-up)."""
    module = importlib.import_module(f"shlint_iam.report.{name}_format")
    render: Renderer = module.render
    return render
