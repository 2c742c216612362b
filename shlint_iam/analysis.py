"""From a source file to what the rules ask about: syntax errors, executed commands and gcloud facts."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from functools import lru_cache
from typing import Any

from .config import Config
from .files import display_path
from .lazyre import lazy
from .model import Span
from .parse import ParseIncomplete, parse, parse_bytes, syntax_errors
from .reach import Unreached, unreached_functions
from .records import record
from .roots import Roots, roots_for
from .shell.interpreter import Interpreter
from .shell.notes import TOO_DEEP, Note
from .shell.trace import (
    VIA_EXIT_STATUS,
    Block,
    Choice,
    CommandRun,
    Exit,
    Node,
    final_runs_in,
    left_of_and,
    walk_commands,
)
from .source import SourceFile, decode


@record()
class Analysis:
    """What the analysis of one file found: what ran, the gcloud facts, what it could not follow."""

    source: SourceFile
    syntax_errors: list[tuple[Span, str]]
    commands: list[CommandRun]  # every executed command, in run order
    facts: list[Any]  # gcloud facts in run order
    trace: Block  # what ran, path by path (default: an empty script block)
    notes: list[Note]  # what the analysis could not follow
    truncated: bool  # a work bound was reached
    exhausted: bool  # the step budget ran out before the end of the script
    incomplete: list[str]  # bounds hit in followed text: not analysed
    unreached: list[Unreached]  # functions never run that hold deploys (SH002)
    # Every other file the analysis asked for, by ``"s:PATH"`` (loaded as a sourced file, child
    # script or data file) or ``"r:PATH"`` (read as bytes by the gcloud model): what it got, the
    # bytes or why it was not followed. The result cache (cache.py) keys a file's result on these.
    reads: dict[str, bytes | str]

    def __init__(
        self,
        source: SourceFile,
        syntax_errors: list[tuple[Span, str]] | None = None,
        commands: list[CommandRun] | None = None,
        facts: list[Any] | None = None,
        trace: Block | None = None,
        notes: list[Note] | None = None,
        truncated: bool = False,
        exhausted: bool = False,
        incomplete: list[str] | None = None,
        unreached: list[Unreached] | None = None,
        reads: dict[str, bytes | str] | None = None,
    ) -> None:
        self.source = source
        self.syntax_errors = [] if syntax_errors is None else syntax_errors
        self.commands = [] if commands is None else commands
        self.facts = [] if facts is None else facts
        self.trace = Block("script") if trace is None else trace
        self.notes = [] if notes is None else notes
        self.truncated = truncated
        self.exhausted = exhausted
        self.incomplete = [] if incomplete is None else incomplete
        self.unreached = [] if unreached is None else unreached
        self.reads = {} if reads is None else reads

    def release(self) -> None:
        """Break the reference cycles the analysis holds, once nothing will read it again: each
        gcloud fact names the command it came from (``fact.run``) and each command lists its
        facts, so without this a dropped analysis is freed only by a full run of Python's cyclic
        garbage collector, and every file's trace stays in memory until then (each of those
        collections then walks all of them: 10-15% of a serial run over many files)."""
        for run in self.commands:
            run.facts = []
        self.facts = []

    @property
    def incomplete_reasons(self) -> list[str]:
        """Why the analysis of this file did not complete (empty: it did): a bound hit in
        followed text, the step budget, nesting, calls or files past the interpreter's bounds, an
        endless recursion. Findings of an incomplete analysis are still reported, but the file
        is never counted as passing."""
        reasons = list(self.incomplete)
        if self.exhausted:
            reasons.append("stopped at its work bound (very long or deeply nested script); what follows was not "
                           "analysed")
        for deep in (n for n in self.notes if n.kind == TOO_DEEP):
            reasons.append(f"{deep.reason} at line {deep.span.start_line} of {deep.span.path}: not analysed")
        return reasons


@lru_cache(maxsize=256)
def _load_cached(path: str, mtime: float, size: int, roots: Roots) -> SourceFile | str:
    raw = roots.read(path)
    if isinstance(raw, str):
        return raw
    return SourceFile.from_bytes(display_path(path), raw, real_path=path)


def load_sourced(path: str, roots: Roots) -> SourceFile | str:
    """A file named by `source` (read once per run), or why it is not followed (see roots.py)."""
    ok, reason = roots.may_follow(path)
    if not ok:
        return reason
    try:
        info = os.stat(path)
    except OSError:
        return "not found"
    return _load_cached(path, info.st_mtime, info.st_size, roots)


def recording_readers(
    roots: Roots, reads: dict[str, bytes | str]
) -> tuple[Callable[[str], SourceFile | str], Callable[[str], bytes | str]]:
    """The interpreter's loader and the gcloud model's reader under ``roots``, each noting in
    ``reads`` what it got for every path asked (see :attr:`Analysis.reads`)."""

    def loader(path: str) -> SourceFile | str:
        loaded = load_sourced(path, roots)
        reads.setdefault("s:" + path, loaded.data if isinstance(loaded, SourceFile) else loaded)
        return loaded

    def read_file(path: str) -> bytes | str:
        data = roots.read(path)
        reads.setdefault("r:" + path, data)
        return data

    return loader, read_file


def reread(key: str, roots: Roots) -> bytes | str:
    """What the reader named by ``key`` (a key of :attr:`Analysis.reads`) gets now: the same
    bytes (for a loaded file, its text as ``SourceFile.data``) or the same reason, read directly
    (a changed file must be seen, whatever load_sourced's memory of it)."""
    kind, _, path = key.partition(":")
    raw = roots.read(path)
    if kind == "s" and isinstance(raw, bytes):
        return decode(raw).encode("utf-8", "surrogatepass")
    return raw


def roots_of(source: SourceFile, config: Config) -> Roots:
    """Where the files ``source`` names may be followed (its project root, --source-path)."""
    return roots_for(source.real_path, config.path, config.source_path)


# `source f`, `. f`, and other scripts run as programs (`bash f.sh`, `./f.sh`, `"$DIR/f.sh"`).
_SOURCES_FILE = lazy(r"(?m)(?:^|[\s;&|(])(?:source|\.|bash|sh|dash)\s+\S|\.sh\b|(?:^|[\s;&|(\"'])\.\.?/")


def runs_gcloud(text: str) -> bool:
    """Whether interpreting ``text`` can reach a gcloud command: it names gcloud, or it sources
    or runs another file (which may). The built-in rules are about gcloud commands only, so a script
    that does neither needs no interpretation (most shell scripts on a machine are like that)."""
    return "gcloud" in text or _SOURCES_FILE().search(text) is not None


def _bounded_parse(incomplete: list[str]) -> Any:
    """``parse`` for text the interpreter follows (sourced files, eval, bash -c): past a parse
    bound the text is taken as empty and the bound is recorded (the analysis is incomplete)."""

    def parse_followed(followed: SourceFile) -> Any:
        try:
            return parse(followed)
        except ParseIncomplete as exc:
            incomplete.append(f"{followed.path}: {exc}")
            return parse_bytes(b"")

    return parse_followed


def analyse(source: SourceFile, config: Config, every_command: bool = False) -> Analysis:
    """Parse and interpret ``source``. ``every_command``: interpret even a script that never
    reaches gcloud (plugin rules may look at any command)."""
    from .frontends.document import build
    from .gcloud.model import GcloudModel

    document = build(source)
    if document is not None:
        return _analyse_document(source, document, config, every_command)
    tree = parse(source)
    if not every_command and not runs_gcloud(source.text):
        return Analysis(source=source, syntax_errors=syntax_errors(source, tree))
    roots = roots_of(source, config)
    incomplete: list[str] = []
    reads: dict[str, bytes | str] = {}
    loader, read_file = recording_readers(roots, reads)
    model = GcloudModel(default_region=config.default_region, read_file=read_file)
    interpreter = Interpreter(hook=model, loader=loader, parse=_bounded_parse(incomplete))
    model.runs = interpreter.commands
    # `run services replace FILE`, `set-iam-policy RESOURCE FILE` and `workflows deploy --source FILE`
    # read FILE: the script's writes matter
    text = source.text
    if "replace" in text or "set-iam-policy" in text or "workflows" in text:
        model.writes = interpreter.file_writes = []
    elif "source" in text or _DOT_COMMAND().search(text) is not None:
        # `cat > env.sh <<EOF ... EOF` then `source env.sh`: the sourced file is the text written
        interpreter.file_writes = []
    trace, _ = interpreter.run(source, tree)
    _exit_status_check(trace, source, tree)
    commands = interpreter.commands
    facts = [fact for run in commands for fact in run.facts]
    return Analysis(
        source=source,
        syntax_errors=syntax_errors(source, tree),
        commands=commands,
        facts=facts,
        trace=trace,
        notes=interpreter.notes + model.notes,
        truncated=interpreter.truncated,
        exhausted=interpreter.exhausted,
        incomplete=incomplete,
        # After an early stop everything later looks unreached: the incomplete analysis says it.
        unreached=[] if interpreter.exhausted else unreached_functions(source, tree, commands, interpreter.aborted_in),
        reads=reads,
    )


_DOT_COMMAND = lazy(r"(?m)(?:^|[\s;&|({])\.[ \t]+[^\s.]")
EXIT_STATUS_REASON = "its status is the script's exit status (the last command it runs)"
_TRAILER = lazy(r"(?:[ \t]*(?:#[^\n]*)?\n)*[ \t]*(?:#[^\n]*)?")


def _exit_status_check(trace: Block, source: SourceFile, tree: Any) -> None:
    """The last command a script runs, with nothing after it on any path, gives the script its exit
    status: its failure is the script's failure, which whoever runs the script (CI, a caller with
    `set -e`) sees, so it is checked even without `set -e` (as a CI step's last command is,
    frontends/embedded.py). When the last statement splits (`if`, `case`), that is the last command
    of each of its branches (:func:`final_runs`); not on a path where an ``exit N``/``return N``
    ends it, nor when the script goes on after its top-level statement (assignments and tests
    leave no command behind: only comments may follow). In a last statement
    `gcloud ... && echo done`, the step left of `&&` is checked too: when it fails, its status is
    the list's, and the script's; so is every part of a last pipeline under `set -o pipefail`
    (`gcloud ... | tee log`). A child script run there (`./child.sh`, `... && ./child.sh && ...`)
    passes on its own exit status the same way: the same end of the child is checked too."""
    for checked in _tail_runs(trace, source, tree):
        checked.status = "checked"
        checked.status_reason = EXIT_STATUS_REASON
        checked.status_via = VIA_EXIT_STATUS


def _tail_runs(trace: Block, source: SourceFile, tree: Any) -> list[CommandRun]:
    """The runs whose failure is the exit status of the file ``source`` (see _exit_status_check),
    from ``trace``, what it ran. What another file ran (a child script, a sourced file, a function
    of another file) stands for the command of this file that ran it; when the exit status reaches
    that command, the same end of the other file is followed in turn (:func:`_child_tail`)."""
    path = source.path
    marked: list[CommandRun] = []
    invokers: list[tuple[CommandRun, Block]] = []
    for run, inner in final_runs_in(trace, path):
        if run.status != "propagates":
            continue
        end = run.scope[1]
        lines = source.text.split("\n", end)
        if len(lines) > end and not _TRAILER().fullmatch(lines[end]):
            continue  # something follows the statement at the top level of the script
        if inner is not None:
            invokers.append((run, inner))
        if run.errexit != "on":  # (under `set -e` it is checked anyway: its status is left as it is)
            marked.append(run)
    if marked:
        statement = next((n for n in reversed(tree.root_node.children) if n.is_named and n.type != "comment"), None)
        if statement is not None and statement.type == "redirected_statement":
            # `a && b | c >& /dev/null`: tree-sitter puts the list inside the redirection
            statement = statement.child_by_field_name("body") or statement
        pipe = statement
        if statement is not None and statement.type == "list":  # `a && b`, not a loop or a function's body
            pipe = next((n for n in reversed(statement.children) if n.is_named and n.type != "comment"), None)
        pipe_span = None
        if pipe is not None and pipe.type == "pipeline":  # `gcloud ... | tee log` under pipefail
            pipe_span = source.span(pipe.start_point, pipe.end_point)
        if statement is not None and statement.type in ("list", "pipeline"):
            span = source.span(statement.start_point, statement.end_point)
            if span.contains(marked[0].span):
                seen = False
                inner_nodes: list[CommandRun | Exit] = []  # another file's, run after the node met next
                for node in _backwards(trace):
                    if node.span.path != path:
                        inner_nodes.append(node)
                        continue
                    if isinstance(node, CommandRun):
                        if not seen:
                            seen = node is marked[0]
                        elif not span.contains(node.span):
                            break
                        elif node.status == "propagates" and node.errexit != "on" and (
                                left_of_and(node) or (pipe_span is not None and node.pipefail
                                                      and pipe_span.contains(node.span))):
                            marked.append(node)
                            if inner_nodes:
                                invokers.append((node, Block("subshell", list[Node](inner_nodes[::-1]))))
                    inner_nodes = []
    for _, inner in invokers:
        marked.extend(_child_tail(inner))
    return marked


def _child_tail(inner: Block) -> list[CommandRun]:
    """The runs whose failure is the exit status of the file that ran ``inner`` (a child script,
    a sourced file): the same end of that file, when ``inner`` is all of it."""
    first = next(iter(walk_commands(inner)), None)
    if first is None:
        return []
    try:
        tree = parse(first.source)
    except ParseIncomplete:
        return []
    return _tail_runs(inner, first.source, tree)


def _backwards(trace: Block) -> Iterator[CommandRun | Exit]:
    """The commands and exits of ``trace`` from the last to the first, every branch in turn."""
    stack: list[Any] = [trace]
    while stack:
        node = stack.pop()
        if isinstance(node, (CommandRun, Exit)):
            yield node
        elif isinstance(node, Block):
            stack.extend(node.nodes)
        elif isinstance(node, Choice):
            stack.extend(node.branches)



def _analyse_document(source: SourceFile, document: Any, config: Config, every_command: bool) -> Analysis:
    """A workflow, build config or Makefile: its programs interpreted in order as one deployment
    (see shlint_iam/frontends/)."""
    from .frontends.embedded import run_programs
    from .gcloud.model import GcloudModel

    analysis = Analysis(source=source, syntax_errors=list(document.errors), notes=list(document.notes))
    if not document.programs:
        return analysis
    incomplete: list[str] = []
    parse_bounded = _bounded_parse(incomplete)
    if not every_command and not any(runs_gcloud(p.source.text) for p in document.programs):
        for program in document.programs:
            analysis.syntax_errors.extend(syntax_errors(program.source, parse_bounded(program.source)))
        analysis.incomplete = incomplete
        return analysis
    loader, _ = recording_readers(roots_of(source, config), analysis.reads)
    model = GcloudModel(default_region=config.default_region)
    interpreter = Interpreter(hook=model, loader=loader, parse=parse_bounded)
    model.runs = interpreter.commands
    trace, errors = run_programs(document, interpreter, parse_bounded)
    analysis.syntax_errors.extend(errors)
    analysis.commands = interpreter.commands
    analysis.facts = [fact for run in interpreter.commands for fact in run.facts]
    analysis.trace = trace
    analysis.notes.extend(interpreter.notes)
    analysis.truncated = interpreter.truncated
    analysis.exhausted = interpreter.exhausted
    analysis.incomplete = incomplete
    return analysis
