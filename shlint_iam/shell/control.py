"""Statements and control flow: lists, `&&`/`||`, `!`, `if`/`elif`/`case`, loops (`for`, `for ((...))`,
`while`/`until`, `while read` over known input), pipelines, assignments and declarations, `[ ... ]`."""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Callable
from typing import Any

from ..lazyre import lazy
from .scan import (
    EXITS_SUCCEEDING,
    FAILS,
    RETURNS_FAILING,
    RETURNS_SUCCEEDING,
    fallback_end,
    find_command,
    only_prints,
    runs_into_failing_exit,
)
from .state import MAX_UNROLL, FunctionDef, Machine, State, _Ctx
from .trace import LEFT_OF_AND, VIA_DECLARATION, VIA_OR, VIA_PIPE, Block
from .values import (
    JOIN,
    LOOP,
    OTHER,
    Val,
    Value,
    concat,
    is_known,
    join,
    literal_prefix,
    unknown,
    unknowns,
)
from .words import _drop_prefix, _word_groups

_EXIT_CONTAINERS = frozenset({"compound_statement", "list", "subshell", "redirected_statement", "if_statement",
                              "else_clause", "elif_clause"})


_WRITES = frozenset((">", ">>", ">|", "&>", "&>>"))


class ControlFlow(Machine):
    """How statements run and where paths split and join."""

    def _s_program(self, node: Any, state: State, ctx: _Ctx) -> None:
        self._statements(node.children, state, ctx)

    def _s_compound_statement(self, node: Any, state: State, ctx: _Ctx) -> None:
        if node not in self._plans and node.children and node.children[0].type == "((":  # (( i++ ))
            for child in node.named_children:
                self._arith_statement(child, state, ctx)
            return
        self._body(node, state, ctx)

    def _s_do_group(self, node: Any, state: State, ctx: _Ctx) -> None:
        self._body(node, state, ctx)

    def _s_subshell(self, node: Any, state: State, ctx: _Ctx) -> None:
        inner = state.copy()
        block = Block("subshell")
        with self._into(block):
            self._body(node, inner, ctx.enter(ctx.shell_ignore, ctx.shell_trap and state.errtrace))
        self._emit(block)

    def _s_redirected_statement(self, node: Any, state: State, ctx: _Ctx) -> None:
        body = node.child_by_field_name("body")
        stdin: Val | None = None
        stdin_node: Any = None
        written: list[int] = []  # the file_writes entries of this statement's stdout `> FILE`
        for child in node.children:
            if child.type == "herestring_redirect":
                for sub in child.named_children:
                    stdin = concat(self._expand_str(sub, state, ctx), "\n")
            elif child.type == "heredoc_redirect":
                stdin = self._heredoc_text(child, state, ctx)
                stdin_node = next((c for c in child.children if c.type == "heredoc_body"), None)
                for sub in child.children:
                    # `cat <<'EOF' > lib.sh`: tree-sitter-bash puts the redirections written after
                    # the here-document's delimiter inside it
                    if sub.type == "file_redirect":
                        entry = self._note_write(sub, state, ctx)
                        if entry is not None:
                            written.append(entry)
            elif child.type == "file_redirect" and any(c.type == "<" for c in child.children):
                stdin = self._input_file(child, state, ctx)  # `while read -r svc; do ...; done < services.txt`
            elif child.type == "file_redirect" and child.named_children \
                    and child.named_children[-1].type == "process_substitution":
                # `exec > >(tee -a "$LOG") 2>&1`, `... > >(gcloud ...)`: its commands run (words.py), no file is written
                self._expand_fields(child.named_children[-1], state, ctx)
            elif child.type == "file_redirect":
                entry = self._note_write(child, state, ctx)  # `envsubst < service.tpl.yaml > service.yaml`
                if entry is not None:
                    written.append(entry)
        if body is not None:
            saved = self._stdin, self._stdin_node
            if stdin is not None:
                self._stdin, self._stdin_node = stdin, stdin_node
            # `cat > policy.yaml <<EOF`: what the body prints is the file's text (not the output of
            # an enclosing `$(...)`).
            captured: list[Val] | None = [] if len(written) == 1 else None
            try:
                self._statement(body, state, ctx if captured is None else ctx.capturing(captured))
            finally:
                self._stdin, self._stdin_node = saved
            if captured is not None and self.file_writes is not None and written[0] >= 0:
                before, target, cwd, _, appended = self.file_writes[written[0]]
                self.file_writes[written[0]] = (before, target, cwd, concat(*captured) if captured else "", appended)

    def _note_write(self, redirect: Any, state: State, ctx: _Ctx) -> int | None:
        """Record the file an output redirection writes (``> FILE``, ``>> FILE``, ``&> FILE``; not
        ``>&2``). A target with a command substitution is not expanded (it would run it): unknown.
        Returns, when the redirection sends standard output to the file (``> FILE``, ``>> FILE``,
        ``>| FILE``, ``> /dev/null``: the statement's output goes there, not to an enclosing
        ``$(...)``), the entry's index (-1: its text is not recorded: /dev/null, ``&>``, or writes
        are not recorded)."""
        children = redirect.children
        operator = children[1] if len(children) > 1 and children[0].type == "file_descriptor" else children[0]
        kind = operator.type
        if len(children) < 2 or kind not in _WRITES:
            return None  # `< FILE`, `2>&1`, `>&2`
        stdout = children[0].type != "file_descriptor" or self.text(children[0]) == "1"
        target = children[-1]
        text = self.text(target)
        if text == "/dev/null" or self.file_writes is None:
            return -1 if stdout else None
        value = unknown(OTHER, "redirect", self._at(target), text=text) if "$(" in text or "`" in text \
            else self._expand_str(target, state, ctx)
        self.file_writes.append((len(self.commands), value, state.cwd, None, kind in (">>", "&>>")))
        return len(self.file_writes) - 1 if stdout and kind[0] != "&" else -1 if stdout else None

    def _s_negated_command(self, node: Any, state: State, ctx: _Ctx) -> None:
        at = self._line(node)
        for child in node.named_children:
            self._statement(child, state, ctx.ignored(f"under `!` on line {at}"))

    def _s_function_definition(self, node: Any, state: State, ctx: _Ctx) -> None:
        name_node = node.child_by_field_name("name")
        body = node.child_by_field_name("body")
        if name_node is None or body is None:
            return
        name = self.text(name_node)
        state.own_funcs()[name] = FunctionDef(name, body, self._src)

    def _s_list(self, node: Any, state: State, ctx: _Ctx) -> None:
        """``a && b``, ``a || b`` (left-associative: the last operator binds loosest)."""
        children = [c for c in node.children if c.type != "comment"]
        op_index = max((i for i, c in enumerate(children) if c.type in ("&&", "||")), default=-1)
        if op_index < 0:
            self._statements(node.named_children, state, ctx)
            return
        left, op, right = children[:op_index], children[op_index].type, children[op_index + 1 :]
        right_nodes = [c for c in right if c.is_named]
        left_ctx = self._left_ctx(op, right_nodes, state, ctx, node)
        gate = self._gated_by(right_nodes, state)
        with self._gating(f"left of `{op} {gate}` on line {self._line(right_nodes[0])}" if gate else ""):
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

    def _left_ctx(self, op: str, right: list[Any], state: State, ctx: _Ctx, node: Any) -> _Ctx:
        shown = self.text(right[0]).split("\n")[0][:40] if right else ""
        at = self._line(right[0]) if right else 0
        if op == "&&":
            # bash ignores errexit left of `&&`: `gcloud ... && log done` does not stop the script.
            # `gcloud ... && return 0; echo failed >&2; exit 1`: the success path leaves and the
            # failure path goes on to a failing exit, so the step is checked.
            if any(self._exits(n, state) for n in right) and runs_into_failing_exit(node, self._src, state.funcs):
                return ctx.consumed("checked", None, "", "", f"{LEFT_OF_AND} {shown}` on line {at}")
            return ctx.ignored(f"{LEFT_OF_AND} {shown}` on line {at}")
        # `a || b`: checked when b exits or returns, discarded when b swallows the failure.
        reason = f"left of `|| {shown}` on line {at}"
        end = fallback_end(right, self._src, state.funcs)
        if end == EXITS_SUCCEEDING or (end == RETURNS_SUCCEEDING and self._return_ctx):
            fallback = self._src.span(right[0].start_point, right[-1].end_point)
            how = "ends the script" if end == EXITS_SUCCEEDING else f"returns from `{self._function_stack[-1]}`"
            return ctx.consumed("discarded", fallback, f"`|| {shown}` {how} with status 0, so the failure reads as "
                                "success", VIA_OR, reason)
        if end == RETURNS_FAILING and self._return_ctx:
            # `gcloud ... || return 1`: the failure becomes the function's status, judged at the call
            # as the body's last command's is (an unchecked call without `set -e` loses it).
            body = self._return_ctx[-1]
            return _Ctx(body.status, body.status_span, body.status_reason, body.status_via, ctx.in_substitution,
                        ctx.capture, body.ignore, reason, body.trap, False, True)
        if end == FAILS:
            # `gcloud ... || { echo failed >&2; false; }`: the list fails exactly when the step does,
            # so its status goes where the list's goes (under `set -e` the script stops there).
            return ctx.passing(reason)
        if any(self._exits(n, state) for n in right):
            return ctx.consumed("checked", None, "", "", reason)
        span = self._src.span(right[0].start_point, right[-1].end_point) if right else None
        return ctx.consumed("discarded", span, f"`|| {shown}` throws its failure away", VIA_OR, reason)

    def _leaves(self, node: Any, state: State) -> bool:
        """Whether a statement may leave the block it is in: ``exit``, ``return``, ``break``,
        ``continue``, or a call to a function (defined so far) that exits or returns."""
        return find_command(node, self._src, state.funcs, lambda name: name in ("exit", "return", "break", "continue"),
                            _EXIT_CONTAINERS) is not None

    def _exits(self, node: Any, state: State | None = None) -> bool:
        """Whether a statement ends the script or function: ``exit``/``return``, or a call to a
        function (defined so far) that does."""
        return find_command(node, self._src, state.funcs if state is not None else {},
                            lambda name: name in ("exit", "return"), _EXIT_CONTAINERS) is not None

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
        if kind == "compound_statement" and node.children and node.children[0].type == "((":
            # `(( attempt >= 5 ))`: true when the expression is not 0 (None: not known, or it assigns).
            parts = node.named_children
            number = self._arith_value(parts[0], state, ctx) if len(parts) == 1 else None
            self._statement(node, state, ctx)
            return None if number is None else number != 0
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
        gate = self._gated_by([n for _, body in arms for n in body] + (else_body or []), state)
        self._run_arms(node, arms, else_body, state, ctx,
                       f"in the `if` on line {self._line(node)} that may `{gate}`" if gate else "")

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
                  state: State, ctx: _Ctx, gate: str = "") -> None:
        if not arms:
            return
        (cond, body), rest = arms[0], arms[1:]
        where = f"in the `if` condition on line {self._line(cond[0]) if cond else 0}"
        unheeded = self._unheeded_failure(cond, body, rest, else_body, state)
        if unheeded:
            # `if gcloud ...; then echo ok; fi`, `if ! gcloud ...; then echo failed >&2; fi`: the
            # `if` tests the step, but its failure branch only prints and the script carries on,
            # as after `gcloud ... && echo ok`: errexit is ignored and nothing checks the status.
            cond_ctx = _Ctx("propagates", None, "", "", ctx.in_substitution, ctx.capture, f"{where}, {unheeded}",
                            f"{where}, {unheeded}", False, False)
        else:
            cond_ctx = ctx.condition(where)
        with self._gating(gate):
            outcome = self._condition_nodes(cond, state, cond_ctx)
        if state.terminated:
            return

        def run_rest(s: State) -> None:
            if rest:
                self._run_arms(node, rest, else_body, s, ctx, gate)
            elif else_body is not None:
                self._statements(else_body, s, ctx)

        if outcome is True:
            self._statements(body, state, ctx)
        elif outcome is False:
            run_rest(state)
        else:
            guard = self._emptiness_guard(cond, state) if self._arms else None
            if guard is None:
                self._choice(state, [lambda s: self._statements(body, s, ctx), run_rest],
                             self.span(node), f"{node.start_point[0] + 1}:{node.start_point[1] + 1}")
            else:
                self._choice(state, [lambda s: self._guarded(guard, True, lambda: self._statements(body, s, ctx)),
                                     lambda s: self._guarded(guard, False, lambda: run_rest(s))],
                             self.span(node), f"{node.start_point[0] + 1}:{node.start_point[1] + 1}")

    def _emptiness_guard(self, cond: list[Any], state: State) -> tuple[str, object, bool] | None:
        """``if [[ -n "$V" ]]`` / ``[ -z "$V" ]`` on a variable joined from branches (arms.py): (V, its
        value, whether the test holds when V is non-empty), so that the ``then`` branch does not run
        a command's variant where V is empty (``SA=""`` then ``--push-auth-service-account="$SA"``)."""
        if len(cond) != 1 or cond[0].type != "test_command":
            return None
        inner = cond[0].named_children
        if len(inner) != 1 or inner[0].type != "unary_expression":
            return None
        op = inner[0].child_by_field_name("operator")
        operand = [c for c in inner[0].named_children if op is None or c.start_byte != op.start_byte]
        if op is None or len(operand) != 1:
            return None
        opname = self.text(op)
        if opname not in ("-n", "-z"):
            return None
        target = operand[0]
        if target.type == "string" and len(target.named_children) == 1:
            target = target.named_children[0]
        if target.type != "simple_expansion" and target.type != "expansion":
            return None
        name = self.text(target).lstrip("$").strip("{}")
        value = state.vars.get(name)
        if not name.isidentifier() or not isinstance(value, Value):
            return None
        return name, value, opname == "-n"

    def _guarded(self, guard: tuple[str, object, bool], holds: bool, run: Callable[[], None]) -> None:
        name, value, nonempty = guard
        self._guards.append((name, value, nonempty if holds else not nonempty))
        try:
            run()
        finally:
            self._guards.pop()

    def _unheeded_failure(self, cond: list[Any], body: list[Any], rest: list[Any], else_body: list[Any] | None,
                          state: State) -> str:
        """Why the failure of a one-command ``if`` condition goes unheeded ("" when it may not): its
        failure branch (the ``else``, or the ``then`` of ``if ! cmd``) is missing or only prints.
        Only a plain ``if``/``else`` (no ``elif``) testing one command, bare or under ``!``."""
        if rest or len(cond) != 1:
            return ""
        test, negated = cond[0], False
        if test.type == "negated_command":
            inner = [c for c in test.named_children if c.type != "comment"]
            if len(inner) != 1:
                return ""
            test, negated = inner[0], True
        if test.type == "redirected_statement":
            test = test.child_by_field_name("body")
        if test is None or test.type != "command":
            return ""
        failure, success = (body, else_body) if negated else (else_body, body)
        if success and any(self._leaves(n, state) for n in success):
            # `if gcloud ...; then break; fi; <failure path>`: what follows the `if` runs only
            # after a failure (a retry's next round, a give-up exit): not judged here.
            return ""
        if failure is None:
            return "which has no `else`"
        if only_prints(failure, self._src, state.funcs):
            return "whose failure branch only prints" if negated else "whose `else` only prints"
        return ""

    def _s_case_statement(self, node: Any, state: State, ctx: _Ctx) -> None:
        value_node = node.child_by_field_name("value")
        items = [c for c in node.children if c.type == "case_item"]
        gate = self._gated_by(items, state)
        with self._gating(f"by the `case` on line {self._line(node)} that may `{gate}`" if gate else ""):
            value = self._expand_str(value_node, state, ctx) if value_node is not None else unknown(OTHER, "case")
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
        if items is not None and any(u.kind == "list" or self._joined_array(u) for i in items for u in unknowns(i)):
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

    def _joined_array(self, part: Any) -> bool:
        """An array that differs between the paths that met (``A+=(x)`` in an ``if``): after the
        join ``"${A[@]}"`` is one unknown whose branches are lists, so how many times a loop over
        it runs is not known, and its variable is never a whole branch's list (an empty one would
        read as no argument at all)."""
        return part.kind == JOIN and any(isinstance(v, list) for v in self._arms.of(part))

    def _loop_body(self, body: Any, state: State, ctx: _Ctx, endless: bool = False) -> None:
        """One run of a loop's body; ``endless``: the loop is only left by ``break`` (``while true``)."""
        block = Block("loop")
        self._endless.append(endless)
        try:
            with self._into(block):
                self._statement(body, state, ctx)
        finally:
            self._endless.pop()
        self._emit(block)
        self._resume(state, ("break",))

    def _s_while_statement(self, node: Any, state: State, ctx: _Ctx) -> None:
        cond = [c for i, c in enumerate(node.children) if node.field_name_for_child(i) == "condition" and c.is_named]
        body = node.child_by_field_name("body")
        is_until = node.children and node.children[0].type == "until"
        keyword = "until" if is_until else "while"
        cond_ctx = ctx.condition(f"in the `{keyword}` condition on line {self._line(node)}")
        if self._return_ctx and body is not None and self._gives_up_failing(body):
            # `until gcloud ...; do (( n >= 5 )) && return 1; sleep 10; done` in a function: when the
            # retries run out, the step's failure is the function's status, judged at the call as
            # `gcloud ... || return 1` is (an unchecked call without `set -e` loses it).
            fn = self._return_ctx[-1]
            cond_ctx = _Ctx(fn.status, fn.status_span, fn.status_reason, fn.status_via, ctx.in_substitution,
                            ctx.capture, fn.ignore, f"in the `{keyword}` condition on line {self._line(node)}",
                            fn.trap, False, True)
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
        # A loop on captured output retries (or waits) until the output says the step worked.
        gate = f"by the `{keyword}` loop on line {self._line(node)}"
        with self._gating(gate):
            outcome = self._condition_nodes(cond, state, cond_ctx)
        if is_until and outcome is not None:
            outcome = not outcome
        if body is None or outcome is False:
            return
        if outcome is True:
            # `while true`: the body runs; a `break` (or exit) leaves it.
            self._loop_body(body, state, ctx, endless=True)
            return

        def once(s: State) -> None:
            self._loop_body(body, s, ctx)
            self._retest_outputs(cond, s, gate)  # the condition runs again after the body

        self._choice(state, [lambda s: None, once], self.span(node),
                     f"{node.start_point[0] + 1}:{node.start_point[1] + 1}")

    def _gives_up_failing(self, body: Any) -> bool:
        """:func:`_returns_failing` of a loop body, found once per body."""
        key = (body, "returns failing")
        found = self._plans.get(key)
        if found is None:
            found = self._plans[key] = _returns_failing(body, self._src)
        return bool(found)

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
        elif self._args_known():
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

    def _s_pipeline(self, node: Any, state: State, ctx: _Ctx) -> None:
        parts = [c for c in node.children if c.is_named and c.type != "comment"]
        piped: Val | None = None  # what the previous part printed
        first_run = len(self.commands)
        last_part_run = first_run
        for i, part in enumerate(parts):
            if i == len(parts) - 1:
                last_part_run = len(self.commands)
            if i == len(parts) - 1:
                part_ctx = ctx
            elif state.pipefail or (ctx.status == "checked" and _is_grep(parts[-1])):
                # With pipefail the status is the pipeline's; `if ! gcloud ... | grep -q "Updated"`
                # tests what the step printed, which says whether it worked.
                part_ctx = _Ctx(ctx.status, ctx.status_span, ctx.status_reason, ctx.status_via, ctx.in_substitution,
                                ignore=ctx.ignore, shell_ignore=ctx.shell_ignore, trap=ctx.trap,
                                shell_trap=ctx.shell_trap, flows_out=ctx.flows_out)
            else:
                reader = self.text(parts[i + 1]).split("\n")[0][:40]
                part_ctx = _Ctx("masked", self.span(parts[i + 1]), f"piped into `{reader}`", VIA_PIPE,
                                ctx.in_substitution,
                                ignore=ctx.shell_ignore, shell_ignore=ctx.shell_ignore, trap=ctx.shell_trap,
                                shell_trap=ctx.shell_trap)
            captured: list[Val] | None = None
            if i < len(parts) - 1:
                captured = []
                part_ctx = part_ctx.capturing(captured)
            # Each part runs in a subshell: variables never leave a pipeline, except from the last
            # part under `shopt -s lastpipe` (job control is off in scripts), which runs in this shell.
            in_shell = state.lastpipe and i == len(parts) - 1
            inner = state if in_shell else state.copy()
            block = self._out if in_shell else Block("subshell")
            saved_stdin = self._stdin, self._stdin_node
            if i > 0:
                self._stdin, self._stdin_node = piped, None
            try:
                with self._into(block):
                    self._statement(part, inner, part_ctx)
            finally:
                self._stdin, self._stdin_node = saved_stdin
            if not in_shell:
                self._emit(block)
            piped = concat(*captured) if captured is not None else None
        self._pipe_masked = [run for run in self.commands[first_run:last_part_run]
                             if run.status == "masked"]

    def _s_variable_assignment(self, node: Any, state: State, ctx: _Ctx) -> None:
        self._assign(node, state, ctx, sub_ctx=ctx.capturing(None))

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
            sources = self._collect_output()
            try:
                value = self._join_str([value_node] + (extra or []), state, sub_ctx)
            finally:
                self._output_sources.pop()
        if appending:
            old = state.vars.get(name, "")
            if isinstance(value, list):
                value = (old if isinstance(old, list) else [old]) + value
            else:
                value = self._label_big(concat(join(" ", old) if isinstance(old, list) else old, value), node)
        state.vars[name] = value
        if value_node is not None and value_node.type != "array":
            self._hold_output(name, value, sources, state)
        elif state.outputs:
            state.outputs.pop(name, None)
        if state.allexport:
            state.exported.add(name)
        return name

    def _s_declaration_command(self, node: Any, state: State, ctx: _Ctx) -> None:
        keyword = node.children[0].type if node.children else "declare"
        # `local x=$(cmd)` and friends: the declaration's own status (0) hides cmd's.
        sub_ctx = _Ctx("discarded", self.span(node.children[0]),
                       f"`{keyword} x=$(...)` hides the command's exit status", VIA_DECLARATION, ctx.in_substitution,
                       ignore=ctx.shell_ignore, shell_ignore=ctx.shell_ignore, trap=ctx.shell_trap,
                       shell_trap=ctx.shell_trap)
        if keyword == "local" and any(self.text(c) == "-" for c in node.named_children) and self._local_dash:
            self._local_dash[-1] = True  # `local -`: the function's `set` options end with it
        flags = [self.text(c) for c in node.named_children if c.type == "word" and self.text(c).startswith("-")]
        # Attributes the value does not show (`${V@a}`, `${V@A}`): readonly, integer, nameref, case.
        letters = "".join(sorted({c for f in flags for c in f[1:] if c in "inrtlu"} |
                                 ({"r"} if keyword == "readonly" else set())))
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
                if name and (keyword == "export" or any("x" in f for f in flags)):
                    state.exported.add(name)
                if name and letters:
                    state.attrs[name] = letters
            elif child.type in ("variable_name", "word") and not self.text(child).startswith("-"):
                name = self.text(child)
                if letters:
                    state.attrs[name] = letters
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
            if name in state.funcs:
                state.own_funcs().pop(name)

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
            return self._eval_unary(expr, state)
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
            return _compare_integers(op, lv, rv)
        if expr.type in ("word", "string", "simple_expansion", "expansion", "concatenation", "raw_string"):
            value = self._expand_str(expr, state, _Ctx())
            return (value != "") if is_known(value) else None
        return None

    def _eval_unary(self, expr: Any, state: State) -> bool | None:
        """A unary test (`-n X`, `-z X`, `-d DIR`), or its negation (`! -d "$DIR"` inside `[[ ]]`)."""
        if expr.children and expr.children[0].type == "!":
            inner = expr.named_children
            if len(inner) == 1 and inner[0].type == "unary_expression":
                value = self._eval_unary(inner[0], state)
                return None if value is None else not value
            return None
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
        if opname == "-d" and value and value in self._script_dirs(state):
            return True  # `DIR="${BASH_SOURCE%/*}"; [[ -d "$DIR" ]] || DIR="$PWD"`: its own folder exists
        return None

    def _script_dirs(self, state: State) -> set[str]:
        """The folders of the scripts being run (this file and those that sourced it): they exist."""
        paths = [self._src.real_path or ""]
        sources = state.vars.get("BASH_SOURCE")
        if isinstance(sources, list):
            paths.extend(p for p in sources if isinstance(p, str))
        return {p.rstrip("/").rsplit("/", 1)[0] for p in paths if "/" in p.rstrip("/")}

    def _in_subshell(self, nodes: Any, state: State, ctx: _Ctx) -> None:
        inner = state.copy()
        inner.terminated = False
        block = Block("subshell")
        with self._into(block):
            self._statements(nodes, inner, ctx.enter(ctx.shell_ignore, ctx.shell_trap and state.errtrace))
        self._emit(block)


_INTEGER_TESTS: dict[str, Callable[[int, int], bool]] = {
    "-eq": lambda a, b: a == b, "-ne": lambda a, b: a != b, "-lt": lambda a, b: a < b,
    "-le": lambda a, b: a <= b, "-gt": lambda a, b: a > b, "-ge": lambda a, b: a >= b,
}
_INTEGER = lazy(r"\s*[-+]?(?:0|[1-9][0-9]*)\s*")  # no leading 0: octal inside `[[ ]]`


def _compare_integers(op: str, left: str, right: str) -> bool | None:
    """``[ "$n" -le 1 ]`` on two known decimal integers; None otherwise (``[[ ]]`` would read
    ``010`` as octal and a name as a variable: left unknown)."""
    test = _INTEGER_TESTS.get(op)
    if test is None or not _INTEGER().fullmatch(left) or not _INTEGER().fullmatch(right):
        return None
    return test(int(left), int(right))


def _is_grep(node: Any) -> bool:
    """A pipeline's last part that tests what it reads (``grep -q PATTERN``)."""
    if node.type != "command":
        return False
    name = node.child_by_field_name("name")
    return name is not None and name.text in (b"grep", b"egrep", b"fgrep")


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


def _returns_failing(body: Any, src: Any) -> bool:
    """Whether a loop body may leave its function with a failing status: a ``return N`` (N a
    literal other than 0, or an expansion) anywhere in it, not inside a nested function or
    ``$(...)``."""
    stack = list(body.named_children)
    while stack:
        node = stack.pop()
        kind = node.type
        if kind in ("function_definition", "command_substitution", "subshell"):
            continue
        if kind == "command":
            name = node.child_by_field_name("name")
            if name is not None and src.data[name.start_byte : name.end_byte] == b"return":
                args = [c for c in node.named_children if c.type != "command_name"]
                if args and src.data[args[0].start_byte : args[0].end_byte] not in (b"0", b"'0'", b'"0"'):
                    return True
            continue
        stack.extend(node.named_children)
    return False

