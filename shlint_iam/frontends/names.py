"""Which files the front ends read, by name, and where their ``# shlint-iam`` comments are.

Imports nothing else of shlint-iam: file discovery and suppression ask it cheaply."""

from __future__ import annotations

import os
from collections.abc import Iterator

from ..lazyre import lazy
from ..source import SourceFile

YAML_SUFFIXES = (".yml", ".yaml")


def _posix(path: str) -> str:
    return "/" + path.replace(os.sep, "/")


def is_makefile(path: str) -> bool:
    name = os.path.basename(path)
    return name in ("Makefile", "makefile", "GNUmakefile") or name.endswith(".mk")


def kind_by_name(path: str) -> str | None:
    """What a file is by its name alone: "github", "action", "cloudbuild", "make", "yaml" or None."""
    name = os.path.basename(path)
    lower = name.lower()
    if lower.endswith(YAML_SUFFIXES) and "/.github/workflows/" in _posix(path):
        return "github"
    if name in ("action.yml", "action.yaml"):
        return "action"  # a GitHub action's metadata: linted when it is a composite action
    if lower.startswith("cloudbuild") and lower.endswith(YAML_SUFFIXES + (".json",)):
        return "cloudbuild"
    if is_makefile(path):
        return "make"
    if lower.endswith(YAML_SUFFIXES):
        return "yaml"
    return None


_FILE_KINDS = {"github": "workflow", "action": "action", "cloudbuild": "build config", "make": "Makefile",
               "yaml": "file"}


def file_kind(path: str) -> str:
    """What the file at ``path`` is, in a message's words: "workflow" (a GitHub Actions
    workflow), "action" (a composite action's ``action.yml``), "build config" (Cloud Build),
    "Makefile", "file" (other YAML) or "script"."""
    return _FILE_KINDS.get(kind_by_name(path) or "", "script")


def is_document(path: str) -> bool:
    """Whether a file is linted by a front end rather than as a shell script."""
    return kind_by_name(path) is not None


def walk_includes(path: str) -> bool:
    """Whether a directory walk lints this file (workflows, actions, build configs, Makefiles)."""
    return kind_by_name(path) in ("github", "action", "cloudbuild", "make")


_DIRECTIVE = lazy(r"(?:^|(?<=\s))#\s*shlint-iam")


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
        m = _DIRECTIVE().search(line)
        if m is not None:
            start = len(line[: m.start()].encode("utf-8", "surrogatepass"))
            end = len(line.encode("utf-8", "surrogatepass"))
            yield (row, start, row, end, line[m.start() :])
