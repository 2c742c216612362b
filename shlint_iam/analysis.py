"""From a source file to what the rules ask about: syntax errors, executed commands and gcloud facts."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .config import Config
from .model import Span
from .parse import parse, syntax_errors
from .source import SourceFile


@dataclass
class Analysis:
    source: SourceFile
    syntax_errors: list[tuple[Span, str]] = field(default_factory=list)
    commands: list[Any] = field(default_factory=list)  # every executed command (shell.trace.CommandRun)
    facts: list[Any] = field(default_factory=list)  # gcloud facts in run order
    trace: Any = None  # shell.trace.Block: the structured record of what ran


def analyse(source: SourceFile, config: Config) -> Analysis:
    tree = parse(source)
    return Analysis(source=source, syntax_errors=syntax_errors(source, tree))
