"""Shell builtins and common utilities the analysis models: `set`, `shopt`, `trap`, `cd`, `echo`,
`printf`, `read`, `mapfile`, `cat`, `grep`, `xargs` and friends."""

from __future__ import annotations

import os
import posixpath
import re

from .state import Machine, State, _Ctx
from .trace import CommandRun, Exit
from .values import (
    OTHER,
    OUTPUT,
    READ,
    Val,
    concat,
    is_known,
    join,
    unknown,
)
from .words import _shell_words


class Builtins(Machine):
    """The builtins and utilities the analysis models (``_b_NAME`` runs ``NAME``)."""

    def _b_set(self, run: CommandRun, args: list[Val], state: State, ctx: _Ctx) -> None:
        i = 0
        while i < len(args):
            arg = args[i]
            if arg in ("-o", "+o") and i + 1 < len(args):
                on = arg == "-o"
                opt = args[i + 1]
                if opt == "errexit":
                    state.errexit = "on" if on else "disabled"
                elif opt == "pipefail":
                    state.pipefail = on
                elif opt == "errtrace":
                    state.errtrace = on
                elif opt == "allexport":
                    state.allexport = on
                i += 2
                continue
            if arg == "--":
                state.positional = args[i + 1 :]
                return
            if isinstance(arg, str) and len(arg) > 1 and arg[0] in "-+" and arg[1:].isalpha():
                on = arg[0] == "-"
                letters = arg[1:]
                if "e" in letters:
                    state.errexit = "on" if on else "disabled"
                if "E" in letters:
                    state.errtrace = on
                if "a" in letters:
                    state.allexport = on
                if "o" in letters and i + 1 < len(args):
                    if args[i + 1] == "pipefail":
                        state.pipefail = on
                    elif args[i + 1] == "errexit":
                        state.errexit = "on" if on else "disabled"
                    elif args[i + 1] == "errtrace":
                        state.errtrace = on
                    i += 1
            i += 1

    def _b_shopt(self, run: CommandRun, args: list[Val], state: State, ctx: _Ctx) -> None:
        if args and args[0] in ("-s", "-u"):
            for opt in args[1:]:
                if opt == "inherit_errexit":
                    state.inherit_errexit = args[0] == "-s"
                elif opt == "expand_aliases":
                    state.expand_aliases = args[0] == "-s"
                elif opt == "lastpipe":
                    state.lastpipe = args[0] == "-s"

    def _b_trap(self, run: CommandRun, args: list[Val], state: State, ctx: _Ctx) -> None:
        if len(args) >= 2 and "ERR" in args[1:]:
            handler = args[0]
            state.err_trap = handler not in ("", "-")  # `trap - ERR` / `trap '' ERR` reset it

    def _b_shift(self, run: CommandRun, args: list[Val], state: State, ctx: _Ctx) -> None:
        first = args[0] if args else ""
        n = int(first) if isinstance(first, str) and first.isdigit() else 1
        state.positional = state.positional[n:]

    def _b_exit(self, run: CommandRun, args: list[Val], state: State, ctx: _Ctx) -> None:
        self._emit(Exit("exit", run.span, args[0] if args else ""))
        state.terminated = True
        state.exit_kind = "exit"

    def _b_return(self, run: CommandRun, args: list[Val], state: State, ctx: _Ctx) -> None:
        if not self._function_stack and not self._source_stack:
            return
        self._emit(Exit("return", run.span, args[0] if args else ""))
        state.terminated = True
        state.exit_kind = "return"

    def _b_break(self, run: CommandRun, args: list[Val], state: State, ctx: _Ctx) -> None:
        self._emit(Exit("break", run.span))
        state.terminated = True
        state.exit_kind = "break"

    _b_continue = _b_break

    def _b_cd(self, run: CommandRun, args: list[Val], state: State, ctx: _Ctx) -> None:
        target = next((a for a in args if not a.startswith("-")), None)
        if target is None:
            state.cwd = unknown(OTHER, "home", text="$HOME")
        elif is_known(target) and is_known(state.cwd) and not os.path.isabs(target):
            state.cwd = posixpath.normpath(posixpath.join(state.cwd, target))
        elif is_known(target) and os.path.isabs(target):
            state.cwd = posixpath.normpath(target)
        elif is_known(target):
            state.cwd = concat(state.cwd, "/", target)  # relative to a directory not known
        else:
            state.cwd = target

    def _b_pwd(self, run: CommandRun, args: list[Val], state: State, ctx: _Ctx) -> None:
        self._output(ctx, state.cwd + "\n")

    def _b_dirname(self, run: CommandRun, args: list[Val], state: State, ctx: _Ctx) -> None:
        arg = next((a for a in args if not a.startswith("-")), "")
        if is_known(arg):
            self._output(ctx, (posixpath.dirname(arg.rstrip("/")) or ".") + "\n")
        else:
            self._output(ctx, concat(unknown(OUTPUT, "dirname", arg), "\n"))

    def _b_basename(self, run: CommandRun, args: list[Val], state: State, ctx: _Ctx) -> None:
        rest = [a for a in args if not a.startswith("-")]
        if rest and is_known(rest[0]):
            base = posixpath.basename(rest[0].rstrip("/"))
            if len(rest) > 1 and is_known(rest[1]) and base.endswith(rest[1]) and base != rest[1]:
                base = base[: -len(rest[1])]
            self._output(ctx, base + "\n")
        else:
            self._output(ctx, concat(unknown(OUTPUT, "basename", tuple(args)), "\n"))

    def _b_realpath(self, run: CommandRun, args: list[Val], state: State, ctx: _Ctx) -> None:
        rest = [a for a in args if not a.startswith("-")]
        if rest and is_known(rest[0]) and is_known(state.cwd):
            self._output(ctx, posixpath.normpath(posixpath.join(state.cwd, rest[0])) + "\n")
        else:
            self._output(ctx, concat(unknown(OUTPUT, "realpath", state.cwd, tuple(args)), "\n"))

    _b_readlink = _b_realpath

    def _b_echo(self, run: CommandRun, args: list[Val], state: State, ctx: _Ctx) -> None:
        newline = True
        while args and args[0] in ("-n", "-e", "-E", "-ne", "-en"):
            if "n" in args[0]:
                newline = False
            args = args[1:]
        self._output(ctx, concat(join(" ", args), "\n" if newline else ""))

    def _b_printf(self, run: CommandRun, args: list[Val], state: State, ctx: _Ctx) -> None:
        """``printf FORMAT ARGS`` and ``printf -v NAME FORMAT ARGS`` (the text goes into NAME)."""
        target: Val | None = None
        if len(args) > 2 and args[0] == "-v":
            target, args = args[1], args[2:]
        text: Val | None = None
        if args and isinstance(args[0], str) and all(isinstance(a, str) for a in args[1:]):
            text = _printf(args[0], [a for a in args[1:] if isinstance(a, str)])
        elif args and isinstance(args[0], str) and args[0] in ("%s", "%s\\n") and len(args) == 2:
            text = concat(args[1], "\n" if args[0].endswith("\\n") else "")
        if target is not None:
            if isinstance(target, str):
                state.vars[target] = text if text is not None else \
                    unknown(OUTPUT, "printf", self._at_run(run), text=f"${target}")
                if state.allexport:
                    state.exported.add(target)
            return
        self._output(ctx, text if text is not None else unknown(OUTPUT, "printf", self._at_run(run), tuple(args)))

    def _b_true(self, run: CommandRun, args: list[Val], state: State, ctx: _Ctx) -> None:
        return

    _b_false = _b_true

    _b_colon = _b_true

    def _b_read(self, run: CommandRun, args: list[Val], state: State, ctx: _Ctx) -> None:
        names = [a for a in args if isinstance(a, str) and re.fullmatch(r"[A-Za-z_]\w*", a)]
        for name in names or ["REPLY"]:
            state.vars[name] = unknown(READ, name, self._at_run(run), text=f"${name}")

    def _b_cat(self, run: CommandRun, args: list[Val], state: State, ctx: _Ctx) -> None:
        files = [a for a in args if not a.startswith("-")]
        text = self._stdin if not files else self._read_file(files[0], state) if len(files) == 1 else None
        self._output(ctx, text if text is not None else unknown(OUTPUT, self._at_run(run), tuple(args)))

    def _b_grep(self, run: CommandRun, args: list[Val], state: State, ctx: _Ctx) -> None:
        """``grep [-v] [-E] PATTERN [FILE]`` over known input (``export $(grep -v '^#' .env | xargs)``)."""
        flags = "".join(a[1:] for a in args if isinstance(a, str) and a.startswith("-") and not a.startswith("--"))
        rest = [a for a in args if not a.startswith("-")]
        unknown_output = unknown(OUTPUT, self._at_run(run), tuple(args))
        regex = rest[0] if rest else None
        if not isinstance(regex, str) or set(flags) - set("vEe"):
            self._output(ctx, unknown_output)
            return
        text = self._stdin if len(rest) == 1 else self._read_file(rest[1], state) if len(rest) == 2 else None
        if not isinstance(text, str):
            self._output(ctx, unknown_output)
            return
        try:
            pattern = re.compile(regex)
        except re.error:
            self._output(ctx, unknown_output)
            return
        invert = "v" in flags
        kept = [line for line in text.splitlines() if bool(pattern.search(line)) != invert]
        self._output(ctx, "".join(line + "\n" for line in kept))

    def _b_xargs(self, run: CommandRun, args: list[Val], state: State, ctx: _Ctx) -> None:
        """``xargs`` with no command: echo its input's words on one line."""
        text = self._stdin
        if not isinstance(text, str) or args:
            self._output(ctx, unknown(OUTPUT, self._at_run(run), tuple(args)))
            return
        self._output(ctx, " ".join(_shell_words(text)) + "\n")

    def _b_mapfile(self, run: CommandRun, args: list[Val], state: State, ctx: _Ctx) -> None:
        """``mapfile -t ARR <<< "$X"`` / ``readarray``: one element per line of known input."""
        names = [a for a in args if isinstance(a, str) and re.fullmatch(r"[A-Za-z_]\w*", a)]
        name = names[-1] if names else "MAPFILE"
        text = self._stdin
        if text is None or not is_known(text):
            state.vars[name] = [unknown("list", name, self._at_run(run), text=f"${{{name}[@]}}")]
            return
        lines: list[Val] = list(text.split("\n"))
        if lines and lines[-1] == "":
            lines.pop()
        state.vars[name] = lines if "-t" in args else [concat(line, "\n") for line in lines]

    _b_readarray = _b_mapfile


def _printf(fmt: str, args: list[str]) -> str | None:
    """What ``printf FORMAT ARGS...`` prints for the formats deploy scripts use (``%s``, ``%d``,
    ``%%``, ``\\n``, ``\\t``), reusing the format until the arguments run out (None: not modelled)."""
    spec = re.compile(r"%(-?\d*)([sdi%])")
    if re.search(r"%(?!-?\d*[sdi%])", fmt):
        return None
    fmt = fmt.replace("\\n", "\n").replace("\\t", "\t").replace("\\\\", "\\")
    pieces = spec.split(fmt)  # text, width, kind, text, width, kind, ..., text
    out: list[str] = []
    rest = list(args)
    while True:
        used = 0
        for i, piece in enumerate(pieces):
            if i % 3 == 0:
                out.append(piece)
                continue
            if i % 3 == 1:
                continue
            if piece == "%":
                out.append("%")
                continue
            arg = rest[used] if used < len(rest) else ""
            used += 1
            if piece in "di":
                if not re.fullmatch(r"-?\d+", arg or "0"):
                    return None
                arg = str(int(arg or "0"))
            width = pieces[i - 1]
            if width:
                w = int(width)
                arg = arg.ljust(-w) if w < 0 else arg.rjust(w)
            out.append(arg)
        rest = rest[used:]
        if not rest or used == 0:
            return "".join(out)
