"""Looking ahead in the syntax tree for a command by name, through compound statements and the
bodies of functions defined so far: does this `|| { ...; exit 1; }` exit, does this condition gate
an `exit`, a `return` or a retry; and do the statements after this one run straight into a failing
exit. Reads the tree only; nothing is interpreted."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from typing import Any

from ..source import SourceFile
from .state import FunctionDef

MAX_CALL_DEPTH = 4  # function bodies followed inside one another


def find_command(node: Any, src: SourceFile, funcs: Mapping[str, FunctionDef], matches: Callable[[str], bool],
                 containers: Collection[str]) -> tuple[Any, SourceFile] | None:
    """The first command (in source order) under ``node`` whose name ``matches``, looking inside
    the ``containers`` node types and the bodies of the functions in ``funcs`` it calls."""
    stack: list[tuple[Any, SourceFile, int]] = [(node, src, 0)]
    while stack:
        n, where, depth = stack.pop()
        if n.type == "command":
            name_node = n.child_by_field_name("name")
            if name_node is None:
                continue
            name = _text(name_node, where)
            if matches(name):
                return n, where
            func = funcs.get(name)
            if func is not None and depth < MAX_CALL_DEPTH:
                stack.extend((c, func.source, depth + 1) for c in reversed(func.body.named_children))
        elif n.type in containers:
            stack.extend((c, where, depth) for c in reversed(n.named_children))
    return None


def runs_into_failing_exit(node: Any, src: SourceFile, funcs: Mapping[str, FunctionDef]) -> bool:
    """Whether the statements after ``node`` run straight into a failing exit, as the failure path
    of ``gcloud ... && return 0; echo failed >&2; exit 1`` does."""
    after = _next_statement(node)
    return after is not None and _straight_line(after, src, funcs, 0) == "fails"


def _text(node: Any, src: SourceFile) -> str:
    return src.data[node.start_byte : node.end_byte].decode("utf-8", "replace")


def _unredirected(statement: Any) -> Any:
    """A statement without its redirections (``echo failed >&2`` is the command ``echo failed``);
    None for a redirection without a body."""
    return statement.child_by_field_name("body") if statement.type == "redirected_statement" else statement


def _straight_line(first: Any, src: SourceFile, funcs: Mapping[str, FunctionDef], depth: int) -> str:
    """Where the statements from ``first`` lead when run in order: ``"fails"`` at ``exit N``/
    ``return N`` with a literal N other than 0 (or a call of a function whose body leads there:
    ``die "failed"``), ``"falls"`` off the end of a function's body or the script, ``"unknown"`` at
    anything else that may branch or leave (``if``, a loop, a pipeline, ``exit 0``, ``exit "$rc"``).
    Only simple commands (``echo failed >&2``), assignments and calls of functions that fall
    through are walked past."""
    statement = first
    while statement is not None:
        node = _unredirected(statement)
        if node is None:
            return "unknown"
        kind = node.type
        if kind == "command":
            name_node = node.child_by_field_name("name")
            name = _text(name_node, src) if name_node is not None else ""
            if name in ("exit", "return"):
                args = node.named_children[1:]
                status = _text(args[0], src) if len(args) == 1 else ""
                return "fails" if status.isdigit() and int(status) % 256 != 0 else "unknown"
            fn = funcs.get(name)
            if fn is not None:
                first_in_body = fn.body.named_children[0] if fn.body.named_children else None
                inner = "unknown" if depth >= MAX_CALL_DEPTH else \
                    _straight_line(first_in_body, fn.source, funcs, depth + 1)
                if inner != "falls":
                    return inner
        elif kind not in ("comment", "variable_assignment", "declaration_command"):
            return "unknown"
        statement = _next_statement(statement)
    return "falls"


_LOOPS = frozenset({"for_statement", "c_style_for_statement", "while_statement"})


def _next_statement(statement: Any) -> Any:
    """The statement that runs after ``statement`` when it falls through: its next sibling, or at
    the end of an ``if`` arm or of a loop's body (its last round: `for i in 1 2 3; do gcloud ...
    && return 0; sleep 5; done; return 1`), the statement after the ``if`` or the loop. None at
    the end of a function's body, a subshell or the script."""
    following = statement.next_named_sibling
    if following is not None and following.type not in ("elif_clause", "else_clause"):
        return following
    parent = statement.parent
    if parent is None:
        return None
    if parent.type == "do_group" and parent.parent is not None and parent.parent.type in _LOOPS:
        return _next_statement(parent.parent)
    if parent.type == "if_statement":
        return _next_statement(parent)
    if parent.type in ("elif_clause", "else_clause") and parent.parent is not None:
        return _next_statement(parent.parent)
    return None


# How the fallback of `step || FALLBACK` ends, when it runs (the step failed): see fallback_end.
EXITS_FAILING = "exits failing"  # `|| exit`, `|| exit 1`, `|| { echo ...; exit 2; }`, `|| die "..."`
EXITS_SUCCEEDING = "exits succeeding"  # `|| exit 0`, `|| { echo ...; exit 0; }`
RETURNS_FAILING = "returns failing"  # `|| return`, `|| return 1`, `|| { echo ...; return 1; }`
RETURNS_SUCCEEDING = "returns succeeding"  # `|| return 0`
FAILS = "fails"  # ends in `false` (or `(exit 1)`): the list's status is the step's failure
OTHER = "other"  # anything else, or not known


def fallback_end(nodes: list[Any], src: SourceFile, funcs: Mapping[str, FunctionDef]) -> str:
    """How the fallback ``nodes`` (the right side of ``step || ...``) ends when it runs straight
    through: one of the constants above. ``exit``/``return`` without a number (or with ``$?``)
    pass the step's status on only as the fallback's first command (after an ``echo`` they pass
    the echo's 0 on: OTHER); anything that may branch (``if``, a loop, a pipeline) is OTHER."""
    if len(nodes) != 1:
        return OTHER
    node = nodes[0]
    if node.type == "compound_statement":
        inner = [c for c in node.named_children if c.type != "comment"]
        return _ends(inner[0], src, funcs, 0, True) if inner else OTHER
    if node.type == "subshell":  # `|| (echo ...; exit 1)`: only the subshell exits, with that status
        inner = [c for c in node.named_children if c.type != "comment"]
        end = _ends(inner[0], src, funcs, 0, True) if inner else OTHER
        return FAILS if end in (EXITS_FAILING, RETURNS_FAILING, FAILS) else OTHER
    return _ends(node, src, funcs, 0, True)


def _ends(first: Any, src: SourceFile, funcs: Mapping[str, FunctionDef], depth: int, step_status: bool) -> str:
    """``fallback_end`` from the statement ``first`` to the end of its block (``step_status``:
    ``$?`` is still the failed step's status)."""
    statement = first
    last_false = False
    while statement is not None:
        node = _unredirected(statement)
        if node is None:
            return OTHER
        kind = node.type
        if kind != "command":
            if kind in ("comment", "variable_assignment"):
                statement = statement.next_named_sibling
                continue
            return OTHER
        name_node = node.child_by_field_name("name")
        name = _text(name_node, src) if name_node is not None else ""
        args = node.named_children[1:]
        if name in ("exit", "return"):
            status = _text(args[0], src) if len(args) == 1 else ""
            if len(args) > 1:
                return OTHER
            if status.isdigit():
                failing = int(status) % 256 != 0
            elif status in ("", "$?", '"$?"', "${?}") and step_status:
                failing = True
            else:
                return OTHER
            if name == "exit":
                return EXITS_FAILING if failing else EXITS_SUCCEEDING
            return RETURNS_FAILING if failing else RETURNS_SUCCEEDING
        fn = funcs.get(name)
        if fn is not None:
            body = [c for c in fn.body.named_children if c.type != "comment"]
            if depth >= MAX_CALL_DEPTH or not body:
                return OTHER
            inner = _ends(body[0], fn.source, funcs, depth + 1, False)
            if inner in (EXITS_FAILING, EXITS_SUCCEEDING):
                return inner  # `die "..."`: the function exits the script
            return OTHER  # a function that returns or falls through: its status is not followed here
        last_false = name == "false" and not args
        step_status = False
        statement = statement.next_named_sibling
    return FAILS if last_false else OTHER


# Commands that only print: a branch made of them (and of calls of functions made of them) does
# nothing about a failure but say so.
_PRINTS = frozenset({"echo", "printf", ":", "true", "logger"})


def only_prints(nodes: list[Any], src: SourceFile, funcs: Mapping[str, FunctionDef], depth: int = 0) -> bool:
    """Whether the statements ``nodes`` (a branch of an ``if``; none for a missing ``else``) only
    print: ``echo``/``printf`` (also to stderr), ``:``, ``true``, ``logger``, and calls of
    functions whose bodies only print (``log_warn "..."``). An assignment, ``exit``, ``return``,
    any other command or compound statement may act on the failure: not only printing."""
    for statement in nodes:
        if statement.type == "comment":
            continue
        node = _unredirected(statement)
        if node is None or node.type != "command":
            return False
        name_node = node.child_by_field_name("name")
        if name_node is None:
            return False
        name = _text(name_node, src)
        if name in _PRINTS:
            continue
        fn = funcs.get(name)
        if fn is None or depth >= MAX_CALL_DEPTH or not only_prints(
                [c for c in fn.body.named_children], fn.source, funcs, depth + 1):
            return False
    return True
