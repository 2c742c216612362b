"""The record of what a script runs: executed commands arranged by the paths that run them.

``Block`` is a sequence of nodes; ``Choice`` is a place where the path splits (``if``, ``case``,
``&&``/``||``, a loop that may run zero times) and each branch is a ``Block``; ``Exit`` ends the
path (``exit``, ``return``, ``break``) up to the nearest block that catches its kind.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Union

from ..records import record
from .values import Val

if TYPE_CHECKING:
    from ..model import Span
    from ..source import SourceFile


# How a "discarded" or "masked" status is lost (CommandRun.status_via, state._Ctx.status_via): the
# construct, for rules that suggest a fix for it, apart from ``status_reason``'s words for people.
# How control.py words errexit being ignored left of `&&` (``CommandRun.errexit_reason``): the
# exit-status checks (analysis.py, frontends/embedded.py) ask :func:`left_of_and`, not the words.
LEFT_OF_AND = "left of `&&"
VIA_OR = "or"  # `cmd || true`, `cmd || echo failed`: a fallback that neither exits nor returns
VIA_DECLARATION = "declaration"  # `local x=$(cmd)`, `export`, `readonly`, `declare`
VIA_ARGUMENTS = "arguments"  # `echo "$(cmd)"`: a substitution in another command's arguments
VIA_PROCESS_SUBSTITUTION = "process-substitution"  # `diff <(cmd) ...`
VIA_BACKGROUND = "background"  # `cmd &` with no `wait` for its PID
VIA_PIPE = "pipe"  # `cmd | tee log` without pipefail (status "masked")
VIA_MAKE_DASH = "make-dash"  # a Makefile recipe line that starts with `-`
# How a "checked" status is checked, where it matters to a rule: the script's last command, whose
# status is the script's exit status (analysis.py), is checked by whoever runs the script.
VIA_EXIT_STATUS = "exit-status"


@record(frozen=True)
class Word:
    """One argument after expansion, with where it was written."""

    text: Val  # str when known (shlint_iam.shell.values)
    span: Span

    def __init__(self, text: Val, span: Span) -> None:
        self.__dict__.update(text=text, span=span)


@record(eq=False)
class CommandRun:
    """One execution of a simple command (a command inside a loop or function may run many times)."""

    words: list[Word]
    span: Span
    scope: tuple[int, int]  # first and last line of the statement it belongs to
    source: SourceFile
    # "on", "off" (never set), "disabled" (turned off with `set +e`) or "ignored" (on, but bash
    # ignores it here: left of `&&`, in a condition, in a function called from one, in `$(...)`)
    errexit: str
    pipefail: bool
    err_trap: bool  # a `trap ... ERR` is active
    # What happens to the command's exit status:
    #  "propagates": nothing looks at it (errexit decides);
    #  "checked": an `if`, `&&`, `|| exit`, or a later `$?` test looks at it;
    #  "discarded": `|| true`, `|| echo`, `local x=$(...)` and friends throw it away;
    #  "masked": it is not the last command of a pipeline and pipefail is off.
    status: str
    status_span: Span | None  # where the status is discarded (the `|| true`, the `local`)
    status_reason: str
    status_via: str  # how a discarded or masked status is lost: one of the VIA_* above ("" otherwise)
    function: str | None  # the function it runs in, if any
    in_substitution: bool
    errexit_reason: str  # why errexit is ignored ("left of `&& log done` on line 3")
    # Its captured output is tested by a condition that gates an exit, return or retry (where, in
    # words; "" if not): `out=$(gcloud ... || true); grep -q URL <<<"$out" || exit 1` (shell/outputs.py).
    output_test: str
    facts: list[Any]
    gcloud: Any  # gcloud.argv.GcloudCommand for gcloud commands
    # The branches this run is a variant for (shell/arms.py): (join point, branch index) pairs.
    arms: tuple[tuple[object, int], ...]
    variants: int  # the variants of one command share this number (0: not a variant)

    def __init__(
        self,
        words: list[Word],
        span: Span,
        scope: tuple[int, int],
        source: SourceFile,
        errexit: str,
        pipefail: bool,
        err_trap: bool,
        status: str = "propagates",
        status_span: Span | None = None,
        status_reason: str = "",
        status_via: str = "",
        function: str | None = None,
        in_substitution: bool = False,
        errexit_reason: str = "",
        output_test: str = "",
        facts: list[Any] | None = None,
        gcloud: Any = None,
        arms: tuple[tuple[object, int], ...] = (),
        variants: int = 0,
    ) -> None:
        self.words = words
        self.span = span
        self.scope = scope
        self.source = source
        self.errexit = errexit
        self.pipefail = pipefail
        self.err_trap = err_trap
        self.status = status
        self.status_span = status_span
        self.status_reason = status_reason
        self.status_via = status_via
        self.function = function
        self.in_substitution = in_substitution
        self.errexit_reason = errexit_reason
        self.output_test = output_test
        self.facts = [] if facts is None else facts
        self.gcloud = gcloud
        self.arms = arms
        self.variants = variants

    @property
    def name(self) -> Val:
        return self.words[0].text if self.words else ""

    @property
    def argv(self) -> list[Val]:
        return [w.text for w in self.words]


@record(eq=False)
class Exit:
    """Where a path ends: ``exit``, ``return`` or ``break``."""

    kind: str  # "exit", "return", "break"
    span: Span
    code: Val  # the status argument ("" for none)

    def __init__(self, kind: str, span: Span, code: Val = "") -> None:
        self.kind = kind
        self.span = span
        self.code = code

    @property
    def success(self) -> bool:
        """Whether the path ends well (``exit``, ``exit 0``): failing exits end a failed run."""
        return self.code in ("", "0")


@record(eq=False)
class Choice:
    """Where the path splits: one block per branch."""

    branches: list[Block]
    span: Span | None

    def __init__(self, branches: list[Block], span: Span | None = None) -> None:
        self.branches = branches
        self.span = span


@record(eq=False)
class Block:
    """A sequence of nodes run one after the other."""

    kind: str  # "script", "function", "source", "subshell", "loop", "branch"
    nodes: list[Node]

    def __init__(self, kind: str, nodes: list[Node] | None = None) -> None:
        self.kind = kind
        self.nodes = [] if nodes is None else nodes

    def catches(self, exit_kind: str) -> bool:
        if self.kind == "function" or self.kind == "source":
            return exit_kind == "return"
        if self.kind == "subshell":
            return exit_kind in ("exit", "return")
        if self.kind == "loop":
            return exit_kind == "break"
        return False


Node = Union[CommandRun, Exit, Choice, Block]  # noqa: UP007 - a runtime alias (Python 3.10)


def left_of_and(run: CommandRun) -> bool:
    """Whether bash ignores errexit for ``run`` because it stands left of `&&` (its failure then
    becomes the status of the list)."""
    return run.errexit_reason.startswith(LEFT_OF_AND)


def final_runs(block: Block) -> list[CommandRun]:
    """The commands whose status is ``block``'s exit status when they fail: on each path through
    its end, the last command run there (`if ...; then deploy_a; else deploy_b; fi` as the last
    statement gives both). A path that ends with ``exit N``/``return N`` (or ``break``) or that
    runs no command after a split (`if` without `else`, the right of `&&`) gives none: its
    status is not a command's. Commands inside `$(...)` are passed over."""
    return [run for run, _ in final_runs_in(block, None)]


def final_runs_in(block: Block, path: str | None) -> list[tuple[CommandRun, Block | None]]:
    """:func:`final_runs` seen from the file ``path`` (None: every file): a block of another
    file's commands that ends a path (a child script, a sourced file, another file's function run
    last) stands for the command of this file that ran it, the run before it; each final run
    comes with that block (None for none)."""
    out: list[tuple[CommandRun, Block | None]] = []
    pending: list[list[Node]] = [block.nodes]
    while pending:
        nodes = pending.pop()
        inner: Block | None = None
        for node in reversed(nodes):
            if isinstance(node, CommandRun):
                if node.in_substitution:
                    continue
                if path is None or node.span.path == path:
                    out.append((node, inner))
            elif isinstance(node, Exit):
                if node.code == "" and node.kind != "break":
                    continue  # a bare `exit`/`return` passes on the last command's status
            elif isinstance(node, Block):
                if path is not None and inner is None:
                    first = next(iter(walk_commands(node)), None)
                    if first is not None and first.span.path != path:
                        inner = node  # what another file ran: the command before it ran it
                        continue
                pending.append(node.nodes)
            else:
                pending.extend(branch.nodes for branch in node.branches)
            break
    return out


def walk_commands(block: Block) -> list[CommandRun]:
    """Every CommandRun in ``block``, in order (iteratively)."""
    out: list[CommandRun] = []
    stack: list[Node] = [block]
    while stack:
        node = stack.pop()
        if isinstance(node, CommandRun):
            out.append(node)
        elif isinstance(node, Block):
            stack.extend(reversed(node.nodes))
        elif isinstance(node, Choice):
            stack.extend(reversed(node.branches))
    return out
