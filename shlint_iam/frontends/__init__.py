"""Front ends: files that are not shell scripts but hold the shell programs a runner executes
(GitHub Actions workflows, Cloud Build configs, Makefiles). Each turns its file into programs
with positions in the file; :func:`analyse_document` interprets them as one deployment."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from typing import Any

from ..model import Span
from ..source import SourceFile

YAML_SUFFIXES = (".yml", ".yaml")


def _posix(path: str) -> str:
    return "/" + path.replace(os.sep, "/")


def kind_by_name(path: str) -> str | None:
    """What a file is by its name alone: "github", "cloudbuild", "make", "yaml" or None."""
    name = os.path.basename(path)
    lower = name.lower()
    if lower.endswith(YAML_SUFFIXES) and "/.github/workflows/" in _posix(path):
        return "github"
    if lower.startswith("cloudbuild") and lower.endswith(YAML_SUFFIXES + (".json",)):
        return "cloudbuild"
    from .makefile import is_makefile

    if is_makefile(path):
        return "make"
    if lower.endswith(YAML_SUFFIXES):
        return "yaml"
    return None


def is_document(path: str) -> bool:
    """Whether a file is linted by a front end rather than as a shell script."""
    return kind_by_name(path) is not None


def walk_includes(path: str) -> bool:
    """Whether a directory walk lints this file (workflows, build configs, Makefiles)."""
    return kind_by_name(path) in ("github", "cloudbuild", "make")


def analyse_document(source: SourceFile, config: Any, every_command: bool = False) -> Any | None:
    """The Analysis of a workflow, build config or Makefile (None: ``source`` is none of these)."""
    kind = kind_by_name(source.path)
    if kind is None:
        return None
    from .embedded import DocIndex, Document, interpret

    index = DocIndex(source.text)
    if kind == "make":
        from . import makefile

        return interpret(source, makefile.front_end(source, index), config, every_command)
    from . import cloudbuild, github_actions
    from . import yamlpos as Y

    try:
        root = Y.compose(source.text)
    except Y.YamlProblem as problem:
        line, col = index.point(problem.offset)
        span = Span(source.path, line, col, line, col + 1)
        return interpret(source, Document(errors=[(span, f"not valid YAML: {problem.message}")]), config)
    if github_actions.is_workflow(source.path, root):
        document = github_actions.front_end(source, index, root)
    elif cloudbuild.is_build_config(root):
        document = cloudbuild.front_end(source, index, root)
    else:
        document = Document()
    return interpret(source, document, config, every_command)


_DIRECTIVE = re.compile(r"(?:^|(?<=\s))#\s*shlint-iam")


def comments(source: SourceFile) -> Iterator[tuple[int, int, int, int, str]] | None:
    """(row, byte column, end row, end byte column, text) of each ``# shlint-iam`` comment of a
    workflow, build config or Makefile (a ``#`` at the start of a line or after white space,
    in the file or in a script it holds); None for a shell script."""
    if not is_document(source.path):
        return None
    return _comments(source)


def _comments(source: SourceFile) -> Iterator[tuple[int, int, int, int, str]]:
    for row, line in enumerate(source.text.split("\n")):
        if "shlint-iam" not in line:
            continue
        line = line.rstrip("\r")
        m = _DIRECTIVE.search(line)
        if m is not None:
            start = len(line[: m.start()].encode("utf-8", "surrogatepass"))
            end = len(line.encode("utf-8", "surrogatepass"))
            yield (row, start, row, end, line[m.start() :])
