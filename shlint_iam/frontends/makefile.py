"""Makefiles: the recipes of the deploy targets, as make runs them.

A small, honest model of GNU make:

- Variables: ``NAME = v``, ``:=``, ``::=``, ``?=`` (its value is taken as the default the
  environment may override), ``+=``, with ``export``/``override`` prefixes; ``$(NAME)``,
  ``${NAME}`` and ``$X`` in recipes expand to their values; ``$@``, ``$<`` and ``$^`` to the
  target and its prerequisites; ``$$`` is a ``$``. A variable the Makefile does not define
  (it comes from the environment or the command line) and any function call (``$(shell ...)``,
  ``$(subst ...)``) is an unknown shown as written.
- Rules ``target: prerequisites`` (``;`` recipes too) and tab-indented recipe lines, with
  backslash continuations passed to the shell as make does. Each recipe line runs as its own
  ``$(SHELL) $(.SHELLFLAGS) LINE`` (``/bin/sh -c``: no errexit unless ``.SHELLFLAGS`` has ``-e``);
  with ``.ONESHELL:`` the whole recipe is one program. ``@``, ``+`` and ``-`` prefixes are
  stripped; make stops at the first failing line unless it starts with ``-``.
- The *goals* are the targets that run gcloud (in their recipe or through a prerequisite) and
  are not a prerequisite of another such target; each goal runs its prerequisites depth-first,
  left to right, each once, then its own recipe. Each goal is one deployment; the goals are
  alternatives (``make deploy`` or ``make deploy-worker``).

Not followed: ``include``, ``define``/``endef`` (skipped), conditionals (``ifeq``/``ifdef``: every
branch's definitions are taken), pattern rules, target-specific variables, ``.RECIPEPREFIX``.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field

from ..shell.values import written
from ..source import SourceFile
from .embedded import DocIndex, Document, Program, ScriptBuilder, Unknown

_ASSIGN = re.compile(
    r"^(?P<pre>(?:(?:export|override|private)\s+)*)(?P<name>[A-Za-z0-9_.\-/]+)\s*(?P<op>::=|:=|\?=|\+=|!=|=)(?P<value>.*)$"
)
_RULE = re.compile(r"^(?P<targets>[^:=#\t][^:=#]*?)\s*(?P<colon>::?)(?!=)(?P<rest>.*)$")
_DIRECTIVES = ("ifeq", "ifneq", "ifdef", "ifndef", "else", "endif", "include", "-include", "sinclude", "vpath",
               "unexport", "export", "undefine")

Pieces = list[tuple["str | Unknown", int]]


@dataclass
class _Line:
    text: str
    offsets: list[int]  # document offset of each character (continuations removed for make lines)
    start: int


@dataclass
class _Target:
    name: str
    prereqs: list[str] = field(default_factory=list)
    recipe: list[_Line] = field(default_factory=list)
    line_offset: int = 0


class _Make:
    def __init__(self, text: str) -> None:
        self.text = text
        self.vars: dict[str, tuple[str, list[int]]] = {}
        self.targets: dict[str, _Target] = {}
        self.order: list[str] = []
        self.oneshell = False
        self.includes: list[tuple[int, int, str]] = []  # (start, end offset, file names) of `include` lines
        self.parse()

    # -- reading the file --------------------------------------------------------------
    def _physical(self) -> list[tuple[str, int]]:
        lines = []
        pos = 0
        for raw in self.text.split("\n"):
            lines.append((raw[:-1] if raw.endswith("\r") else raw, pos))
            pos += len(raw) + 1
        return lines

    def parse(self) -> None:
        lines = self._physical()
        i = 0
        current: _Target | list[_Target] | None = None
        in_define = False
        while i < len(lines):
            raw, start = lines[i]
            if in_define:
                if raw.strip() == "endef":
                    in_define = False
                i += 1
                continue
            if raw.startswith("\t") and current is not None:
                # A recipe line, with its backslash continuations (passed to the shell as is;
                # the tab that starts each continuation line is removed, as make does).
                text, offsets = raw[1:], list(range(start + 1, start + len(raw)))
                while text.endswith("\\") and i + 1 < len(lines):
                    i += 1
                    nxt, nstart = lines[i]
                    text += "\n"
                    offsets.append(start + len(lines[i - 1][0]))
                    skip = 1 if nxt.startswith("\t") else 0
                    text += nxt[skip:]
                    offsets.extend(range(nstart + skip, nstart + len(nxt)))
                    start = nstart
                line = _Line(text, offsets, offsets[0] if offsets else start)
                for target in current if isinstance(current, list) else [current]:
                    target.recipe.append(line)
                i += 1
                continue
            # A make line: join continuations with a space.
            text, offsets = raw, list(range(start, start + len(raw)))
            while text.endswith("\\") and i + 1 < len(lines):
                i += 1
                nxt, nstart = lines[i]
                text = text[:-1].rstrip() + " "
                offsets = offsets[: len(text) - 1] + [offsets[len(text) - 1] if len(offsets) >= len(text) else nstart]
                stripped = nxt.lstrip()
                lead = len(nxt) - len(stripped)
                text += stripped
                offsets.extend(range(nstart + lead, nstart + len(nxt)))
            i += 1
            code, code_offsets = _strip_comment(text, offsets)
            if not code.strip():
                continue
            word = code.split(None, 1)[0]
            if word == "define":
                in_define = True
                continue
            m = _ASSIGN.match(code)
            if m is not None:
                self._assign(m, code_offsets)
                if m.group("name") == ".ONESHELL":
                    self.oneshell = True
                continue
            if word in _DIRECTIVES:
                if word in ("include", "-include", "sinclude") and code_offsets:
                    included = code.split(None, 1)[1].strip() if len(code.split(None, 1)) > 1 else ""
                    self.includes.append((code_offsets[0], code_offsets[len(code.rstrip()) - 1] + 1, included))
                continue
            rule = _RULE.match(code)
            if rule is None:
                continue
            names = rule.group("targets").split()
            rest = rule.group("rest")
            recipe_inline = None
            if ";" in rest:
                rest, _, recipe_inline = rest.partition(";")
            if "=" in rest:  # target-specific variable: not followed
                current = None
                continue
            prereqs = [p for p in rest.replace("|", " ").split()]
            targets = []
            for name in names:
                if name == ".ONESHELL":
                    self.oneshell = True
                found = self.targets.get(name)
                if found is None:
                    found = self.targets[name] = _Target(name, line_offset=code_offsets[0] if code_offsets else start)
                    self.order.append(name)
                found.prereqs.extend(prereqs)
                targets.append(found)
            current = targets
            if recipe_inline is not None and recipe_inline.strip():
                cut = len(code) - len(recipe_inline)
                inline = recipe_inline.lstrip()
                cut += len(recipe_inline) - len(inline)
                line = _Line(inline, code_offsets[cut : cut + len(inline)], code_offsets[cut])
                for target in targets:
                    target.recipe.append(line)

    def _assign(self, m: re.Match[str], offsets: list[int]) -> None:
        name, op = m.group("name"), m.group("op")
        value = m.group("value")
        lead = len(value) - len(value.lstrip())
        value = value.strip()
        at = m.start("value") + lead
        value_offsets = offsets[at : at + len(value)]
        if op == "!=":
            self.vars[name] = ("$(shell " + value + ")", [offsets[m.start("value")]] * (len(value) + 9))
            return
        if op == "+=" and name in self.vars:
            old, old_offsets = self.vars[name]
            self.vars[name] = (old + " " + value, old_offsets + [value_offsets[0] if value_offsets else 0]
                               + value_offsets)
            return
        if op == "?=" and name in self.vars:
            return
        self.vars[name] = (value, value_offsets)

    # -- expansion -----------------------------------------------------------------------
    def expand(self, text: str, offsets: list[int], auto: dict[str, str], depth: int = 0) -> Pieces:
        out: Pieces = []
        i = 0
        n = len(text)
        while i < n:
            ch = text[i]
            if ch != "$" or i + 1 >= n:
                out.append((ch, offsets[i]))
                i += 1
                continue
            nxt = text[i + 1]
            at = offsets[i]
            if nxt == "$":
                out.append(("$", at))
                i += 2
                continue
            if nxt in "({":
                close = ")" if nxt == "(" else "}"
                j, level = i + 2, 1
                while j < n and level:
                    if text[j] == nxt:
                        level += 1
                    elif text[j] == close:
                        level -= 1
                    j += 1
                inner = text[i + 2 : j - 1]
                reference = text[i:j]
                i = j
            else:
                inner = nxt
                reference = text[i : i + 2]
                i += 2
            out.extend(self._reference(inner, reference, at, auto, depth))
        return out

    def _reference(self, inner: str, reference: str, at: int, auto: dict[str, str], depth: int) -> Pieces:
        if inner in auto:
            return [(c, at) for c in auto[inner]]
        if inner in self.vars and depth < 20 and re.fullmatch(r"[A-Za-z0-9_.\-/]+", inner):
            value, _ = self.vars[inner]
            return [(piece, at) for piece, _ in self.expand(value, [at] * len(value), auto, depth + 1)]
        return [(Unknown(reference), at)]

    def has_gcloud(self, target: _Target) -> bool:
        for line in target.recipe:
            pieces = self.expand(line.text, line.offsets, {"@": target.name})
            if "gcloud" in "".join(p for p, _ in pieces if isinstance(p, str)):
                return True
        return False


def _strip_comment(text: str, offsets: list[int]) -> tuple[str, list[int]]:
    i = 0
    while i < len(text):
        if text[i] == "\\":
            i += 2
            continue
        if text[i] == "#":
            return text[:i], offsets[:i]
        i += 1
    return text, offsets


def _shell_options(make: _Make) -> tuple[bool, bool]:
    flags = make.vars.get(".SHELLFLAGS", ("-c", []))[0]
    errexit = any(w.startswith("-") and not w.startswith("--") and "e" in w[1:] for w in flags.split())
    pipefail = "pipefail" in flags
    return errexit, pipefail


def front_end(doc: SourceFile, index: DocIndex) -> Document:
    make = _Make(doc.text)
    out = Document()
    for first, last, included in make.includes:
        (row, col), (end_row, end_col) = index.point(first), index.point(last)
        from ..model import Span

        out.not_followed(Span(doc.path, row, col, end_row, end_col), "`include` is not followed", included,
                         "included makefile")
    errexit, pipefail = _shell_options(make)
    cwd = os.path.dirname(doc.real_path or os.path.abspath(doc.path))
    deployish: dict[str, bool] = {}

    def deploys(name: str, seen: frozenset[str] = frozenset()) -> bool:
        if name in deployish:
            return deployish[name]
        target = make.targets.get(name)
        if target is None or name in seen:
            return False
        result = make.has_gcloud(target) or any(deploys(p, seen | {name}) for p in target.prereqs)
        deployish[name] = result
        return result

    candidates = [t for t in make.order if not t.startswith(".") and deploys(t)]
    needed = {p for t in candidates for p in make.targets[t].prereqs}
    goals = [t for t in candidates if t not in needed]
    for goal in goals:
        for name in _run_order(make, goal):
            target = make.targets[name]
            auto = {"@": name, "<": target.prereqs[0] if target.prereqs else "", "^": " ".join(target.prereqs)}
            lines = target.recipe
            if make.oneshell and lines:
                lines = [_join(lines)]
            for number, line in enumerate(lines, start=1):
                text, offsets = line.text, line.offsets
                ignore = None
                k = 0
                while k < len(text) and text[k] in "@-+ \t":
                    if text[k] == "-" and ignore is None:
                        ignore = offsets[k]
                    k += 1
                if make.oneshell:
                    text, offsets = _strip_prefixes(text, offsets)
                    k = 0
                builder = ScriptBuilder(out.placeholders, written)
                for piece, at in make.expand(text[k:], offsets[k:], auto):
                    builder.substitute(piece, at)
                if not builder.text.strip():
                    continue
                source = builder.build(doc, index)
                program = Program(source, f"target {name}, line {number}" if not make.oneshell else f"target {name}",
                                  errexit=errexit, pipefail=pipefail, cwd=cwd, group=goal, goal=goal)
                if ignore is not None:
                    from ..model import Span

                    line_no, col = index.point(ignore)
                    program.ignore_failure = Span(doc.path, line_no, col, line_no, col + 1)
                out.programs.append(program)
    return out


def _run_order(make: _Make, goal: str) -> list[str]:
    """``goal`` and its prerequisites in the order make runs them: depth-first, each once."""
    done: list[str] = []

    def visit(name: str, stack: tuple[str, ...]) -> None:
        if name in done or name in stack or name not in make.targets:
            return
        for prereq in make.targets[name].prereqs:
            visit(prereq, stack + (name,))
        done.append(name)

    visit(goal, ())
    return done


def _join(lines: list[_Line]) -> _Line:
    text = ""
    offsets: list[int] = []
    for line in lines:
        if text:
            text += "\n"
            offsets.append(offsets[-1] + 1 if offsets else line.start)
        text += line.text
        offsets.extend(line.offsets)
    return _Line(text, offsets, lines[0].start)


def _strip_prefixes(text: str, offsets: list[int]) -> tuple[str, list[int]]:
    """.ONESHELL: the ``@-+`` prefixes of every line are removed (a POSIX shell)."""
    out, out_offsets = [], []
    at_start = True
    for ch, at in zip(text, offsets, strict=False):
        if at_start and ch in "@-+ \t":
            continue
        at_start = ch == "\n"
        out.append(ch)
        out_offsets.append(at)
    return "".join(out), out_offsets
