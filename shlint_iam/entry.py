"""The process's own command line (the ``shlint-iam`` console script, ``python -m shlint_iam``).

Before importing anything else, a ``check`` forks its supervisor (supervise.py), so that a native
crash during the lint still fails only the file it happened on without a fork per file; the
language server isolates each lint itself and is not supervised.

A ``check`` also starts without the cyclic garbage collector, until its lint begins
(guard.defer_collection), and its usual options are read without importing click
(check_argv.py): click is imported for every other command, and for a ``check`` whose
arguments need it (help, a usage error).
"""

from __future__ import annotations

import os
import sys


def main() -> None:
    try:
        if sys.argv[1:2] == ["check"]:
            from . import supervise

            supervise.start()
            from .guard import defer_collection

            defer_collection()
            from .check_argv import read_check_argv

            options = read_check_argv(sys.argv[2:])
            if options is not None:
                _check(options)
        from .cli import main as cli_main
    except KeyboardInterrupt:  # Ctrl-C while starting up: as at any other time, no traceback
        try:
            sys.stderr.write("shlint-iam: interrupted\n")
            sys.stderr.flush()
        finally:
            os._exit(130)
    cli_main()


def _check(options: dict[str, object]) -> None:
    """``check`` with ``options`` as click would have run it (cli.main: the same confinement of
    the import path, the same ending for every error, the same exit without clean-up)."""
    from .exits import guarded, interrupted_or_ended, leave
    from .plugins import confine_import_path

    def command() -> None:
        try:
            from .check_command import run_check

            run_check(**options)  # type: ignore[arg-type]
        except (EOFError, KeyboardInterrupt) as exc:
            _newline_on_stderr()  # as click does before it raises Abort
            interrupted_or_ended(exc)

    try:
        confine_import_path()
        guarded(command)
    except SystemExit as exc:
        leave(exc.code)


def _newline_on_stderr() -> None:
    stream = sys.stderr
    if stream is None:
        return
    try:
        stream.write("\n")
        stream.flush()
    except (OSError, ValueError):
        pass
