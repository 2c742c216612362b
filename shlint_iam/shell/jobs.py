"""Background jobs: ``deploy "$fn" &``.

A statement ended by ``&`` runs in a subshell of its own while the script goes on: what it sets
stays there, ``set -e`` stops only the job, and its exit status reaches the script only through
``wait PID`` (``wait "$pid"``, ``wait "${pids[@]}"``, ``wait %1``) or ``wait -n``. A bare ``wait``
waits for every job and returns 0, and no ``wait`` at all leaves the jobs to finish after the
script has exited 0. So a deployment step in a job whose status nothing collects fails silently,
even under ``set -e`` and even with ``|| exit 1`` inside the job (that exits the job only).

Whether a job is collected is read from the script's text: a ``wait`` with an argument after the
job in the same file counts (the ``wait`` may sit in a loop over the PIDs, after the loop that
started them), and so does one anywhere in a function (``wait_all() { for p in "${PIDS[@]}"; do
wait "$p"; done; }``, defined before the jobs and called after them).

The steps of an uncollected job whose status nothing inside the job looks at (they rely on
``set -e``) become "discarded" (ERR002 reports them). A step the job itself
checks keeps its status: a retry (``until gcloud ...; do sleep 5; done &``) is right to, while
``gcloud ... || exit 1`` inside a job is a miss (that exit, too, only ends the job).
"""

from __future__ import annotations

from typing import Any

from .state import Machine, State, _Ctx
from .trace import VIA_BACKGROUND, Block


class Jobs(Machine):
    """``cmd &``: run as a subshell; steps whose failure only a ``wait PID`` could see are
    marked discarded when no such ``wait`` follows."""

    _wait_ends: dict[str, list[int]]  # per file: where its `wait` commands with arguments start

    def _background(self, node: Any, state: State, ctx: _Ctx) -> None:
        first = len(self.commands)
        inner = state.copy()
        block = Block("subshell")
        # The job's status is its own (the `&` statement's status is 0): nothing outside judges it.
        job = _Ctx(in_substitution=ctx.in_substitution, ignore=ctx.shell_ignore, shell_ignore=ctx.shell_ignore,
                   trap=ctx.shell_trap and state.errtrace, shell_trap=ctx.shell_trap and state.errtrace, flows_out=True)
        with self._into(block):
            self._statement(node, inner, job)
        self._emit(block)
        if self._collected_after(node):
            return
        span = self._src.span(node.end_point, node.end_point)
        line = span.start_line
        reason = f"`&` on line {line} runs it in a background job and no `wait` with the job's PID collects its status"
        for run in self.commands[first:]:
            if run.status == "propagates" or run.status == "masked":
                run.status, run.status_span, run.status_reason = "discarded", span, reason
                run.status_via = VIA_BACKGROUND

    def _collected_after(self, node: Any) -> bool:
        """Whether a ``wait`` with an argument (a PID, ``%1``, ``-n``) starts after ``node`` in its file."""
        path = self._src.path
        starts = self._wait_ends.get(path)
        if starts is None:
            root = node
            while root.parent is not None:
                root = root.parent
            starts = self._wait_ends[path] = _waits_with_arguments(root, self._src.data)
        return any(start < 0 or start >= node.end_byte for start in starts)


def _waits_with_arguments(root: Any, data: bytes) -> list[int]:
    """The start bytes of the ``wait`` commands with an argument; -1 for one inside a function."""
    found: list[int] = []
    stack = [(root, False)]
    while stack:
        current, in_function = stack.pop()
        if current.type == "command":
            name = current.child_by_field_name("name")
            named = current.named_children
            if name is not None and data[name.start_byte : name.end_byte] == b"wait" and len(named) > 1:
                found.append(-1 if in_function else current.start_byte)
                continue
        children = current.children
        if children:  # most nodes are leaves
            inside = in_function or current.type == "function_definition"
            stack.extend((child, inside) for child in children)
    return found


def runs_in_background(node: Any) -> bool:
    """Whether the statement ``node`` is ended by ``&``."""
    following = node.next_sibling
    return following is not None and following.type == "&"
