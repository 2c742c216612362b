"""Simple commands: from words to an executed command (prefix assignments, wrappers such as `timeout`),
function calls and dispatch through names the analysis cannot resolve, the trace record."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from ..guard import checkpoint
from ..model import Span
from .arms import joins_in, resolve, variants
from .frames import Frame, call_entry
from .state import (
    MAX_CALL_DEPTH,
    MAX_INLINES_PER_FUNCTION,
    MAX_NESTING,
    MAX_STEPS,
    MAX_UNROLL,
    UNSEEN_CODE,
    FunctionDef,
    Machine,
    State,
    _Ctx,
    _Stop,
)
from .trace import VIA_ARGUMENTS, Block, CommandRun, Exit, Word
from .values import (
    OTHER,
    OUTPUT,
    Val,
    is_known,
    may_equal,
    names_gcloud,
    resolve_defaults,
    unknown,
)
from .words import _WORD_PARTS, _flatten, _shell_words, _word_groups

_NAME_NODES = ("variable_name", "special_variable_name")
_GCLOUD_WRAPPERS = ("gcloud", "timeout", "env", "command", "exec", "nice", "nohup", "time", "sudo")


def _runs_gcloud(node: Any, machine: Machine) -> bool:
    """Whether a simple command runs gcloud (itself or through a wrapper), as written."""
    name = node.child_by_field_name("name")
    if name is None:
        return False
    first = machine.text(name)
    if first == "gcloud" or first.endswith("/gcloud"):  # `~/google-cloud-sdk/bin/gcloud ...`
        return True
    if first.startswith(("$", '"$')):
        # `"${ARGS[@]}"`: the command is an array (or a variable) that may hold gcloud. Built
        # with a branch's `ARGS+=(--service-account "$SA")`, it is joined; each branch's
        # array must run as its own command, or the deploy is never seen.
        return True
    return first in _GCLOUD_WRAPPERS and b"gcloud" in machine._src.data[node.start_byte:node.end_byte]


def _names_read(node: Any, machine: Machine) -> list[str]:
    """The variables (and positional parameters) a command's words expand, in order."""
    names: dict[str, None] = {}
    stack = [node]
    while stack:
        current = stack.pop()
        if current.type in _NAME_NODES:
            text = machine.text(current)
            if text not in ("?", "$", "!", "-", "_"):
                names[text] = None
            continue
        children = current.children
        if children:  # most nodes are leaves
            stack.extend(reversed(children))
    return list(names)


class Commands(Machine):
    """How a simple command runs: its words, wrappers, functions, the record in the trace."""

    _frames: list[Frame]  # the function calls being interpreted (frames.py)

    def _s_command(self, node: Any, state: State, ctx: _Ctx) -> None:
        if self._arms and not self._chosen and not ctx.in_substitution and ctx.capture is None:
            plan = self._plans.get(node) or self._plan(node)
            if plan.runs_gcloud is None:
                plan.runs_gcloud = _runs_gcloud(node, self)
            if plan.runs_gcloud:
                if plan.names is None:
                    plan.names = _names_read(node, self)
                combos = self._variants(plan.names, state)
                if combos is not None:
                    self._run_variants(node, state, ctx, combos)
                    return
        self._command(node, state, ctx)

    def _plan(self, node: Any) -> _Plan:
        """What a simple command's syntax says, read from the tree once (a node runs 2.7 times on
        the deploy set: in each call of its function, loop iteration, branch variant): its words
        grouped, each one's role and span, what its literal words hold. ``self._src`` is the
        node's source here, as on every run of it."""
        name_node = node.child_by_field_name("name")
        steps: list[tuple[Any, ...]] = []
        seen_name = False  # assignments before the command name are its environment
        groups = _word_groups(node.children)
        data = self._src.data
        line_end = data.find(b"\n", node.end_byte)
        blanks = self._escaped_blanks(node, groups, line_end) \
            if b"\\ " in data[node.start_byte : line_end] or b"\\\t" in data[node.start_byte : line_end] else []
        for group in groups:
            child = group[0]
            ctype = child.type
            while blanks and blanks[0][0] < child.start_byte:
                if seen_name:
                    steps.append((_BLANK, None, blanks[0][1], False, blanks[0][2], None, None))
                del blanks[0]
            if ctype == "command_name":
                seen_name = True
                fieldname: str | None = "name"
            else:
                # `diff <(gcloud ...) expected.yaml`: a process substitution is an argument (its
                # commands run, their status lost: words.py); it is never part of a longer word.
                fieldname = "argument" if seen_name and (ctype in _WORD_PARTS or ctype == "process_substitution") \
                    else None
            if ctype == "variable_assignment" and fieldname != "argument":
                vname = child.child_by_field_name("name")
                vvalue = child.child_by_field_name("value")
                extra = group[1:]
                value_nodes = ([vvalue] if vvalue is not None else []) + extra
                steps.append((_ASSIGN, child, extra, self.text(vname) if vname is not None else None, value_nodes,
                              None, None))
            elif fieldname is not None:  # "name" or "argument"
                span = self._src.span(child.start_point, group[-1].end_point)
                arguments = len(group) == 1 and _ARGUMENTS.match(self.text(child)) is not None
                if len(group) > 1:
                    steps.append((_WORD, child, span, arguments, None, None, _flatten(group)))
                    continue
                only = child  # what _word_fields expands
                kind = ctype
                if kind == "command_name" and only.named_children:
                    only = only.named_children[0]
                    kind = only.type
                literal = None
                if kind == "word":
                    text = self.text(only)
                    if "\\" not in text:
                        literal = text
                steps.append((_WORD, child, span, arguments, literal, only, None))
            elif ctype == "herestring_redirect":
                steps.append((_HERESTRING, child, child.named_children, None, None, None, None))
            elif ctype == "file_redirect":
                steps.append((_FILE_REDIRECT, child, child.named_children, any(c.type == "<" for c in child.children),
                              None, None, None))
        if seen_name:
            steps.extend((_BLANK, None, span, False, text, None, None) for _, span, text in blanks)
        plan = self._plans[node] = _Plan(self.span(name_node) if name_node is not None else None, steps)
        return plan

    def _escaped_blanks(self, node: Any, groups: list[list[Any]], line_end: int) -> list[tuple[int, Span, str]]:
        """The words tree-sitter-bash drops: a backslash-escaped space or tab standing alone
        between words (`--entry-point main \\  # the entry point`, or `\\` with a trailing space at
        the end of a line). bash reads it as an argument of blanks (`' '`) and, at the end of the
        line, ends the command there: the next line is a command of its own (which the grammar
        gets right). Each: its start byte, span and text."""
        data = self._src.data
        gaps: list[tuple[int, int]] = []
        previous = node.start_byte
        for group in groups:
            gaps.append((previous, group[0].start_byte))
            previous = group[-1].end_byte
        tail = data[node.end_byte : len(data) if line_end < 0 else line_end]
        match = _TRAILING_BLANKS.match(tail)
        if match is not None and match.group(1):
            gaps.append((previous, node.end_byte + match.end(1)))
        else:
            gaps.append((previous, node.end_byte))
        found: list[tuple[int, Span, str]] = []
        for start, end in gaps:
            i, word, word_start = start, "", -1
            while i < end:
                c = data[i : i + 1]
                if c == b"\\" and i + 1 < end and data[i + 1 : i + 2] in (b" ", b"\t"):
                    if not word:
                        word_start = i
                    word += data[i + 1 : i + 2].decode()
                    i += 2
                    continue
                if c not in (b" ", b"\t", b"\\", b"\n", b"\r"):
                    return found  # anything else between words: not a gap this reading knows
                if word:
                    found.append((word_start, self._byte_span(word_start, i), word))
                    word = ""
                i += 1
            if word and end < len(data) and data[end : end + 1] in (b"", b" ", b"\t", b"\n", b"#", b"\r"):
                found.append((word_start, self._byte_span(word_start, end), word))  # (not `\\ b`: one word " b")
        return found

    def _byte_span(self, start: int, end: int) -> Span:
        data = self._src.data
        line = data.count(b"\n", 0, start)
        line_start = data.rfind(b"\n", 0, start) + 1
        return self._src.span((line, start - line_start), (line, end - line_start))

    def _variants(self, names: list[str], state: State) -> list[dict[object, int]] | None:
        """The branch combinations a gcloud command that reads joined variables runs on (arms.py)."""
        values = [self._lookup_joined(name, state) for name in names]
        groups = joins_in(values, self._arms)
        if not groups:
            return None
        combos = variants(groups, self._arms)
        if combos is None:
            return None
        if self._guards:
            combos = self._feasible(combos, state)
            if not combos:
                return None
        distinct: dict[tuple[object, ...], dict[object, int]] = {}
        for chosen in combos:  # branches that give the command the same values run once
            key = tuple(repr(resolve(v, chosen, self._arms)) for v in values)
            distinct.setdefault(key, chosen)
        return list(distinct.values())

    def _feasible(self, combos: list[dict[object, int]], state: State) -> list[dict[object, int]]:
        """The combinations the ``if [[ -n "$V" ]]`` branches being run allow: on the ``then`` of
        ``-n "$SA"``, not the branch where ``SA=""`` (while SA still has the value it was tested with)."""
        guards = [(value, nonempty) for name, value, nonempty in self._guards if state.vars.get(name) is value]
        if not guards:
            return combos
        kept = []
        for chosen in combos:
            for value, nonempty in guards:
                resolved = resolve(value, chosen, self._arms)
                if isinstance(resolved, str) and (resolved != "") != nonempty:
                    break
            else:
                kept.append(chosen)
        return kept

    def _run_variants(self, node: Any, state: State, ctx: _Ctx, combos: list[dict[object, int]]) -> None:
        runs: list[CommandRun] = []
        self._variant_group += 1

        def variant(chosen: dict[object, int]) -> Callable[[State], None]:
            def run(s: State) -> None:
                self._chosen = chosen
                try:
                    self._command(node, s, ctx)
                finally:
                    self._chosen = {}
                runs.extend(r for r in self._last_status if r not in runs)
            return run

        if len(combos) == 1:
            variant(combos[0])(state)
            return
        self._choice(state, [variant(c) for c in combos], self.span(node),
                     f"{node.start_point[0] + 1}:{node.start_point[1] + 1}")
        self._last_status = runs  # `$?` after it is the status of whichever variant ran

    def _command(self, node: Any, state: State, ctx: _Ctx) -> None:
        self.steps += 1
        if self.steps > MAX_STEPS:
            raise _Stop()
        if not self.steps & 255:
            checkpoint()  # past the time limit, stop here rather than wherever an interrupt lands
        prefix: dict[str, Val] = {}
        words: list[Word] = []
        plan = self._plans.get(node) or self._plan(node)
        sub_ctx = _Ctx("discarded", plan.name_span,
                       "its exit status is lost in another command's arguments", VIA_ARGUMENTS,
                       ctx.in_substitution, None, ctx.shell_ignore, ctx.shell_ignore, ctx.shell_trap, ctx.shell_trap)
        assignments: list[tuple[Any, list[Any]]] = []
        stdin: Val | None = None  # a here-string or `< file` on the command
        from_arguments: list[int] = []  # the words that expand the function's arguments ("$@", $1)
        in_call = bool(self._call_words)  # a function's body (calls the words make return before them)
        shallow = self._nesting <= MAX_NESTING  # as it is after each word: expanding one restores it
        fields: list[Val] | None
        # `return $?` in a function hands the status `$?` reads on to the call (words.py).
        passing = self._passing_status
        if self._return_ctx and plan.steps and plan.steps[0][4] == "return":
            self._passing_status = self._return_ctx[-1]
        for step, child, a, b, literal, only, flat in plan.steps:
            if step is _BLANK:
                words.append(Word(literal, a))
                continue
            if step is _WORD:  # a, b: the word's span, whether it expands the function's arguments
                if literal is not None and shallow:
                    if in_call and b:
                        from_arguments.append(len(words))
                    words.append(Word(literal, a))
                    continue
                if only is not None:
                    fields = self._expand_fields(only, state, sub_ctx)
                else:
                    fields = self._concat_fields(flat, state, sub_ctx, False)
                if fields is None:
                    words.append(Word(unknown(OTHER, "args", self._at(child), text=self.text(child)), a))
                else:
                    if in_call and b:
                        from_arguments.extend(range(len(words), len(words) + len(fields)))
                    if len(fields) == 1:
                        words.append(Word(fields[0], a))
                    else:
                        words.extend([Word(f, a) for f in fields])
            elif step is _ASSIGN:  # a: the nodes the grammar split off its value, b: its name, literal: its value
                assignments.append((child, a))
                if b is not None:
                    prefix[b] = self._join_str(literal, state, sub_ctx) if literal else ""
            elif step is _HERESTRING:  # a: its named children
                for sub in a:
                    stdin = self._expand_str(sub, state, sub_ctx) + "\n"  # `cmd <<< "$X"`
            elif b:  # a file redirect; a: its named children, b: it reads the file
                stdin = self._input_file(child, state, sub_ctx)  # `mapfile -t SVCS < services.txt`
            else:
                for sub in a:
                    self._expand_fields(sub, state, sub_ctx)
        self._passing_status = passing
        if not words and any(extra for _, extra in assignments):
            # `V=$SA@$P.iam...`: the grammar made part of the value a command name; it is an assignment.
            for assignment, extra in assignments:
                self._assign(assignment, state, ctx, ctx.capturing(None), extra=extra)
            return
        if not words:
            for k, v in prefix.items():
                state.vars[k] = v
            return
        saved_anchor = self._call_anchor
        if from_arguments:
            words = self._from_call_site(words, from_arguments)
        saved = self._stdin, self._stdin_node
        if stdin is not None:
            self._stdin, self._stdin_node = stdin, None
        try:
            self._execute(words, node, state, ctx, prefix)
        finally:
            self._stdin, self._stdin_node = saved
            self._call_anchor = saved_anchor

    def _from_call_site(self, words: list[Word], from_arguments: list[int]) -> list[Word]:
        """Words that expand the function's arguments (``"$@"``, ``"${@:2}"``, ``$1``) were written
        at the call: they take their places there, so a flag's finding points at the flag in the
        call, and arguments passed on (``retry $((n - 1)) "$@"``) keep them. A command whose name is
        one of them (a ``retry 3 gcloud ...`` wrapper running ``"${@:2}"``) is reported at the call
        (``_call_anchor``), where it is read and where a suppression comment goes."""
        call, call_src = self._call_words[-1]
        remapped = list(words)
        cursor = 0
        for index in from_arguments:
            match = next((i for i in range(cursor, len(call)) if _same(call[i].text, words[index].text)), None)
            if match is not None:
                cursor = match + 1
                remapped[index] = call[match]
        if from_arguments[0] == 0 and remapped[0] is not words[0]:
            first = remapped[0].span
            last = max((remapped[i].span for i in from_arguments
                        if remapped[i] is not words[i] and remapped[i].span.path == first.path),
                       key=lambda span: (span.end_line, span.end_col))
            self._call_anchor = (Span(first.path, first.start_line, first.start_col, last.end_line, last.end_col),
                                 call_src)
        return remapped

    def _execute(self, words: list[Word], node: Any, state: State, ctx: _Ctx, prefix: dict[str, Val]) -> None:
        written = words[0].text
        args = [w.text for w in words[1:]]
        name = written if isinstance(written, str) else ""  # "": a name the analysis cannot know
        if name in WRAPPERS and len(words) > 1:
            if name == "xargs" and isinstance(self._stdin, str):
                # `printf '%s\n' "${FNS[@]}" | xargs -P 3 -I{} gcloud functions deploy {} ...`: one
                # command per item of its known input, as xargs builds them
                commands = xargs_commands(words[1:], self._stdin)
                if commands is not None:
                    saved_stdin = self._stdin, self._stdin_node
                    self._stdin, self._stdin_node = None, None  # the commands do not read xargs's input
                    try:
                        for command in commands:
                            self._execute(command, node, state, ctx, dict(prefix))
                    finally:
                        self._stdin, self._stdin_node = saved_stdin
                    return
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
        if name in state.funcs:
            if self._may_inline(state.funcs[name], words, node, state, ctx):
                count = self._inlined.get(name, 0)
                if count < MAX_INLINES_PER_FUNCTION:
                    self._inlined[name] = count + 1
                    self._call(state.funcs[name], words, state, ctx, prefix)
                    return
                self.truncated = True
            elif state.terminated:
                return  # an endless recursion: this path never gets past the call
        if not is_known(written) and not is_known(resolve_defaults(written)) and self._dispatch(words, node, state, ctx,
                                                                                                  prefix):
            return
        if name in state.aliases and state.expand_aliases and self._expand_alias(words, node, state, ctx, prefix):
            return
        builtin = getattr(self, "_b_" + _builtin_attr(name), None)
        run = self._record(words, node, state, ctx, prefix)
        if builtin is None and "/" in resolve_defaults(written) and not names_gcloud(written):
            # `./grant.sh "$FN"`, `"$DIR/grant.sh"`: another script run as a program.
            self._run_child(written, args, run, state, ctx, errexit=False, shebang=True)
            if ctx.capture is not None:
                ctx.capture.append(unknown(OUTPUT, self._at_run(run), tuple(args)))
            return
        if builtin is not None:
            self._builtin_prefix = prefix
            builtin(run, args, state, ctx)
            self._builtin_prefix = None
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
        if not candidates:
            return False
        if self._depth >= MAX_CALL_DEPTH:
            names = ", ".join(f.name for f in candidates)
            self._bound_hit(self.span(node), "calls", f"calls nested deeper than {MAX_CALL_DEPTH} levels "
                            f"(function {names}, called by a name not known statically)")
            state.props[UNSEEN_CODE] = "1"
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

    def _may_inline(self, func: FunctionDef, words: list[Word], node: Any, state: State, ctx: _Ctx) -> bool:
        """Whether a call of ``func`` is inlined. Not when it would repeat a call still running
        (frames.py): that is a cycle, which adds nothing, and when it is reached on every path
        bash would recurse until it crashes, so the analysis is incomplete. Not past
        MAX_CALL_DEPTH either: the analysis is incomplete."""
        running = [f for f in self._frames if f.name == func.name]
        if running:
            entry = call_entry(state, [w.text for w in words[1:]], ctx)
            for frame in reversed(running):
                if frame.repeated_by(entry):
                    if (frame.branches, frame.ended) == (self._branches, self._ended):
                        self._never_returns(func, node, state)
                    return False
        if self._depth >= MAX_CALL_DEPTH:
            self._bound_hit(self.span(node), "calls",
                            f"calls nested deeper than {MAX_CALL_DEPTH} levels (function {func.name})")
            state.props[UNSEEN_CODE] = "1"  # what it would run is not seen (it may set run/region)
            return False
        return True

    def _never_returns(self, func: FunctionDef, node: Any, state: State) -> None:
        """A call that repeats a running one on every path: bash recurses until it runs out of
        stack and dies, so the path ends here, as a failed run; the analysis is incomplete."""
        span = self.span(node)
        self._bound_hit(span, "endless", f"endless recursion: function {func.name} calls itself with the same "
                        "arguments and variables on every path")
        self._emit(Exit("exit", span, CRASHED))
        state.terminated = True
        state.exit_kind = "exit"

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
        elif name == "xargs":
            options = xargs_options(rest)  # `xargs -n 1 gcloud ...`: 1 is -n's value
            i, placeholder = options.start, options.placeholder
            if i < len(rest):
                # the words xargs reads are unknown (and maybe none): at the end of the command,
                # or in place of the -I placeholder
                read = unknown("xargs-input", rest[i].span, text="{xargs input}")
                if placeholder is None:
                    return [*rest[i:], Word(read, rest[-1].span)]
                return [Word(read, w.span) if w.text == placeholder else w for w in rest[i:]]
        elif name in ("nice", "stdbuf", "sudo", "command", "exec", "time", "nohup", "builtin"):
            valued = _VALUED_OPTIONS.get(name, ())
            while i < len(rest) and rest[i].text.startswith("-"):
                i += 2 if rest[i].text in valued else 1  # `nice -n 10 gcloud ...`: 10 is -n's value
        return rest[i:]

    def _record(self, words: list[Word], node: Any, state: State, ctx: _Ctx, prefix: dict[str, Val]) -> CommandRun:
        anchor = self._call_anchor
        run = CommandRun(
            words=words,
            span=self.span(node) if anchor is None else anchor[0],
            scope=self._scope,
            source=self._src if anchor is None else anchor[1],
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
            status_via=ctx.status_via,
            function=self._function_stack[-1] if self._function_stack else None,
            in_substitution=ctx.in_substitution,
            arms=tuple(self._chosen.items()),
            variants=self._variant_group if self._chosen else 0,
        )
        self.commands.append(run)
        self._emit(run)
        if self._output_sources:
            self._output_sources[-1].append(run)
        if ctx.status == "propagates" or ctx.status == "masked":
            self._last_status = [run]
        if self._pipe_masked:
            self._pipe_masked = []  # $PIPESTATUS is the last pipeline's
        return run

    def _call(self, func: FunctionDef, words: list[Word], state: State, ctx: _Ctx, prefix: dict[str, Val]) -> None:
        saved_positional = state.positional
        saved_src = self._src
        saved_anchor = self._call_anchor
        state.positional = [w.text for w in words[1:]]
        self._call_words.append((words[1:], self._src))
        self._call_anchor = None  # the commands of the body are reported where they are
        block = Block("function")
        self._depth += 1
        self._function_stack.append(func.name)
        self._frames.append(Frame(func.name, call_entry(state, state.positional, ctx), self._branches, self._ended))
        saved_scope = self._scope
        saved_options = (state.errexit, state.pipefail)
        shell_ignore = ctx.shell_ignore
        if shell_ignore and not shell_ignore.startswith("inside `"):
            shell_ignore = f"inside `{func.name}`, called {shell_ignore}"
        body_ctx = ctx.enter(shell_ignore, ctx.shell_trap and state.errtrace)
        self._local_dash.append(False)
        self._trap_at_entry.append(state.err_trap or state.errtrace)
        self._return_ctx.append(body_ctx)
        try:
            self._src = func.source
            with self._into(block), self._returning(state, f"return:{func.name}:{len(self.commands)}"):
                self._statement(func.body, state, body_ctx)
        finally:
            if self._local_dash.pop():
                state.errexit, state.pipefail = saved_options
            self._trap_at_entry.pop()
            self._return_ctx.pop()
            self._depth -= 1
            self._function_stack.pop()
            self._frames.pop()
            self._call_words.pop()
            self._call_anchor = saved_anchor
            self._src = saved_src
            self._scope = saved_scope
            state.positional = saved_positional
        self._emit(block)
        self._resume(state, ("return", "break"))


class _Plan:
    """A simple command's syntax, read once (``Commands._plan``). ``steps``: per word group, in
    order, ``(kind, node, a, b, c, d, e)``: a word (``_WORD``: its span, whether it expands the
    function's arguments, its text when it is a literal, the node it expands when it is one
    node, its parts when it is several); an assignment before the command name (``_ASSIGN``:
    the nodes the grammar split off its value, its name, its value's nodes); a here-string
    (its named children); a file redirect (its named children, whether it reads the file).
    ``runs_gcloud`` and ``names`` (``_runs_gcloud``, ``_names_read``) are filled when asked."""

    __slots__ = ("name_span", "steps", "runs_gcloud", "names")

    def __init__(self, name_span: Span | None, steps: list[tuple[Any, ...]]) -> None:
        self.name_span = name_span
        self.steps = steps
        self.runs_gcloud: bool | None = None
        self.names: list[str] | None = None


_WORD = "word"
_BLANK = "blank"  # a backslash-escaped blank standing alone, which the grammar drops (`\\ ` at a line's end)
_TRAILING_BLANKS = re.compile(rb"((?:[ \t]*\\[ \t])+)[ \t]*(?:#.*)?\r?$")
_ASSIGN = "assign"
_HERESTRING = "herestring"
_FILE_REDIRECT = "file redirect"

# A word that expands the function's arguments: "$@", "${@:2}", $1, "${2}", "$*".
_ARGUMENTS = re.compile(r'"?\$\{?(?:[@*]|[0-9])')


def _same(call_text: Val, text: Val) -> bool:
    """Whether an expanded word is the call's argument ``call_text`` (the same value: an argument
    passes through ``"$@"`` unchanged)."""
    return call_text is text or (isinstance(text, str) and isinstance(call_text, str) and call_text == text)


CRASHED = "139"  # the status of a shell killed by SIGSEGV (128 + 11): how an endless recursion ends

# The options of a wrapper that take their value as the next word (`xargs -n 1 -I {} gcloud ...`,
# `nice -n 10 gcloud ...`, `sudo -u deploy gcloud ...`): GNU findutils xargs(1), coreutils
# nice(1) and stdbuf(1), sudo(8).
_VALUED_OPTIONS = {
    "nice": ("-n",),
    "stdbuf": ("-i", "-o", "-e"),
    "sudo": ("-u", "-g", "-C", "-D", "-h", "-p", "-r", "-t", "-U", "-T", "-R"),
}

# Commands whose arguments are themselves a command to run.
WRAPPERS = {"command", "exec", "nohup", "time", "timeout", "sudo", "env", "xargs", "builtin", "stdbuf", "nice"}


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


# xargs options: with a value (separate or attached), and flags.
_XARGS_VALUED = frozenset("adEeIiLlnPs")
_XARGS_FLAGS = frozenset("0prtx")


class _XargsOptions:
    """What ``xargs``'s options say: where its command starts, the ``-I`` placeholder, items per
    command (``-n``/``-L``), the item delimiter (``-0``, ``-d``), ``-r``; ``modelled``: every option
    is one :func:`xargs_commands` knows the effect of (others, and ``-a FILE``, are only skipped)."""

    __slots__ = ("start", "placeholder", "per", "by_lines", "delimiter", "skip_empty", "modelled")

    def __init__(self) -> None:
        self.start = 0
        self.placeholder: str | None = None
        self.per: int | None = None
        self.by_lines = False
        self.delimiter: str | None = None
        self.skip_empty = False
        self.modelled = True


def xargs_options(words: list[Word]) -> _XargsOptions:
    """The options at the start of ``xargs``'s arguments ``words`` (``-n 1``: 1 is -n's value)."""
    found = _XargsOptions()
    i = 0
    while i < len(words) and isinstance(words[i].text, str) and words[i].text.startswith("-") and words[i].text != "-":
        option = words[i].text
        assert isinstance(option, str)
        if option.startswith("--"):
            key, eq, value = option[2:].partition("=")
            if key == "replace":
                found.placeholder = value if eq else "{}"
            elif key in ("max-args", "max-lines") and value.isdigit():
                found.per, found.by_lines = int(value), key == "max-lines"
            elif key == "null":
                found.delimiter = "\0"
            elif key == "delimiter" and eq:
                found.delimiter = value[:1]
            elif key == "no-run-if-empty":
                found.skip_empty = True
            elif key not in ("max-procs", "verbose", "exit", "interactive") and not key.startswith("max-procs"):
                found.modelled = False
            i += 1
            continue
        letter = option[1:2]
        attached = option[2:]
        if letter in _XARGS_VALUED:
            value_word: Val | None = attached
            if not attached and letter in "aEILnPsd":
                i += 1
                value_word = words[i].text if i < len(words) else None
            if not isinstance(value_word, str):
                found.modelled = False
            elif letter in ("I", "i"):
                found.placeholder = value_word or "{}"
            elif letter in ("n", "L", "l"):
                if letter == "l" and not value_word:
                    value_word = "1"
                if value_word.isdigit():
                    found.per, found.by_lines = int(value_word), letter != "n"
                else:
                    found.modelled = False
            elif letter == "d":
                found.delimiter = value_word[:1]
            elif letter == "a":
                found.modelled = False  # reads a file instead of standard input
        elif all(c in _XARGS_FLAGS for c in option[1:]):
            if "0" in option:
                found.delimiter = "\0"
            if "r" in option:
                found.skip_empty = True
        else:
            found.modelled = False
        i += 1
    found.start = i
    return found


def xargs_commands(words: list[Word], text: str) -> list[list[Word]] | None:
    """The commands ``xargs OPTIONS [COMMAND [ARGS]]`` runs over the known input ``text``: with
    ``-I R`` (``-i``, ``--replace``) one per input line, R replaced in every argument; with ``-n N``
    or ``-L N`` one per N items; otherwise one with every item appended (``-0``, ``-d D`` set how
    items are split; blanks and quotes otherwise, as ``xargs`` reads them). None when an option is
    not modelled or the items are too many to unroll."""
    options = xargs_options(words)
    if not options.modelled:
        return None
    i, placeholder, per, by_lines = options.start, options.placeholder, options.per, options.by_lines
    delimiter, skip_empty = options.delimiter, options.skip_empty
    command = words[i:] or [Word("echo", words[-1].span)]
    if delimiter is not None:
        items = [item for item in text.split(delimiter)]
        if items and items[-1] in ("", "\n"):
            items.pop()
    elif placeholder is not None or by_lines:
        items = [line.lstrip(" \t") for line in text.split("\n")]
        items = [line for line in items if line.strip()]
    else:
        items = _shell_words(text)
    if len(items) > MAX_UNROLL:
        return None
    if not items:
        return [] if skip_empty else [command]
    at = command[-1].span
    if placeholder is not None:
        return [[Word(w.text.replace(placeholder, item), w.span) if isinstance(w.text, str) and placeholder in w.text
                 else w for w in command] for item in items]
    if per is not None and per > 0:
        # -L: N lines at a time, each line's blank-separated words appended
        return [command + [Word(word, at) for item in items[start : start + per]
                           for word in (_shell_words(item) if by_lines else [item])]
                for start in range(0, len(items), per)]
    return [command + [Word(item, at) for item in items]]
