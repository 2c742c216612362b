"""``shlint-iam check``'s usual options, read without click.

Importing click is about a quarter of an on-save lint (issue 15: 74 M of ~320 M instructions, more
than the whole analysis of a 100-line script). The process's own command line (entry.py) reads a
``check`` here first, exactly as click would read it, and runs the command without click; any
argument list it is not sure of is left to click: help, ``--version``, an unknown or misspelt
option, a missing or invalid value, the options whose values click checks against the file
system (``-o``, ``--project-root``, ``--source-path``, ``--cache-dir``, an unreadable
``--config``), and options set through the environment. So click still writes every usage error
and every help text, and the result is the same either way: tests/test_check_argv.py compares
both readings on generated argument lists, and the option table with the click command's own.
"""

from __future__ import annotations

import os

TYPE_CHECKING = False  # as typing.TYPE_CHECKING, without importing typing (on-save start-up)
if TYPE_CHECKING:
    from collections.abc import Sequence

FLAG = "flag"  # present: True (or the value given in the table)
TEXT = "text"  # one value; the last one given wins
TEXTS = "texts"  # many values, in order (click's ``multiple=True``)
CHOICE = "choice"  # one value among a fixed set
COUNT = "count"  # a whole number >= 0 (click's ``IntRange(min=0)``)
FILE = "file"  # a path click checks only for being readable when it exists (``click.Path()``)

_LEVELS = ("error", "warning", "info")


def _formats() -> tuple[str, ...]:
    from .report import FORMATS

    return FORMATS


# option name -> (parameter, kind, choices or the flag's value)
OPTIONS: dict[str, tuple[str, str, object]] = {
    "--format": ("output_format", CHOICE, None),  # choices: the report formats
    "-f": ("output_format", CHOICE, None),
    "--output-format": ("output_format_alias", CHOICE, None),
    "--select": ("select", TEXTS, None),
    "--ignore": ("ignore", TEXTS, None),
    "--extend-select": ("extend_select", TEXTS, None),
    "--config": ("config_file", FILE, None),
    "--stdin-filename": ("stdin_filename", TEXT, None),
    "--exit-zero": ("exit_zero", FLAG, True),
    "--fail-on": ("fail_on", CHOICE, _LEVELS),
    "--no-color": ("no_color", FLAG, True),
    "--color": ("color_mode", CHOICE, ("auto", "always", "never")),
    "--severity": ("min_severity", CHOICE, _LEVELS),
    "--jobs": ("jobs", COUNT, None),
    "-j": ("jobs", COUNT, None),
    "--include-suppressed": ("include_suppressed", FLAG, True),
    "--show-settings": ("show_settings", TEXT, None),
    "--respect-gitignore": ("respect_gitignore", FLAG, True),
    "--no-respect-gitignore": ("respect_gitignore", FLAG, False),
    "--force-exclude": ("force_exclude", FLAG, True),
    "--fix": ("apply_fix", FLAG, True),
    "--unsafe-fixes": ("unsafe_fixes", FLAG, True),
    "--diff": ("show_diff", FLAG, True),
    "--add-noqa": ("add_noqa", FLAG, True),
    "--statistics": ("statistics", FLAG, True),
    "--plugin": ("plugins", TEXTS, None),
    "--no-cache": ("no_cache", FLAG, True),
    "--sarif-category": ("sarif_category", TEXT, None),
}

# Every parameter of the command, as click gives it when its option is absent.
DEFAULTS: dict[str, object] = {
    "paths": (),
    "output_format": "text",
    "output_format_alias": None,
    "output_file": None,
    "select": (),
    "ignore": (),
    "extend_select": (),
    "config_file": None,
    "stdin_filename": None,
    "exit_zero": False,
    "fail_on": "info",
    "no_color": False,
    "color_mode": "auto",
    "min_severity": None,
    "jobs": None,
    "project_root": None,
    "include_suppressed": False,
    "show_settings": None,
    "respect_gitignore": None,
    "force_exclude": False,
    "apply_fix": False,
    "unsafe_fixes": False,
    "show_diff": False,
    "add_noqa": False,
    "statistics": False,
    "plugins": (),
    "source_path": (),
    "no_cache": False,
    "cache_dir": None,
    "sarif_category": None,
}

# Options that click reads from the environment when they are not given.
ENVIRONMENT = ("SHLINT_IAM_NO_CACHE", "SHLINT_IAM_CACHE_DIR")


def _options_in_environment() -> bool:
    return os.environ.get("SHLINT_IAM_NO_CACHE") is not None or os.environ.get("SHLINT_IAM_CACHE_DIR") is not None


def read_check_argv(argv: Sequence[str]) -> dict[str, object] | None:
    """The parameters of ``check`` for ``argv`` (what follows ``check``), as click's would be;
    None when click is to read them (see the module's docstring)."""
    if _options_in_environment():
        return None
    params = dict(DEFAULTS)
    lists: dict[str, list[str]] = {}
    paths: list[str] = []
    at = 0
    while at < len(argv):
        arg = argv[at]
        at += 1
        if arg == "--":
            paths.extend(argv[at:])
            break
        if arg[:1] != "-" or len(arg) == 1:
            paths.append(arg)  # click takes arguments between options too
            continue
        value: str | None = None
        if arg[:2] == "--":
            name, equals, explicit = arg.partition("=")
            if equals:
                value = explicit
        else:  # click reads `-fjson` as `-f json` (and `-f=json` as the value `=json`)
            name = arg[:2]
            if len(arg) > 2:
                value = arg[2:]
        spec = OPTIONS.get(name)
        if spec is None:
            return None
        parameter, kind, given = spec
        if kind == FLAG:
            if value is not None:  # `--exit-zero=1`: click's "does not take a value"
                return None
            params[parameter] = given
            continue
        if value is None:
            if at == len(argv):  # click's "requires an argument"
                return None
            value = argv[at]  # click takes the next word whatever it looks like
            at += 1
        if not _valid(kind, given, value):
            return None
        if kind == TEXTS:
            lists.setdefault(parameter, []).append(value)
        else:
            params[parameter] = int(value) if kind == COUNT else value
    params.update((parameter, tuple(values)) for parameter, values in lists.items())
    params["paths"] = tuple(paths)
    return params


def _valid(kind: str, choices: object, value: str) -> bool:
    """Whether click would take ``value`` as it is (else click is to say why not)."""
    if kind == CHOICE:
        return value in (choices if isinstance(choices, tuple) else _formats())
    if kind == COUNT:
        return value.isascii() and value.isdigit()
    if kind == FILE:  # click.Path(): an existing path must be readable
        try:
            os.stat(value)
        except (OSError, ValueError):
            return True
        return os.access(value, os.R_OK)
    return True
