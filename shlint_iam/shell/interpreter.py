"""An abstract interpreter over tree-sitter-bash syntax trees.

It walks the tree the way bash would run the script, keeping variables as abstract values
(:mod:`.values`), and records every command that runs in a :mod:`.trace`: commands in comments,
here-documents, ``echo`` arguments, uncalled functions or after an unconditional ``exit`` never
appear there. Branches whose outcome is unknown become ``Choice`` nodes; loops over known lists
are unrolled; functions are inlined at each call; ``source`` runs the named file in place.

Work is bounded (commands, call depth, nesting, loop unrolling, sourced files): past a bound
the analysis stops following and values become unknown; it never hangs. Reaching the command
budget, the call depth, the nesting or the file depth makes the analysis incomplete (a TOO_DEEP
note, exit 2); a call or file that repeats one still running is a cycle (:mod:`.frames`).

The interpreter is one class assembled from one mixin per concern, all sharing one ``State``
type and one way to fork and join paths (``Interpreter._choice``):

- :mod:`.control` statements and control flow (``for ((...))`` lives there),
- :mod:`.words` words and expansions, arithmetic,
- :mod:`.commands` simple commands, function calls, dispatch,
- :mod:`.builtins` builtins and modelled utilities,
- :mod:`.programs` ``source``, ``eval``, ``bash -c``, child scripts, aliases;
- :mod:`.outputs` which variable holds which command's output, and the conditions that test it;
- :mod:`.state` the state, contexts and bounds they share; :mod:`.frames` the calls running.
"""

from __future__ import annotations

import posixpath
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from ..guard import checkpoint
from ..model import Span
from ..source import SourceFile
from .arms import Arms
from .builtins import Builtins
from .commands import Commands
from .control import ControlFlow
from .frames import Frame
from .jobs import Jobs, runs_in_background
from .notes import TOO_DEEP, Note
from .outputs import Outputs, merge_outputs
from .programs import Programs, _shebang_errexit
from .state import (  # CommandHook, FunctionDef, State: other modules name them through here too
    _EXIT_STRENGTH,
    MAX_NESTING,
    MAX_STEPS,
    CommandHook,
    FileWrite,
    FunctionDef,
    State,
    _BadSubstitution,
    _Ctx,
    _merge_dicts,
    _Stop,
)
from .trace import Block, Choice, CommandRun, Exit, Node, Word
from .values import (
    ENV_DEFAULT,
    JOIN,
    OTHER,
    Val,
    unknown,
)
from .words import Words

__all__ = ["CommandHook", "FunctionDef", "Interpreter", "State"]


class Interpreter(ControlFlow, Words, Commands, Builtins, Programs, Outputs, Jobs):
    """Runs a script's syntax tree abstractly (see the module docstring for where each part lives)."""

    def __init__(
        self,
        hook: CommandHook | None = None,
        loader: Callable[[str], SourceFile | str | None] | None = None,
        parse: Callable[[SourceFile], Any] | None = None,
    ) -> None:
        self.hook = hook
        self.loader = loader
        self.parse_fn = parse
        self.steps = 0
        self.truncated = False  # some bound was reached (an inlining limit, nesting, the budget)
        self.exhausted = False  # the step budget ran out: the rest of the script was not analysed
        self.notes: list[Note] = []  # what the analysis could not follow (shell/notes.py)
        self.aborted_in: set[str] = set()  # functions a bad substitution stopped (`${$1}`)
        self.commands: list[CommandRun] = []
        # Files the script writes with `> FILE` or `>> FILE` (control.py), when someone asks (None:
        # nobody does): `state.FileWrite` entries, in the order they ran.
        self.file_writes: list[FileWrite] | None = None
        self._out: Block = Block("script")
        self._src: SourceFile = SourceFile("<none>", "")
        self._main_path = ""  # the linted file's path (run)
        self._depth = 0
        self._inlined: dict[str, int] = {}  # how often each function was inlined
        self._nesting = 0
        self._source_stack: list[str] = []
        # Files being followed that have positional parameters of their own (a child script, a
        # `source FILE ARGS...`): there, and in functions, `$1` is known; elsewhere it is the
        # script's own argument (a file sourced without arguments shares the caller's).
        self._own_args = 0
        self._function_stack: list[str] = []
        self._wait_ends: dict[str, list[int]] = {}  # jobs.py
        # Per function call: the words it was called with and the file of the call (commands.py:
        # a command run from them, `"$@"` in a wrapper, is reported where they were written).
        self._call_words: list[tuple[list[Word], SourceFile]] = []
        self._call_anchor: tuple[Span, SourceFile] | None = None
        self._frames: list[Frame] = []
        self._branches = 0
        self._ended = 0
        self._bounds_hit: set[str] = set()
        self._last_status: list[CommandRun] = []
        self._stdin: Val | None = None  # what the command being run reads (None: the script's input)
        self._stdin_node: Any = None  # the here-document body it comes from, if any
        self._local_dash: list[bool] = []  # per function call: `local -` was run in it
        self._trap_at_entry: list[bool] = []  # per function call: an ERR trap reached it from outside
        # per function call: the context its body's status leaves in (`gcloud ... || return 1` hands
        # the step's failure to the call, judged as the body's last command's is)
        self._return_ctx: list[_Ctx] = []
        # while the words of a function's `return` are expanded: where `$?` hands the status on to
        self._passing_status: _Ctx | None = None
        self._builtin_prefix: dict[str, Val] | None = None  # the assignments before the builtin running now
        self._pipe_masked: list[CommandRun] = []  # the masked parts of the pipeline that ran last ($PIPESTATUS)
        self._scope: tuple[int, int] = (1, 1)
        self._scope_base = 0  # the nesting level of the current file's top-level statements
        self._output_sources: list[list[CommandRun]] = []  # per assignment being evaluated (outputs.py)
        self._gate = ""  # what the condition being evaluated gates ("" when nothing)
        self._returns: list[list[State]] = []  # per function or sourced file run: its early returns
        self._endless: list[bool] = []  # per loop being run: it is left only by `break` (`while true`)
        self._arms = Arms()  # each joined variable's value per branch (arms.py)
        self._chosen: dict[object, int] = {}  # the branches a gcloud command's variant runs on
        self._variant_group = 0  # numbers the commands run as variants
        # The `if [[ -n "$V" ]]` branches being run (arms.py): (V, its value at the test, whether
        # it is non-empty there); a variant of a command on a branch where V is the other way is not run.
        self._guards: list[tuple[str, object, bool]] = []
        # Each simple command's and expansion's syntax, read once, by tree-sitter node (a node of
        # a re-parsed tree is another key).
        self._plans: dict[Any, Any] = {}

    def run(self, source: SourceFile, tree: Any, state: State | None = None) -> tuple[Block, State]:
        state = state or State()
        self._src = source
        self._main_path = source.path
        script = source.real_path or source.path
        state.vars.setdefault("0", script)
        state.vars["BASH_SOURCE"] = [script]
        if not state.cwd:
            # Where the script is run from is not known: conditions on `$(pwd)` stay open, paths
            # (`source ./lib.sh`) resolve against the script's folder (values.resolve_defaults).
            state.cwd = (unknown(ENV_DEFAULT, "PWD", posixpath.dirname(script), text="$PWD") if source.real_path
                         else unknown(OTHER, "cwd", text="$PWD"))
        if _shebang_errexit(source):
            state.errexit = "on"
        self._out = Block("script")
        try:
            self._statements(tree.root_node.children, state)
        except _Stop:
            self.truncated = True
            self.exhausted = True
        return self._out, state

    def _too_deep(self, node: Any) -> None:
        """Code nested past MAX_NESTING is not analysed: the analysis is incomplete (noted once)."""
        self._bound_hit(self.span(node), "nesting", f"nesting deeper than {MAX_NESTING} levels")

    def _bound_hit(self, span: Span, bound: str, reason: str) -> None:
        """What is at ``span`` is not analysed because ``bound`` was reached: the analysis is
        incomplete (a TOO_DEEP note, the first time each bound is reached; ``reason`` says why)."""
        self.truncated = True
        if bound not in self._bounds_hit:
            self._bounds_hit.add(bound)
            self.notes.append(Note(span, TOO_DEEP, reason))

    def _args_known(self) -> bool:
        """Whether ``state.positional`` is the whole list of positional parameters (a function's
        or a child script's arguments), not the script's own unknown ones."""
        return bool(self._function_stack) or self._own_args > 0

    def span(self, node: Any) -> Span:
        return self._src.span(node.start_point, node.end_point)

    def _line(self, node: Any) -> int:
        """The line of ``node`` as a message names it: the line of the file findings point into (a
        script embedded in a CI file, a here-document run by bash: the outer file's line; text run
        by `eval` or a sourced file the script wrote: the line of that command)."""
        src = self._src
        if type(src) is SourceFile:
            return int(node.start_point[0]) + 1
        return src.span(node.start_point, node.start_point).start_line

    def text(self, node: Any) -> str:
        src = self._src
        if src._ascii:  # byte offsets are character offsets: slice the text, decode nothing
            return src.text[node.start_byte : node.end_byte]
        return src.data[node.start_byte : node.end_byte].decode("utf-8", "replace")

    def _emit(self, node: Node) -> None:
        self._out.nodes.append(node)

    def _into(self, block: Block) -> _Into:
        """``with self._into(block):`` what runs records into ``block`` (a class, not a generator:
        this is entered for every function call, loop body, branch and subshell)."""
        return _Into(self, block)

    def _choice(self, state: State, branches: list[Callable[[State], None]], span: Span | None, label: str) -> None:
        """Run each branch on its own copy of ``state``; join the copies back into ``state``.
        ``label`` (``line:col``) names the place; in a file other than the linted one (a sourced
        file, a child script) it is ``path:line:col``, so that places of two files stay apart and
        a message can say which file the branch is in."""
        if span is not None and span.path != self._main_path:
            label = f"{span.path}:{label}"
        results: list[State] = []
        blocks: list[Block] = []
        for run_branch in branches:
            branch_state = state.copy()
            block = Block("branch")
            self._branches += 1
            try:
                with self._into(block):
                    run_branch(branch_state)
            finally:
                self._branches -= 1
            results.append(branch_state)
            blocks.append(block)
        self._emit(Choice(blocks, span))
        self._join(state, results, label)

    def _join(self, state: State, results: list[State], label: str) -> None:
        live = [r for r in results if not r.terminated]
        if len(live) < len(results):
            self._ended += 1  # what follows is not reached on every path (frames.py)
        if not live:
            # Every branch ended: the join ends the way the weakest one did, so that the
            # enclosing loop or function resumes after it (what runs afterwards is kept).
            state.terminated = True
            state.exit_kind = min((r.exit_kind for r in results), key=_EXIT_STRENGTH.index)
            self._park([r for r in results if r.exit_kind != state.exit_kind])
            return
        self._park([r for r in results if r.terminated])
        state.vars = _merge_dicts([r.vars for r in live], label, self._arms)
        merge_outputs(state, live)
        state.exported = set().union(*(r.exported for r in live))
        for r in live:
            if r.funcs is not state.funcs:  # the same dict: nothing to add
                state.own_funcs().update(r.funcs)
        state.props = _merge_dicts([r.props for r in live], label)
        state.errexit = "on" if any(r.errexit == "on" for r in live) else live[0].errexit
        state.pipefail = any(r.pipefail for r in live)
        state.err_trap = any(r.err_trap for r in live)
        state.errtrace = any(r.errtrace for r in live)
        state.inherit_errexit = any(r.inherit_errexit for r in live)
        state.allexport = any(r.allexport for r in live)
        state.lastpipe = any(r.lastpipe for r in live)
        if any(r.attrs for r in live):
            names = {n for r in live for n in r.attrs}
            state.attrs = {n: "".join(sorted({c for r in live for c in r.attrs.get(n, "")})) for n in names}
        maps: dict[str, dict[str, Val]] = {}
        for key, value in live[0].maps.items():
            if all(r.maps.get(key) == value for r in live[1:]):
                maps[key] = value
            else:  # differs between the paths: its elements are not known
                state.vars[key] = unknown(JOIN, key, label, text=f"${key}")
        state.maps = maps
        state.expand_aliases = any(r.expand_aliases for r in live)
        state.aliases = _merge_dicts([r.aliases for r in live], label)
        cwds = {r.cwd for r in live}
        state.cwd = cwds.pop() if len(cwds) == 1 else unknown(JOIN, "PWD", label, text="$PWD")
        state.terminated = False
        state.exit_kind = ""

    def _resume(self, state: State, kinds: tuple[str, ...]) -> None:
        """Leave a loop, function or sourced file: paths that ended there continue after it."""
        if state.terminated and state.exit_kind in kinds:
            state.terminated = False
            state.exit_kind = ""

    def _park(self, ended: list[State]) -> None:
        """Branches that left by ``return`` while others went on: kept for the end of the function
        or sourced file they return from (:meth:`_returning`)."""
        if self._returns:
            self._returns[-1].extend(r for r in ended if r.exit_kind == "return")

    @contextmanager
    def _returning(self, state: State, label: str) -> Iterator[None]:
        """Run a function body or a sourced file. When every path that reaches its end exits
        (``if gcloud ...; then return 0; fi; exit 1``), the paths that returned early are what goes
        on after the call: without them, everything after the call would look unreachable."""
        self._returns.append([])
        try:
            yield
        finally:
            returned = self._returns.pop()
        if returned and state.terminated and state.exit_kind == "exit":
            # Only where nothing else reaches the end: an early return that other paths also
            # reach the end from keeps the end's values (an include guard, `[ -n "$LOADED" ] &&
            # return`, must not turn everything the file sets into unknowns).
            for result in returned:
                result.terminated, result.exit_kind = False, ""
            self._join(state, returned, label)

    def _statements(self, nodes: Any, state: State, ctx: _Ctx | None = None) -> None:
        """Run a list of statements: only the last one's status is the list's status; the
        others get the level's own errexit (``ctx.other()``)."""
        self._run_statements(_runnable(nodes, False), state, ctx or _Ctx())

    def _body(self, node: Any, state: State, ctx: _Ctx) -> None:
        """``_statements(node.children, ...)``, its statements found once (a function's or a
        loop's body runs again and again)."""
        runnable = self._plans.get(node)
        if runnable is None:
            runnable = self._plans[node] = _runnable(node.children, True)
        self._run_statements(runnable, state, ctx)

    def _run_statements(self, runnable: list[tuple[Any, bool, tuple[int, int] | None]], state: State,
                        ctx: _Ctx) -> None:
        other = ctx.other() if len(runnable) > 1 else ctx
        last = len(runnable) - 1
        for i, (node, background, scope) in enumerate(runnable):
            if state.terminated:
                if state.exit_kind != "abort" or self._nesting != self._scope_base or not i:
                    return
                # A bad substitution dropped the statement before: bash goes on with the next line
                # (`grant api; gcloud ...` is one statement to bash: it reads the whole line first).
                if node.start_point[0] == runnable[i - 1][0].end_point[0]:
                    continue
                state.terminated, state.exit_kind = False, ""
            saved = self._scope
            if self._nesting == self._scope_base:
                self._scope = scope or (node.start_point[0] + 1, node.end_point[0] + 1)
            try:
                if background:
                    self._background(node, state, other)
                else:
                    self._statement(node, state, ctx if i == last else other)
            finally:
                self._scope = saved

    def _statement(self, node: Any, state: State, ctx: _Ctx) -> None:
        if self._nesting > MAX_NESTING:
            self._too_deep(node)
            return
        kind = node.type
        self.steps += 1
        if self.steps > MAX_STEPS:
            raise _Stop()
        if not self.steps & 255:
            checkpoint()  # past the time limit, stop here rather than wherever an interrupt lands
        self._nesting += 1
        try:
            handler = _HANDLERS.get(kind, _NO_HANDLER)
            if handler is _NO_HANDLER:
                handler = _HANDLERS[kind] = getattr(Interpreter, "_s_" + kind, None)
            if handler is not None:
                handler(self, node, state, ctx)
            elif kind == "ERROR":
                self._statements(node.children, state, ctx)
            else:
                # Unknown statement kinds: run whatever commands they contain.
                self._statements(node.named_children, state, ctx)
        except _BadSubstitution as bad:
            # `echo "deployed ${$SERVICE}"`: bash runs nothing of this command, drops the rest of
            # the top-level statement and, under `set -e` (even in a condition), exits with status 1.
            self.aborted_in.update(self._function_stack)  # called, though their steps never ran (reach.py)
            if state.errexit == "on":
                self._emit(Exit("exit", self.span(bad.node), "1"))
                state.terminated, state.exit_kind = True, "exit"
            else:
                state.terminated, state.exit_kind = True, "abort"
        finally:
            self._nesting -= 1

    def _output(self, ctx: _Ctx, text: Val) -> None:
        if ctx.capture is not None:
            ctx.capture.append(text)

    def _at(self, node: Any) -> tuple[str, int, int]:
        """Where a node is, as part of an unknown's identity."""
        return (self._src.path, node.start_point[0] + 1, node.start_point[1] + 1)

    def _at_run(self, run: CommandRun) -> tuple[str, int, int]:
        return (run.source.path, run.span.start_line, run.span.start_col)


def _runnable(nodes: Any, scopes: bool) -> list[tuple[Any, bool, tuple[int, int] | None]]:
    """The statements among ``nodes``: each with whether ``&`` ends it and, with ``scopes``, its
    lines (the scope of a top-level statement; else worked out when needed)."""
    return [(n, runs_in_background(n), (n.start_point[0] + 1, n.end_point[0] + 1) if scopes else None)
            for n in nodes if n.is_named and n.type not in ("comment", "heredoc_body", "heredoc_end")]


class _Into:
    """Record into another block for the duration of a ``with``, then back into the previous one."""

    __slots__ = ("machine", "block", "saved")

    def __init__(self, machine: Interpreter, block: Block) -> None:
        self.machine = machine
        self.block = block
        self.saved = machine._out

    def __enter__(self) -> Block:
        self.machine._out = self.block
        return self.block

    def __exit__(self, *exc: object) -> None:
        self.machine._out = self.saved


# Statement handlers by node type (``Interpreter._s_<type>``; None: no handler of its own), looked up
# once per type instead of at every statement (Interpreter has no subclasses).
_NO_HANDLER = object()
_HANDLERS: dict[str, Any] = {}
