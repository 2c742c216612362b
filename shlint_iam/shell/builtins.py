"""Shell builtins and common utilities the analysis models: `set`, `shopt`, `trap`, `cd`, `echo`,
`printf`, `read`, `mapfile`, `cat`, `grep`, `xargs` and friends."""

from __future__ import annotations

import os
import posixpath
import re
from typing import Any

from .state import Machine, State, _Ctx
from .trace import CommandRun, Exit
from .values import (
    OTHER,
    OUTPUT,
    READ,
    Val,
    concat,
    described_url,
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
        """``read [-r] [-a ARRAY] [-d DELIM] [-p PROMPT] [NAME...]``: from known input (a
        here-string, ``< file``) the first line (up to DELIM) split as bash splits it with ``$IFS``
        (``IFS=, read -r -a FNS <<< "$CSV"``, ``read -r NAME REGION <<< "$LINE"``); unknown values
        otherwise (a terminal, a pipe, ``-n``/``-u``, backslashes without ``-r``)."""
        parsed = _read_options(args)
        names, array = (parsed[0], parsed[1]) if parsed else (_names_in(args), None)
        values = _read_values(self._stdin, parsed, self._read_ifs(state)) if parsed else None
        at = self._at_run(run)
        if array is not None:
            fields = values[0] if values is not None else None
            state.vars[array] = list(fields) if fields is not None else \
                [unknown("list", array, at, text=f"${{{array}[@]}}")]
            return
        targets = names or ["REPLY"]
        split = values[1](len(targets)) if values is not None else None
        for index, name in enumerate(targets):
            state.vars[name] = split[index] if split is not None else unknown(READ, name, at, text=f"${name}")

    def _read_ifs(self, state: State) -> str | None:
        """``$IFS`` for this ``read``: its prefix assignment (``IFS=, read ...``), else the
        variable's value, else the default; None when not known."""
        prefix = self._builtin_prefix
        value = prefix["IFS"] if prefix and "IFS" in prefix else state.vars.get("IFS", " \t\n")
        return value if isinstance(value, str) else None

    def _b_cat(self, run: CommandRun, args: list[Val], state: State, ctx: _Ctx) -> None:
        files = [a for a in args if not a.startswith("-")]
        text = self._stdin if not files else self._read_file(files[0], state) if len(files) == 1 else None
        self._output(ctx, text if text is not None else unknown(OUTPUT, self._at_run(run), tuple(args)))

    def _b_tr(self, run: CommandRun, args: list[Val], state: State, ctx: _Ctx) -> None:
        """``tr SET1 SET2`` and ``tr -d SET`` over known input (``echo "$APP" | tr '[:upper:]_'
        '[:lower:]-'``): characters, ranges, ``[:upper:]``-style classes and escapes, as GNU tr."""
        text = self._stdin
        result = _tr(text, args) if isinstance(text, str) else None
        self._output(ctx, result if result is not None else unknown(OUTPUT, self._at_run(run), tuple(args)))

    def _b_jq(self, run: CommandRun, args: list[Val], state: State, ctx: _Ctx) -> None:
        """``jq -r '.status.url'`` (``.status.address.url``, ``.serviceConfig.uri``, ``.httpsTrigger.url``,
        ``.url``, ``.uri``) over what ``gcloud run services describe S --format=json`` (or
        ``functions describe``) prints: the service's URL."""
        raw = any(a in ("-r", "--raw-output") or (isinstance(a, str) and a.startswith("-") and not
                                                   a.startswith("--") and "r" in a) for a in args)
        filters = [a for a in args if isinstance(a, str) and not a.startswith("-")]
        url = described_url(self._stdin) if self._stdin is not None else None
        if url is not None and raw and len(filters) == 1 and filters[0].strip() in _URL_FIELDS:
            self._output(ctx, concat(url, "\n"))
            return
        self._output(ctx, unknown(OUTPUT, self._at_run(run), tuple(args)))
    def _b_sed(self, run: CommandRun, args: list[Val], state: State, ctx: _Ctx) -> None:
        """``sed 's/_/-/g'`` (``-e`` scripts, ``;``-separated ``s`` commands, ``-E``/``-r``) over known
        input: GNU sed's substitutions for the regular expressions deploy scripts use to derive
        names (``echo "$FN" | sed 's/_/-/g'``); anything else (a file, ``-i``, other commands) is
        unknown."""
        text = self._stdin
        result = _sed(text, args) if isinstance(text, str) else None
        self._output(ctx, result if result is not None else unknown(OUTPUT, self._at_run(run), tuple(args)))

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


_IFS_WHITESPACE = " \t\n"


def _names_in(args: list[Val]) -> list[str]:
    return [a for a in args if isinstance(a, str) and re.fullmatch(r"[A-Za-z_]\w*", a)]


def _read_options(args: list[Val]) -> tuple[list[str], str | None, bool, str] | None:
    """``read``'s options: (names, array, raw, delimiter), or None for what is not modelled
    (``-n``, ``-N``, ``-u``, ``-i``, an unknown word)."""
    names: list[str] = []
    array: str | None = None
    raw = False
    delim = "\n"
    i = 0
    while i < len(args):
        word = args[i]
        if not isinstance(word, str):
            return None
        if word.startswith("-") and len(word) > 1 and not names:
            if word == "--":
                names.extend(a for a in args[i + 1 :] if isinstance(a, str))
                break
            j = 1
            while j < len(word):
                letter = word[j]
                if letter == "r":
                    raw = True
                elif letter in "se":
                    pass
                elif letter in "adpt":
                    value: Val | None = word[j + 1 :]
                    if not value:
                        i += 1
                        value = args[i] if i < len(args) else None
                    if not isinstance(value, str):
                        return None
                    if letter == "a":
                        array = value
                    elif letter == "d":
                        delim = value[:1]  # `-d ''`: up to a NUL byte, the whole input here
                    break
                else:
                    return None
                j += 1
        else:
            if not re.fullmatch(r"[A-Za-z_]\w*", word):
                return None
            names.append(word)
        i += 1
    return names, array, raw, delim


def _read_values(text: Val | None, parsed: tuple[list[str], str | None, bool, str],
                 ifs: str | None) -> tuple[list[str], Any] | None:
    """The fields ``read`` splits the first record of ``text`` into, and a function giving the
    values of N names (the last takes the rest of the record, as bash does); None when the input,
    ``$IFS`` or the record (a backslash without ``-r``) is not known."""
    _, _, raw, delim = parsed
    if not isinstance(text, str) or ifs is None:
        return None
    record = text.split(delim, 1)[0] if delim else text
    if not raw and "\\" in record:
        return None
    spaces = "".join(c for c in ifs if c in _IFS_WHITESPACE)
    others = "".join(c for c in ifs if c not in _IFS_WHITESPACE)
    spans: list[tuple[int, int]] = []  # each field's start and end in the record
    start, end = 0, len(record)
    while start < end and record[start] in spaces:
        start += 1
    while end > start and record[end - 1] in spaces:
        end -= 1
    pos = start
    while pos < end:
        field_start = pos
        while pos < end and record[pos] not in ifs:
            pos += 1
        spans.append((field_start, pos))
        while pos < end and record[pos] in spaces:  # whitespace around a delimiter is part of it
            pos += 1
        if pos < end and record[pos] in others:
            pos += 1
            while pos < end and record[pos] in spaces:
                pos += 1
            if pos == end:
                break  # a trailing delimiter ends the last field; no empty field after it
        elif not ifs:
            break

    def for_names(count: int) -> list[str]:
        values = [record[a:b] for a, b in spans[: count - 1]]
        if len(spans) == count:  # one field left: the field, without a delimiter after it
            values.append(record[spans[-1][0] : spans[-1][1]])
        elif len(spans) > count:  # several: the rest of the record, delimiters and all
            values.append(record[spans[count - 1][0] : end])
        values.extend([""] * (count - len(values)))
        return values

    return [record[a:b] for a, b in spans], for_names


_TR_CLASSES = {
    "upper": "ABCDEFGHIJKLMNOPQRSTUVWXYZ", "lower": "abcdefghijklmnopqrstuvwxyz", "digit": "0123456789",
    "space": " \t\n\r\x0b\x0c", "blank": " \t",
}
_TR_CLASSES["alpha"] = _TR_CLASSES["upper"] + _TR_CLASSES["lower"]
_TR_CLASSES["alnum"] = _TR_CLASSES["alpha"] + _TR_CLASSES["digit"]
_TR_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "\\": "\\", "/": "/", "-": "-"}


def _tr_set(spec: str) -> str | None:
    """The characters of a ``tr`` set, in order (None: a form not modelled)."""
    out: list[str] = []
    i = 0
    while i < len(spec):
        if spec.startswith("[:", i):
            end = spec.find(":]", i + 2)
            name = spec[i + 2 : end] if end > 0 else ""
            if name not in _TR_CLASSES:
                return None
            out.append(_TR_CLASSES[name])
            i = end + 2
            continue
        char = spec[i]
        if char == "\\" and i + 1 < len(spec):
            escaped = _TR_ESCAPES.get(spec[i + 1])
            if escaped is None:
                return None
            char, i = escaped, i + 1
        elif char == "[" and len(spec) > i + 1 and spec[i + 1] not in ":":
            return None  # `[a*n]` repeats and `[=c=]` equivalence classes
        if i + 2 < len(spec) and spec[i + 1] == "-":
            last = spec[i + 2]
            if ord(last) < ord(char):
                return None
            out.append("".join(chr(c) for c in range(ord(char), ord(last) + 1)))
            i += 3
            continue
        out.append(char)
        i += 1
    return "".join(out)


def _tr(text: str, args: list[Val]) -> str | None:
    if not all(isinstance(a, str) for a in args):
        return None
    words = [a for a in args if isinstance(a, str)]
    if len(words) == 2 and words[0] == "-d":
        deleted = _tr_set(words[1])
        return None if deleted is None else "".join(c for c in text if c not in deleted)
    if len(words) != 2 or words[0].startswith("-"):
        return None  # -s, -c, -t: not modelled
    source, target = _tr_set(words[0]), _tr_set(words[1])
    if source is None or not target:
        return None
    target = target + target[-1] * (len(source) - len(target))  # GNU pads SET2 with its last character
    # SET2 longer than SET1: its extra characters map nothing. A character twice in SET1: its last
    # mapping wins, as in GNU tr.
    table = dict(zip(source, target[: len(source)], strict=True))
    return "".join(table.get(c, c) for c in text)


# Where a described service or function keeps its URL.
_URL_FIELDS = frozenset({".status.url", ".status.address.url", ".serviceConfig.uri", ".httpsTrigger.url", ".url",
                         ".uri"})
def _sed(text: str, args: list[Val]) -> str | None:
    """What ``sed ARGS`` prints for ``text`` when every command is an ``s`` substitution (None: not
    modelled)."""
    scripts: list[str] = []
    extended = False
    with_e = False
    i = 0
    while i < len(args):
        arg = args[i]
        if not isinstance(arg, str):
            return None
        if arg in ("-E", "-r", "--regexp-extended"):
            extended = True
        elif arg == "-e" and i + 1 < len(args):
            script = args[i + 1]
            if not isinstance(script, str):
                return None
            scripts.append(script)
            with_e = True
            i += 1
        elif arg.startswith("-") or with_e or scripts:
            return None  # -i, -n, a file to read
        else:
            scripts.append(arg)
        i += 1
    if not scripts:
        return None
    commands = []
    for script in scripts:
        for command in _sed_commands(script):
            if command is None:
                return None
            commands.append(command)
    lines = text.split("\n")
    ends_with_newline = text.endswith("\n")
    if ends_with_newline:
        lines.pop()
    out = []
    for line in lines:
        for pattern_text, replacement, count in commands:
            pattern = _sed_regex(pattern_text, extended)
            if pattern is None or (count == 0 and pattern.pattern not in ("^", "$") and pattern.search("")):
                return None  # `s/o*/0/g`: empty matches are placed differently by sed and Python
            repl = _sed_replacement(replacement)
            if repl is None:
                return None
            try:
                line = pattern.sub(repl, line, count=count)
            except (re.error, IndexError):
                return None
        out.append(line)
    return "\n".join(out) + ("\n" if ends_with_newline else "")


def _sed_commands(script: str) -> list[tuple[str, str, int] | None]:
    """The ``s/PATTERN/REPLACEMENT/FLAGS`` commands of a script (``;`` or newlines between them);
    None for anything else."""
    found: list[tuple[str, str, int] | None] = []
    i = 0
    while i < len(script):
        if script[i] in " ;\n\t":
            i += 1
            continue
        if script[i] != "s" or i + 1 >= len(script):
            return [None]
        delimiter = script[i + 1]
        fields: list[str] = []
        j = i + 2
        current: list[str] = []
        while j < len(script) and len(fields) < 2:
            c = script[j]
            if c == "\\" and j + 1 < len(script):
                current.append(script[j : j + 2] if script[j + 1] != delimiter else delimiter)
                j += 2
                continue
            if c == delimiter:
                fields.append("".join(current))
                current = []
            else:
                current.append(c)
            j += 1
        if len(fields) < 2:
            return [None]
        flags = ""
        while j < len(script) and script[j] not in ";\n":
            flags += script[j]
            j += 1
        flags = flags.strip()
        if flags not in ("", "g"):
            return [None]
        found.append((fields[0], fields[1], 0 if flags == "g" else 1))
        i = j
    return found


def _sed_regex(pattern: str, extended: bool) -> re.Pattern[str] | None:
    """A POSIX basic (or ``-E`` extended) regular expression as Python's; None for what is not
    translated (back-references in the pattern, ``\\{n,m\\}`` intervals, classes other than
    the common ones)."""
    out: list[str] = []
    i = 0
    classes = {"[:upper:]": "A-Z", "[:lower:]": "a-z", "[:digit:]": "0-9", "[:alpha:]": "A-Za-z",
               "[:alnum:]": "A-Za-z0-9", "[:space:]": " \t\n\r\x0c\x0b"}
    while i < len(pattern):
        c = pattern[i]
        if c == "[":
            end = pattern.find("]", i + 2 if pattern[i + 1 : i + 2] in ("]", "^") else i + 1)
            while end > 0 and pattern[end - 1] == ":" and pattern.rfind("[:", i + 1, end) > 0 \
                    and pattern.find("]", end + 1) > 0:
                end = pattern.find("]", end + 1)
            if end < 0:
                return None
            body = pattern[i + 1 : end]
            for name, chars in classes.items():
                body = body.replace(name, chars)
            if "[:" in body or "\\" in body:
                return None
            out.append("[" + body.replace("[", "\\[") + "]")
            i = end + 1
            continue
        if c == "\\" and i + 1 < len(pattern):
            nxt = pattern[i + 1]
            if not extended and nxt in "()|+?":
                out.append(nxt)
            elif nxt in ".*[]^$\\/" or (extended and nxt in "()|+?{}"):
                out.append("\\" + nxt)
            elif nxt == "n":
                out.append("\\n")
            elif nxt == "t":
                out.append("\\t")
            else:
                return None
            i += 2
            continue
        if c in "()|+?{}" and not extended:
            out.append("\\" + c)
        elif c == "{" and extended:
            return None
        else:
            out.append(c)
        i += 1
    try:
        return re.compile("".join(out))
    except re.error:
        return None


def _sed_replacement(replacement: str) -> str | None:
    """A sed replacement (``&``, ``\\1``..``\\9``, escapes) as a replacement for ``re.sub``."""
    out: list[str] = []
    i = 0
    while i < len(replacement):
        c = replacement[i]
        if c == "&":
            out.append("\\g<0>")
        elif c == "\\" and i + 1 < len(replacement):
            nxt = replacement[i + 1]
            if nxt.isdigit():
                out.append(f"\\g<{nxt}>")
            elif nxt == "n":
                out.append("\n")
            elif nxt == "t":
                out.append("\t")
            elif nxt in "&\\/":
                out.append(nxt.replace("\\", "\\\\"))
            else:
                return None
            i += 1
        elif c == "\\":
            return None
        else:
            out.append(c)
        i += 1
    return "".join(out)
