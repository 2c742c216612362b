"""Function calls being interpreted, to tell a recursive call that would only repeat one of them
(a cycle: nothing new to learn) from one that goes deeper (bounded by ``MAX_CALL_DEPTH``).

A call *repeats* a running call of the same function when it starts from the same arguments and
the same state (variables, exported names, functions, arrays, gcloud properties, working
directory, options, aliases) and is used the same way (its status checked or not, inside
``$(...)`` or not). Values not known statically count as equal when they are the same kind of
unknown written the same way: ``$?`` or ``$(date)`` read again one level deeper is a new unknown
to the interpreter, but nothing a rule could tell apart. Interpreting a repeating call would
only go through the same commands with the same values again, so it is not inlined.
"""

from __future__ import annotations

from typing import Any

from ..records import record
from .state import State, _Ctx
from .values import Unknown, Val, Value


@record(hidden=("_shape",))
class Frame:
    """One call being interpreted: its function, what it started from, and where the path stood
    (``branches``: how many undecided branches enclose it; ``ended``: how many joins so far had
    a branch that left, by ``return``, ``exit`` or ``break``). A recursive call made at the same
    ``branches`` and ``ended`` as this frame is reached on every path through the function."""

    name: str
    entry: tuple[Any, ...]
    branches: int
    ended: int
    _shape: tuple[Any, ...] | None

    def __init__(
        self, name: str, entry: tuple[Any, ...], branches: int, ended: int, _shape: tuple[Any, ...] | None = None
    ) -> None:
        self.name = name
        self.entry = entry
        self.branches = branches
        self.ended = ended
        self._shape = _shape

    def shape(self) -> tuple[Any, ...]:
        if self._shape is None:
            self._shape = _shape(self.entry)
        return self._shape

    def repeated_by(self, entry: tuple[Any, ...]) -> bool:
        """Whether a call starting from ``entry`` would repeat this one."""
        return entry == self.entry or _shape(entry) == self.shape()


def call_entry(state: State, args: list[Val], ctx: _Ctx) -> tuple[Any, ...]:
    """What a call of a function starts from (copies: the state changes in place afterwards;
    values are immutable and arrays are replaced, never changed, so shallow copies suffice; the
    functions are shared, copied on write by the state)."""
    return (
        tuple(args), dict(state.vars), frozenset(state.exported), state.shared_funcs(), dict(state.maps),
        dict(state.props), state.cwd, dict(state.aliases), state.errexit, state.pipefail, state.err_trap,
        state.errtrace, state.inherit_errexit, state.allexport, state.expand_aliases,
        ctx.status, ctx.ignore, ctx.shell_ignore, ctx.trap, ctx.shell_trap, ctx.in_substitution,
        ctx.capture is None,
    )


def _shape(item: Any) -> Any:
    """``item`` with every unknown replaced by its kind and text (its identity left out)."""
    if isinstance(item, str):
        return item
    if isinstance(item, Unknown):
        return ("?", item.kind, item.text)
    if isinstance(item, Value):
        return tuple(_shape(part) for part in item.parts)
    if isinstance(item, dict):
        return tuple(sorted((key, _shape(value)) for key, value in item.items()))  # keys are unique names
    if isinstance(item, (tuple, list)):
        return tuple(_shape(part) for part in item)
    return item
