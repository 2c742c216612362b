"""Shell programs embedded in another file (a workflow, a build config, a Makefile).

A front end turns its file into :class:`Program` s: the shell text a runner executes, the
environment and options it runs with, and for every character of that text the offset in the
original file it came from. :func:`interpret` runs the programs of one file in order, as one
deployment, through the same interpreter, gcloud model and rules as a script; every span the
interpreter makes goes through :class:`EmbeddedSource` and so points into the original file.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from ..model import Span
from ..shell.trace import VIA_MAKE_DASH, final_runs, left_of_and
from ..shell.values import Val
from ..source import SourceFile


def node_span(path: str, index: DocIndex, node: Any) -> Span:
    """The span of a YAML node."""
    line, col = index.point(node.start_mark.index)
    end_line, end_col = index.point(node.end_mark.index)
    return Span(path, line, col, end_line, end_col)


class DocIndex:
    """Character offsets of a document to 1-based (line, column)."""

    def __init__(self, text: str) -> None:
        self.text = text
        starts = [0]
        pos = text.find("\n")
        while pos != -1:
            starts.append(pos + 1)
            pos = text.find("\n", pos + 1)
        self.starts = starts

    def point(self, offset: int) -> tuple[int, int]:
        offset = max(0, min(offset, len(self.text)))
        row = bisect.bisect_right(self.starts, offset) - 1
        return row + 1, offset - self.starts[row] + 1

    def offset(self, line: int, col: int) -> int:
        return self.starts[min(max(line, 1), len(self.starts)) - 1] + col - 1


class EmbeddedSource(SourceFile):
    """The text of one program; its spans are spans of the document it came from."""

    doc: SourceFile
    index: DocIndex
    offsets: list[int]  # doc offset of each character of ``text``, plus one past the end
    _char_of_byte: list[int] | None

    @classmethod
    def make(cls, doc: SourceFile, index: DocIndex, text: str, offsets: list[int]) -> EmbeddedSource:
        src = cls(doc.path, text, real_path=doc.real_path)
        src.doc = doc
        src.index = index
        src.offsets = offsets
        src._char_of_byte = None
        return src

    def _char(self, row: int, byte_col: int) -> int:
        if row >= len(self._line_starts):
            return len(self.text)
        at = self._line_starts[row] + byte_col
        if self._ascii:
            return at
        if self._char_of_byte is None:
            table = []
            for i, ch in enumerate(self.text):
                table.extend([i] * len(ch.encode("utf-8", "surrogatepass")))
            table.append(len(self.text))
            self._char_of_byte = table
        return self._char_of_byte[min(at, len(self._char_of_byte) - 1)]

    def doc_offset(self, char: int) -> int:
        return self.offsets[max(0, min(char, len(self.offsets) - 1))]

    def span(self, start: tuple[int, int], end: tuple[int, int]) -> Span:
        a = self._char(*start)
        b = self._char(*end)
        line, col = self.index.point(self.doc_offset(a))
        if b <= a:
            return Span(self.path, line, col, line, col)
        end_line, end_col = self.index.point(self.doc_offset(b - 1))
        end_col += 1
        if (end_line, end_col) < (line, col):
            end_line, end_col = line, col
        return Span(self.path, line, col, end_line, end_col)

    def doc_line(self, script_line: int) -> int:
        """The document line of the first character of 1-based ``script_line``."""
        row = max(0, min(script_line - 1, len(self._line_starts) - 1))
        return self.index.point(self.doc_offset(self._char(row, 0)))[0]


# -- building program text ------------------------------------------------------------------
@dataclass
class Unknown:
    """A value the runner substitutes that is not known statically, shown as ``written``."""

    written: str


def abstract_value(parts: list[str | Unknown]) -> Val:
    """The interpreter's value of known text and unknowns in a row (an ``env:`` value with a
    ``${{ }}`` in it, a substitution default naming ``$PROJECT_ID``). The one place front ends
    build values: ``shell.values`` decides what a value is."""
    from ..shell.values import concat, written

    return concat(*(p if isinstance(p, str) else written(p.written) for p in parts))


class ScriptBuilder:
    """Accumulates program text with the document offset of every character.

    ``substitute`` inserts what a runner splices into the text before the shell reads it
    (``${{ ... }}``, ``$_SUBST``, ``$(VAR)``): known text as is; an unknown as a reference to a
    placeholder variable, quoted for the shell context at that point, so that the shell sees
    one word whose value is an unknown shown as the runner's expression."""

    def __init__(self, placeholders: dict[str, Val], new_value: Callable[[str], Val]) -> None:
        self.chars: list[str] = []
        self.offsets: list[int] = []
        self.placeholders = placeholders  # variable name -> value, shared by a document's programs
        self._by_text: dict[str, str] = {}
        self._new_value = new_value
        self._quote = ""  # "", "'" or '"': the shell quoting context at the end of the text
        self._escaped = False

    def _track(self, ch: str) -> None:
        if self._escaped:
            self._escaped = False
            return
        if self._quote == "'":
            if ch == "'":
                self._quote = ""
            return
        if ch == "\\":
            self._escaped = True
        elif self._quote == '"':
            if ch == '"':
                self._quote = ""
        elif ch in "'\"":
            self._quote = ch

    def add(self, text: str, offsets: list[int] | int) -> None:
        for i, ch in enumerate(text):
            self.chars.append(ch)
            self.offsets.append(offsets if isinstance(offsets, int) else offsets[i])
            self._track(ch)

    def substitute(self, value: str | Unknown, offset: int) -> None:
        if isinstance(value, str):
            self.add(value, offset)
            return
        name = self._by_text.get(value.written)
        if name is None:
            name = f"__shlint_t{len(self.placeholders) + 1}"
            self._by_text[value.written] = name
            self.placeholders[name] = self._new_value(value.written)
        ref = "${" + name + "}"
        if self._quote == "'":
            text = "'\"" + ref + "\"'"
        elif self._quote == '"':
            text = ref
        else:
            text = '"' + ref + '"'
        saved = self._quote
        for ch in text:
            self.chars.append(ch)
            self.offsets.append(offset)
        self._quote = saved

    @property
    def text(self) -> str:
        return "".join(self.chars)

    def build(self, doc: SourceFile, index: DocIndex, end: int | None = None) -> EmbeddedSource:
        tail = end if end is not None else (self.offsets[-1] + 1 if self.offsets else 0)
        return EmbeddedSource.make(doc, index, self.text, self.offsets + [tail])


# -- programs -------------------------------------------------------------------------------
@dataclass
class Program:
    """One shell program as a runner starts it."""

    source: EmbeddedSource
    label: str  # what it is, for people: "job deploy, step 2 (Deploy)"
    env: dict[str, Val] = field(default_factory=dict)  # abstract values
    errexit: bool = False
    pipefail: bool = False
    positional: list[Val] = field(default_factory=list)
    cwd: Val = ""
    group: str = ""  # programs of one group share gcloud configuration (one machine)
    condition: Span | None = None  # set: the program runs only on some paths (where it says so)
    checked_by_runner: bool = True  # the runner stops at a failing program
    ignore_failure: Span | None = None  # set: the runner ignores its failure (make's `-`)
    props: dict[str, Val] = field(default_factory=dict)  # gcloud properties the runner sets first
    goal: str = ""  # programs of different goals are alternatives (make targets a user may run)
    # the step outputs this program sets for later ones (``${{ steps.ID.outputs.URL }}`` from
    # ``echo "URL=$URL" >> "$GITHUB_OUTPUT"`` in the step with ``id: ID``): its id ("" for none)
    # and each output name -> how many lines write it
    step_id: str = ""
    output_writes: dict[str, int] = field(default_factory=dict)
    # environment variables this program writes for later ones (``echo "NAME=$URL" >> "$GITHUB_ENV"``):
    # name -> how many lines write it; and the names whose value in this program is the one an
    # earlier program wrote (its own ``env:`` does not set them)
    env_writes: dict[str, int] = field(default_factory=dict)
    env_reads: set[str] = field(default_factory=set)


@dataclass
class Document:
    """What a front end made of one file."""

    programs: list[Program] = field(default_factory=list)
    errors: list[tuple[Span, str]] = field(default_factory=list)  # the file's own syntax errors
    placeholders: dict[str, Val] = field(default_factory=dict)
    notes: list[Any] = field(default_factory=list)  # shell.notes.Note: what the front end did not follow

    def not_followed(self, span: Span, reason: str, path: str, what: str) -> None:
        from ..shell.notes import NOT_FOLLOWED, Note

        self.notes.append(Note(span, NOT_FOLLOWED, reason, path=path, what=what))


def run_programs(document: Document, interpreter: Any, parse: Callable[[SourceFile], Any]) -> tuple[Any, list[Any]]:
    """Run ``document``'s programs in order through ``interpreter`` as one deployment.

    Returns the trace (each program a subshell; a conditional one a choice; the goals of a
    Makefile alternatives) and the syntax errors of the programs. ``parse`` may raise: the
    caller's bound on parsing applies to every program."""
    from ..parse import syntax_errors
    from ..shell.interpreter import State
    from ..shell.trace import Block, Choice, walk_commands

    errors: list[Any] = []
    trees = []
    for program in document.programs:
        tree = parse(program.source)
        trees.append(tree)
        errors.extend(syntax_errors(program.source, tree))
    goals: dict[str, Block] = {}
    props: dict[str, Any] = {}
    group: str | None = None
    carried: dict[str, Val] = {}  # placeholder variable -> the value an earlier program gave it
    carried_env: dict[str, Val] = {}  # environment variable -> the value an earlier program wrote
    for program, tree in zip(document.programs, trees, strict=False):
        if program.group != group:
            group = program.group
            props = {}
            carried = {}  # a step's outputs are seen by the later steps of its job only
            carried_env = {}
        env: dict[str, Val | list[Val]] = dict(document.placeholders)
        env.update(carried)
        env.update(program.env)
        if program.env_reads and carried_env:
            env.update(_env_reads(program, carried_env, document.placeholders))
        state = State(
            vars=env,
            exported=set(program.env),
            errexit="on" if program.errexit else "off",
            pipefail=program.pipefail,
            cwd=program.cwd,
            props={**props, **program.props},
            positional=list(program.positional),
        )
        first = len(interpreter.commands)
        block, end = interpreter.run(program.source, tree, state)
        for run in interpreter.commands[first:]:
            if isinstance(run.source, EmbeddedSource):
                run.scope = (run.source.doc_line(run.scope[0]), run.source.doc_line(run.scope[1]))
        _runner_checks(program, block, walk_commands, _last_statement(program.source, tree))
        step = Block("subshell", list(block.nodes))
        top = goals.setdefault(program.goal, Block("script"))
        if program.condition is not None:
            top.nodes.append(Choice([Block("branch", [step]), Block("branch", [])], program.condition))
            for name in program.env_writes:
                carried_env.pop(name, None)
        else:
            top.nodes.append(step)
            props = dict(end.props)
            carried.update(_outputs(program, tree, end.vars, document.placeholders))
            if program.env_writes:
                _env_writes(program, tree, end.vars, carried_env)
        if interpreter.exhausted:
            break
    if len(goals) == 1:
        trace = next(iter(goals.values()))
    else:
        trace = Block("script", [Choice([Block("branch", b.nodes) for b in goals.values()], None)] if goals else [])
    return trace, errors


def _outputs(program: Program, tree: Any, end_vars: dict[str, Any], placeholders: dict[str, Val]) -> dict[str, Val]:
    """The placeholder variables of ``program``'s step outputs, with the values its variables had
    at its end. Only a program that runs on every path sets them, and only an output written once,
    by a whole top-level ``echo "NAME=$VAR"`` (not under an ``if`` or in a loop, where it may not be
    written or be written with another value, nor single-quoted, which writes the text ``$VAR``);
    a variable the program did not set, set again after the write, or an array, leaves the
    expression unknown."""
    found: dict[str, Val] = {}
    if not program.step_id:
        return found
    writes = list(_top_level_writes(tree, "GITHUB_OUTPUT"))
    for output, quote, value, end_byte in writes:
        if program.output_writes.get(output) != 1 or [w[0] for w in writes].count(output) != 1:
            continue
        if quote == "'" or _VAR_REF.fullmatch(value) is None:
            continue
        held = _value_written(tree, end_byte, value, end_vars)
        if held is not None:
            expression = "${{ steps." + program.step_id + ".outputs." + output + " }}"
            found.update(dict.fromkeys(_placeholders(expression, placeholders), held))
    return found


def _set_after(tree: Any, offset: int, var: str) -> bool:
    """Whether the script may set ``var`` again after byte ``offset`` (an assignment, ``read``,
    ``for``, ``mapfile``, ``declare``/``export``/``local`` of it, a function that may): then its
    value at the end is not the one written at ``offset``. Read from the text, conservatively."""
    rest = tree.root_node.text[offset:].decode("utf-8", "replace") if tree.root_node.text is not None else ""
    name = re.escape(var)
    return re.search(rf"(?<![\w$]){name}\+?=|\b(?:read|for|mapfile|readarray|declare|typeset|export|local|unset)\b"
                     rf"[^\n;]*(?<![\w$]){name}\b|\(\)", rest) is not None


# `echo "NAME=VALUE" >> "$GITHUB_OUTPUT"` (or `$GITHUB_ENV`; VALUE `$VAR`, `${VAR}` or literal text;
# quoted or not, the file unquoted) as a whole top-level statement of the program
_WRITES = {
    file: re.compile(r"""echo\s+(["']?)([A-Za-z_][\w-]*)=([^"'`\\\s]*)\1\s*>>\s*"?\$\{?""" + file + r"""\}?"?""")
    for file in ("GITHUB_OUTPUT", "GITHUB_ENV")
}
_VAR_REF = re.compile(r"\$(?:([A-Za-z_]\w*)|\{([A-Za-z_]\w*)\})")


def _top_level_writes(tree: Any, file: str) -> Iterator[tuple[str, str, str, int]]:
    """Each whole top-level statement of the program that writes a name to ``$file``: the name,
    the quote around it ('"', "'" or ""), the value as written, and where the statement ends."""
    for node in tree.root_node.children:
        text = node.text.decode("utf-8", "replace") if node.text is not None else ""
        m = _WRITES[file].fullmatch(text.strip())
        if m is not None:
            yield m.group(2), m.group(1), m.group(3), node.end_byte


def _value_written(tree: Any, end_byte: int, value: str, end_vars: dict[str, Any]) -> Val | None:
    """What a double- or un-quoted ``$VAR`` (``${VAR}``) written by the statement ending at
    ``end_byte`` is: the variable's value at the program's end, unless the program may set it
    again after the write; None where not known."""
    ref = _VAR_REF.fullmatch(value)
    if ref is None:
        return None
    var = ref.group(1) or ref.group(2)
    if _set_after(tree, end_byte, var):
        return None
    held = end_vars.get(var)
    return None if held is None or isinstance(held, list) else held


def _placeholders(expression: str, placeholders: dict[str, Val]) -> list[str]:
    """The placeholder variables that stand for the runner expression ``expression``."""
    from ..shell.values import written

    shown = written(expression)
    return [name for name, placeholder in placeholders.items() if placeholder == shown]


def _env_writes(program: Program, tree: Any, end_vars: dict[str, Any], carried_env: dict[str, Val]) -> None:
    """Update ``carried_env`` with what ``program`` (which runs on every path) wrote to
    ``$GITHUB_ENV``: a top-level ``echo "NAME=$VAR"`` is the variable's value at the program's end
    (unless the program sets it again after the write), ``echo "NAME=text"`` that text; a name
    written any other way (under an ``if``, from a command's output), or also written elsewhere,
    is unknown from then on."""
    known: dict[str, Val] = {}
    seen: dict[str, int] = {}
    for name, quote, value, end_byte in _top_level_writes(tree, "GITHUB_ENV"):
        if name not in program.env_writes:
            continue
        seen[name] = seen.get(name, 0) + 1
        held = value if quote == "'" or "$" not in value else _value_written(tree, end_byte, value, end_vars)
        if held is None:
            known.pop(name, None)
        else:
            known[name] = held
    for name, count in program.env_writes.items():
        if name in known and seen[name] == count:
            carried_env[name] = known[name]
        else:
            carried_env.pop(name, None)


def _env_reads(program: Program, carried_env: dict[str, Val], placeholders: dict[str, Val]) -> dict[str, Val]:
    """The variables of ``program`` an earlier program of its job wrote to ``$GITHUB_ENV``: the
    environment variable itself and the placeholder of ``${{ env.NAME }}``."""
    found: dict[str, Val] = {}
    for name in program.env_reads:
        value = carried_env.get(name)
        if value is None:
            continue
        found[name] = value
        found.update(dict.fromkeys(_placeholders("${{ env." + name + " }}", placeholders), value))
    return found


def _last_statement(source: EmbeddedSource, tree: Any) -> Span | None:
    """The span of the program's last top-level statement (its status is the program's)."""
    last = None
    for node in tree.root_node.children:
        if node.is_named and node.type not in ("comment", "heredoc_body"):
            last = node
    return None if last is None else source.span(last.start_point, last.end_point)



def _runner_checks(program: Program, block: Any, walk: Callable[[Any], list[Any]], last_statement: Span | None) -> None:
    """The runner looks at a program's exit status: the commands whose failure is the status of
    its last statement are checked (a failing step stops the job: the last command, and those
    left of `&&` in that statement), or, with make's ``-``, that failure is thrown away."""
    runs = [r for r in walk(block) if not r.in_substitution]
    if not runs:
        return
    last = runs[-1]
    if program.ignore_failure is not None:
        if last.status == "propagates":
            last.status = "discarded"
            last.status_span = program.ignore_failure
            last.status_reason = "make ignores the failure of a recipe line that starts with `-`"
            last.status_via = VIA_MAKE_DASH
        return
    if not program.checked_by_runner:
        return
    reason = "the runner stops when the program's last command fails"
    finals = final_runs(block)  # the last command of each branch of a last `if`/`case` too
    for run in runs:
        if run.status != "propagates":
            continue
        final_and = last_statement is not None and last_statement.contains(run.span) and left_of_and(run)
        if any(run is final for final in finals) or final_and:
            run.status = "checked"
            run.status_reason = reason
