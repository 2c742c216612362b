"""GitHub Actions workflow commands: one ``::error``/``::warning``/``::notice`` line a finding.

``::error file=deploy.sh,line=3,col=5,endLine=3,endColumn=12,title=IAM001::message``

Escaping follows @actions/core (``toolkit/packages/core/src/command.ts``): in the message ``%``,
``\\r`` and ``\\n`` become ``%25``, ``%0D`` and ``%0A``; property values also escape ``:`` and
``,`` (``%3A``, ``%2C``). Paths are relative to the project root (default: the working
directory), POSIX style, which is what GitHub matches against the repository. ``col`` and
``endColumn`` are left out when a finding spans several lines, because GitHub does not accept
columns unless ``line`` and ``endLine`` are equal. Suppressed findings never become annotations.
Files that could not be linted are reported too (``title=shlint-iam``), as errors when the path
could not be read and as warnings otherwise.
"""

from __future__ import annotations

import os
from pathlib import PurePath
from typing import TYPE_CHECKING

from ..model import Severity
from .escape import printable
from .sarif_format import message_text

if TYPE_CHECKING:
    from ..lint import LintResult
    from ..registry import Registry
    from . import ReportOptions

_COMMANDS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def escape_data(text: str) -> str:
    # Other control characters (and undecodable file-name bytes) are shown escaped, as in the
    # human formats; `%`, CR and LF get the workflow-command escaping.
    return printable(text, keep="\r\n").replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def _relative(path: str, root: str | None) -> str:
    """``path`` relative to ``root`` (default: the working directory) when inside it, POSIX style."""
    if path in ("-", "<stdin>"):
        return path
    base = os.path.abspath(root or os.getcwd())
    absolute = os.path.abspath(path)
    for candidate, folder in ((absolute, base), (os.path.realpath(absolute), os.path.realpath(base))):
        try:
            rel = os.path.relpath(candidate, folder)
        except ValueError:  # another drive (Windows)
            continue
        if rel != ".." and not rel.startswith(".." + os.sep) and not os.path.isabs(rel):
            return PurePath(rel).as_posix()
    return PurePath(path).as_posix()


def _command(name: str, properties: list[tuple[str, object]], message: str) -> str:
    props = ",".join(f"{key}={escape_property(str(value))}" for key, value in properties)
    return f"::{name} {props}::{escape_data(message)}"


def render(result: LintResult, registry: Registry, options: ReportOptions) -> str:
    lines: list[str] = []
    for problem in result.problems:
        where = [("file", _relative(problem.path, options.project_root))] if problem.path else []
        lines.append(
            _command("error" if problem.fatal else "warning", [*where, ("title", "shlint-iam")], problem.message)
        )
    for f in result.findings:
        if f.suppressed:
            continue
        span = f.span
        start_line = max(1, span.start_line)
        end_line = max(start_line, span.end_line)
        props: list[tuple[str, object]] = [
            ("file", _relative(span.path, options.project_root)),
            ("line", start_line),
        ]
        if end_line == start_line:
            start_col = max(1, span.start_col)
            props += [("col", start_col), ("endLine", end_line), ("endColumn", max(start_col, span.end_col))]
        else:
            props += [("endLine", end_line)]
        props.append(("title", f.code))
        lines.append(_command(_COMMANDS[f.severity], props, message_text(f, options.show_fixes)))
    return "".join(line + "\n" for line in lines)
