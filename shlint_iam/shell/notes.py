"""What the analysis could not follow, said in a structured way.

The interpreter (and the front ends that hand it files) record a :class:`Note` wherever it
had to stop short: a file it did not follow (a ``source``/``.``, a child script, another file a
runner names), or code nested too deeply to analyse. Rules turn notes into findings: SH001
``source-not-followed`` reports every :data:`NOT_FOLLOWED` note; a :data:`TOO_DEEP` note makes
the file's analysis incomplete (exit 2).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..records import record

if TYPE_CHECKING:
    from ..model import Span

# Kinds of note.
NOT_FOLLOWED = "not-followed"  # a file the analysis did not read (SH001)
# Code not analysed because a bound of the interpreter was reached (nesting, calls inside calls,
# files inside files) or a recursion would never end: the analysis is incomplete.
TOO_DEEP = "too-deep"

# Why a file was not followed (the reason of a NOT_FOLLOWED note).
NOT_FOUND = "not found"
NOT_READABLE = "cannot be read"
NOT_REGULAR = "not a regular file"
UNKNOWN_PATH = "the path is not known statically"
WRITTEN_UNKNOWN = "the script writes it itself, with a text not known statically"
OUTSIDE_ROOT = "outside the project root"
TOO_LARGE = "too large"


@record(frozen=True)
class Note:
    """Something the analysis could not follow, at ``span``.

    ``reason`` says why it stopped (one of the constants above, or another short phrase such as
    roots.py's "outside the project root" or "/proc is never read"); ``path`` is the path it
    looked for, as shown to the user (empty when not known statically); ``looked_in`` the
    directories it looked in (for a relative path not found); ``command`` the command as the
    script wrote it (``source ./env.sh``, ``bash deploy-child.sh``); ``what`` the kind of file
    (``sourced file``, ``child script``...), used when there is no command."""

    span: Span
    kind: str
    reason: str
    path: str = ""
    looked_in: tuple[str, ...] = ()
    command: str = ""
    what: str = "sourced file"

    def __init__(
        self,
        span: Span,
        kind: str,
        reason: str,
        path: str = "",
        looked_in: tuple[str, ...] = (),
        command: str = "",
        what: str = "sourced file",
    ) -> None:
        self.__dict__.update(
            span=span, kind=kind, reason=reason, path=path, looked_in=looked_in, command=command, what=what
        )

    @property
    def message(self) -> str:
        """The note in words, for a finding's message: ```source ./env.sh` not followed:
        scripts/env.sh: not found (looked in scripts, .)``."""
        if self.kind == TOO_DEEP:
            return f"not analysed: {self.reason}"
        text = f"`{self.command}` not followed: " if self.command else f"{self.what} not followed: "
        if self.path:
            text += f"{self.path}: "
        text += self.reason
        if self.looked_in:
            text += f" (looked in {', '.join(self.looked_in)})"
        return text
