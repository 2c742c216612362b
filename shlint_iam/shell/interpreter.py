"""An abstract interpreter over tree-sitter-bash syntax trees.

It walks the tree the way bash would run the script, keeping variables as abstract values
(:mod:`.values`), and records every command that runs in a :mod:`.trace`: commands in comments,
here-documents, ``echo`` arguments, uncalled functions or after an unconditional ``exit`` never
appear there. Branches whose outcome is unknown become ``Choice`` nodes; loops over known lists
are unrolled; functions are inlined at each call; ``source`` runs the named file in place.

Work is bounded (commands, call depth, nesting, loop unrolling, sourced files): past a bound
the analysis stops following and values become unknown; it never hangs.
"""

from __future__ import annotations

import fnmatch
import os
import posixpath
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import Any

from ..files import display_path
from ..model import Span
from ..source import SourceFile
from .notes import NOT_FOLLOWED, NOT_FOUND, NOT_READABLE, NOT_REGULAR, TOO_DEEP, UNKNOWN_PATH, Note
from .trace import Block, Choice, CommandRun, Exit, Node, Word
from .values import (
    ARG,
    ARITH,
    ENV,
    ENV_DEFAULT,
    EXPANSION,
    JOIN,
    LOOP,
    OTHER,
    OUTPUT,
    READ,
    RUNNER,
    TOO_LARGE,
    Val,
    Value,
    concat,
    is_known,
    join,
    label_unlabelled,
    literal_prefix,
    map_literals,
    may_equal,
    parts,
    relabel,
    resolve_defaults,
    show,
    unknown,
    unknowns,
)

MAX_STEPS = 40_000  # statements and commands interpreted, in all
MAX_INLINES_PER_FUNCTION = MAX_STEPS  # no count of its own: inlining is capped by work (MAX_STEPS)
MAX_CALL_DEPTH = 24
MAX_NESTING = 300
MAX_UNROLL = 128
MAX_SOURCE_DEPTH = 8

# Commands whose arguments are themselves a command to run.
WRAPPERS = {"command", "exec", "nohup", "time", "timeout", "sudo", "env", "xargs", "builtin", "stdbuf", "nice"}


@dataclass
class FunctionDef:
    name: str
    body: Any  # tree-sitter node
    source: SourceFile


@dataclass
class State:
    """What one path of the script knows at one point."""

    vars: dict[str, Val | list[Val]] = field(default_factory=dict)
    exported: set[str] = field(default_factory=set)
    funcs: dict[str, FunctionDef] = field(default_factory=dict)
    positional: list[Val] = field(default_factory=list)
    errexit: str = "off"
    pipefail: bool = False
    err_trap: bool = False
    errtrace: bool = False  # `set -E`: functions, subshells and $(...) inherit the ERR trap
    inherit_errexit: bool = False  # `shopt -s inherit_errexit`: $(...) keeps `set -e`
    allexport: bool = False  # `set -a`: every variable assigned is exported
    maps: dict[str, dict[str, Val]] = field(default_factory=dict)  # associative arrays (`declare -A`)
    aliases: dict[str, Val] = field(default_factory=dict)
    expand_aliases: bool = False  # `shopt -s expand_aliases` (off in scripts by default)
    cwd: Val = ""
    # Settings that command models keep (gcloud config properties), merged like variables.
    props: dict[str, Val] = field(default_factory=dict)
    terminated: bool = False  # every path through here has exited
    exit_kind: str = ""  # what ended it: "break", "return" or "exit"

    def copy(self) -> State:
        return State(
            vars=dict(self.vars),
            exported=set(self.exported),
            funcs=dict(self.funcs),
            positional=list(self.positional),
            errexit=self.errexit,
            pipefail=self.pipefail,
            err_trap=self.err_trap,
            errtrace=self.errtrace,
            inherit_errexit=self.inherit_errexit,
            allexport=self.allexport,
            maps=dict(self.maps),  # each map is replaced, never changed in place
            aliases=dict(self.aliases),
            expand_aliases=self.expand_aliases,
            cwd=self.cwd,
            props=dict(self.props),
            terminated=self.terminated,
            exit_kind=self.exit_kind,
        )


# A command model (gcloud) sees each executed command and the state; it may record facts on
# the run, change ``state.props``, and return the command's standard output (None: unknown).
CommandHook = Callable[[CommandRun, State], "Val | None"]


class _Stop(Exception):
    """The command budget is spent: stop interpreting."""


@dataclass
class _Ctx:
    """How the status of the statement being interpreted is used, as bash decides it.

    ``status`` says what happens to the statement's own exit status; ``ignore`` says why
    errexit (and the ERR trap) do not act on it ("" when they do). ``shell_ignore`` and
    ``shell_trap`` are the same for the *other* statements at this level (the ones whose
    status is not the level's status): inside a function called as an ``if`` condition,
    every command runs with errexit ignored, not only the last. ``flows_out``: this
    statement's status becomes the status of an enclosing function, subshell or ``$(...)``,
    so it is judged there, not here.
    """

    status: str = "propagates"
    status_span: Span | None = None
    status_reason: str = ""
    in_substitution: bool = False
    capture: list[Val] | None = None  # collects standard output inside $(...)
    ignore: str = ""
    shell_ignore: str = ""
    trap: bool = True
    shell_trap: bool = True
    flows_out: bool = False

    def other(self) -> _Ctx:
        """The context of a statement that is not the last of its list."""
        return _Ctx("propagates", None, "", self.in_substitution, self.capture, self.shell_ignore,
                     self.shell_ignore, self.shell_trap, self.shell_trap)

    def condition(self, reason: str) -> _Ctx:
        """An ``if``/``while``/``until`` condition: its status is tested; errexit and the ERR
        trap are off for everything it runs."""
        return _Ctx("checked", None, "", self.in_substitution, self.capture, reason, reason, False, False)

    def consumed(self, status: str, span: Span | None, status_reason: str, reason: str) -> _Ctx:
        """The left of ``||`` whose status is checked (``|| exit``) or thrown away (``|| true``)."""
        return _Ctx(status, span, status_reason, self.in_substitution, self.capture, reason, reason, False, False)

    def ignored(self, reason: str) -> _Ctx:
        """Left of ``&&`` (and under ``!``): the status goes where the list's goes, but errexit
        does not act on it at this level; everything it runs has errexit ignored."""
        if self.flows_out or self.status != "propagates":
            return replace(self, shell_ignore=reason, shell_trap=False)
        return _Ctx("propagates", None, "", self.in_substitution, self.capture, reason, reason, False, False)

    def enter(self, shell_ignore: str, shell_trap: bool, capture: list[Val] | None = None,
              in_substitution: bool | None = None) -> _Ctx:
        """The body of a function, subshell or ``$(...)``: its last statement's status leaves it."""
        return replace(self, shell_ignore=shell_ignore, shell_trap=shell_trap, flows_out=True,
                       capture=self.capture if capture is None else capture,
                       in_substitution=self.in_substitution if in_substitution is None else in_substitution)


def _merge_dicts(dicts: list[dict[str, Any]], where: str) -> dict[str, Any]:
    """Join the variables of several paths: a value that differs (or is unset on some path)
    becomes an unknown named after the variable and the join point. Branch states are copies of
    one state, so unchanged values are the same objects and are skipped cheaply."""
    merged = dict(dicts[0])
    for other in dicts[1:]:
        if other is dicts[0]:
            continue
        for key, value in other.items():
            mine = merged.get(key)
            if mine is not value and mine != value:
                merged[key] = unknown(JOIN, key, where, text=f"${key}")
        for key in merged.keys() - other.keys():
            merged[key] = unknown(JOIN, key, where, text=f"${key}")
    return merged


class Interpreter:
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
        self.commands: list[CommandRun] = []
        self._out: Block = Block("script")
        self._src: SourceFile = SourceFile("<none>", "")
        self._depth = 0
        self._inlined: dict[str, int] = {}  # how often each function was inlined
        self._nesting = 0
        self._source_stack: list[str] = []
        self._function_stack: list[str] = []
        self._last_status: list[CommandRun] = []
        self._stdin: Val | None = None  # what the command being run reads (None: the script's input)
        self._stdin_node: Any = None  # the here-document body it comes from, if any
        self._local_dash: list[bool] = []  # per function call: `local -` was run in it
        self._trap_at_entry: list[bool] = []  # per function call: an ERR trap reached it from outside
        self._scope: tuple[int, int] = (1, 1)
        self._scope_base = 0  # the nesting level of the current file's top-level statements

    # ------------------------------------------------------------------ entry points
    def run(self, source: SourceFile, tree: Any, state: State | None = None) -> tuple[Block, State]:
        state = state or State()
        self._src = source
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

    # ------------------------------------------------------------------ helpers
    def _too_deep(self, node: Any) -> None:
        """Code nested past MAX_NESTING is not analysed: the analysis is incomplete (noted once)."""
        self.truncated = True
        if not any(n.kind == TOO_DEEP for n in self.notes):
            self.notes.append(Note(self.span(node), TOO_DEEP, f"nesting deeper than {MAX_NESTING} levels"))

    def span(self, node: Any) -> Span:
        return self._src.span(node.start_point, node.end_point)

    def text(self, node: Any) -> str:
        return self._src.data[node.start_byte : node.end_byte].decode("utf-8", "replace")

    def _emit(self, node: Node) -> None:
        self._out.nodes.append(node)

    @contextmanager
    def _into(self, block: Block) -> Iterator[Block]:
        saved = self._out
        self._out = block
        try:
            yield block
        finally:
            self._out = saved

    def _choice(self, state: State, branches: list[Callable[[State], None]], span: Span | None, label: str) -> None:
        """Run each branch on its own copy of ``state``; join the copies back into ``state``."""
        results: list[State] = []
        blocks: list[Block] = []
        for run_branch in branches:
            branch_state = state.copy()
            block = Block("branch")
            with self._into(block):
                run_branch(branch_state)
            results.append(branch_state)
            blocks.append(block)
        self._emit(Choice(blocks, span))
        self._join(state, results, label)

    def _join(self, state: State, results: list[State], label: str) -> None:
        live = [r for r in results if not r.terminated]
        if not live:
            # Every branch ended: the join ends the way the weakest one did, so that the
            # enclosing loop or function resumes after it (what runs afterwards is kept).
            state.terminated = True
            state.exit_kind = min((r.exit_kind for r in results), key=_EXIT_STRENGTH.index)
            return
        state.vars = _merge_dicts([r.vars for r in live], label)
        state.exported = set().union(*(r.exported for r in live))
        for r in live:
            state.funcs.update(r.funcs)
        state.props = _merge_dicts([r.props for r in live], label)
        state.errexit = "on" if any(r.errexit == "on" for r in live) else live[0].errexit
        state.pipefail = any(r.pipefail for r in live)
        state.err_trap = any(r.err_trap for r in live)
        state.errtrace = any(r.errtrace for r in live)
        state.inherit_errexit = any(r.inherit_errexit for r in live)
        state.allexport = any(r.allexport for r in live)
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

    # ------------------------------------------------------------------ statements
    def _statements(self, nodes: Any, state: State, ctx: _Ctx | None = None) -> None:
        """Run a list of statements: only the last one's status is the list's status; the
        others get the level's own errexit (``ctx.other()``)."""
        ctx = ctx or _Ctx()
        runnable = [n for n in nodes if n.is_named and n.type not in ("comment", "heredoc_body", "heredoc_end")]
        other = ctx.other() if len(runnable) > 1 else ctx
        for i, node in enumerate(runnable):
            if state.terminated:
                return
            saved = self._scope
            if self._nesting == self._scope_base:
                self._scope = (node.start_point[0] + 1, node.end_point[0] + 1)
            try:
                self._statement(node, state, ctx if i == len(runnable) - 1 else other)
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
        self._nesting += 1
        try:
            handler = getattr(self, "_s_" + kind, None)
            if handler is not None:
                handler(node, state, ctx)
            elif kind == "ERROR":
                self._statements(node.children, state, ctx)
            else:
                # Unknown statement kinds: run whatever commands they contain.
                self._statements(node.named_children, state, ctx)
        finally:
            self._nesting -= 1

    # compound statements ------------------------------------------------------------
    def _s_program(self, node: Any, state: State, ctx: _Ctx) -> None:
        self._statements(node.children, state, ctx)

    def _s_compound_statement(self, node: Any, state: State, ctx: _Ctx) -> None:
        if node.children and node.children[0].type == "((":  # (( i++ ))
            for child in node.named_children:
                self._arith_statement(child, state, ctx)
            return
        self._statements(node.children, state, ctx)

    def _s_do_group(self, node: Any, state: State, ctx: _Ctx) -> None:
        self._statements(node.children, state, ctx)

    def _s_subshell(self, node: Any, state: State, ctx: _Ctx) -> None:
        inner = state.copy()
        block = Block("subshell")
        with self._into(block):
            self._statements(node.children, inner, ctx.enter(ctx.shell_ignore, ctx.shell_trap and state.errtrace))
        self._emit(block)
        # Variables set in a subshell do not leave it; exits end only the subshell.

    def _s_redirected_statement(self, node: Any, state: State, ctx: _Ctx) -> None:
        body = node.child_by_field_name("body")
        stdin: Val | None = None
        stdin_node: Any = None
        for child in node.children:
            if child.type == "herestring_redirect":
                for sub in child.named_children:
                    stdin = concat(self._expand_str(sub, state, ctx), "\n")
            elif child.type == "heredoc_redirect":
                stdin = self._heredoc_text(child, state, ctx)
                stdin_node = next((c for c in child.children if c.type == "heredoc_body"), None)
            elif child.type == "file_redirect" and any(c.type == "<" for c in child.children):
                stdin = unknown(OUTPUT, "stdin", self._at(child))
        if body is not None:
            saved = self._stdin, self._stdin_node
            if stdin is not None:
                self._stdin, self._stdin_node = stdin, stdin_node
            try:
                self._statement(body, state, ctx)
            finally:
                self._stdin, self._stdin_node = saved

    def _heredoc_text(self, redirect: Any, state: State, ctx: _Ctx) -> Val:
        """What a here-document feeds: its body, expanded unless the delimiter is quoted."""
        start = next((c for c in redirect.children if c.type == "heredoc_start"), None)
        body = next((c for c in redirect.children if c.type == "heredoc_body"), None)
        if body is None:
            return ""
        quoted = start is not None and any(q in self.text(start) for q in "'\"\\")
        strip_tabs = any(c.type == "<<-" for c in redirect.children)
        text: Val
        if quoted:
            text = self.text(body)
        else:
            def literal(piece: bytes) -> str:
                return re.sub(r"\\([$`\\])", r"\1", piece.decode("utf-8", "replace").replace("\\\n", ""))

            pieces: list[Val] = []
            last = body.start_byte
            for child in body.named_children:
                pieces.append(literal(self._src.data[last : child.start_byte]))
                pieces.append(self._expand_str(child, state, ctx))
                last = child.end_byte
            pieces.append(literal(self._src.data[last : body.end_byte]))
            text = concat(*pieces)
        if strip_tabs:
            text = map_literals(text, lambda t: re.sub(r"(?m)^\t+", "", t))
        return text

    def _s_negated_command(self, node: Any, state: State, ctx: _Ctx) -> None:
        at = node.start_point[0] + 1
        for child in node.named_children:
            self._statement(child, state, ctx.ignored(f"under `!` on line {at}"))

    def _s_function_definition(self, node: Any, state: State, ctx: _Ctx) -> None:
        name_node = node.child_by_field_name("name")
        body = node.child_by_field_name("body")
        if name_node is None or body is None:
            return
        name = self.text(name_node)
        state.funcs[name] = FunctionDef(name, body, self._src)

    def _s_list(self, node: Any, state: State, ctx: _Ctx) -> None:
        """``a && b``, ``a || b`` (left-associative: the last operator binds loosest)."""
        children = [c for c in node.children if c.type != "comment"]
        op_index = max((i for i, c in enumerate(children) if c.type in ("&&", "||")), default=-1)
        if op_index < 0:
            self._statements(node.named_children, state, ctx)
            return
        left, op, right = children[:op_index], children[op_index].type, children[op_index + 1 :]
        right_nodes = [c for c in right if c.is_named]
        left_ctx = self._left_ctx(op, right_nodes, state, ctx)
        outcome = self._condition_nodes(left, state, left_ctx)
        if state.terminated:
            return
        runs_right = outcome if op == "&&" else (None if outcome is None else not outcome)
        if runs_right is False:
            return
        if runs_right is True:
            self._statements(right_nodes, state, ctx)
            return
        self._choice(state, [lambda s: None, lambda s: self._statements(right_nodes, s, ctx)],
                     self.span(node), f"{node.start_point[0] + 1}:{node.start_point[1] + 1}")

    def _left_ctx(self, op: str, right: list[Any], state: State, ctx: _Ctx) -> _Ctx:
        shown = self.text(right[0]).split("\n")[0][:40] if right else ""
        at = right[0].start_point[0] + 1 if right else 0
        if op == "&&":
            # bash ignores errexit left of `&&`: `gcloud ... && log done` does not stop the script.
            return ctx.ignored(f"left of `&& {shown}` on line {at}")
        # `a || b`: checked when b exits or returns, discarded when b swallows the failure.
        reason = f"left of `|| {shown}` on line {at}"
        if any(self._exits(n, state) for n in right):
            return ctx.consumed("checked", None, "", reason)
        span = self._src.span(right[0].start_point, right[-1].end_point) if right else None
        return ctx.consumed("discarded", span, f"`|| {shown}` throws its failure away", reason)

    def _exits(self, node: Any, state: State | None = None) -> bool:
        """Whether a statement ends the script or function: ``exit``/``return``, or a call to a
        function (defined so far) that does."""
        stack: list[tuple[Any, SourceFile, int]] = [(node, self._src, 0)]
        while stack:
            n, src, depth = stack.pop()
            if n.type == "command":
                name_node = n.child_by_field_name("name")
                if name_node is None:
                    continue
                name = src.data[name_node.start_byte : name_node.end_byte].decode("utf-8", "replace")
                if name in ("exit", "return"):
                    return True
                func = state.funcs.get(name) if state is not None else None
                if func is not None and depth < 4:
                    stack.extend((c, func.source, depth + 1) for c in func.body.named_children)
            elif n.type in ("compound_statement", "list", "subshell", "redirected_statement", "if_statement",
                            "else_clause", "elif_clause"):
                stack.extend((c, src, depth) for c in n.named_children)
        return False

    def _condition_nodes(self, nodes: list[Any], state: State, ctx: _Ctx) -> bool | None:
        """Run the commands of a condition; return its truth where known."""
        result: bool | None = None
        runnable = [n for n in nodes if n.is_named and n.type != "comment"]
        for i, n in enumerate(runnable):
            # `if a; b; then`: only b is tested; a runs with errexit ignored.
            result = self._condition(n, state, ctx if i == len(runnable) - 1 else ctx.other())
        return result

    def _condition(self, node: Any, state: State, ctx: _Ctx) -> bool | None:
        kind = node.type
        if kind == "test_command":
            self._expand_in_test(node, state, ctx)
            return self._eval_test(node, state)
        if kind == "negated_command":
            inner = [c for c in node.named_children]
            value = self._condition_nodes(inner, state, ctx)
            return None if value is None else not value
        if kind == "list":
            children = [c for c in node.children if c.type != "comment"]
            op_index = max((i for i, c in enumerate(children) if c.type in ("&&", "||")), default=-1)
            if op_index < 0:
                return self._condition_nodes(children, state, ctx)
            left = self._condition_nodes(children[:op_index], state, ctx)
            op = children[op_index].type
            right_nodes = children[op_index + 1 :]
            if op == "&&":
                if left is False:
                    return False
                if left is True:
                    return self._condition_nodes(right_nodes, state, ctx)
            else:
                if left is True:
                    return True
                if left is False:
                    return self._condition_nodes(right_nodes, state, ctx)
            outcome: list[bool | None] = []
            self._choice(state, [lambda s: None,
                                 lambda s: outcome.append(self._condition_nodes(right_nodes, s, ctx))],
                         self.span(node), f"{node.start_point[0] + 1}:{node.start_point[1] + 1}")
            return None
        if kind == "command":
            name = node.child_by_field_name("name")
            word = self.text(name) if name is not None else ""
            if word in ("true", ":") and len(node.named_children) == 1:
                return True
            if word == "false" and len(node.named_children) == 1:
                return False
            if word in ("test", "["):
                self._statement(node, state, ctx)
                return None
        self._statement(node, state, ctx)
        return None

    def _s_if_statement(self, node: Any, state: State, ctx: _Ctx) -> None:
        # Split into (condition nodes, body nodes) arms, plus an optional else.
        arms: list[tuple[list[Any], list[Any]]] = []
        else_body: list[Any] | None = None
        cond: list[Any] = []
        body: list[Any] = []
        phase = "cond"
        for child in node.children:
            t = child.type
            if t == "if":
                continue
            if t == "then":
                phase = "body"
                continue
            if t == "fi":
                break
            if t == "elif_clause":
                arms.append((cond, body))
                cond, body = self._split_clause(child)
                continue
            if t == "else_clause":
                arms.append((cond, body))
                cond, body = [], []
                else_body = [c for c in child.children if c.is_named]
                phase = "else"
                continue
            if not child.is_named or t == "comment":
                continue
            (cond if phase == "cond" else body).append(child)
        if phase != "else":
            arms.append((cond, body))
        self._run_arms(node, arms, else_body, state, ctx)

    def _split_clause(self, clause: Any) -> tuple[list[Any], list[Any]]:
        cond: list[Any] = []
        body: list[Any] = []
        phase = "cond"
        for child in clause.children:
            if child.type == "then":
                phase = "body"
                continue
            if not child.is_named or child.type == "comment":
                continue
            (cond if phase == "cond" else body).append(child)
        return cond, body

    def _run_arms(self, node: Any, arms: list[tuple[list[Any], list[Any]]], else_body: list[Any] | None,
                  state: State, ctx: _Ctx) -> None:
        if not arms:
            return
        (cond, body), rest = arms[0], arms[1:]
        cond_ctx = ctx.condition(f"in the `if` condition on line {cond[0].start_point[0] + 1 if cond else 0}")
        outcome = self._condition_nodes(cond, state, cond_ctx)
        if state.terminated:
            return

        def run_rest(s: State) -> None:
            if rest:
                self._run_arms(node, rest, else_body, s, ctx)
            elif else_body is not None:
                self._statements(else_body, s, ctx)

        if outcome is True:
            self._statements(body, state, ctx)
        elif outcome is False:
            run_rest(state)
        else:
            self._choice(state, [lambda s: self._statements(body, s, ctx), run_rest],
                         self.span(node), f"{node.start_point[0] + 1}:{node.start_point[1] + 1}")

    def _s_case_statement(self, node: Any, state: State, ctx: _Ctx) -> None:
        value_node = node.child_by_field_name("value")
        value = self._expand_str(value_node, state, ctx) if value_node is not None else unknown(OTHER, "case")
        items = [c for c in node.children if c.type == "case_item"]
        arms: list[tuple[list[Val], list[Any]]] = []
        for item in items:
            patterns: list[Val] = []
            body: list[Any] = []
            seen_paren = False
            for child in item.children:
                if child.type == ")":
                    seen_paren = True
                    continue
                if not seen_paren:
                    if child.is_named:
                        patterns.append(self._expand_str(child, state, _Ctx(), pattern=True))
                    continue
                if child.is_named and child.type != "comment":
                    body.append(child)
            arms.append((patterns, body))
        if is_known(value):
            for patterns, body in arms:
                if any(is_known(p) and fnmatch.fnmatchcase(value, p) for p in patterns):
                    self._statements(body, state, ctx)
                    return
                if any(not is_known(p) for p in patterns):
                    break  # cannot decide: fall back to every arm
            else:
                return  # no arm matches
        def arm(body: list[Any]) -> Callable[[State], None]:
            return lambda s: self._statements(body, s, ctx)

        branches: list[Callable[[State], None]] = [arm(body) for _, body in arms]
        if not any("*" in patterns for patterns, _ in arms):
            branches.append(lambda s: None)
        self._choice(state, branches, self.span(node), f"{node.start_point[0] + 1}:{node.start_point[1] + 1}")

    # loops ---------------------------------------------------------------------------
    def _s_for_statement(self, node: Any, state: State, ctx: _Ctx) -> None:
        var_node = node.child_by_field_name("variable")
        body = node.child_by_field_name("body")
        var = self.text(var_node) if var_node is not None else "_"
        value_nodes = [c for i, c in enumerate(node.children) if node.field_name_for_child(i) == "value"]
        has_in = any(c.type == "in" for c in node.children)
        items: list[Val] | None
        if has_in:
            items = []
            for v in value_nodes:
                fields = self._expand_fields(v, state, ctx)
                if fields is None:
                    items = None
                    break
                items.extend(fields)
        else:
            items = list(state.positional) if all(is_known(p) for p in state.positional) else None
        if items is not None and any(u.kind == "list" for i in items for u in unknowns(i)):
            items = None
        if body is None:
            return
        if items is not None and len(items) <= MAX_UNROLL:
            for item in items:
                if state.terminated:
                    break
                state.vars[var] = item
                self._loop_body(body, state, ctx)
            return
        where = f"{node.start_point[0] + 1}:{node.start_point[1] + 1}"

        def once(s: State) -> None:
            s.vars[var] = unknown(LOOP, var, where, text=f"${var}")
            self._loop_body(body, s, ctx)

        self._choice(state, [lambda s: None, once], self.span(node), where)

    def _loop_body(self, body: Any, state: State, ctx: _Ctx) -> None:
        block = Block("loop")
        with self._into(block):
            self._statement(body, state, ctx)
        self._emit(block)
        self._resume(state, ("break",))

    def _s_while_statement(self, node: Any, state: State, ctx: _Ctx) -> None:
        cond = [c for i, c in enumerate(node.children) if node.field_name_for_child(i) == "condition" and c.is_named]
        body = node.child_by_field_name("body")
        is_until = node.children and node.children[0].type == "until"
        keyword = "until" if is_until else "while"
        cond_ctx = ctx.condition(f"in the `{keyword}` condition on line {node.start_point[0] + 1}")
        lines = self._read_loop_input(cond, state)
        if lines is not None and body is not None and not is_until:
            self._read_loop(cond[0], lines, body, state, ctx)
            return
        options = self._getopts_items(cond, state)
        if options is not None and body is not None and not is_until:
            name, items, optind = options
            for letter, optarg in items:
                if state.terminated:
                    break
                state.vars[name] = letter
                state.vars["OPTARG"] = optarg
                self._loop_body(body, state, ctx)
            if not state.terminated:
                state.vars[name] = "?"
                state.vars["OPTIND"] = str(optind)
            return
        outcome = self._condition_nodes(cond, state, cond_ctx)
        if is_until and outcome is not None:
            outcome = not outcome
        if body is None or outcome is False:
            return
        if outcome is True:
            # `while true`: the body runs; a `break` (or exit) leaves it.
            self._loop_body(body, state, ctx)
            return
        self._choice(state, [lambda s: None, lambda s: self._loop_body(body, s, ctx)],
                     self.span(node), f"{node.start_point[0] + 1}:{node.start_point[1] + 1}")

    def _read_loop_input(self, cond: list[Any], state: State) -> list[str] | None:
        """The lines a ``while read ...`` loop reads, when its input is known (a here-document,
        a here-string, a pipe from a command whose output is known)."""
        if len(cond) != 1 or cond[0].type != "command" or self._stdin is None or not is_known(self._stdin):
            return None
        name = cond[0].child_by_field_name("name")
        if name is None or self.text(name) != "read":
            return None
        text = self._stdin
        lines = text.split("\n")
        if lines and lines[-1] == "":
            lines.pop()  # a last line without a newline is read but fails the condition: not run
        else:
            lines = lines[:-1]
        return lines if len(lines) <= MAX_UNROLL else None

    def _getopts_items(self, cond: list[Any], state: State) -> tuple[str, list[tuple[str, str]], int] | None:
        """``while getopts "p:r:h" opt`` over arguments that are known (a function called with
        literal arguments, ``set -- ...``): the (option, OPTARG) pairs bash hands the body, the
        variable, and OPTIND after the loop."""
        if len(cond) != 1 or cond[0].type != "command":
            return None
        name_node = cond[0].child_by_field_name("name")
        if name_node is None or self.text(name_node) != "getopts":
            return None
        words: list[str] = []
        for group in _word_groups(cond[0].children[1:]):
            fields = self._word_fields(group, state, _Ctx())
            if fields is None or not all(isinstance(f, str) for f in fields):
                return None
            words.extend(f for f in fields if isinstance(f, str))
        if len(words) < 2:
            return None
        spec, var = words[0], words[1]
        if len(words) > 2:
            args = words[2:]
        elif self._function_stack or self._source_stack:
            args = [a for a in state.positional if isinstance(a, str)]
            if len(args) != len(state.positional):
                return None
        else:
            return None  # the script's own arguments are not known
        if len(args) > MAX_UNROLL:
            return None
        items: list[tuple[str, str]] = []
        i = 0
        while i < len(args):
            arg = args[i]
            if arg == "--":
                i += 1
                break
            if not arg.startswith("-") or arg == "-":
                break
            j = 1
            while j < len(arg):
                letter = arg[j]
                where = spec.find(letter)
                if where < 0 or letter == ":":
                    items.append(("?", ""))
                    j += 1
                    continue
                if where + 1 < len(spec) and spec[where + 1] == ":":
                    if j + 1 < len(arg):
                        items.append((letter, arg[j + 1 :]))
                    elif i + 1 < len(args):
                        i += 1
                        items.append((letter, args[i]))
                    else:
                        items.append(("?" if not spec.startswith(":") else ":", ""))
                    break
                items.append((letter, ""))
                j += 1
            i += 1
        return var, items, i + 1

    def _read_loop(self, cond: Any, lines: list[str], body: Any, state: State, ctx: _Ctx) -> None:
        words = [self.text(c) for c in cond.children if c.type in ("word", "variable_name")
                 and cond.field_name_for_child(cond.children.index(c)) == "argument"]
        ifs_assign = [c for c in cond.children if c.type == "variable_assignment"
                      and self.text(c).startswith("IFS=")]
        ifs: str | None = None
        if ifs_assign:
            value = ifs_assign[0].child_by_field_name("value")
            expanded = self._expand_str(value, state, _Ctx()) if value is not None else ""
            ifs = expanded if is_known(expanded) else None
        raw = any(w.startswith("-") and "r" in w for w in words)
        names = [w for w in words if re.fullmatch(r"[A-Za-z_]\w*", w)] or ["REPLY"]
        saved = self._stdin
        self._stdin = None
        try:
            for line in lines:
                if state.terminated:
                    break
                if not raw:
                    line = re.sub(r"\\(.)", r"\1", line)
                for name, value in zip(names, _read_fields(line, ifs, len(names)), strict=True):
                    state.vars[name] = value
                self._loop_body(body, state, ctx)
            if not state.terminated:
                for name in names:  # the read that ends the loop clears the variables
                    state.vars[name] = ""
        finally:
            self._stdin = saved

    def _s_c_style_for_statement(self, node: Any, state: State, ctx: _Ctx) -> None:
        """``for ((i = 0; i < N; i++))``: unrolled as bash runs it while the bounds are known
        (``${#ARR[@]}`` of a known array, a number); otherwise zero-or-more times."""
        body = node.child_by_field_name("body")
        init = [c for i, c in enumerate(node.children) if node.field_name_for_child(i) == "initializer"]
        cond = node.child_by_field_name("condition")
        update = [c for i, c in enumerate(node.children) if node.field_name_for_child(i) == "update"]
        if body is None:
            return
        for n in init:
            self._arith_statement(n, state, ctx)
        where = f"{node.start_point[0] + 1}:{node.start_point[1] + 1}"
        for _ in range(MAX_UNROLL + 1):
            if state.terminated:
                return
            go = 1 if cond is None else self._arith_value(cond, state, ctx)
            if go == 0:
                return
            if go is None:
                break
            self._loop_body(body, state, ctx)
            for n in update:
                self._arith_statement(n, state, ctx)
        else:
            self.truncated = True
        self._choice(state, [lambda s: None, lambda s: self._loop_body(body, s, ctx)], self.span(node), where)

    def _arith_value(self, node: Any, state: State, ctx: _Ctx) -> int | None:
        """The value of an arithmetic expression where every variable in it is known."""
        return _arith(self._rebuild(node, state, ctx), lambda n: self._int_var(n, state))

    def _arith_statement(self, node: Any, state: State, ctx: _Ctx) -> None:
        """An arithmetic expression that may assign: ``i=0``, ``i++``, ``i += 2``, ``n--``."""
        text = _skeleton(self._rebuild(node, state, ctx)).strip()
        match = re.fullmatch(r"(\+\+|--)?\s*([A-Za-z_]\w*)\s*(\+\+|--|[-+*/%]?=(?!=)\s*(.*))?", text, re.S)
        if match is None or (match.group(1) is None and match.group(3) is None):
            return
        name = match.group(2)
        where = self._at(node)
        current = state.vars.get(name, "")
        old = _arith(current if isinstance(current, str) and current.strip() else "0", lambda _n: None) \
            if isinstance(current, str) and is_known(current) else None
        op = match.group(1) or match.group(3)
        new: int | None
        if op in ("++", "--"):
            new = None if old is None else old + (1 if op == "++" else -1)
        else:
            assign = op.split("=", 1)[0].strip()
            rhs = _arith(match.group(4) or "", lambda n: self._int_var(n, state))
            if rhs is None or (assign and old is None):
                new = None
            elif not assign:
                new = rhs
            else:
                new = _arith(f"{old} {assign} {rhs}", lambda _n: None)
        state.vars[name] = str(new) if new is not None else unknown(ARITH, name, where, text=f"${name}")

    def _int_var(self, name: str, state: State) -> int | None:
        value = state.vars.get(name)
        if value is None:
            return 0
        if isinstance(value, list) or not isinstance(value, str):
            return None
        return _arith(value, lambda _n: None) if value.strip() else 0

    def _rebuild(self, node: Any, state: State, ctx: _Ctx) -> Val:
        """The source text of ``node`` with each expansion in it replaced by its value."""
        if node.type in ("simple_expansion", "expansion", "command_substitution"):
            return self._expand_str(node, state, ctx)
        if node.type == "arithmetic_expansion":
            inner = node.named_children
            value = self._arith_value(inner[0], state, ctx) if len(inner) == 1 else None
            return str(value) if value is not None else unknown(ARITH, self._at(node), text=self.text(node))
        if not node.children:
            return self.text(node)
        out: list[Val] = []
        last = node.start_byte
        for child in node.children:
            out.append(self._src.data[last : child.start_byte].decode("utf-8", "replace"))
            out.append(self._rebuild(child, state, ctx))
            last = child.end_byte
        out.append(self._src.data[last : node.end_byte].decode("utf-8", "replace"))
        return concat(*out)

    # pipelines -----------------------------------------------------------------------
    def _s_pipeline(self, node: Any, state: State, ctx: _Ctx) -> None:
        parts = [c for c in node.children if c.is_named and c.type != "comment"]
        piped: Val | None = None  # what the previous part printed
        for i, part in enumerate(parts):
            if i == len(parts) - 1:
                part_ctx = ctx
            elif state.pipefail or (ctx.status == "checked" and _is_grep(parts[-1])):
                # With pipefail the status is the pipeline's; `if ! gcloud ... | grep -q "Updated"`
                # tests what the step printed, which says whether it worked.
                part_ctx = _Ctx(ctx.status, ctx.status_span, ctx.status_reason, ctx.in_substitution,
                                ignore=ctx.ignore, shell_ignore=ctx.shell_ignore, trap=ctx.trap,
                                shell_trap=ctx.shell_trap, flows_out=ctx.flows_out)
            else:
                reader = self.text(parts[i + 1]).split("\n")[0][:40]
                part_ctx = _Ctx("masked", self.span(parts[i + 1]), f"piped into `{reader}`", ctx.in_substitution,
                                ignore=ctx.shell_ignore, shell_ignore=ctx.shell_ignore, trap=ctx.shell_trap,
                                shell_trap=ctx.shell_trap)
            captured: list[Val] | None = None
            if i < len(parts) - 1:
                captured = []
                part_ctx = replace(part_ctx, capture=captured)
            # Each part runs in a subshell: variables never leave a pipeline.
            inner = state.copy()
            block = Block("subshell")
            saved_stdin = self._stdin, self._stdin_node
            if i > 0:
                self._stdin, self._stdin_node = piped, None
            try:
                with self._into(block):
                    self._statement(part, inner, part_ctx)
            finally:
                self._stdin, self._stdin_node = saved_stdin
            self._emit(block)
            piped = concat(*captured) if captured is not None else None

    # simple statements ---------------------------------------------------------------
    def _s_variable_assignment(self, node: Any, state: State, ctx: _Ctx) -> None:
        self._assign(node, state, ctx, sub_ctx=replace(ctx, capture=None))

    def _s_variable_assignments(self, node: Any, state: State, ctx: _Ctx) -> None:
        for child in node.named_children:
            self._s_variable_assignment(child, state, ctx)

    def _assign(self, node: Any, state: State, ctx: _Ctx, sub_ctx: _Ctx, local: bool = False,
                extra: list[Any] | None = None) -> str | None:
        """``name=value``; ``extra``: nodes the grammar split off the value that belong to it."""
        name_node = node.child_by_field_name("name")
        value_node = node.child_by_field_name("value")
        if name_node is None:
            return None
        if name_node.type == "subscript":
            base = name_node.child_by_field_name("name")
            index = name_node.child_by_field_name("index")
            name = self.text(base) if base is not None else self.text(name_node)
            element = self._join_str([value_node] + (extra or []), state, sub_ctx) if value_node is not None else ""
            old_value = state.vars.get(name)
            if name in state.maps and index is not None:  # MAP[key]=value
                key = self._expand_str(index, state, sub_ctx)
                if isinstance(key, str):
                    state.maps[name] = {**state.maps[name], key: element}
                    return name
                state.maps.pop(name)
            elif isinstance(old_value, list) and index is not None:  # ARR[2]=value
                number = self._arith_value(index, state, sub_ctx)
                if number is not None and 0 <= number <= len(old_value) and not any(
                        u.kind == "list" for i in old_value for u in unknowns(i)):
                    elements = list(old_value)
                    if number == len(elements):
                        elements.append(element)
                    else:
                        elements[number] = element
                    state.vars[name] = elements
                    return name
            state.vars[name] = unknown(OTHER, "array", name, self._at(node), text=f"${name}")
            return name
        name = self.text(name_node)
        appending = any(c.type == "+=" for c in node.children)
        if value_node is None:
            value: Val | list[Val] = ""
        elif value_node.type == "array" and name in state.maps:  # declare -A M=([k]=v ...)
            entries: dict[str, Val] | None = {}
            for group in _word_groups(value_node.children):
                text = self._join_str(group, state, sub_ctx)
                match = re.match(r"\[([^\]]*)\]=", literal_prefix(text))
                if match is None or entries is None:
                    entries = None
                    continue
                entries[match.group(1)] = _drop_prefix(text, match.end())
            if entries is None:
                state.maps.pop(name)
                state.vars[name] = unknown(OTHER, "array", name, self._at(node), text=f"${name}")
            else:
                state.maps[name] = {**state.maps[name], **entries} if appending else entries
                state.vars.pop(name, None)
            return name
        elif value_node.type == "array":
            items: list[Val] = []
            for group in _word_groups(value_node.children):
                fields = self._word_fields(group, state, sub_ctx)
                items.extend(fields if fields is not None else
                             [unknown("list", name, self._at(group[0]), text=self.text(group[0]))])
            value = items
        else:
            value = self._join_str([value_node] + (extra or []), state, sub_ctx)
        if appending:
            old = state.vars.get(name, "")
            if isinstance(value, list):
                value = (old if isinstance(old, list) else [old]) + value
            else:
                value = self._label_big(concat(join(" ", old) if isinstance(old, list) else old, value), node)
        state.vars[name] = value
        if state.allexport:
            state.exported.add(name)
        return name

    def _s_declaration_command(self, node: Any, state: State, ctx: _Ctx) -> None:
        keyword = node.children[0].type if node.children else "declare"
        # `local x=$(cmd)` and friends: the declaration's own status (0) hides cmd's.
        sub_ctx = _Ctx("discarded", self.span(node.children[0]),
                       f"`{keyword} x=$(...)` hides the command's exit status", ctx.in_substitution,
                       ignore=ctx.shell_ignore, shell_ignore=ctx.shell_ignore, trap=ctx.shell_trap,
                       shell_trap=ctx.shell_trap)
        if keyword == "local" and any(self.text(c) == "-" for c in node.named_children) and self._local_dash:
            self._local_dash[-1] = True  # `local -`: the function's `set` options end with it
        flags = [self.text(c) for c in node.named_children if c.type == "word" and self.text(c).startswith("-")]
        if any("A" in f for f in flags):  # declare -A MAP: an associative array
            for c in node.named_children:
                target = c.child_by_field_name("name") if c.type == "variable_assignment" else c
                if target is not None and target.type in ("variable_name", "word") and \
                        not self.text(target).startswith("-"):
                    state.maps.setdefault(self.text(target), {})
        for group in _word_groups(node.children):
            child = group[0]
            if child.type == "variable_assignment":
                name = self._assign(child, state, ctx, sub_ctx, extra=group[1:])
                if name and keyword == "export":
                    state.exported.add(name)
            elif child.type in ("variable_name", "word") and not self.text(child).startswith("-"):
                name = self.text(child)
                if keyword == "export" or any("x" in f for f in flags):
                    state.exported.add(name)
                if keyword in ("local", "declare", "typeset") and name not in state.vars:
                    state.vars[name] = ""

    def _s_unset_command(self, node: Any, state: State, ctx: _Ctx) -> None:
        for child in node.named_children:
            name = self.text(child)
            if name.startswith("-"):
                continue
            state.vars.pop(name, None)
            state.maps.pop(name, None)
            state.funcs.pop(name, None)

    def _s_test_command(self, node: Any, state: State, ctx: _Ctx) -> None:
        self._expand_in_test(node, state, ctx)

    def _expand_in_test(self, node: Any, state: State, ctx: _Ctx) -> None:
        stack = list(node.named_children)
        while stack:
            n = stack.pop()
            if n.type in ("command_substitution", "simple_expansion", "expansion", "string", "concatenation"):
                self._expand_str(n, state, _Ctx("checked", in_substitution=ctx.in_substitution))
            else:
                stack.extend(n.named_children)

    def _eval_test(self, node: Any, state: State) -> bool | None:
        inner = [c for c in node.named_children]
        if len(inner) != 1:
            return None
        expr = inner[0]
        if expr.type == "unary_expression":
            op = expr.child_by_field_name("operator")
            operand = [c for c in expr.named_children if c.start_byte != op.start_byte]
            if op is None or len(operand) != 1:
                return None
            value = self._expand_str(operand[0], state, _Ctx())
            if not is_known(value):
                return None
            opname = self.text(op)
            if opname == "-n":
                return value != ""
            if opname == "-z":
                return value == ""
            return None
        if expr.type == "binary_expression":
            left = expr.child_by_field_name("left")
            right = expr.child_by_field_name("right")
            op_nodes = [c for i, c in enumerate(expr.children) if expr.field_name_for_child(i) == "operator"]
            if left is None or right is None or not op_nodes:
                return None
            op = self.text(op_nodes[0])
            lv = self._expand_str(left, state, _Ctx())
            rv = self._expand_str(right, state, _Ctx(), pattern=op in ("==", "!=", "="))
            if not (is_known(lv) and is_known(rv)):
                return None
            if op in ("=", "=="):
                return fnmatch.fnmatchcase(lv, rv) if right.type in ("extglob_pattern", "word") else lv == rv
            if op == "!=":
                return not (fnmatch.fnmatchcase(lv, rv) if right.type in ("extglob_pattern", "word") else lv == rv)
            return None
        if expr.type in ("word", "string", "simple_expansion", "expansion", "concatenation", "raw_string"):
            value = self._expand_str(expr, state, _Ctx())
            return (value != "") if is_known(value) else None
        return None

    # commands ------------------------------------------------------------------------
    def _s_command(self, node: Any, state: State, ctx: _Ctx) -> None:
        self.steps += 1
        if self.steps > MAX_STEPS:
            raise _Stop()
        prefix: dict[str, Val] = {}
        words: list[Word] = []
        name_node = node.child_by_field_name("name")
        sub_ctx = _Ctx("discarded", self.span(name_node) if name_node is not None else None,
                       "its exit status is lost in another command's arguments", ctx.in_substitution,
                       ignore=ctx.shell_ignore, shell_ignore=ctx.shell_ignore, trap=ctx.shell_trap,
                       shell_trap=ctx.shell_trap)
        assignments: list[tuple[Any, list[Any]]] = []
        stdin: Val | None = None  # a here-string or `< file` on the command
        seen_name = False  # assignments before the command name are its environment
        for group in _word_groups(node.children):
            child = group[0]
            ctype = child.type
            fieldname: str | None
            if ctype == "command_name":
                seen_name = True
                fieldname = "name"
            else:
                fieldname = "argument" if seen_name and ctype in _WORD_PARTS else None
            if ctype == "variable_assignment" and fieldname != "argument":
                assignments.append((child, group[1:]))
                vname = child.child_by_field_name("name")
                vvalue = child.child_by_field_name("value")
                if vname is not None:
                    value_nodes = ([vvalue] if vvalue is not None else []) + group[1:]
                    prefix[self.text(vname)] = self._join_str(value_nodes, state, sub_ctx) if value_nodes else ""
                continue
            if fieldname in ("name", "argument") or child.type == "command_name":
                fields = self._word_fields(group, state, sub_ctx)
                span = self._src.span(group[0].start_point, group[-1].end_point)
                if fields is None:
                    words.append(Word(unknown(OTHER, "args", self._at(child), text=self.text(child)), span))
                else:
                    words.extend(Word(f, span) for f in fields)
            elif child.type == "herestring_redirect":
                for sub in child.named_children:
                    stdin = self._expand_str(sub, state, sub_ctx) + "\n"  # `cmd <<< "$X"`
            elif child.type == "file_redirect":
                for sub in child.named_children:
                    self._expand_fields(sub, state, sub_ctx)
                if any(c.type == "<" for c in child.children):
                    stdin = unknown(OUTPUT, "stdin", self._at(child))
        if not words and any(extra for _, extra in assignments):
            # `V=$SA@$P.iam...`: the grammar made part of the value a command name; it is an assignment.
            for assignment, extra in assignments:
                self._assign(assignment, state, ctx, replace(ctx, capture=None), extra=extra)
            return
        if not words:
            for k, v in prefix.items():
                state.vars[k] = v
            return
        if stdin is None:
            self._execute(words, node, state, ctx, prefix)
            return
        saved = self._stdin, self._stdin_node
        self._stdin, self._stdin_node = stdin, None
        try:
            self._execute(words, node, state, ctx, prefix)
        finally:
            self._stdin, self._stdin_node = saved

    def _execute(self, words: list[Word], node: Any, state: State, ctx: _Ctx, prefix: dict[str, Val]) -> None:
        written = words[0].text
        args = [w.text for w in words[1:]]
        name = written if isinstance(written, str) else ""  # "": a name the analysis cannot know
        if name in WRAPPERS and len(words) > 1:
            rest = self._unwrap(name, words[1:])
            if rest:
                if name == "env":
                    for w in words[1:]:
                        k, eq, v = w.text.partition("=")
                        if eq and isinstance(k, str) and not k.startswith("-"):
                            prefix[k] = v
                        else:
                            break
                self._execute(rest, node, state, ctx, prefix)
                return
        if name in state.funcs and self._depth < MAX_CALL_DEPTH:
            count = self._inlined.get(name, 0)
            if count < MAX_INLINES_PER_FUNCTION:
                self._inlined[name] = count + 1
                self._call(state.funcs[name], words, state, ctx, prefix)
                return
            self.truncated = True
        if not is_known(written) and not is_known(resolve_defaults(written)) and self._dispatch(words, node, state, ctx,
                                                                                                  prefix):
            return
        if name in state.aliases and state.expand_aliases and self._expand_alias(words, node, state, ctx, prefix):
            return
        builtin = getattr(self, "_b_" + _builtin_attr(name), None)
        run = self._record(words, node, state, ctx, prefix)
        if builtin is None and "/" in resolve_defaults(written):
            # `./grant.sh "$FN"`, `"$DIR/grant.sh"`: another script run as a program.
            self._run_child(written, args, run, state, ctx, errexit=False, shebang=True)
            if ctx.capture is not None:
                ctx.capture.append(unknown(OUTPUT, self._at_run(run), tuple(args)))
            return
        if builtin is not None:
            builtin(run, args, state, ctx)
            return
        output: Val | None = None
        if self.hook is not None:
            saved_vars = None
            if prefix:
                saved_vars = {k: state.vars.get(k) for k in prefix}
                for k, v in prefix.items():
                    state.vars[k] = v
                    state.exported.add(k)
            try:
                output = self.hook(run, state)
            finally:
                if saved_vars is not None:
                    for k, old in saved_vars.items():
                        if old is None:
                            state.vars.pop(k, None)
                        else:
                            state.vars[k] = old
        if ctx.capture is not None:
            if output is None:
                output = unknown(OUTPUT, run.source.path, run.span.start_line, run.span.start_col, tuple(args))
            ctx.capture.append(output)

    def _dispatch(self, words: list[Word], node: Any, state: State, ctx: _Ctx, prefix: dict[str, Val]) -> bool:
        """A command whose name is not known (``"$1"``, ``"$@"``, ``"$MAIN_FUNCTION"``, a task
        name from a list): each defined function it may name runs as a possible path, beside
        the path where it names none (some other program). Functions that always exit
        (``usage``, ``die``) and the ones running now are left out."""
        name = words[0].text
        candidates = [f for f in state.funcs.values()
                      if may_equal(name, f.name) and f.name not in self._function_stack
                      and not self._always_exits(f)]
        if not candidates or self._depth >= MAX_CALL_DEPTH:
            return False
        where = f"{node.start_point[0] + 1}:{node.start_point[1] + 1}"

        def call(func: FunctionDef) -> Callable[[State], None]:
            def run(s: State) -> None:
                count = self._inlined.get(func.name, 0)
                if count >= MAX_INLINES_PER_FUNCTION:
                    self.truncated = True
                    return
                self._inlined[func.name] = count + 1
                self._call(func, [Word(func.name, words[0].span)] + words[1:], s, ctx, dict(prefix))
            return run

        def other(s: State) -> None:
            self._record(words, node, s, ctx, prefix)
            if ctx.capture is not None:
                ctx.capture.append(unknown(OUTPUT, "dispatch", self._at(node)))

        self._choice(state, [call(f) for f in candidates] + [other], self.span(node), where)
        return True

    def _always_exits(self, func: FunctionDef) -> bool:
        body = func.body
        for child in body.named_children:
            if child.type == "command":
                name = child.child_by_field_name("name")
                if name is not None and func.source.data[name.start_byte:name.end_byte] == b"exit":
                    return True
        return False

    def _unwrap(self, name: str, rest: list[Word]) -> list[Word]:
        i = 0
        if name == "timeout":
            while i < len(rest) and rest[i].text.startswith("-"):
                i += 1
            i += 1  # the duration
        elif name in ("env",):
            while i < len(rest) and (rest[i].text.startswith("-") or "=" in rest[i].text):
                i += 1
        elif name in ("xargs", "nice", "stdbuf", "sudo", "command", "exec", "time", "nohup", "builtin"):
            while i < len(rest) and rest[i].text.startswith("-"):
                i += 1
        return rest[i:]

    def _record(self, words: list[Word], node: Any, state: State, ctx: _Ctx, prefix: dict[str, Val]) -> CommandRun:
        run = CommandRun(
            words=words,
            span=self.span(node),
            scope=self._scope,
            source=self._src,
            errexit="ignored" if ctx.ignore and state.errexit == "on" else state.errexit,
            errexit_reason=ctx.ignore,
            pipefail=state.pipefail,
            # Without `set -E` an ERR trap does not reach into functions, subshells and $(...)
            # (ctx.trap), unless the function set it itself.
            err_trap=state.err_trap and (ctx.trap or (not ctx.ignore and bool(self._trap_at_entry)
                                                      and not self._trap_at_entry[-1])),
            status=ctx.status,
            status_span=ctx.status_span,
            status_reason=ctx.status_reason,
            function=self._function_stack[-1] if self._function_stack else None,
            in_substitution=ctx.in_substitution,
        )
        self.commands.append(run)
        self._emit(run)
        if ctx.status == "propagates" or ctx.status == "masked":
            self._last_status = [run]
        return run

    def _call(self, func: FunctionDef, words: list[Word], state: State, ctx: _Ctx, prefix: dict[str, Val]) -> None:
        saved_positional = state.positional
        saved_src = self._src
        state.positional = [w.text for w in words[1:]]
        block = Block("function")
        self._depth += 1
        self._function_stack.append(func.name)
        saved_scope = self._scope
        saved_options = (state.errexit, state.pipefail)
        shell_ignore = ctx.shell_ignore
        if shell_ignore and not shell_ignore.startswith("inside `"):
            shell_ignore = f"inside `{func.name}`, called {shell_ignore}"
        body_ctx = ctx.enter(shell_ignore, ctx.shell_trap and state.errtrace)
        self._local_dash.append(False)
        self._trap_at_entry.append(state.err_trap or state.errtrace)
        try:
            self._src = func.source
            with self._into(block):
                self._statement(func.body, state, body_ctx)
        finally:
            if self._local_dash.pop():
                state.errexit, state.pipefail = saved_options
            self._trap_at_entry.pop()
            self._depth -= 1
            self._function_stack.pop()
            self._src = saved_src
            self._scope = saved_scope
            state.positional = saved_positional
        self._emit(block)
        self._resume(state, ("return", "break"))

    # builtins ------------------------------------------------------------------------
    def _b_set(self, run: CommandRun, args: list[Val], state: State, ctx: _Ctx) -> None:
        i = 0
        while i < len(args):
            arg = args[i]
            if arg in ("-o", "+o") and i + 1 < len(args):
                on = arg == "-o"
                opt = args[i + 1]
                if opt == "errexit":
                    state.errexit = "on" if on else "disabled"
                elif opt == "pipefail":
                    state.pipefail = on
                elif opt == "errtrace":
                    state.errtrace = on
                elif opt == "allexport":
                    state.allexport = on
                i += 2
                continue
            if arg == "--":
                state.positional = args[i + 1 :]
                return
            if isinstance(arg, str) and len(arg) > 1 and arg[0] in "-+" and arg[1:].isalpha():
                on = arg[0] == "-"
                letters = arg[1:]
                if "e" in letters:
                    state.errexit = "on" if on else "disabled"
                if "E" in letters:
                    state.errtrace = on
                if "a" in letters:
                    state.allexport = on
                if "o" in letters and i + 1 < len(args):
                    if args[i + 1] == "pipefail":
                        state.pipefail = on
                    elif args[i + 1] == "errexit":
                        state.errexit = "on" if on else "disabled"
                    elif args[i + 1] == "errtrace":
                        state.errtrace = on
                    i += 1
            i += 1

    def _b_shopt(self, run: CommandRun, args: list[Val], state: State, ctx: _Ctx) -> None:
        if args and args[0] in ("-s", "-u"):
            for opt in args[1:]:
                if opt == "inherit_errexit":
                    state.inherit_errexit = args[0] == "-s"
                elif opt == "expand_aliases":
                    state.expand_aliases = args[0] == "-s"

    def _b_trap(self, run: CommandRun, args: list[Val], state: State, ctx: _Ctx) -> None:
        if len(args) >= 2 and "ERR" in args[1:]:
            handler = args[0]
            state.err_trap = handler not in ("", "-")  # `trap - ERR` / `trap '' ERR` reset it

    def _b_shift(self, run: CommandRun, args: list[Val], state: State, ctx: _Ctx) -> None:
        first = args[0] if args else ""
        n = int(first) if isinstance(first, str) and first.isdigit() else 1
        state.positional = state.positional[n:]

    def _b_exit(self, run: CommandRun, args: list[Val], state: State, ctx: _Ctx) -> None:
        self._emit(Exit("exit", run.span, args[0] if args else ""))
        state.terminated = True
        state.exit_kind = "exit"

    def _b_return(self, run: CommandRun, args: list[Val], state: State, ctx: _Ctx) -> None:
        if not self._function_stack and not self._source_stack:
            return
        self._emit(Exit("return", run.span, args[0] if args else ""))
        state.terminated = True
        state.exit_kind = "return"

    def _b_break(self, run: CommandRun, args: list[Val], state: State, ctx: _Ctx) -> None:
        self._emit(Exit("break", run.span))
        state.terminated = True
        state.exit_kind = "break"

    _b_continue = _b_break

    def _b_cd(self, run: CommandRun, args: list[Val], state: State, ctx: _Ctx) -> None:
        target = next((a for a in args if not a.startswith("-")), None)
        if target is None:
            state.cwd = unknown(OTHER, "home", text="$HOME")
        elif is_known(target) and is_known(state.cwd) and not os.path.isabs(target):
            state.cwd = posixpath.normpath(posixpath.join(state.cwd, target))
        elif is_known(target) and os.path.isabs(target):
            state.cwd = posixpath.normpath(target)
        elif is_known(target):
            state.cwd = concat(state.cwd, "/", target)  # relative to a directory not known
        else:
            state.cwd = target

    def _b_pwd(self, run: CommandRun, args: list[Val], state: State, ctx: _Ctx) -> None:
        self._output(ctx, state.cwd + "\n")

    def _b_dirname(self, run: CommandRun, args: list[Val], state: State, ctx: _Ctx) -> None:
        arg = next((a for a in args if not a.startswith("-")), "")
        if is_known(arg):
            self._output(ctx, (posixpath.dirname(arg.rstrip("/")) or ".") + "\n")
        else:
            self._output(ctx, concat(unknown(OUTPUT, "dirname", arg), "\n"))

    def _b_basename(self, run: CommandRun, args: list[Val], state: State, ctx: _Ctx) -> None:
        rest = [a for a in args if not a.startswith("-")]
        if rest and is_known(rest[0]):
            base = posixpath.basename(rest[0].rstrip("/"))
            if len(rest) > 1 and is_known(rest[1]) and base.endswith(rest[1]) and base != rest[1]:
                base = base[: -len(rest[1])]
            self._output(ctx, base + "\n")
        else:
            self._output(ctx, concat(unknown(OUTPUT, "basename", tuple(args)), "\n"))

    def _b_realpath(self, run: CommandRun, args: list[Val], state: State, ctx: _Ctx) -> None:
        rest = [a for a in args if not a.startswith("-")]
        if rest and is_known(rest[0]) and is_known(state.cwd):
            self._output(ctx, posixpath.normpath(posixpath.join(state.cwd, rest[0])) + "\n")
        else:
            self._output(ctx, concat(unknown(OUTPUT, "realpath", state.cwd, tuple(args)), "\n"))

    _b_readlink = _b_realpath

    def _b_echo(self, run: CommandRun, args: list[Val], state: State, ctx: _Ctx) -> None:
        newline = True
        while args and args[0] in ("-n", "-e", "-E", "-ne", "-en"):
            if "n" in args[0]:
                newline = False
            args = args[1:]
        self._output(ctx, concat(join(" ", args), "\n" if newline else ""))

    def _b_printf(self, run: CommandRun, args: list[Val], state: State, ctx: _Ctx) -> None:
        """``printf FORMAT ARGS`` and ``printf -v NAME FORMAT ARGS`` (the text goes into NAME)."""
        target: Val | None = None
        if len(args) > 2 and args[0] == "-v":
            target, args = args[1], args[2:]
        text: Val | None = None
        if args and isinstance(args[0], str) and all(isinstance(a, str) for a in args[1:]):
            text = _printf(args[0], [a for a in args[1:] if isinstance(a, str)])
        elif args and isinstance(args[0], str) and args[0] in ("%s", "%s\\n") and len(args) == 2:
            text = concat(args[1], "\n" if args[0].endswith("\\n") else "")
        if target is not None:
            if isinstance(target, str):
                state.vars[target] = text if text is not None else \
                    unknown(OUTPUT, "printf", self._at_run(run), text=f"${target}")
                if state.allexport:
                    state.exported.add(target)
            return
        self._output(ctx, text if text is not None else unknown(OUTPUT, "printf", self._at_run(run), tuple(args)))

    def _b_true(self, run: CommandRun, args: list[Val], state: State, ctx: _Ctx) -> None:
        return

    _b_false = _b_true
    _b_colon = _b_true

    def _b_read(self, run: CommandRun, args: list[Val], state: State, ctx: _Ctx) -> None:
        names = [a for a in args if isinstance(a, str) and re.fullmatch(r"[A-Za-z_]\w*", a)]
        for name in names or ["REPLY"]:
            state.vars[name] = unknown(READ, name, self._at_run(run), text=f"${name}")

    def _b_cat(self, run: CommandRun, args: list[Val], state: State, ctx: _Ctx) -> None:
        files = [a for a in args if not a.startswith("-")]
        text = self._stdin if not files else self._read_file(files[0], state) if len(files) == 1 else None
        self._output(ctx, text if text is not None else unknown(OUTPUT, self._at_run(run), tuple(args)))

    def _b_grep(self, run: CommandRun, args: list[Val], state: State, ctx: _Ctx) -> None:
        """``grep [-v] [-E] PATTERN [FILE]`` over known input (``export $(grep -v '^#' .env | xargs)``)."""
        flags = "".join(a[1:] for a in args if isinstance(a, str) and a.startswith("-") and not a.startswith("--"))
        rest = [a for a in args if not a.startswith("-")]
        unknown_output = unknown(OUTPUT, self._at_run(run), tuple(args))
        regex = rest[0] if rest else None
        if not isinstance(regex, str) or set(flags) - set("vEe"):
            self._output(ctx, unknown_output)
            return
        text = self._stdin if len(rest) == 1 else self._read_file(rest[1], state) if len(rest) == 2 else None
        if not isinstance(text, str):
            self._output(ctx, unknown_output)
            return
        try:
            pattern = re.compile(regex)
        except re.error:
            self._output(ctx, unknown_output)
            return
        invert = "v" in flags
        kept = [line for line in text.splitlines() if bool(pattern.search(line)) != invert]
        self._output(ctx, "".join(line + "\n" for line in kept))

    def _b_xargs(self, run: CommandRun, args: list[Val], state: State, ctx: _Ctx) -> None:
        """``xargs`` with no command: echo its input's words on one line."""
        text = self._stdin
        if not isinstance(text, str) or args:
            self._output(ctx, unknown(OUTPUT, self._at_run(run), tuple(args)))
            return
        self._output(ctx, " ".join(_shell_words(text)) + "\n")

    def _read_file(self, target: Val, state: State) -> str | None:
        """A data file a command reads (`.env`): only inside the project root (the loader)."""
        if self.loader is None:
            return None
        path = self._resolve_source(target, state)
        if path is None:
            return None
        loaded = self.loader(path)
        return loaded.text if isinstance(loaded, SourceFile) else None

    def _b_alias(self, run: CommandRun, args: list[Val], state: State, ctx: _Ctx) -> None:
        for arg in args:
            name, eq, value = arg.partition("=")
            if eq and isinstance(name, str) and not name.startswith("-"):
                state.aliases[name] = value

    def _b_unalias(self, run: CommandRun, args: list[Val], state: State, ctx: _Ctx) -> None:
        for arg in args:
            if arg == "-a":
                state.aliases.clear()
            if isinstance(arg, str):
                state.aliases.pop(arg, None)

    def _expand_alias(self, words: list[Word], node: Any, state: State, ctx: _Ctx, prefix: dict[str, Val]) -> bool:
        """``alias gcf='gcloud functions --project=p'`` then ``gcf deploy ...``: the alias text
        replaces the command name (expanded where it is used)."""
        name = words[0].text
        text = state.aliases.get(name, "") if isinstance(name, str) else ""
        if not isinstance(name, str) or not isinstance(text, str) or not text or self.parse_fn is None or \
                self._depth >= MAX_CALL_DEPTH:
            return False
        virtual = _FixedSpanSource(self._src.path, text, real_path=self._src.real_path)
        virtual.fixed = words[0].span
        tree = self.parse_fn(virtual)
        commands = [c for c in tree.root_node.named_children if c.type == "command"]
        if len(commands) != 1 or len(tree.root_node.named_children) != 1:
            return False
        saved = self._src
        self._src = virtual
        expanded: list[Word] = []
        try:
            for group in _word_groups(commands[0].children):
                if group[0].type == "variable_assignment":
                    return False
                fields = self._word_fields(group, state, ctx)
                if fields is None:
                    return False
                expanded.extend(Word(f, words[0].span) for f in fields)
        finally:
            self._src = saved
        if not expanded or expanded[0].text == words[0].text:
            return False
        aliases = dict(state.aliases)
        state.aliases.pop(name, None)  # an alias is not expanded inside itself
        self._depth += 1
        try:
            self._execute(expanded + words[1:], node, state, ctx, prefix)
        finally:
            self._depth -= 1
            for k, v in aliases.items():
                state.aliases.setdefault(k, v)
        return True

    def _b_mapfile(self, run: CommandRun, args: list[Val], state: State, ctx: _Ctx) -> None:
        """``mapfile -t ARR <<< "$X"`` / ``readarray``: one element per line of known input."""
        names = [a for a in args if isinstance(a, str) and re.fullmatch(r"[A-Za-z_]\w*", a)]
        name = names[-1] if names else "MAPFILE"
        text = self._stdin
        if text is None or not is_known(text):
            state.vars[name] = [unknown("list", name, self._at_run(run), text=f"${{{name}[@]}}")]
            return
        lines: list[Val] = list(text.split("\n"))
        if lines and lines[-1] == "":
            lines.pop()
        state.vars[name] = lines if "-t" in args else [concat(line, "\n") for line in lines]

    _b_readarray = _b_mapfile

    def _b_source(self, run: CommandRun, args: list[Val], state: State, ctx: _Ctx) -> None:
        if not args:
            return
        target = args[0]
        if self.loader is None or self.parse_fn is None:
            return
        path = self._resolve_source(target, state)
        if path is None:
            command = f"{show(run.name) or 'source'} {self._as_written(run, 1) or show(target)}"
            self.notes.append(Note(run.span, NOT_FOLLOWED, UNKNOWN_PATH, command=command))
            return
        if len(self._source_stack) >= MAX_SOURCE_DEPTH or path in self._source_stack:
            return
        loaded = self.loader(path)
        if not isinstance(loaded, SourceFile):  # why it is not followed (roots.py)
            self.notes.append(self._not_followed(run, target, path, state, loaded or None))
            return
        tree = self.parse_fn(loaded)
        saved_src = self._src
        saved_bs = state.vars.get("BASH_SOURCE")
        saved_pos = state.positional
        if len(args) > 1:
            state.positional = list(args[1:])
        state.vars["BASH_SOURCE"] = [path, *(saved_bs if isinstance(saved_bs, list) else [])]
        self._source_stack.append(path)
        block = Block("source")
        saved_base, saved_scope = self._scope_base, self._scope
        try:
            self._src = loaded
            self._scope_base = self._nesting
            with self._into(block):
                self._statements(tree.root_node.children, state)
        finally:
            self._scope_base, self._scope = saved_base, saved_scope
            self._src = saved_src
            self._source_stack.pop()
            state.positional = saved_pos
            if saved_bs is not None:
                state.vars["BASH_SOURCE"] = saved_bs
        self._emit(block)
        self._resume(state, ("return",))

    _b_dot = _b_source

    def _source_bases(self, state: State) -> list[str]:
        """The folders a relative ``source`` path is looked up in, in order: the script's
        working directory (its own folder unless it changed it), its folder, the linter's."""
        script = self._src.real_path or ""
        bases = []
        cwd = resolve_defaults(state.cwd)
        if is_known(cwd) and cwd:
            bases.append(cwd)
        if script:
            bases.append(posixpath.dirname(script))
        bases.append(os.path.abspath("."))
        return bases

    def _source_candidates(self, target: str, state: State) -> list[str]:
        """Where ``source target`` may find its file, in the order it looks."""
        if os.path.isabs(target):
            return [posixpath.normpath(target)]
        return [posixpath.join(base, target) for base in self._source_bases(state)]

    def _not_followed(self, run: CommandRun, target: Val, path: str, state: State, reason: str | None) -> Note:
        """The note for a sourced file that was not loaded: why (the loader's reason, else what the
        file system says), the path looked for, and where it was looked for when not found."""
        if reason is None:
            if not os.path.lexists(path):
                reason = NOT_FOUND
            elif not os.path.isfile(path):
                reason = NOT_REGULAR
            else:
                reason = NOT_READABLE
        looked_in: list[str] = []
        resolved = resolve_defaults(target)
        if reason == NOT_FOUND and not (isinstance(resolved, str) and os.path.isabs(resolved)):
            for base in self._source_bases(state):
                folder = display_path(posixpath.normpath(base)) or "."
                if folder not in looked_in:
                    looked_in.append(folder)
        return Note(run.span, NOT_FOLLOWED, reason, path=display_path(path), looked_in=tuple(looked_in),
                    command=f"{show(run.name) or 'source'} {self._as_written(run, 1) or show(target)}")

    @staticmethod
    def _as_written(run: CommandRun, index: int) -> str | None:
        """Word ``index`` of ``run`` as the script wrote it (None when that is not known)."""
        if index >= len(run.words) or isinstance(run.source, _FixedSpanSource):
            return None
        span = run.words[index].span
        if span.start_line != span.end_line:
            return None
        return run.source.line_text(span.start_line)[span.start_col - 1 : span.end_col - 1] or None

    def _resolve_source(self, target: Val, state: State) -> str | None:
        target = resolve_defaults(target)
        if not isinstance(target, str) or "\x00" in target:
            return None
        candidates = self._source_candidates(target, state)
        if len(candidates) == 1:
            return candidates[0]
        for cand in candidates:
            if os.path.isfile(cand):
                return posixpath.normpath(cand)
        return posixpath.normpath(candidates[0])

    def _b_eval(self, run: CommandRun, args: list[Val], state: State, ctx: _Ctx) -> None:
        """``eval "text"``: run the text as script here (findings point at the eval)."""
        self._run_text(join(" ", args), run, state, ctx, subshell=False)

    def _b_bash(self, run: CommandRun, args: list[Val], state: State, ctx: _Ctx) -> None:
        """``bash -c "text"``, ``bash [-e] other.sh args``, ``bash [-s] <<EOF``: run the text,
        the file or the here-document in a child shell."""
        errexit = False
        i = 0
        while i < len(args):
            arg = args[i]
            if not isinstance(arg, str):
                break  # a script named by a value the analysis cannot know
            if arg == "--":
                i += 1
                break
            if arg in ("-o", "+o") and i + 1 < len(args):
                errexit = errexit or (arg == "-o" and args[i + 1] == "errexit")
                i += 2
                continue
            if not arg.startswith(("-", "+")) or arg in ("-", "+"):
                break
            if arg.startswith("--"):
                i += 1
                continue
            if arg[0] == "-" and "e" in arg[1:]:
                errexit = True
            if "c" in arg[1:] and arg[0] == "-":
                if i + 1 < len(args):
                    self._run_text(args[i + 1], run, state, ctx, subshell=True)
                return
            if "s" in arg[1:] and arg[0] == "-":
                i = len(args) + 1  # `bash -s args`: the script is standard input
                break
            i += 1
        if i < len(args):
            self._run_child(args[i], args[i + 1 :], run, state, ctx, errexit, shebang=False)
        elif self._stdin is not None:
            self._run_stdin(self._stdin, run, state, ctx, errexit)

    _b_sh = _b_bash
    _b_dash = _b_bash

    def _run_stdin(self, text: Val, run: CommandRun, state: State, ctx: _Ctx, errexit: bool) -> None:
        """``bash <<EOF ... EOF``: the here-document is the script of a child shell; findings
        point at its lines."""
        if not isinstance(text, str) or self.parse_fn is None or self._stdin_node is None:
            self.notes.append(Note(run.span, NOT_FOLLOWED, "its standard input is not known statically",
                                   command=self._command_text(run), what="script on standard input"))
            return
        virtual = _ShiftedSource(run.source.path, text, real_path=run.source.real_path)
        virtual.rows = self._stdin_node.start_point[0]
        virtual.outer = run.source
        tree = self.parse_fn(virtual)
        child = self._child_state(state, [], errexit)
        child.vars["0"] = run.name
        self._in_child(virtual, tree, child, state, ctx, virtual.real_path or virtual.path)

    def _child_state(self, state: State, args: list[Val], errexit: bool) -> State:
        """A new shell process: it sees the exported variables, the working directory and
        gcloud's configuration; not the functions, options or traps."""
        return State(
            vars={k: v for k, v in state.vars.items() if k in state.exported},
            exported=set(state.exported),
            positional=list(args),
            errexit="on" if errexit else "off",
            cwd=state.cwd,
            props=state.props,
        )

    def _run_child(self, target: Val, args: list[Val], run: CommandRun, state: State, ctx: _Ctx,
                   errexit: bool, shebang: bool) -> None:
        """Another script run as a program (``bash x.sh a``, ``./x.sh``, ``"$DIR/x.sh"``):
        analysed as a child process with those arguments. Its deploys and bindings count; its
        variables and ``cd`` stay in it; its exit status is the command's."""
        if self.loader is None or self.parse_fn is None:
            return
        path = self._resolve_source(target, state)
        if path is None:
            self.notes.append(Note(run.span, NOT_FOLLOWED, UNKNOWN_PATH, command=self._command_text(run),
                                   what="child script"))
            return
        if len(self._source_stack) >= MAX_SOURCE_DEPTH or path in self._source_stack:
            self.truncated = True
            return
        loaded = self.loader(path)
        if not isinstance(loaded, SourceFile):
            note = self._not_followed(run, target, path, state, loaded or None)
            self.notes.append(replace(note, command=self._command_text(run), what="child script"))
            return
        tree = self.parse_fn(loaded)
        child = self._child_state(state, args, errexit or (shebang and _shebang_errexit(loaded)))
        child.vars["0"] = path
        child.vars["BASH_SOURCE"] = [path]
        self._in_child(loaded, tree, child, state, ctx, path)

    @staticmethod
    def _command_text(run: CommandRun) -> str:
        """The command as the script wrote it (its first line, shortened)."""
        span = run.span
        line = run.source.line_text(span.start_line)
        end = span.end_col - 1 if span.end_line == span.start_line else len(line)
        text = line[span.start_col - 1 : end].strip()
        return text if len(text) <= 80 else text[:77] + "..."

    def _in_child(self, source: SourceFile, tree: Any, child: State, state: State, ctx: _Ctx, path: str) -> None:
        if isinstance(child.cwd, str) and not child.cwd:
            child.cwd = state.cwd
        saved = (self._src, self._scope_base, self._scope, self._function_stack, self._local_dash,
                 self._trap_at_entry, self._stdin)
        self._source_stack.append(path)
        self._function_stack, self._local_dash, self._trap_at_entry = [], [], []
        self._stdin = None
        # A new process: its own errexit and ERR trap; its last command's status is the command's.
        child_ctx = _Ctx(ctx.status, ctx.status_span, ctx.status_reason, ctx.in_substitution, ctx.capture,
                         ignore=ctx.ignore, trap=ctx.trap, flows_out=True)
        block = Block("subshell")
        try:
            self._src = source
            self._scope_base = self._nesting
            with self._into(block):
                self._statements(tree.root_node.children, child, child_ctx)
        finally:
            (self._src, self._scope_base, self._scope, self._function_stack, self._local_dash,
             self._trap_at_entry, self._stdin) = saved
            self._source_stack.pop()
        self._emit(block)
        state.props = child.props  # `gcloud config set` in the child is on disk: it stays

    def _run_text(self, text: Val, run: CommandRun, state: State, ctx: _Ctx, subshell: bool) -> None:
        if not text or not is_known(text) or self.parse_fn is None:
            return
        virtual = _FixedSpanSource(run.source.path, text, real_path=run.source.real_path)
        virtual.fixed = run.span
        tree = self.parse_fn(virtual)
        saved = self._src
        self._src = virtual
        try:
            if subshell:
                self._in_subshell(tree.root_node.children, state, ctx)
            else:
                self._statements(tree.root_node.children, state, ctx)
        finally:
            self._src = saved

    def _output(self, ctx: _Ctx, text: Val) -> None:
        if ctx.capture is not None:
            ctx.capture.append(text)

    # ------------------------------------------------------------------ expansion
    def _expand_str(self, node: Any, state: State, ctx: _Ctx, pattern: bool = False) -> Val:
        fields = self._expand_fields(node, state, ctx, quoted=True)
        if fields is None:
            return unknown(OTHER, "expr", self._at(node), text=self.text(node))
        return join(" ", fields) if len(fields) != 1 else fields[0]

    def _expand_fields(self, node: Any, state: State, ctx: _Ctx, quoted: bool = False) -> list[Val] | None:
        """The fields a word expands to (None: an unknown number of fields)."""
        if self._nesting > MAX_NESTING:
            self._too_deep(node)
            return None
        self._nesting += 1
        try:
            fields = self._fields(node, state, ctx, quoted)
        finally:
            self._nesting -= 1
        if fields is not None and any(type(f) is Value for f in fields):
            fields = [self._label_big(f, node) for f in fields]
        return fields

    def _label_big(self, value: Val, node: Any) -> Val:
        """A value past the size cap (values.MAX_VALUE_CHARS) is shown as the word that built it."""
        if isinstance(value, Value) and len(value.parts) == 1:
            part = value.parts[0]
            if not isinstance(part, str) and part.kind == TOO_LARGE and not part.text:
                return relabel(value, self.text(node))
        return value

    def _at(self, node: Any) -> tuple[str, int, int]:
        """Where a node is, as part of an unknown's identity."""
        return (self._src.path, node.start_point[0] + 1, node.start_point[1] + 1)

    def _at_run(self, run: CommandRun) -> tuple[str, int, int]:
        return (run.source.path, run.span.start_line, run.span.start_col)

    def _fields(self, node: Any, state: State, ctx: _Ctx, quoted: bool) -> list[Val] | None:
        t = node.type
        if t in ("word", "number", "extglob_pattern", "regex", "heredoc_start", "test_operator", "variable_name",
                 "special_variable_name"):
            text = self.text(node)
            if t == "word" and "\\" in text:
                text = re.sub(r"\\(.)", r"\1", text.replace("\\\n", ""))
            return [text]
        if t == "raw_string":
            return [self.text(node)[1:-1]]
        if t == "ansi_c_string":
            body = self.text(node)[2:-1]
            return [body.replace("\\n", "\n").replace("\\t", "\t").replace("\\'", "'")]
        if t in ("string", "translated_string"):
            parts: list[Val] = []
            for child in node.named_children:
                if child.type == "string_content":
                    parts.append(re.sub(r"\\([$`\"\\\n])", r"\1", self.text(child)))
                elif child.type in ("simple_expansion", "expansion"):
                    value = self._expansion(child, state, ctx, quoted=True)
                    if isinstance(value, list):
                        # "${A[@]}": one field per element (prefix/suffix stick to the ends).
                        if len(node.named_children) == 1:
                            return value
                        parts.append(join(" ", value))
                    else:
                        parts.append(value)
                else:
                    sub = self._fields(child, state, ctx, True)
                    parts.append(join(" ", sub) if sub is not None else
                                 unknown(OTHER, "expr", self._at(child), text=self.text(child)))
            return [concat(*parts)]
        if t in ("simple_expansion", "expansion"):
            value = self._expansion(node, state, ctx, quoted=quoted)
            if isinstance(value, list):
                return value if not quoted or self._is_at(node) else [join(" ", value)]
            if quoted:
                return [value]
            return _split(value)
        if t == "command_substitution":
            output = self._substitute(node, state, ctx)
            return [output] if quoted else _split(output)
        if t == "concatenation":
            return self._concat_fields(node.children, state, ctx, quoted)
        if t == "arithmetic_expansion":
            return [self._rebuild(node, state, ctx)]
        if t == "process_substitution":
            inner = _Ctx("discarded", self.span(node), "process substitution hides the exit status",
                         ctx.in_substitution)
            self._in_subshell(node.named_children, state, inner)
            return [unknown(OTHER, "procsub", self._at(node), text=self.text(node))]
        if t == "brace_expression":
            return [self.text(node)]
        if t == "array":
            out: list[Val] = []
            for child in node.named_children:
                sub = self._fields(child, state, ctx, quoted)
                if sub is None:
                    return None
                out.extend(sub)
            return out
        return [self.text(node)]

    def _word_fields(self, group: list[Any], state: State, ctx: _Ctx) -> list[Val] | None:
        """The fields of one shell word written as several adjacent syntax nodes."""
        if len(group) == 1:
            only = group[0]
            if only.type == "command_name" and only.named_children:
                only = only.named_children[0]
            return self._expand_fields(only, state, ctx)
        return self._concat_fields(_flatten(group), state, ctx, False)

    def _join_str(self, nodes: list[Any], state: State, ctx: _Ctx) -> Val:
        """A word in an assignment (no field splitting) written as adjacent syntax nodes."""
        if len(nodes) == 1:
            return self._expand_str(nodes[0], state, ctx)
        fields = self._concat_fields(_flatten(nodes), state, ctx, True)
        if fields is None:
            return unknown(OTHER, "expr", self._at(nodes[0]), text=self.text(nodes[0]))
        return self._label_big(join(" ", fields), nodes[0])

    def _concat_fields(self, parts: list[Any], state: State, ctx: _Ctx, quoted: bool) -> list[Val] | None:
        result: list[Val] = [""]
        i = 0
        while i < len(parts):
            child = parts[i]
            i += 1
            sub: list[Val] | None
            if child.type == "$" and i < len(parts) and parts[i].type == "word":
                # tree-sitter-bash splits `$A@$B.c` after the second `$`: `$` + word `B.c`.
                text = self.text(parts[i])
                match = re.match(r"[A-Za-z_][A-Za-z0-9_]*|[0-9]", text)
                if match is not None:
                    i += 1
                    found = self._lookup(match.group(0), state)
                    written = "$" + match.group(0)
                    value = self._shown_as(found, match.group(0), written) if found is not None else \
                        unknown(ENV, match.group(0), text=written)
                    if isinstance(value, list):
                        sub = list(value) if not quoted else [join(" ", value)]
                    else:
                        sub = [value] if quoted else _split(value)
                    rest = text[match.end():]
                    if rest:
                        sub = (sub or [""])
                        sub[-1] = concat(sub[-1], re.sub(r"\\(.)", r"\1", rest))
                    if not sub:
                        continue
                    result[-1] = concat(result[-1], sub[0])
                    result.extend(sub[1:])
                    continue
            sub = self._fields(child, state, ctx, quoted=child.type in ("string", "raw_string") or quoted)
            if sub is None:
                return None
            if not sub:
                continue
            result[-1] = concat(result[-1], sub[0])
            result.extend(sub[1:])
        return result

    def _is_at(self, node: Any) -> bool:
        text = self.text(node)
        return text in ("$@", "${@}") or "[@]" in text

    def _in_subshell(self, nodes: Any, state: State, ctx: _Ctx) -> None:
        inner = state.copy()
        inner.terminated = False
        block = Block("subshell")
        with self._into(block):
            self._statements(nodes, inner, ctx.enter(ctx.shell_ignore, ctx.shell_trap and state.errtrace))
        self._emit(block)

    def _substitute(self, node: Any, state: State, ctx: _Ctx) -> Val:
        """``$(...)``: run its commands in a subshell and return what they print. What the analysis
        cannot know is shown as the substitution itself (``$(gcloud config get-value project)``)."""
        capture: list[Val] = []
        shell_ignore = ctx.shell_ignore
        if not shell_ignore and state.errexit == "on" and not state.inherit_errexit:
            shell_ignore = (f"inside the `$(...)` on line {node.start_point[0] + 1}: bash turns `set -e` off in "
                            "command substitutions unless `shopt -s inherit_errexit`")
        inner_ctx = ctx.enter(shell_ignore, ctx.shell_trap and state.errtrace, capture, True)
        inner = state.copy()
        inner.terminated = False
        block = Block("subshell")
        with self._into(block):
            self._statements(node.children, inner, inner_ctx)
        self._emit(block)
        if not capture:
            return ""
        return label_unlabelled(concat(*capture).rstrip("\n"), self.text(node))

    def _lookup(self, name: str, state: State) -> Val | list[Val] | None:
        if name.isdigit():
            n = int(name)
            if n == 0:
                return state.vars.get("0")
            if n <= len(state.positional):
                return state.positional[n - 1]
            return "" if (self._function_stack or self._source_stack) else unknown(ARG, n, text=f"${n}")
        if name == "@" or name == "*":
            return list(state.positional) if (self._function_stack or self._source_stack) else \
                [unknown(ARG, "@", text=f"${name}")]
        if name == "#":
            return str(len(state.positional)) if (self._function_stack or self._source_stack) else \
                unknown(ARG, "#", text="$#")
        if name == "?":
            for run in self._last_status:
                if run.status in ("propagates", "masked"):
                    run.status = "checked"
            return unknown(OTHER, "?", self.steps, text="$?")
        if name in ("$", "!", "-", "RANDOM", "SECONDS", "LINENO"):
            return unknown(OTHER, name, self.steps if name != "$" else 0, text=f"${name}")
        if name == "PWD":
            return state.cwd
        return state.vars.get(name)

    def _shown_as(self, value: Val | list[Val], name: str, written: str) -> Val | list[Val]:
        """A variable's value as the expansion that read it (``$URL`` for the output of ``URL=$(...)``)
        when the whole value is unknown. Positional parameters of a function keep the caller's text."""
        if not isinstance(value, Value) or len(value.parts) != 1:
            return value
        part = value.parts[0]
        if isinstance(part, str) or part.kind == RUNNER:  # a runner's `${{ ... }}` stays as written
            return value
        if name.isidentifier() or part.kind in (ARG, OTHER):
            return relabel(value, written)
        return value

    def _indirect(self, rest: list[Any], state: State, node: Any, quoted: bool) -> Val | list[Val]:
        """``${!ref}`` (the variable named by ref's value), ``${!A[@]}`` (the keys of an array)."""
        not_known = unknown(EXPANSION, "!", self._at(node), text=self.text(node))
        if len(rest) != 1:
            return not_known
        target = rest[0]
        if target.type == "subscript":
            base = target.child_by_field_name("name")
            index = target.child_by_field_name("index")
            name = self.text(base) if base is not None else ""
            if index is None or self.text(index) not in ("@", "*"):
                return not_known
            if name in state.maps:
                return list(state.maps[name])
            value = self._lookup(name, state)
            if isinstance(value, list) and not any(u.kind == "list" for i in value for u in unknowns(i)):
                return [str(i) for i in range(len(value))]
            return [not_known] if value is not None else []
        ref = self._lookup(self.text(target), state)
        if not isinstance(ref, str) or not re.fullmatch(r"[A-Za-z_]\w*|\d+", ref):
            return not_known
        found = self._lookup(ref, state)
        return found if found is not None else unknown(ENV, ref, text=f"${ref}")

    def _map_element(self, name: str, index: Any, state: State, ctx: _Ctx, node: Any) -> Val | list[Val]:
        """``${MAP[key]}``, ``${MAP[$k]}``, ``${MAP[@]}`` of an associative array."""
        entries = state.maps[name]
        if index is not None and self.text(index) in ("@", "*"):
            return list(entries.values())
        key = self._expand_str(index, state, ctx) if index is not None else "0"
        if not isinstance(key, str):
            return unknown(EXPANSION, "[]", name, key, self._at(node), text=self.text(node))
        return entries.get(key, "")

    def _length(self, target: Any, state: State, node: Any) -> Val:
        """``${#V}`` (characters) and ``${#A[@]}`` (elements) where the value is known."""
        unknown_length = unknown(EXPANSION, "#", self._at(node), text=self.text(node))
        if target.type == "subscript":
            base = target.child_by_field_name("name")
            index = target.child_by_field_name("index")
            value = self._lookup(self.text(base), state) if base is not None else None
            if index is not None and self.text(index) in ("@", "*"):
                if value is None:
                    return "0"
                items = value if isinstance(value, list) else [value]
                if any(u.kind == "list" for i in items for u in unknowns(i)):
                    return unknown_length
                return str(len(items))
            return unknown_length
        value = self._lookup(self.text(target), state)
        if value is None:
            return unknown_length
        if isinstance(value, list):
            if self.text(target) in ("@", "*"):
                return str(len(value)) if all(is_known(v) for v in value) else unknown_length
            value = value[0] if value else ""
        return str(len(value)) if is_known(value) else unknown_length

    def _expansion(self, node: Any, state: State, ctx: _Ctx, quoted: bool) -> Val | list[Val]:
        written = self.text(node)
        if node.type == "simple_expansion":
            name_node = node.named_children[0] if node.named_children else None
            simple_name = self.text(name_node) if name_node is not None else ""
            found = self._lookup(simple_name, state)
            if found is None:
                return unknown(ENV, simple_name, text=written)
            return self._shown_as(found, simple_name, written)
        # ${...}
        children = node.children
        inner = [c for c in children if c.type not in ("${", "}")]
        if not inner:
            return ""
        if inner[0].type == "#" and len(inner) == 2:  # ${#V}, ${#A[@]}
            return self._length(inner[1], state, node)
        head = inner[0]
        if head.type == "!":
            return self._indirect(inner[1:], state, node, quoted)
        value: Val | list[Val] | None
        name: str
        if head.type == "subscript":
            base = head.child_by_field_name("name")
            index = head.child_by_field_name("index")
            name = self.text(base) if base is not None else ""
            if name in state.maps:
                return self._map_element(name, index, state, ctx, node)
            arr = self._lookup(name, state)
            idx = self.text(index) if index is not None else "0"
            if index is not None and idx not in ("@", "*") and isinstance(arr, list):
                number = self._arith_value(index, state, ctx)  # ${A[$i]}, ${A[i+1]}
                idx = str(number) if number is not None and number >= 0 else idx
            if idx in ("@", "*"):
                value = arr if isinstance(arr, list) else ([arr] if arr else [])
                if arr is None:
                    value = [unknown(ENV, name, text=written)]
            elif isinstance(arr, list):
                value = arr[int(idx)] if idx.isdigit() and int(idx) < len(arr) else \
                    unknown(EXPANSION, "[]", name, idx, self._at(node), text=written)
            else:
                value = arr if idx == "0" else unknown(EXPANSION, "[]", name, idx, self._at(node), text=written)
        else:
            name = self.text(head)
            value = self._lookup(name, state)
        rest = inner[1:]
        if not rest:
            if value is None:
                return unknown(ENV, name, text=written)
            return self._shown_as(value, name, written)
        op_node = rest[0]
        op = self.text(op_node)
        arg_nodes = rest[1:]

        def arg() -> Val:
            return concat(*(self._expand_str(n, state, ctx) for n in arg_nodes))

        scalar: Val = "" if value is None else join(" ", value) if isinstance(value, list) else value
        if op in (":-", "-", ":=", "=", ":?", "?"):
            empty = value is None or (op.startswith(":") and scalar == "")
            if value is not None and not is_known(scalar) and op.startswith(":"):
                return scalar
            if empty:
                if op in (":?", "?"):
                    return unknown(ENV, name, text=written)
                default = arg()
                if value is None and is_known(default) and name.isidentifier():
                    # Unset in the script: the environment may set it. Conditions on it stay
                    # open; commands see the default (values.resolve_defaults).
                    default = unknown(ENV_DEFAULT, name, default, text=written)
                if op in (":=", "="):
                    state.vars[name] = default
                return default
            return value if value is not None else unknown(ENV, name, text=written)
        if op in (":+", "+"):
            if value is None:
                return ""
            return arg() if (scalar != "" or op == "+") else ""
        if value is None:
            scalar = unknown(ENV, name, text=f"${name}")
        if op in ("%", "%%", "#", "##"):
            pattern = arg()
            if not (is_known(scalar) and is_known(pattern)):
                return unknown(EXPANSION, op, scalar, pattern, text=written)
            return _strip(scalar, pattern, op)
        if op in (",,", "^^", ",", "^"):
            if not is_known(scalar):
                return unknown(EXPANSION, op, scalar, text=written)
            if op == ",,":
                return scalar.lower()
            if op == "^^":
                return scalar.upper()
            if op == ",":
                return scalar[:1].lower() + scalar[1:]
            return scalar[:1].upper() + scalar[1:]
        if op in ("/", "//", "/#", "/%"):
            slash = next((i for i, n in enumerate(arg_nodes) if n.type == "/"), len(arg_nodes))
            pattern = concat(*(self._expand_str(n, state, ctx) for n in arg_nodes[:slash]))
            replacement = concat(*(self._expand_str(n, state, ctx) for n in arg_nodes[slash + 1 :]))
            if not (isinstance(scalar, str) and isinstance(pattern, str) and isinstance(replacement, str)):
                return unknown(EXPANSION, op, scalar, pattern, replacement, text=written)
            return _replace(scalar, pattern, replacement, op)
        if op == ":":
            sliced = _slice(value, name, "".join(self.text(n) for n in arg_nodes))
            return sliced if sliced is not None else unknown(EXPANSION, op, self._at(node), text=written)
        return unknown(EXPANSION, op, self._at(node), text=written)


_EXIT_STRENGTH = ["break", "return", "exit", ""]

_WORD_PARTS = {"word", "concatenation", "string", "raw_string", "simple_expansion", "expansion", "number",
               "command_substitution", "ansi_c_string", "translated_string", "arithmetic_expansion",
               "variable_assignment", "command_name", "brace_expression"}


def _flatten(group: list[Any]) -> list[Any]:
    """The parts of a word written as adjacent nodes, in order."""
    parts: list[Any] = []
    for n in group:
        if n.type == "command_name":
            n = n.named_children[0] if n.named_children else n
        parts.extend(n.children if n.type == "concatenation" else [n])
    return parts


def _is_grep(node: Any) -> bool:
    """A pipeline's last part that tests what it reads (``grep -q PATTERN``)."""
    if node.type != "command":
        return False
    name = node.child_by_field_name("name")
    return name is not None and name.text in (b"grep", b"egrep", b"fgrep")


def _word_groups(nodes: Any) -> list[list[Any]]:
    """Named nodes grouped into shell words: nodes with no space between them are one word
    (tree-sitter-bash splits some words after an expansion: `$SA@$PROJECT.iam...`)."""
    groups: list[list[Any]] = []
    prev_end = -1  # the end of the previous node when it can be continued
    for n in nodes:
        t = n.type
        if t not in _WORD_PARTS:
            if n.is_named and t != "comment":
                groups.append([n])
            prev_end = -1
            continue
        if prev_end == n.start_byte and t != "variable_assignment":
            groups[-1].append(n)
        else:
            groups.append([n])
        prev_end = n.end_byte
    return groups


_ARITH_TOKEN = re.compile(r"\s*(?:(0x[0-9a-fA-F]+|\d+)|([A-Za-z_]\w*)|(\|\||&&|==|!=|<=|>=|<<|>>|\*\*|[-+*/%<>!()]))")
_ARITH_OPS = {"||": " or ", "&&": " and ", "!": " not ", "/": "//"}


def _arith(text: Val, lookup: Callable[[str], int | None]) -> int | None:
    """Bash integer arithmetic over numbers, variables (``lookup``) and the usual operators
    (None: a part is unknown or not understood)."""
    import ast

    if not is_known(text):
        return None
    out: list[str] = []
    pos = 0
    while pos < len(text):
        if not text[pos:].strip():
            break
        match = _ARITH_TOKEN.match(text, pos)
        if match is None:
            return None
        pos = match.end()
        number, name, op = match.groups()
        if number is not None:
            out.append(str(int(number, 0)) if number.startswith("0x") else str(int(number)))
        elif name is not None:
            value = lookup(name)
            if value is None:
                return None
            out.append(f"({value})")
        else:
            out.append(_ARITH_OPS.get(op, op))
    if not out:
        return 0
    try:
        tree = ast.parse("".join(out), mode="eval")
    except SyntaxError:
        return None

    def ev(n: ast.AST) -> int:
        if isinstance(n, ast.Expression):
            return ev(n.body)
        if isinstance(n, ast.Constant) and isinstance(n.value, int):
            return int(n.value)
        if isinstance(n, ast.UnaryOp):
            v = ev(n.operand)
            return -v if isinstance(n.op, ast.USub) else v if isinstance(n.op, ast.UAdd) else int(not v)
        if isinstance(n, ast.BoolOp):
            vals = [ev(v) for v in n.values]
            return int(all(vals)) if isinstance(n.op, ast.And) else int(any(vals))
        if isinstance(n, ast.Compare) and len(n.ops) == 1:
            a, b = ev(n.left), ev(n.comparators[0])
            cmp = {ast.Lt: a < b, ast.LtE: a <= b, ast.Gt: a > b, ast.GtE: a >= b, ast.Eq: a == b, ast.NotEq: a != b}
            return int(cmp[type(n.ops[0])])
        if isinstance(n, ast.BinOp):
            a, b = ev(n.left), ev(n.right)
            if isinstance(n.op, (ast.FloorDiv, ast.Mod)) and b == 0:
                raise ValueError("division by zero")
            if isinstance(n.op, ast.Pow) and (b < 0 or b > 64):
                raise ValueError("exponent")
            if isinstance(n.op, (ast.LShift, ast.RShift)) and not 0 <= b < 64:
                raise ValueError("shift")
            ops: dict[type, Callable[[int, int], int]] = {
                ast.Add: lambda x, y: x + y, ast.Sub: lambda x, y: x - y, ast.Mult: lambda x, y: x * y,
                ast.FloorDiv: lambda x, y: int(x / y), ast.Mod: lambda x, y: x - int(x / y) * y,
                ast.Pow: lambda x, y: x ** y, ast.LShift: lambda x, y: x << y, ast.RShift: lambda x, y: x >> y}
            if type(n.op) in ops:
                return ops[type(n.op)](a, b)
        raise ValueError("not arithmetic")

    try:
        result = ev(tree)
    except (ValueError, KeyError, RecursionError):
        return None
    return result if -(2 ** 63) <= result < 2 ** 63 else None


def _shell_words(text: str) -> list[str]:
    import shlex

    try:
        return shlex.split(text, comments=False)
    except ValueError:
        return text.split()


def _read_fields(line: str, ifs: str | None, count: int) -> list[str]:
    """How ``read a b c`` splits a line: by IFS, the last name takes the rest."""
    if ifs is None:
        ifs = " \t\n"
    white = "".join(c for c in ifs if c in " \t\n")
    if not ifs:
        return [line] + [""] * (count - 1)
    line = line.strip(white) if white else line
    out: list[str] = []
    rest = line
    pattern = re.compile(f"[{re.escape(white)}]*[{re.escape(ifs)}][{re.escape(white)}]*|[{re.escape(white)}]+"
                         if white else f"[{re.escape(ifs)}]")
    while len(out) < count - 1 and rest:
        match = pattern.search(rest)
        if match is None:
            break
        out.append(rest[: match.start()])
        rest = rest[match.end():]
    out.append(rest)
    return out + [""] * (count - len(out))


def _drop_prefix(value: Val, n: int) -> Val:
    """``value`` without its first ``n`` characters (which are literal text)."""
    if isinstance(value, str):
        return value[n:]
    rest = list(parts(value))
    first = rest[0]
    assert isinstance(first, str) and len(first) >= n
    return concat(first[n:], *(p if isinstance(p, str) else Value((p,), p.size) for p in rest[1:]))


def _replace(value: str, pattern: str, replacement: str, op: str) -> str:
    """``${V/pat/rep}`` (first match), ``${V//pat/rep}`` (every match), ``${V/#pat/rep}`` (at the
    start), ``${V/%pat/rep}`` (at the end): the longest match of the glob pattern, as bash does."""
    if not pattern:
        return value
    n = len(value)
    if op == "/#":
        for j in range(n, -1, -1):
            if fnmatch.fnmatchcase(value[:j], pattern):
                return replacement + value[j:]
        return value
    if op == "/%":
        for i in range(0, n + 1):
            if fnmatch.fnmatchcase(value[i:], pattern):
                return value[:i] + replacement
        return value
    out: list[str] = []
    i = 0
    while i <= n:
        match_end = next((j for j in range(n, i, -1) if fnmatch.fnmatchcase(value[i:j], pattern)), None)
        if match_end is None:
            if i < n:
                out.append(value[i])
            i += 1
            continue
        out.append(replacement)
        i = match_end
        if op == "/":
            out.append(value[i:])
            return "".join(out)
    return "".join(out)


def _printf(fmt: str, args: list[str]) -> str | None:
    """What ``printf FORMAT ARGS...`` prints for the formats deploy scripts use (``%s``, ``%d``,
    ``%%``, ``\\n``, ``\\t``), reusing the format until the arguments run out (None: not modelled)."""
    spec = re.compile(r"%(-?\d*)([sdi%])")
    if re.search(r"%(?!-?\d*[sdi%])", fmt):
        return None
    fmt = fmt.replace("\\n", "\n").replace("\\t", "\t").replace("\\\\", "\\")
    pieces = spec.split(fmt)  # text, width, kind, text, width, kind, ..., text
    out: list[str] = []
    rest = list(args)
    while True:
        used = 0
        for i, piece in enumerate(pieces):
            if i % 3 == 0:
                out.append(piece)
                continue
            if i % 3 == 1:
                continue
            if piece == "%":
                out.append("%")
                continue
            arg = rest[used] if used < len(rest) else ""
            used += 1
            if piece in "di":
                if not re.fullmatch(r"-?\d+", arg or "0"):
                    return None
                arg = str(int(arg or "0"))
            width = pieces[i - 1]
            if width:
                w = int(width)
                arg = arg.ljust(-w) if w < 0 else arg.rjust(w)
            out.append(arg)
        rest = rest[used:]
        if not rest or used == 0:
            return "".join(out)


def _strip(value: str, pattern: str, op: str) -> str:
    if op in ("%", "%%"):
        rng = range(len(value), -1, -1) if op == "%" else range(0, len(value) + 1)
        for i in rng:
            if fnmatch.fnmatchcase(value[i:], pattern):
                return value[:i]
        return value
    rng = range(0, len(value) + 1) if op == "#" else range(len(value), -1, -1)
    for i in rng:
        if fnmatch.fnmatchcase(value[:i], pattern):
            return value[i:]
    return value


def _shebang_errexit(source: SourceFile) -> bool:
    first = source.line_text(1)
    return first.startswith("#!") and re.search(r"\s-[a-zA-Z]*e", first) is not None


class _ShiftedSource(SourceFile):
    """A here-document run by a shell: its lines are lines of the file that holds it."""

    rows: int = 0
    outer: SourceFile | None = None

    def span(self, start: tuple[int, int], end: tuple[int, int]) -> Span:
        return Span(self.path, start[0] + self.rows + 1, start[1] + 1, end[0] + self.rows + 1, end[1] + 1)


class _FixedSpanSource(SourceFile):
    """Text run by ``eval`` or ``bash -c``: every span is the span of that command."""

    fixed: Span

    def span(self, start: tuple[int, int], end: tuple[int, int]) -> Span:
        return self.fixed


def _slice(value: Val | list[Val] | None, name: str, spec: str) -> Val | list[Val] | None:
    """``${V:offset[:length]}``, ``${@:offset[:length]}``, ``${A[@]:offset[:length]}`` with
    literal numbers (None when they are not plain numbers or the value is unknown)."""
    match = re.fullmatch(r"\s*(\d+)\s*(?::\s*(\d+)\s*)?", spec)
    if match is None or value is None:
        return None
    offset = int(match.group(1))
    length = int(match.group(2)) if match.group(2) is not None else None
    if isinstance(value, list):
        if name in ("@", "*"):
            offset = max(offset - 1, 0)  # ${@:1} starts at $1 ($0 is offset 0)
        items = value[offset:]
        return items[:length] if length is not None else items
    if not is_known(value):
        return None
    text = value[offset:]
    return text[:length] if length is not None else text


def _split(value: Val) -> list[Val]:
    if is_known(value):
        return value.split()  # type: ignore[return-value]
    return [value]


def _skeleton(value: Val) -> str:
    """``value`` with each unknown part replaced by a NUL, which no arithmetic or name pattern
    matches (for parsing only, never shown)."""
    return value if isinstance(value, str) else "".join(p if isinstance(p, str) else "\0" for p in value.parts)


def _builtin_attr(name: Val) -> str:
    if not isinstance(name, str):
        return "__none__"
    if name == ":":
        return "colon"
    if name == ".":
        return "dot"
    if name == "[" or name == "test":
        return "true"
    return name if name.isidentifier() else "__none__"
