"""Output formats, one module each; imported only when asked for."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Protocol

from ..records import record

if TYPE_CHECKING:
    from ..lint import LintResult
    from ..registry import Registry

FORMATS = ("text", "concise", "gcc", "json", "sarif", "github", "markdown")


@record()
class ReportOptions:
    """How a report is written."""

    color: bool
    hyperlinks: bool  # OSC 8 links from rule codes to their documentation (text format)
    project_root: str | None  # SARIF/github URIs are made relative to this (default: cwd)
    include_suppressed: bool
    show_fixes: bool
    extra: dict[str, object]

    def __init__(
        self,
        color: bool = False,
        hyperlinks: bool = False,
        project_root: str | None = None,
        include_suppressed: bool = False,
        show_fixes: bool = True,
        extra: dict[str, object] | None = None,
    ) -> None:
        self.color = color
        self.hyperlinks = hyperlinks
        self.project_root = project_root
        self.include_suppressed = include_suppressed
        self.show_fixes = show_fixes
        self.extra = {} if extra is None else extra


class Renderer(Protocol):
    def __call__(self, result: LintResult, registry: Registry, options: ReportOptions) -> str: ...


def renderer(name: str) -> Renderer:
    """The ``render`` function of format ``name`` (its module is imported now, not at start-up)."""
    module = importlib.import_module(f"shlint_iam.report.{name}_format")
    render: Renderer = module.render
    return render
