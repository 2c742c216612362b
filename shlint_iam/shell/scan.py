"""Looking ahead in the syntax tree for a command by name, through compound statements and the
bodies of functions defined so far: does this `|| { ...; exit 1; }` exit, does this condition gate
an `exit`, a `return` or a retry. Reads the tree only; nothing is interpreted."""

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
            name = where.data[name_node.start_byte : name_node.end_byte].decode("utf-8", "replace")
            if matches(name):
                return n, where
            func = funcs.get(name)
            if func is not None and depth < MAX_CALL_DEPTH:
                stack.extend((c, func.source, depth + 1) for c in reversed(func.body.named_children))
        elif n.type in containers:
            stack.extend((c, where, depth) for c in reversed(n.named_children))
    return None
