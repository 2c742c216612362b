"""One forward pass over a trace for many independent state machines at once (the invoker dataflow).

Each *key* (an invoke requirement, see ``invokers.py``) has a small set of states; a command may
move some keys from state to state (a :class:`Step`). What a key's states are at a point is the
union over every path that reaches it, so the result at the end of the trace is, for every key,
the set of states some path ends in (falling off the end, or by an ``exit``/``return``/``break``
that nothing catches). Paths are split by ``Choice`` nodes, joined after them, and cut short by
``Exit`` nodes up to the nearest ``Block`` that catches their kind (``trace.py``).

Why this shape: walking the whole trace once per key costs keys x trace, and a deploy script has
about one key per deploy, so it is quadratic in the script (3,000 lines: 187,597 walks of nodes
for 315 keys). Most subtrees concern no key, and each of the others only a few keys; what a
subtree does to the *other* keys depends only on its paths, not on any key: whether some path
falls through it and which exit kinds leave it. So the pass

1. computes that key-independent *summary* of every node once, bottom-up (one pass over the
   whole trace), and the keys whose steps lie under each node;
2. walks forward, in the order the trace runs, only the nodes that hold some step, carrying a
   state vector with the states of the keys stepped under the node. A key's state is brought
   past the children that do not concern it lazily, with their summaries, when the key is next
   stepped or at the end of the block: ``O(1)`` per skipped range of children (prefix counts of
   exit kinds and the next child that never falls through), so a block with ``n`` children and
   ``k`` keys costs ``O(n + k)``, not ``O(n x k)``. At a ``Choice`` the branches are walked with
   the vector of the keys they step, and the branches a key has no step in contribute its entry
   state once, by counts. Exits carry per-key vectors to the block that catches them, where they
   join the states falling through.

The cost is the size of the trace plus, for each step, the depth of its command in the trace.
A backward pass was the alternative; it would need the same summaries to stay linear and would
record the steps in reverse, while the rules want them in the order the script runs them (the
steps a key saw, in order, are returned too: the bindings that satisfied a requirement, the
bindings a later deploy lost). A command is reached by some path for every key or for none, so
steps are recorded only where the trace is reachable, as a walk per key would.

States are bits of an ``int`` mask; a step's ``table`` maps every mask to the mask after it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .records import record
from .shell.trace import Block, Choice, CommandRun, Exit, Node

# Exit kinds as bits of a summary's ``kinds``.
EXIT, RETURN, BREAK = 1, 2, 4
_KIND_BITS = {"exit": EXIT, "return": RETURN, "break": BREAK}
_BITS = (EXIT, RETURN, BREAK)
_CATCHES = {"function": RETURN, "source": RETURN, "subshell": EXIT | RETURN, "loop": BREAK}
_FALLS = (True, 0)  # a command's summary: it falls through, no exit leaves it


@record(frozen=True, eq=False)
class Step:
    """What one command does to one key: ``table[mask]`` is the key's states after it."""

    key: int
    table: tuple[int, ...]
    name: str  # what happened, for the caller ("deploy", "bind", ...)
    fact: object  # the fact that caused it

    def __init__(self, key: int, table: tuple[int, ...], name: str, fact: object) -> None:
        self.__dict__.update(key=key, table=table, name=name, fact=fact)


Vector = dict[int, int]  # key -> mask of states
Exits = dict[int, Vector]  # exit kind bit -> the states leaving by it


@record(frozen=True)
class Result:
    """The outcome of :func:`run`."""

    final: list[int]  # per key: the states of every counted path at the end
    seen: list[list[Step]]  # per key: the steps on reachable commands, in the order the script runs

    def __init__(self, final: list[int], seen: list[list[Step]]) -> None:
        self.__dict__.update(final=final, seen=seen)


def run(trace: Block, steps: Mapping[int, list[Step]], keys: int, start: int) -> Result:
    """Every key's final states, starting from ``start`` in every key; ``steps`` maps
    ``id(command)`` to what the command does, in order (only commands of ``trace``)."""
    return _Pass(trace, steps, keys).run(start)


def _caught(node: Block, states: Vector, exits: Exits) -> tuple[Vector, Exits]:
    """The exits ``node`` catches (a loop catches break and continue, a function return) join
    the paths that fall through it; the others leave it."""
    caught = _CATCHES.get(node.kind, 0)
    for bit in _BITS:
        if bit & caught:
            for key, mask in exits.pop(bit).items():
                states[key] |= mask
    return states, exits


class _Pass:
    def __init__(self, trace: Block, steps: Mapping[int, list[Step]], keys: int) -> None:
        self.trace = trace
        self.steps = steps
        self.seen: list[list[Step]] = [[] for _ in range(keys)]
        self.keys = keys
        # id(node) -> (falls through on some path, bits of the exit kinds leaving it)
        self.summary: dict[int, tuple[bool, int]] = {}
        # id(node) -> the keys stepped under it (only nodes with some step)
        self.keys_of: dict[int, frozenset[int]] = {}
        # id(block) of the blocks whose every child falls through and lets no exit out (most)
        self.plain: set[int] = set()
        self._summarise()

    def _summarise(self) -> None:
        """The summary of every Block, Choice and Exit of the trace, bottom-up (a command's is
        ``_FALLS``, not stored: most nodes are commands), and the keys stepped under each node."""
        summary, keys_of, steps = self.summary, self.keys_of, self.steps
        # A container is opened (its children pushed, commands and exits done at once) and then
        # closed, as a 1-tuple, once everything under it is summarised.
        stack: list[Any] = [self.trace]
        while stack:
            node = stack.pop()
            if type(node) is tuple:
                self._close(node[0])
                continue
            stack.append((node,))
            for child in node.nodes if type(node) is Block else node.branches:
                if type(child) is CommandRun:
                    mine = steps.get(id(child))
                    if mine:
                        keys_of[id(child)] = frozenset(s.key for s in mine)
                elif type(child) is Exit:
                    failed = child.kind == "exit" and not child.success  # a failed run: not counted
                    summary[id(child)] = (False, 0 if failed else _KIND_BITS[child.kind])
                else:
                    stack.append(child)

    def _close(self, node: Node) -> None:
        summary, keys_of = self.summary, self.keys_of
        parts = []
        if type(node) is Choice:
            falls, kinds = False, 0
            for branch in node.branches:
                f, k = summary.get(id(branch), _FALLS)
                falls, kinds = falls or f, kinds | k
                mine = keys_of.get(id(branch))
                if mine is not None:
                    parts.append(mine)
            summary[id(node)] = (falls, kinds)
        else:
            assert type(node) is Block
            falls, kinds = True, 0
            for child in node.nodes:
                if falls:
                    falls, k = summary.get(id(child), _FALLS)
                    kinds |= k
                mine = keys_of.get(id(child))
                if mine is not None:
                    parts.append(mine)
            if falls and not kinds:
                self.plain.add(id(node))
            caught = kinds & _CATCHES.get(node.kind, 0)
            summary[id(node)] = (falls or bool(caught), kinds & ~caught)
        if parts:
            keys_of[id(node)] = parts[0] if len(parts) == 1 else frozenset().union(*parts)

    def run(self, start: int) -> Result:
        fall, exits = self._block(self.trace, dict.fromkeys(range(self.keys), start))
        final = [fall.get(key, 0) for key in range(self.keys)]
        for vector in exits.values():
            for key, mask in vector.items():
                final[key] |= mask
        return Result(final, self.seen)

    def _walk(self, node: Node, vector: Vector) -> tuple[Vector, Exits]:
        if isinstance(node, CommandRun):
            seen = self.seen
            for step in self.steps[id(node)]:
                vector[step.key] = step.table[vector[step.key]]
                seen[step.key].append(step)
            return vector, {}
        if isinstance(node, Choice):
            return self._choice(node, vector)
        assert isinstance(node, Block)  # an Exit has no step: never walked
        return self._block(node, vector)

    def _block(self, node: Block, vector: Vector) -> tuple[Vector, Exits]:
        if id(node) in self.plain:
            return self._plain_block(node, vector)
        children = node.nodes
        n = len(children)
        summary, keys_of = self.summary, self.keys_of
        # next_stop[i]: the first child at or after i that never falls through (n: none);
        # before[b][i]: how many of the first i children an exit of kind b leaves.
        next_stop = [n] * (n + 1)
        summaries = [summary.get(id(child), _FALLS) for child in children]
        for i in range(n - 1, -1, -1):
            next_stop[i] = next_stop[i + 1] if summaries[i][0] else i
        present = 0
        for _, kinds in summaries:
            present |= kinds
        # Only the exit kinds some child has (most blocks have none): a kind no child has is never
        # counted, so it adds nothing to ``exits``.
        before: dict[int, list[int]] = {}
        for bit in _BITS:
            if present & bit:
                counts = before[bit] = [0] * (n + 1)
                total = 0
                for i, (_, kinds) in enumerate(summaries):
                    total += 1 if kinds & bit else 0
                    counts[i + 1] = total
        exits: Exits = {bit: {} for bit in _BITS}

        def skip(key: int, mask: int, first: int, end: int) -> int:
            """The key's states after children [first, end) that do not step it."""
            stop = next_stop[first]
            last = stop + 1 if stop < end else end
            for bit, counts in before.items():
                if counts[last] > counts[first]:
                    out = exits[bit]
                    out[key] = out.get(key, 0) | mask
            return mask if stop >= end else 0

        states = dict(vector)
        pos = dict.fromkeys(vector, 0)
        reached = 0  # every child before this one fell through (or was walked)
        for i, child in enumerate(children):
            mine = keys_of.get(id(child))
            if mine is None:
                continue
            if next_stop[reached] < i:
                break  # no path gets here
            sub = {key: skip(key, states[key], pos[key], i) if pos[key] < i else states[key] for key in mine}
            fall, child_exits = self._walk(child, sub)
            for key, mask in fall.items():
                states[key] = mask
                pos[key] = i + 1
            for bit, out in child_exits.items():
                mine_out = exits[bit]
                for key, mask in out.items():
                    mine_out[key] = mine_out.get(key, 0) | mask
            reached = i + 1
            if not summaries[i][0]:
                break
        for key, mask in states.items():
            if mask and pos[key] < n:
                states[key] = skip(key, mask, pos[key], n)
        return _caught(node, states, exits)

    def _plain_block(self, node: Block, vector: Vector) -> tuple[Vector, Exits]:
        """``_block`` of a block whose every child falls through and lets no exit out: every path
        reaches every child, and a key keeps its states over the children that do not step it."""
        keys_of = self.keys_of
        states = dict(vector)
        exits: Exits = {bit: {} for bit in _BITS}
        for child in node.nodes:
            mine = keys_of.get(id(child))
            if mine is None:
                continue
            fall, child_exits = self._walk(child, {key: states[key] for key in mine})
            states.update(fall)
            for bit, out in child_exits.items():
                mine_out = exits[bit]
                for key, mask in out.items():
                    mine_out[key] = mine_out.get(key, 0) | mask
        return _caught(node, states, exits)

    def _choice(self, node: Choice, vector: Vector) -> tuple[Vector, Exits]:
        summary, keys_of = self.summary, self.keys_of
        fall: Vector = {}
        exits: Exits = {bit: {} for bit in _BITS}
        # Over all branches, then over the walked branches of each key: how many fall through
        # and how many each exit kind leaves; the branches a key has no step in are the difference.
        falls_all, kinds_all = 0, dict.fromkeys(_BITS, 0)
        for branch in node.branches:
            falls, kinds = summary.get(id(branch), _FALLS)
            falls_all += falls
            for bit in _BITS:
                kinds_all[bit] += bool(kinds & bit)
        walked: dict[int, list[int]] = {}
        for branch in node.branches:
            mine = keys_of.get(id(branch))
            if mine is None:
                continue
            b_fall, b_exits = self._walk(branch, {key: vector[key] for key in mine})
            for key, mask in b_fall.items():
                fall[key] = fall.get(key, 0) | mask
            for bit, out in b_exits.items():
                mine_out = exits[bit]
                for key, mask in out.items():
                    mine_out[key] = mine_out.get(key, 0) | mask
            falls, kinds = summary.get(id(branch), _FALLS)
            for key in mine:
                counts = walked.setdefault(key, [0, 0, 0, 0])
                counts[0] += falls
                for j, bit in enumerate(_BITS, 1):
                    counts[j] += bool(kinds & bit)
        for key, mask in vector.items():
            counts = walked.get(key, [0, 0, 0, 0])
            if falls_all > counts[0]:
                fall[key] = fall.get(key, 0) | mask
            else:
                fall.setdefault(key, 0)
            for j, bit in enumerate(_BITS, 1):
                if kinds_all[bit] > counts[j]:
                    out = exits[bit]
                    out[key] = out.get(key, 0) | mask
        return fall, exits
