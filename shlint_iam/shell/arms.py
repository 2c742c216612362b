"""Values that differ between branches, kept per branch for the gcloud commands that read them.

Where paths meet (after an ``if`` or ``case``), a variable that differs between them becomes one
unknown (kind ``join``, key ``(name, where)``); that keeps the analysis linear. It also loses what
real deploy scripts mean by::

    case "$1" in
      start) FN=samples-start; TRIGGER="--trigger-http" ;;
      hook)  FN=samples-hook;  TRIGGER="--trigger-topic jobs" ;;
    esac
    gcloud functions deploy "$FN" --gen2 --region=asia-northeast1 $TRIGGER

Joined, ``$FN`` and ``$TRIGGER`` are unknown and the deploy's trigger with them: the event
function that needs an invoker binding is never seen. So a join also records each variable's
value on each branch (:class:`Arms`), and a gcloud command whose words or flags depend on the
branch (a joined value that is empty, holds blanks or starts a flag) runs once per branch of each
such join it reads (:func:`variants`), as a choice of paths: ``$FN`` and ``$TRIGGER`` of one
branch go together, never ``samples-start`` with ``--trigger-topic``. Branches of different joins
combine freely (they are independent choices). A joined name or project alone does not split the
command: the rules compare the joined unknown with itself, and a script that picks its project
by environment would otherwise run every command twice.

A requirement that comes from one variant exists on that branch only: the invoker dataflow ends
its paths through the other variants of later commands (``invokers._end_other_branches``), so a
binding of ``"$FN"`` counts for the deploy of ``"$FN"`` on the same branch.

Bounded: a command runs as at most :data:`MAX_VARIANTS` variants; a command that reads more
combinations, or a join whose branch values are ambiguous (the same ``if`` run twice with
different values, in a loop or a function called twice), keeps the joined unknowns as before.
Commands inside ``$(...)`` are not split (their output is one value).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator
from typing import Any

from .values import JOIN, Unknown, Val, Value, _make, relabel

MAX_VARIANTS = 8
_AMBIGUOUS = ()  # the recorded branch values of a join that was reached twice with different ones

BranchValue = Any  # Val | list[Val]


class Arms:
    """The branch values of every joined variable, by its join unknown."""

    def __init__(self) -> None:
        self._values: dict[Unknown, tuple[BranchValue, ...]] = {}

    def record(self, joined: Unknown, values: tuple[BranchValue, ...]) -> None:
        seen = self._values.get(joined)
        if seen is None:
            self._values[joined] = values
        elif seen != values:
            self._values[joined] = _AMBIGUOUS

    def of(self, joined: Unknown) -> tuple[BranchValue, ...]:
        """The values on each branch (empty when not known or ambiguous)."""
        return self._values.get(joined, _AMBIGUOUS)

    def __bool__(self) -> bool:
        return bool(self._values)


def joins_in(values: Iterable[BranchValue], arms: Arms) -> dict[object, list[Unknown]]:
    """The joined unknowns with known branch values in ``values``, grouped by join point, for the
    join points where some branch changes the command's shape (see :func:`shapes_words`): a
    project or a name that differs between branches stays one unknown (rules compare it with
    itself), so the command is not run twice for nothing."""
    found: dict[object, list[Unknown]] = {}
    shaping: set[object] = set()
    for value in values:
        for part in _unknown_parts(value):
            if part.kind == JOIN and arms.of(part):
                where = part.key[1] if len(part.key) > 1 else None
                group = found.setdefault(where, [])
                if part not in group:
                    group.append(part)
                    if any(shapes_words(v) for v in arms.of(part)):
                        shaping.add(where)
    return {where: group for where, group in found.items() if where in shaping}


def shapes_words(value: BranchValue) -> bool:
    """Whether a branch's value changes which words or flags a command gets: it is empty, holds
    blanks (an unquoted expansion splits there), starts a flag (``--trigger-topic=t``), or is an
    array (several words)."""
    if isinstance(value, list):
        return True
    text = value if isinstance(value, str) else "".join(p for p in value.parts if isinstance(p, str))
    return not value or text.lstrip().startswith("-") or any(c in text for c in " \t\n")


def variants(groups: dict[object, list[Unknown]], arms: Arms) -> list[dict[object, int]] | None:
    """Each combination of one branch per join point, or None when there are more than
    :data:`MAX_VARIANTS` (or a join point's variables disagree on its number of branches)."""
    choices: list[tuple[object, int]] = []
    for where, unknowns in groups.items():
        counts = {len(arms.of(u)) for u in unknowns}
        if len(counts) != 1:
            return None
        choices.append((where, counts.pop()))
    total = 1
    for _, count in choices:
        total *= count
    if total > MAX_VARIANTS or total < 2:
        return None
    return [dict(zip([w for w, _ in choices], combo, strict=True))
            for combo in itertools.product(*(range(count) for _, count in choices))]


def resolve(value: BranchValue, chosen: dict[object, int], arms: Arms) -> BranchValue:
    """``value`` on the chosen branches: joined unknowns of those join points replaced by their
    branch's value. (A variable unset on some branch records no branch values: there it holds
    whatever the environment gives it.)"""
    if isinstance(value, list):
        return [resolve(v, chosen, arms) for v in value]
    if not isinstance(value, Value) or not chosen:
        return value
    if len(value.parts) == 1 and isinstance(value.parts[0], Unknown):
        whole = _branch_value(value.parts[0], chosen, arms)  # the whole value: an array stays one
        return value if whole is value.parts[0] else whole
    parts: list[Any] = []
    changed = False
    for part in value.parts:
        if isinstance(part, Unknown):
            replaced = _branch_value(part, chosen, arms)
            if replaced is not part:
                changed = True
                if isinstance(replaced, list):  # an array in a string: its elements joined by spaces
                    replaced = _make(_spaced(replaced))
                parts.append(replaced)
                continue
        parts.append(part)
    return _make(parts) if changed else value


def _branch_value(part: Unknown, chosen: dict[object, int], arms: Arms) -> BranchValue:
    if part.kind != JOIN or len(part.key) < 2 or part.key[1] not in chosen:
        return part
    values = arms.of(part)
    index = chosen[part.key[1]]
    if index >= len(values):
        return part
    # A branch value may hold another join's unknown (nested branches), or this join's own from an
    # earlier pass (a loop): only the other join points are resolved in it.
    rest = {w: i for w, i in chosen.items() if w != part.key[1]}
    found = resolve(values[index], rest, arms) if rest else values[index]
    if isinstance(found, Value) and len(found.parts) == 1:
        inner = found.parts[0]
        if isinstance(inner, Unknown) and inner.kind == JOIN and inner.key[:1] == part.key[:1] \
                and inner.text != part.text:
            # the same variable joined at an earlier point (`SERVICE` of a `case` in the option
            # loop): shown as the script wrote it here (`${SERVICE}-sub`, not `$SERVICE-sub`)
            found = relabel(found, part.text)
    return found


def _spaced(values: list[Val]) -> Iterator[Val]:
    for i, v in enumerate(values):
        if i:
            yield " "
        yield v


def _unknown_parts(value: BranchValue) -> Iterator[Unknown]:
    if isinstance(value, list):
        for v in value:
            yield from _unknown_parts(v)
    elif isinstance(value, Unknown):
        yield value
    elif isinstance(value, Value):
        for part in value.parts:
            if isinstance(part, Unknown):
                yield part
