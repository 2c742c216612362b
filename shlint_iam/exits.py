"""How a command ends: one line on stderr and an exit status, never a traceback.

Shared by the click commands (cli.py) and by the ``check`` that the process's own command line
runs without click (check_argv.py): neither imports click here.
"""

from __future__ import annotations

import contextlib
import errno
import os
import sys

TYPE_CHECKING = False  # as typing.TYPE_CHECKING, without importing typing (on-save start-up)
if TYPE_CHECKING:
    from collections.abc import Callable

_REPORT_BUGS = "please report it at https://github.com/shlint-iam/shlint-iam/issues"


def stderr_line(line: str) -> None:
    """One line on stderr, control characters escaped (a file name cannot start a new line,
    which GitHub Actions would read as a workflow command)."""
    from .report.escape import printable

    with contextlib.suppress(OSError, ValueError, AttributeError):  # AttributeError: stderr closed (None)
        sys.stderr.write(printable(line) + "\n")
        sys.stderr.flush()


def fail(message: str) -> None:
    """``shlint-iam: error: MESSAGE`` and exit 2."""
    stderr_line(f"shlint-iam: error: {message}")
    sys.exit(2)


def stdout_failed(exc: OSError) -> None:
    """Standard output cannot take the report (closed, a full disk, a reader that went away):
    exit 2 with one line on stderr, and no second error when Python flushes it at exit."""
    with contextlib.suppress(OSError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
    if exc.errno != errno.EPIPE:
        stderr_line(f"shlint-iam: error: cannot write the report to standard output: {exc.strerror or exc}")
    sys.exit(2)


def interrupted() -> None:
    """Ctrl-C: exit 130 (128 + SIGINT) like any shell tool, without a traceback."""
    stderr_line("shlint-iam: interrupted")
    # Now, without the interpreter's clean-up: an analysis thread or a worker pool stopped in the
    # middle must not print its own errors at exit, and no report was written yet.
    os._exit(130)


def interrupted_or_ended(cause: BaseException | None) -> None:
    """What click's ``Abort`` stands for: standard input ended (EOFError) or Ctrl-C."""
    if isinstance(cause, EOFError):
        fail("standard input ended while reading it")
    interrupted()


def guarded(command: Callable[[], object]) -> None:
    """Run ``command`` and exit with its status (an int; anything else is 0): an error it lets
    escape ends in one line and exit 2 (130 for Ctrl-C), never in a traceback."""
    code: object = None
    try:
        code = command()
    except KeyboardInterrupt:
        interrupted()
    except MemoryError:
        fail("out of memory")
    except OSError as exc:  # writing to a closed or full standard output (`rules`, `rule`)
        stdout_failed(exc)
    except RecursionError:
        fail("internal error: input nested too deeply")
    except Exception as exc:  # noqa: BLE001 - a bug must still end in one line and exit 2, not a traceback
        fail(f"internal error ({type(exc).__name__}: {exc}); {_REPORT_BUGS}")
    sys.exit(code if isinstance(code, int) else 0)


def leave(code: str | int | None) -> None:
    """Exit with ``code`` as ``sys.exit`` does, but at once: tearing the interpreter down (freeing
    every module, table and object a lint made, one by one) cost about 40 ms of CPU, a sixth of
    an on-save lint (issue 15). Nothing needs it: the report is written, files and cache
    entries are closed, forked children reaped, and the only thread a lint may leave is a
    daemon (guard.py). The standard streams are flushed first; if that fails, or ``code`` is a
    message, the usual exit reports it."""
    if code is not None and not isinstance(code, int):
        sys.exit(code)
    status = code or 0
    try:
        for stream in (sys.stdout, sys.stderr):
            if stream is not None:
                stream.flush()
    except (OSError, ValueError):
        sys.exit(status)
    os._exit(status)
