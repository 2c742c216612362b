"""Words and expansions: quoting, `$V` and `${V...}` operators, arrays, `$(...)`, arithmetic, here-document
text, and how tree-sitter-bash's nodes become the fields bash would pass."""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from . import transforms
from .arms import resolve
from .state import MAX_NESTING, Machine, State, _BadSubstitution, _Ctx
from .trace import VIA_PROCESS_SUBSTITUTION, Block
from .values import (
    ARG,
    ARITH,
    ENV,
    ENV_DEFAULT,
    EXPANSION,
    OTHER,
    RUNNER,
    TOO_LARGE,
    Val,
    Value,
    concat,
    is_known,
    join,
    label_unlabelled,
    map_literals,
    parts,
    relabel,
    unknown,
    unknowns,
)

if TYPE_CHECKING:
    import ast


class Words(Machine):
    """How words expand into fields."""

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
        if fields is not None:
            for f in fields:  # a loop, not any(): this runs for every word of every command
                if type(f) is Value:
                    return [self._label_big(f, node) for f in fields]
        return fields

    def _label_big(self, value: Val, node: Any) -> Val:
        """A value past the size cap (values.MAX_VALUE_CHARS) is shown as the word that built it."""
        if isinstance(value, Value) and len(value.parts) == 1:
            part = value.parts[0]
            if not isinstance(part, str) and part.kind == TOO_LARGE and not part.text:
                return relabel(value, self.text(node))
        return value

    def _fields(self, node: Any, state: State, ctx: _Ctx, quoted: bool) -> list[Val] | None:
        t = node.type
        if t in _LITERAL_NODES:
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
            # tree-sitter-bash leaves some of a string's blanks out of every node (a newline between
            # two expansions) and puts others into the node after them (the blanks before an
            # expansion, `$(...)` or the closing quote: "$A $B", "$L $s", " "): they are text
            data = self._src.data
            previous = node.children[0].end_byte if node.children else node.start_byte
            for child in node.named_children:
                if child.start_byte > previous:
                    parts.append(data[previous : child.start_byte].decode("utf-8", "replace"))
                previous = child.end_byte
                if child.type != "string_content":
                    lead = _LEADING_BLANKS.match(self.text(child))
                    if lead is not None:
                        parts.append(lead.group())
                if child.type == "string_content":
                    text = self.text(child)
                    parts.append(re.sub(r"\\([$`\"\\\n])", r"\1", text) if "\\" in text else text)
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
            closing = node.children[-1] if len(node.children) > 1 else None
            if closing is not None and not closing.is_named and closing.end_byte > previous + 1:
                parts.append(data[previous : closing.end_byte - 1].decode("utf-8", "replace"))
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
                         VIA_PROCESS_SUBSTITUTION, ctx.in_substitution)
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
            kind = only.type
            if kind == "command_name" and only.named_children:
                only = only.named_children[0]
                kind = only.type
            if kind == "word" and self._nesting <= MAX_NESTING:
                # A literal word (most of them): what _expand_fields gives, without its two calls.
                text = self.text(only)
                if "\\" not in text:
                    return [text]
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
        return text in ("$@", "${@}") or "[@]" in text or (text.startswith("${!") and text.endswith("@}"))

    def _substitute(self, node: Any, state: State, ctx: _Ctx) -> Val:
        """``$(...)``: run its commands in a subshell and return what they print. What the analysis
        cannot know is shown as the substitution itself (``$(gcloud config get-value project)``)."""
        capture: list[Val] = []
        shell_ignore = ctx.shell_ignore
        if not shell_ignore and state.errexit == "on" and not state.inherit_errexit:
            shell_ignore = (f"inside the `$(...)` on line {self._line(node)}: bash turns `set -e` off in "
                            "command substitutions unless `shopt -s inherit_errexit`")
        inner_ctx = ctx.enter(shell_ignore, ctx.shell_trap and state.errtrace, capture, True)
        inner = state.copy()
        inner.terminated = False
        block = Block("subshell")
        with self._into(block):
            self._body(node, inner, inner_ctx)
        self._emit(block)
        if not capture:
            return ""
        return label_unlabelled(concat(*capture).rstrip("\n"), self.text(node))

    def _lookup(self, name: str, state: State) -> Val | list[Val] | None:
        value = self._lookup_joined(name, state)
        if self._chosen and value is not None:
            return resolve(value, self._chosen, self._arms)  # a variant of a gcloud command (arms.py)
        return value

    def _lookup_joined(self, name: str, state: State) -> Val | list[Val] | None:
        if name.isdigit():
            n = int(name)
            if n == 0:
                return state.vars.get("0")
            if n <= len(state.positional):
                return state.positional[n - 1]
            return "" if self._args_known() else unknown(ARG, n, text=f"${n}")
        if name == "@" or name == "*":
            return list(state.positional) if self._args_known() else \
                [unknown(ARG, "@", text=f"${name}")]
        if name == "#":
            return str(len(state.positional)) if self._args_known() else \
                unknown(ARG, "#", text="$#")
        if name == "?":
            # Read: the status is checked, or (`return $?` in a function) handed on to the call,
            # where it is judged as the function's last command's status is.
            passing = self._passing_status
            for run in self._last_status:
                if passing is not None and run.status == "propagates":
                    run.status, run.status_span = passing.status, passing.status_span
                    run.status_reason, run.status_via = passing.status_reason, passing.status_via
                elif run.status in ("propagates", "masked"):
                    run.status = "checked"
            return unknown(OTHER, "?", self.steps, text="$?")
        if name == "PIPESTATUS":
            # `gcloud ... | tee log; [ "${PIPESTATUS[0]}" -eq 0 ] || exit 1`: the statuses of the
            # pipeline that just ran, its masked parts' included, are read (checked).
            for run in self._pipe_masked:
                if run.status == "masked":
                    run.status = "checked"
            return unknown(OTHER, name, self.steps, text="${PIPESTATUS[@]}")
        if name in ("$", "!", "-", "RANDOM", "SECONDS", "LINENO"):
            return unknown(OTHER, name, self.steps if name != "$" else 0, text=f"${name}")
        if name == "PWD":
            return state.cwd
        value = state.vars.get(name)
        if state.outputs and (self._gate or self._output_sources) and name in state.outputs:
            self._read_output(name, value, state)
        return value

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
        """``${!ref}`` (the variable named by ref's value), ``${!A[@]}`` (the keys of an array),
        ``${!prefix@}``/``${!prefix*}`` (the names of the set variables that start with prefix)."""
        not_known = unknown(EXPANSION, "!", self._at(node), text=self.text(node))
        if len(rest) == 2 and rest[0].type == "variable_name" and rest[1].type in ("@", "*"):
            prefix = self.text(rest[0])
            names = sorted(n for n in set(state.vars) | set(state.maps) if n.startswith(prefix) and
                           n.isidentifier())
            return join(" ", names) if rest[1].type == "*" and quoted else list(names)
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
        if ref in state.maps:  # the name of an associative array: its element "0"
            return state.maps[ref].get("0", "")
        found = self._lookup(ref, state)
        return found if found is not None else unknown(ENV, ref, text=f"${ref}")

    def _transformed(self, value: Val | list[Val] | None, name: str, op: str, state: State,
                     written: str) -> Val | list[Val]:
        """``${V@Q}``, ``${V@U}`` and the other ``@`` operators (transforms.py); of an array,
        ``${A[@]@Q}``, each element."""
        def not_known(of: Val) -> Val:
            return unknown(EXPANSION, "@" + op, of, text=written)

        if op == "a" and name in state.maps:
            return transforms.attributes(state.attrs.get(name, ""), False, True, name in state.exported)
        if value is None:  # unset here; the environment may set it
            return not_known(unknown(ENV, name, text=f"${name}"))
        if op in ("a", "A"):
            if isinstance(value, list):
                if op == "a":
                    return transforms.attributes(state.attrs.get(name, ""), isinstance(value, list),
                                                 name in state.maps, name in state.exported)
                return not_known("")
            flags = transforms.attributes(state.attrs.get(name, ""), False, False, name in state.exported)
            if op == "a":
                return flags
            made = transforms.assignment(name, value, flags) if isinstance(value, str) else None
            return made if made is not None else not_known(value)
        if isinstance(value, list):
            return [self._transformed(v, name, op, state, written) for v in value]  # type: ignore[misc]
        result = transforms.transform(op, value) if isinstance(value, str) else None
        return result if result is not None else not_known(value)

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

    def _expansion_shape(self, node: Any) -> tuple[Any, ...]:
        """What an expansion's syntax says, read once (an expansion in a function or a loop runs
        again and again): its text; for ``$NAME`` its name; for ``${...}`` the nodes inside the
        braces, the first one's type and (unless it is ``!`` or a subscript) its text, the
        operator's text (None: there is none) and the operator's arguments."""
        written = self.text(node)
        if node.type == "simple_expansion":
            named = node.named_children
            return written, self.text(named[0]) if named else "", None, "", "", None, ()
        inner = [c for c in node.children if c.type not in ("${", "}")]
        if not inner:
            return written, None, inner, "", "", None, ()
        head_type = inner[0].type
        head_name = self.text(inner[0]) if head_type not in ("!", "subscript") else ""
        if head_name[:1] == "$" and head_type == "variable_name":
            # `${$NAME}`, `${$1}`, read by parse.py as `${_NAME}`: a bad substitution in bash
            return written, None, [], BAD_SUBSTITUTION, "", None, ()
        op = self.text(inner[1]) if len(inner) > 1 else None
        return written, None, inner, head_type, head_name, op, inner[2:]

    def _expansion(self, node: Any, state: State, ctx: _Ctx, quoted: bool) -> Val | list[Val]:
        shape = self._plans.get(node)
        if shape is None:
            shape = self._plans[node] = self._expansion_shape(node)
        written, simple_name, inner, head_type, head_name, op, arg_nodes = shape
        if simple_name is not None:  # $NAME
            found = self._lookup(simple_name, state)
            if found is None:
                return unknown(ENV, simple_name, text=written)
            return self._shown_as(found, simple_name, written)
        # ${...}
        if not inner:
            if head_type is BAD_SUBSTITUTION:
                raise _BadSubstitution(node)
            return ""
        if head_type == "#" and len(inner) == 2:  # ${#V}, ${#A[@]}
            return self._length(inner[1], state, node)
        head = inner[0]
        if head_type == "!":
            return self._indirect(inner[1:], state, node, quoted)
        value: Val | list[Val] | None
        name: str
        if head_type == "subscript":
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
            name = head_name
            value = self._lookup(name, state)
        if op is None:
            if value is None:
                return unknown(ENV, name, text=written)
            return self._shown_as(value, name, written)
        if op == "@":
            return self._transformed(value, name, self.text(arg_nodes[0]) if arg_nodes else "", state, written)

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


# Nodes whose text is their one field (a backslash in a word escapes the next character).
_LITERAL_NODES = frozenset(("word", "number", "extglob_pattern", "regex", "heredoc_start", "test_operator",
                            "variable_name", "special_variable_name"))

_LEADING_BLANKS = re.compile(r"[ \t\n]+")
BAD_SUBSTITUTION = "bad substitution"  # an expansion's shape: `${$NAME}`

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
    expression = "".join(out)
    tree: ast.Expression | None
    if expression in _PARSED:
        tree = _PARSED[expression]
    else:
        try:
            tree = ast.parse(expression, mode="eval")
        except SyntaxError:
            tree = None
        if len(_PARSED) >= _PARSED_MAX:
            _PARSED.clear()
        _PARSED[expression] = tree
    if tree is None:
        return None
    try:
        result = _evaluate(tree)
    except (ValueError, KeyError, RecursionError):
        return None
    return result if -(2 ** 63) <= result < 2 ** 63 else None


# Parsed arithmetic by its Python text (None: not an expression): a loop runs the same `$((n + 1))`
# at every iteration, and _evaluate never changes a tree. Bounded; cleared when full.
_PARSED: dict[str, ast.Expression | None] = {}
_PARSED_MAX = 4096


def _evaluate(n: ast.AST) -> int:
    """The value of a parsed arithmetic expression (ValueError: not one ``_arith`` understands).
    At module level: a closure that calls itself is a reference cycle at every call."""
    import ast

    if isinstance(n, ast.Expression):
        return _evaluate(n.body)
    if isinstance(n, ast.Constant) and isinstance(n.value, int):
        return int(n.value)
    if isinstance(n, ast.UnaryOp):
        v = _evaluate(n.operand)
        return -v if isinstance(n.op, ast.USub) else v if isinstance(n.op, ast.UAdd) else int(not v)
    if isinstance(n, ast.BoolOp):
        vals = [_evaluate(v) for v in n.values]
        return int(all(vals)) if isinstance(n.op, ast.And) else int(any(vals))
    if isinstance(n, ast.Compare) and len(n.ops) == 1:
        a, b = _evaluate(n.left), _evaluate(n.comparators[0])
        cmp = {ast.Lt: a < b, ast.LtE: a <= b, ast.Gt: a > b, ast.GtE: a >= b, ast.Eq: a == b, ast.NotEq: a != b}
        return int(cmp[type(n.ops[0])])
    if isinstance(n, ast.BinOp):
        a, b = _evaluate(n.left), _evaluate(n.right)
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


def _shell_words(text: str) -> list[str]:
    import shlex

    try:
        return shlex.split(text, comments=False)
    except ValueError:
        return text.split()


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
