"""Captured output: which variable holds which commands' output, and conditions that test it.

``out=$(gcloud run deploy ... 2>&1 || true)`` throws the step's status away, but a script that then
tests ``$out`` before an ``exit`` (``if ! grep -q "Service URL" <<<"$out"; then exit 1; fi``)
still stops when the step fails. The interpreter records that on the step (``output_test``); the
ERR rules decide that such a step is checked.

- While an assignment's value is evaluated, every command that runs (in its ``$(...)``) and every
  variable that already holds output and is read there become the sources of the new value
  (``State.outputs``); ``url=$(echo "$out" | grep -o 'https://.*')`` passes them on.
- While a condition that gates an ``exit`` or ``return`` (or a retry: a ``while``/``until``
  condition, ``break``/``continue`` in ``while true``) is evaluated (``_gate``), reading such a
  variable marks its sources as tested there. A test that gates nothing does not count, nor does
  ``break`` out of a bounded retry loop, after which the script carries on.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from .scan import find_command
from .state import Machine, State
from .trace import CommandRun

_GATE_CONTAINERS = frozenset({"compound_statement", "list", "subshell", "redirected_statement", "if_statement",
                              "else_clause", "elif_clause", "case_statement", "case_item", "negated_command"})

# Commands that end a path: what a condition on captured output gates. `break` and `continue` gate
# a retry only in a loop that nothing else ends (`while true`): a bounded retry carries on after it.
GATE_COMMANDS = ("exit", "return")
RETRY_COMMANDS = ("break", "continue")


class Outputs(Machine):
    """Tracks captured output through variables and the conditions that test it."""

    def _collect_output(self) -> list[CommandRun]:
        """An assignment's value is about to be evaluated: the commands whose output it holds are
        collected in the list returned, until the caller pops it off ``_output_sources`` (no
        context manager: this runs for every assignment)."""
        sources: list[CommandRun] = []
        self._output_sources.append(sources)
        return sources

    def _hold_output(self, name: str, value: object, sources: list[CommandRun], state: State) -> None:
        """``name`` now holds ``value``, printed by ``sources`` (none: it holds no command's output)."""
        if sources:
            state.outputs[name] = (value, tuple(dict.fromkeys(sources)))
        elif state.outputs:
            state.outputs.pop(name, None)

    def _read_output(self, name: str, value: object, state: State) -> None:
        """``$name`` is read: pass its sources on to the value being assigned, and mark them tested
        when the read is part of a condition that gates an exit."""
        held = state.outputs.get(name)
        if held is None or held[0] is not value:
            return
        if self._output_sources:
            self._output_sources[-1].extend(held[1])
        if self._gate:
            for run in held[1]:
                if not run.output_test:
                    run.output_test = f"its output (`${name}`) is tested {self._gate}"

    @contextmanager
    def _gating(self, gate: str) -> Iterator[None]:
        """Evaluate a condition; ``gate`` ("" for none) says what it gates, for the record."""
        saved = self._gate
        self._gate = gate or saved
        try:
            yield
        finally:
            self._gate = saved

    def _retest_outputs(self, nodes: list[Any], state: State, gate: str) -> None:
        """A loop condition runs again after the body: the output variables it reads are tested
        again, with what the body assigned (without running its commands a second time)."""
        if not state.outputs:
            return
        stack = list(nodes)
        with self._gating(gate):
            while stack:
                n = stack.pop()
                if n.type in ("simple_expansion", "expansion"):
                    name = next((c for c in n.named_children if c.type == "variable_name"), None)
                    if name is not None:
                        text = self.text(name)
                        self._read_output(text, state.vars.get(text), state)
                stack.extend(n.named_children)

    def _gated_by(self, nodes: list[Any], state: State) -> str:
        """The first command among ``nodes`` (or in a function they call) that ends a path, as
        ``exit 1``; "" when there is none."""
        for node in nodes:
            found = self._ends_path(node, state)
            if found:
                return found
        return ""

    def _ends_path(self, node: Any, state: State) -> str:
        endless = bool(self._endless and self._endless[-1])
        found = find_command(node, self._src, state.funcs,
                             lambda name: name in GATE_COMMANDS or (name in RETRY_COMMANDS and endless),
                             _GATE_CONTAINERS)
        if found is None:
            return ""
        command, src = found
        return src.data[command.start_byte : command.end_byte].decode("utf-8", "replace").split("\n")[0][:40]


def merge_outputs(state: State, live: list[State]) -> None:
    """Join ``State.outputs`` where paths meet: a variable holds the output of the commands it held
    on any path where it still has the value it got from them."""
    if not any(r.outputs for r in live):
        if state.outputs:
            state.outputs = {}
        return
    merged: dict[str, tuple[object, tuple[CommandRun, ...]]] = {}
    for r in live:
        for name, (value, sources) in r.outputs.items():
            if r.vars.get(name) is not value:
                continue
            previous = merged.get(name)
            runs = sources if previous is None else tuple(dict.fromkeys(previous[1] + sources))
            merged[name] = (state.vars.get(name), runs)
    state.outputs = merged
