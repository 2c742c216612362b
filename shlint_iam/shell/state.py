"""What the interpreter keeps: one path's ``State``, the context a statement runs in (``_Ctx``), the
bounds on its work, and how the states of paths that meet are joined."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ..model import Span
from ..records import record
from ..source import SourceFile
from .arms import Arms
from .notes import Note
from .trace import Block, CommandRun, Word
from .values import (
    JOIN,
    Val,
    unknown,
)

MAX_STEPS = 40_000  # statements and commands interpreted, in all


MAX_INLINES_PER_FUNCTION = MAX_STEPS  # no count of its own: inlining is capped by work (MAX_STEPS)


# Function calls inlined inside one another (recursion included). A call past it is not
# inlined and the analysis is incomplete; a call that would repeat a running one is a cycle,
# not depth (frames.py).
MAX_CALL_DEPTH = 24


MAX_NESTING = 300


MAX_UNROLL = 128


# Files (`source`, child scripts) followed inside one another. A file past it is not followed
# and the analysis is incomplete; a file already being followed is a cycle and is not followed
# again (bash re-reads it; an include guard makes that a no-op).
MAX_SOURCE_DEPTH = 8


# A key of ``State.props``: code the analysis could not read (a `source` or child script not
# followed) ran on this path, and may have set any gcloud property (`gcloud config set`,
# `export CLOUDSDK_RUN_REGION=...`). Checks that need a property to be unset consult it.
UNSEEN_CODE = "(code not followed)"


@record()
class FunctionDef:
    """A function the script defined."""

    name: str
    body: Any  # tree-sitter node
    source: SourceFile

    def __init__(self, name: str, body: Any, source: SourceFile) -> None:
        self.name = name
        self.body = body
        self.source = source


@record()
class State:
    """What one path of the script knows at one point."""

    vars: dict[str, Val | list[Val]]
    exported: set[str]
    funcs: dict[str, FunctionDef]
    positional: list[Val]
    errexit: str
    pipefail: bool
    err_trap: bool
    errtrace: bool  # `set -E`: functions, subshells and $(...) inherit the ERR trap
    inherit_errexit: bool  # `shopt -s inherit_errexit`: $(...) keeps `set -e`
    allexport: bool  # `set -a`: every variable assigned is exported
    maps: dict[str, dict[str, Val]]  # associative arrays (`declare -A`)
    attrs: dict[str, str]  # attribute letters (`readonly`, `declare -i`...)
    lastpipe: bool  # `shopt -s lastpipe`: a pipeline's last command runs in this shell
    aliases: dict[str, Val]
    expand_aliases: bool  # `shopt -s expand_aliases` (off in scripts by default)
    cwd: Val
    # Settings that command models keep (gcloud config properties), merged like variables.
    props: dict[str, Val]
    # Variables that hold what commands printed (`out=$(gcloud ...)`): name -> (the value assigned,
    # the commands whose output it is). An entry counts while the variable still has that value.
    outputs: dict[str, tuple[object, tuple[CommandRun, ...]]]
    terminated: bool  # every path through here has exited
    exit_kind: str  # what ended it: "break", "return" or "exit"

    def __init__(
        self,
        vars: dict[str, Val | list[Val]] | None = None,
        exported: set[str] | None = None,
        funcs: dict[str, FunctionDef] | None = None,
        positional: list[Val] | None = None,
        errexit: str = "off",
        pipefail: bool = False,
        err_trap: bool = False,
        errtrace: bool = False,
        inherit_errexit: bool = False,
        allexport: bool = False,
        maps: dict[str, dict[str, Val]] | None = None,
        attrs: dict[str, str] | None = None,
        lastpipe: bool = False,
        aliases: dict[str, Val] | None = None,
        expand_aliases: bool = False,
        cwd: Val = "",
        props: dict[str, Val] | None = None,
        outputs: dict[str, tuple[object, tuple[CommandRun, ...]]] | None = None,
        terminated: bool = False,
        exit_kind: str = "",
    ) -> None:
        self.vars = {} if vars is None else vars
        self.exported = set() if exported is None else exported
        self.funcs = {} if funcs is None else funcs
        self.positional = [] if positional is None else positional
        self.errexit = errexit
        self.pipefail = pipefail
        self.err_trap = err_trap
        self.errtrace = errtrace
        self.inherit_errexit = inherit_errexit
        self.allexport = allexport
        self.maps = {} if maps is None else maps
        self.attrs = {} if attrs is None else attrs
        self.lastpipe = lastpipe
        self.aliases = {} if aliases is None else aliases
        self.expand_aliases = expand_aliases
        self.cwd = cwd
        self.props = {} if props is None else props
        self.outputs = {} if outputs is None else outputs
        self.terminated = terminated
        self.exit_kind = exit_kind
        # ``funcs`` is shared, copy on write: copies of a state and the call frames (frames.py)
        # hold the same dict until one of them defines or unsets a function (``own_funcs``).
        # Functions are defined far less often than states are copied, and a script of 50,000
        # lines has thousands of them.
        self._funcs_shared = False

    def own_funcs(self) -> dict[str, FunctionDef]:
        """``funcs``, to change in place: a copy of it first if it is shared."""
        if self._funcs_shared:
            self.funcs = dict(self.funcs)
            self._funcs_shared = False
        return self.funcs

    def shared_funcs(self) -> dict[str, FunctionDef]:
        """``funcs``, to keep as it is now: it stays so (this state copies it before a change)."""
        self._funcs_shared = True
        return self.funcs

    def copy(self) -> State:
        self._funcs_shared = True
        state = State(
            vars=dict(self.vars),
            exported=set(self.exported),
            funcs=self.funcs,
            positional=list(self.positional),
            errexit=self.errexit,
            pipefail=self.pipefail,
            err_trap=self.err_trap,
            errtrace=self.errtrace,
            inherit_errexit=self.inherit_errexit,
            allexport=self.allexport,
            maps=dict(self.maps),  # each map is replaced, never changed in place
            attrs=dict(self.attrs) if self.attrs else {},
            lastpipe=self.lastpipe,
            aliases=dict(self.aliases),
            expand_aliases=self.expand_aliases,
            cwd=self.cwd,
            props=dict(self.props),
            outputs=dict(self.outputs) if self.outputs else {},
            terminated=self.terminated,
            exit_kind=self.exit_kind,
        )
        state._funcs_shared = True
        return state


# A command model (gcloud) sees each executed command and the state; it may record facts on
# the run, change ``state.props``, and return the command's standard output (None: unknown).
CommandHook = Callable[[CommandRun, State], "Val | None"]


class _Stop(Exception):
    """The command budget is spent: stop interpreting."""


class _BadSubstitution(Exception):  # noqa: N818 - bash's own name for it
    """``${$NAME}``, ``${$1}``: bash cannot expand it. The command that expands it does not run
    (status 1) and bash drops the rest of the statement it is in, up to the file's top level
    (a sourced file's own); under ``set -e`` the script exits. Raised by the expansion, handled
    by the statement that runs it (:meth:`Interpreter._statement`)."""

    def __init__(self, node: Any) -> None:
        super().__init__()
        self.node = node


@record()
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
    status_via: str = ""  # how a discarded or masked status is lost (trace.VIA_*)
    in_substitution: bool = False
    capture: list[Val] | None = None  # collects standard output inside $(...)
    ignore: str = ""
    shell_ignore: str = ""
    trap: bool = True
    shell_trap: bool = True
    flows_out: bool = False

    def __init__(
        self,
        status: str = "propagates",
        status_span: Span | None = None,
        status_reason: str = "",
        status_via: str = "",
        in_substitution: bool = False,
        capture: list[Val] | None = None,
        ignore: str = "",
        shell_ignore: str = "",
        trap: bool = True,
        shell_trap: bool = True,
        flows_out: bool = False,
    ) -> None:
        self.status = status
        self.status_span = status_span
        self.status_reason = status_reason
        self.status_via = status_via
        self.in_substitution = in_substitution
        self.capture = capture
        self.ignore = ignore
        self.shell_ignore = shell_ignore
        self.trap = trap
        self.shell_trap = shell_trap
        self.flows_out = flows_out

    def other(self) -> _Ctx:
        """The context of a statement that is not the last of its list."""
        return _Ctx("propagates", None, "", "", self.in_substitution, self.capture, self.shell_ignore,
                     self.shell_ignore, self.shell_trap, self.shell_trap)

    def condition(self, reason: str) -> _Ctx:
        """An ``if``/``while``/``until`` condition: its status is tested; errexit and the ERR
        trap are off for everything it runs."""
        return _Ctx("checked", None, "", "", self.in_substitution, self.capture, reason, reason, False, False)

    def consumed(self, status: str, span: Span | None, status_reason: str, status_via: str, reason: str) -> _Ctx:
        """The left of ``||`` whose status is checked (``|| exit``) or thrown away (``|| true``)."""
        return _Ctx(status, span, status_reason, status_via, self.in_substitution, self.capture, reason, reason,
                    False, False)

    def ignored(self, reason: str) -> _Ctx:
        """Left of ``&&`` (and under ``!``): the status goes where the list's goes, but errexit
        does not act on it at this level; everything it runs has errexit ignored."""
        if self.flows_out or self.status != "propagates":
            return self.passing(reason)
        return _Ctx("propagates", None, "", "", self.in_substitution, self.capture, reason, reason, False, False)

    def passing(self, reason: str) -> _Ctx:
        """A statement whose status is this one's (it goes where this statement's goes: errexit
        and the ERR trap act on it as on this one); everything it runs has errexit ignored."""
        return _Ctx(self.status, self.status_span, self.status_reason, self.status_via, self.in_substitution,
                    self.capture, self.ignore, reason, self.trap, False, self.flows_out)

    def enter(self, shell_ignore: str, shell_trap: bool, capture: list[Val] | None = None,
              in_substitution: bool | None = None) -> _Ctx:
        """The body of a function, subshell or ``$(...)``: its last statement's status leaves it."""
        return _Ctx(self.status, self.status_span, self.status_reason, self.status_via,
                    self.in_substitution if in_substitution is None else in_substitution,
                    self.capture if capture is None else capture, self.ignore, shell_ignore, self.trap,
                    shell_trap, True)

    def capturing(self, capture: list[Val] | None) -> _Ctx:
        """The same context with standard output collected in ``capture`` (None: not collected).
        Built directly: ``dataclasses.replace`` costs several microseconds and runs per command."""
        return _Ctx(self.status, self.status_span, self.status_reason, self.status_via, self.in_substitution, capture,
                    self.ignore, self.shell_ignore, self.trap, self.shell_trap, self.flows_out)


def _merge_dicts(dicts: list[dict[str, Any]], where: str, arms: Arms | None = None) -> dict[str, Any]:
    """Join the variables of several paths: a value that differs (or is unset on some path)
    becomes an unknown named after the variable and the join point; with ``arms``, each
    branch's value is recorded for it (shell/arms.py). Branch states are copies of one state, so
    unchanged values are the same objects and are skipped cheaply."""
    first = dicts[0]
    merged = dict(first)
    differing: dict[str, None] = {}  # ordered: the first path's keys, then the others' new ones
    for other in dicts[1:]:
        if other is first:
            continue
        for key, value in other.items():
            mine = first.get(key)
            if mine is not value and mine != value:
                differing[key] = None
        for key in first:
            if key not in other:
                differing[key] = None
    for key in differing:
        joined = unknown(JOIN, key, where, text=f"${key}")
        merged[key] = joined
        if arms is not None:
            values = tuple(d.get(key) for d in dicts)
            if None not in values:  # unset on a path: its value there is the environment's, not known
                arms.record(joined.parts[0], values)  # type: ignore[arg-type]
    return merged


# "abort": a bad substitution without `set -e` (_BadSubstitution): the rest of the top-level statement is dropped
_EXIT_STRENGTH = ["break", "return", "abort", "exit", ""]

# A file the script writes with `> FILE` or `>> FILE` (control.py): the number of commands run
# before, the target, the directory it was written from, the text written (None: not known) and
# whether it was appended (`>>`).
FileWrite = tuple[int, Val, Val, "Val | None", bool]


class Machine:
    """What every part of the interpreter shares (set up by ``Interpreter.__init__``). The parts
    are mixins of one class: a method of one part calls the others through ``self``."""

    hook: CommandHook | None
    loader: Callable[[str], SourceFile | str | None] | None
    parse_fn: Callable[[SourceFile], Any] | None
    steps: int
    truncated: bool
    exhausted: bool
    notes: list[Note]
    commands: list[CommandRun]
    file_writes: list[FileWrite] | None
    _out: Block
    _src: SourceFile
    _main_path: str
    _depth: int
    _inlined: dict[str, int]
    _nesting: int
    _source_stack: list[str]
    _own_args: int
    _function_stack: list[str]
    _call_words: list[tuple[list[Word], SourceFile]]
    _call_anchor: tuple[Span, SourceFile] | None
    _branches: int  # undecided branches (Choice) the path being interpreted is inside
    _ended: int  # joins so far in which a branch had left (return, exit, break)
    _bounds_hit: set[str]  # the bounds already noted (each is noted once)
    _last_status: list[CommandRun]
    _stdin: Val | None
    _stdin_node: Any
    _local_dash: list[bool]
    _trap_at_entry: list[bool]
    _return_ctx: list[_Ctx]
    _passing_status: _Ctx | None
    _builtin_prefix: dict[str, Val] | None
    _pipe_masked: list[CommandRun]
    _scope: tuple[int, int]
    _scope_base: int
    _output_sources: list[list[CommandRun]]
    _gate: str
    _endless: list[bool]
    _arms: Arms
    _chosen: dict[object, int]
    _variant_group: int
    _guards: list[tuple[str, object, bool]]
    _returns: list[list[State]]
    _plans: dict[Any, Any]  # each simple command's and expansion's syntax, read once (commands.py, words.py)

    if TYPE_CHECKING:
        def __getattr__(self, name: str) -> Any: ...
