"""Other scripts and shells: `source`/`.`, `eval`, `bash -c`, scripts run as programs (child processes),
here-documents fed to a shell, aliases."""

from __future__ import annotations

import os
import posixpath
import re
from typing import Any

from ..files import display_path
from ..model import Span
from ..source import SourceFile
from .frames import Frame
from .notes import NOT_FOLLOWED, NOT_FOUND, NOT_READABLE, NOT_REGULAR, UNKNOWN_PATH, WRITTEN_UNKNOWN, Note
from .state import MAX_CALL_DEPTH, MAX_SOURCE_DEPTH, UNSEEN_CODE, Machine, State, _Ctx
from .trace import Block, CommandRun, Word
from .values import (
    OUTPUT,
    Val,
    Value,
    concat,
    is_known,
    join,
    resolve_defaults,
    show,
    unknown,
)
from .words import _word_groups

# A Python virtual environment's activation script, which a CI step makes before it sources it
_VENV_ACTIVATE = re.compile(r"(?:^|/)bin/activate$")


class Programs(Machine):
    """Other files and shells the script runs."""

    _frames: list[Frame]  # the function calls being interpreted (frames.py): a child starts with none

    def _read_file(self, target: Val, state: State) -> str | None:
        """A data file a command reads (`.env`): only inside the project root (the loader)."""
        if self.loader is None:
            return None
        path = self._resolve_source(target, state)
        if path is None:
            return None
        loaded = self.loader(path)
        return loaded.text if isinstance(loaded, SourceFile) else None

    def _input_file(self, redirect: Any, state: State, ctx: _Ctx) -> Val:
        """What a command or loop reads from ``< FILE``: the file's text when the file is known
        and inside the project (as ``cat FILE``), else unknown."""
        target: Val | None = None
        for sub in redirect.named_children:
            if sub.type == "file_descriptor":
                continue
            target = self._expand_str(sub, state, ctx)
        text = self._read_file(target, state) if target is not None and is_known(target) else None
        return text if text is not None else unknown(OUTPUT, "stdin", self._at(redirect))

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
        if not isinstance(name, str) or not isinstance(text, str) or not text or self.parse_fn is None:
            return False
        if self._depth >= MAX_CALL_DEPTH:
            self._bound_hit(words[0].span, "calls", f"calls nested deeper than {MAX_CALL_DEPTH} levels (alias {name})")
            state.props[UNSEEN_CODE] = "1"
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
            state.props[UNSEEN_CODE] = "1"
            return
        if path in self._source_stack:
            return  # a cycle (see MAX_SOURCE_DEPTH)
        written = self._written_script(path) if self.file_writes else None
        loaded: SourceFile | str | None
        if isinstance(written, str):  # `cat > env.sh <<EOF ... EOF` before: what bash runs is that text
            loaded = _FixedSpanSource(run.source.path, written, real_path=run.source.real_path)
            loaded.fixed = run.span
        else:
            loaded = self.loader(path)
        if not isinstance(loaded, SourceFile):  # why it is not followed (roots.py)
            if _VENV_ACTIVATE.search(path) and not os.path.lexists(path):
                return  # `python3 -m venv env && source env/bin/activate`: made by the job, sets PATH only
            if written is False and not os.path.lexists(path):
                loaded = WRITTEN_UNKNOWN  # not "not found": the script makes it, with a text not known here
            self.notes.append(self._not_followed(run, target, path, state, loaded or None))
            state.props[UNSEEN_CODE] = "1"
            return
        if self._too_many_files(run, "sourced file", loaded, state):
            return
        tree = self.parse_fn(loaded)
        saved_src = self._src
        saved_bs = state.vars.get("BASH_SOURCE")
        saved_pos = state.positional
        own_args = len(args) > 1
        if own_args:
            state.positional = list(args[1:])
            self._own_args += 1
        state.vars["BASH_SOURCE"] = [path, *(saved_bs if isinstance(saved_bs, list) else [])]
        self._source_stack.append(path)
        block = Block("source")
        saved_base, saved_scope = self._scope_base, self._scope
        try:
            self._src = loaded
            self._scope_base = self._nesting
            with self._into(block), self._returning(state, f"return:{path}:{len(self.commands)}"):
                self._statements(tree.root_node.children, state)
        finally:
            self._scope_base, self._scope = saved_base, saved_scope
            self._src = saved_src
            self._source_stack.pop()
            state.positional = saved_pos
            if own_args:
                self._own_args -= 1
            if saved_bs is not None:
                state.vars["BASH_SOURCE"] = saved_bs
        self._emit(block)
        self._resume(state, ("return", "abort"))  # a bad substitution drops a statement of the file, not the source

    _b_dot = _b_source

    def _written_path(self, target: str, cwd: Val) -> str:
        """Where ``> target`` wrote from the directory ``cwd``, named as :meth:`_resolve_source`
        names a file that is not on disk: from the first of :meth:`_source_bases`."""
        if os.path.isabs(target):
            return posixpath.normpath(target)
        base = resolve_defaults(cwd)
        if not (is_known(base) and isinstance(base, str) and base):
            script = self._src.real_path or ""
            base = posixpath.dirname(script) if script else os.path.abspath(".")
        return posixpath.normpath(posixpath.join(base, target))

    def _written_script(self, path: str) -> str | bool | None:
        """The file at ``path`` as the script itself wrote it before sourcing it (``cat > env.sh
        <<EOF``, ``echo "export X=1" > env.sh``, ``printf ... >> env.sh``): the text it wrote, with
        what bash expanded when it wrote it (run as a script whose findings are reported at the
        ``source`` command). None when the script wrote no such file or wrote to a path the
        analysis cannot know, False when it wrote it with a text not known statically (then the
        file on disk, if any, is what is followed)."""
        assert self.file_writes is not None
        pieces: list[Val] = []
        name = posixpath.basename(path)
        for _, target, cwd, text, appended in reversed(self.file_writes):
            if not is_known(target):
                tail = target.parts[-1] if isinstance(target, Value) else ""
                if isinstance(tail, str) and (tail == name or tail.endswith("/" + name)):
                    return None  # `> "$DIR/env.sh"`: maybe this file, with a text not known here
                continue
            if not isinstance(target, str) or self._written_path(target, cwd) != path:
                continue
            if text is None:
                return False
            pieces.append(text)
            if not appended:
                break
        else:
            if not pieces:
                return None
            # only appended to: what was there before is the file on disk (when it is in the project)
            before = self.loader(path) if self.loader is not None else None
            if isinstance(before, SourceFile):
                pieces.append(before.text)
            elif os.path.lexists(path):
                return False
        content = concat(*reversed(pieces))
        return content if isinstance(content, str) else False

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
        shown = display_path(path)
        if isinstance(resolved, str) and re.match(r"[A-Za-z][A-Za-z0-9+.-]*://", resolved):
            # A URL pasted as a command (`https://orch-x7k2.a.run.app/tick`): said as the script wrote
            # it, not as the path it normalises to (`https:/orch-x7k2.a.run.app/tick`).
            shown = resolved
        return Note(run.span, NOT_FOLLOWED, reason, path=shown, looked_in=tuple(looked_in),
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
        """``bash -c "text"``, ``bash [-e] other.sh args``, ``bash [-s|-] <<EOF``: run the text,
        the file or the here-document in a child shell."""
        errexit = False
        i = 0
        while i < len(args):
            arg = args[i]
            if not isinstance(arg, str):
                break  # a script named by a value the analysis cannot know
            if arg in ("--", "-"):  # `-` ends the options as `--` does (`curl ... | bash -`)
                i += 1
                break
            if arg in ("-o", "+o") and i + 1 < len(args):
                errexit = errexit or (arg == "-o" and args[i + 1] == "errexit")
                i += 2
                continue
            if not arg.startswith(("-", "+")) or arg == "+":
                break
            if arg.startswith("--"):
                i += 1
                continue
            if arg[0] == "-" and "e" in arg[1:]:
                errexit = True
            if "c" in arg[1:] and arg[0] == "-":
                if i + 1 < len(args):
                    # `bash -c 'deploy "$0"' NAME`, `bash -c '... "$1"' _ NAME`: the words after the
                    # text are $0 and the positional parameters (without them $0 is the shell's name)
                    extra = args[i + 2 :]
                    saved_positional, saved_zero = state.positional, state.vars.get("0")
                    state.positional = list(extra[1:])
                    state.vars["0"] = extra[0] if extra else "bash"
                    try:
                        self._run_text(args[i + 1], run, state, ctx, subshell=True)
                    finally:
                        state.positional = saved_positional
                        if saved_zero is None:
                            state.vars.pop("0", None)
                        else:
                            state.vars["0"] = saved_zero
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
            state.props[UNSEEN_CODE] = "1"
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
            state.props[UNSEEN_CODE] = "1"
            return
        if path in self._source_stack:
            return  # a cycle (see MAX_SOURCE_DEPTH)
        loaded = self.loader(path)
        if not isinstance(loaded, SourceFile):
            from dataclasses import replace  # rare: not imported with the interpreter

            note = self._not_followed(run, target, path, state, loaded or None)
            self.notes.append(replace(note, command=self._command_text(run), what="child script"))
            state.props[UNSEEN_CODE] = "1"
            return
        if self._too_many_files(run, "child script", loaded, state):
            return
        tree = self.parse_fn(loaded)
        child = self._child_state(state, args, errexit or (shebang and _shebang_errexit(loaded)))
        child.vars["0"] = path
        child.vars["BASH_SOURCE"] = [path]
        self._in_child(loaded, tree, child, state, ctx, path)

    def _too_many_files(self, run: CommandRun, what: str, loaded: SourceFile, state: State) -> bool:
        """Whether following ``loaded`` would nest files past MAX_SOURCE_DEPTH: then it is not
        followed and the analysis is incomplete."""
        if len(self._source_stack) < MAX_SOURCE_DEPTH:
            return False
        state.props[UNSEEN_CODE] = "1"
        self._bound_hit(run.span, "files", f"files nested deeper than {MAX_SOURCE_DEPTH} levels ({what} {loaded.path})")
        return True

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
        saved = (self._src, self._scope_base, self._scope, self._function_stack, self._frames, self._local_dash,
                 self._trap_at_entry, self._return_ctx, self._stdin, self._call_words, self._call_anchor)
        self._source_stack.append(path)
        self._own_args += 1
        self._function_stack, self._frames, self._local_dash, self._trap_at_entry = [], [], [], []
        self._return_ctx = []
        self._call_words, self._call_anchor = [], None
        self._stdin = None
        # A new process: its own errexit and ERR trap; its last command's status is the command's.
        child_ctx = _Ctx(ctx.status, ctx.status_span, ctx.status_reason, ctx.status_via, ctx.in_substitution,
                         ctx.capture, ignore=ctx.ignore, trap=ctx.trap, flows_out=True)
        block = Block("subshell")
        try:
            self._src = source
            self._scope_base = self._nesting
            with self._into(block):
                self._statements(tree.root_node.children, child, child_ctx)
        finally:
            (self._src, self._scope_base, self._scope, self._function_stack, self._frames, self._local_dash,
             self._trap_at_entry, self._return_ctx, self._stdin, self._call_words, self._call_anchor) = saved
            self._source_stack.pop()
            self._own_args -= 1
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
