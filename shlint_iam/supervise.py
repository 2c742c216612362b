"""One fork per command, before any import: a native crash still fails only its file.

tree-sitter and plugins run native code; a segmentation fault there must not lose the other
files' results (isolate.py). Forking a child per file guarantees that, but on the command line
that fork happens after every module is loaded and costs 10 to 20 ms of an on-save lint
(copy-on-write faults as the analysis touches shared pages, the result pickled back): more than
a 100-line script's whole analysis.

So the command line forks once, at the very start, while the process is small (about 1 ms):

- the child runs the command as usual, except that it lints serially *in process*
  (:func:`declare` tells the linter it may), and tells its parent over a pipe where it is:
  ``S`` (a supervised lint started), ``I`` + length + bytes (standard input, read once, for a
  re-run), ``D`` (the lint is done: its report may be written from here on);
- the parent imports nothing, waits, and exits with the child's status. If the child dies of a
  signal during a supervised lint (``S`` and no ``D``), nothing has been printed yet: the parent
  runs the command itself, the usual way, each file in a forked child of its own, and so
  reports the file that crashes as "not analysed: the linter crashed on this file" with exit 2
  while every other file is linted (the files done before the crash come from the result cache).
  A child that dies after ``D`` (while writing its report), or outside a supervised lint, is
  reported in one line, exit 2.

Signals: SIGINT, SIGTERM and SIGHUP sent to the parent are passed on to the child. The child
answers SIGINT as before (``shlint-iam: interrupted``, exit 130) and ignores a second one (Ctrl-C
at a terminal reaches both processes, so the child gets it twice); when the child dies of a
signal that was not a crash (SIGINT, SIGTERM, SIGHUP), the parent ends by the same signal. (A
SIGKILL of the child is a crash, as the out-of-memory killer sends it: the file is then named.
A SIGKILL of the parent leaves the child to finish its run.)

Not supervised (the per-file fork as before): the language server, which runs for hours and
isolates each lint; ``--fix``, ``--diff`` and ``--add-noqa``, which write files between lints
(the child never says ``S``); platforms without ``os.fork``.
"""

from __future__ import annotations

import contextlib
import os
import sys

TYPE_CHECKING = False  # as typing.TYPE_CHECKING (for mypy), without importing typing before the fork
if TYPE_CHECKING:
    import signal
else:  # the C module under signal.py, without the enums that signal.py builds (~1 ms)
    import _signal as signal

_write_fd: int | None = None  # in the supervised child: the pipe to the parent
_replayed_input: bytes | None = None  # in a parent re-running the command: the child's standard input
_faulthandler_was_on = False

_CRASH_REPORT = "please report it at https://github.com/shlint-iam/shlint-iam/issues"


def can_fork() -> bool:
    """Whether this platform forks (not Windows): then lints are isolated, or supervised."""
    return hasattr(os, "fork")


def start() -> None:
    """Fork. Returns in the child (which runs the command), and in the parent only when the
    child crashed during its lint and the parent is to run the command itself; otherwise the
    parent exits with the child's status."""
    if not can_fork():
        return
    read_fd, write_fd = os.pipe()
    try:
        pid = os.fork()
    except OSError:  # no memory or process slot for a child: run without supervision
        os.close(read_fd)
        os.close(write_fd)
        return
    if pid == 0:
        global _write_fd, _faulthandler_was_on
        os.close(read_fd)
        _write_fd = write_fd
        # A crash during the lint is the parent's to report (by running the command again), not
        # a Python traceback on stderr before the report (PYTHONFAULTHANDLER, -X faulthandler,
        # which import the module: not imported, it is off).
        faulthandler = sys.modules.get("faulthandler")
        if faulthandler is not None and faulthandler.is_enabled():
            _faulthandler_was_on = True
            faulthandler.disable()
        if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
            signal.signal(signal.SIGINT, _interrupt)
        return
    os.close(write_fd)
    _supervise(pid, read_fd)


def _interrupt(signum: int, frame: object) -> None:
    """The child's SIGINT: Ctrl-C at a terminal reaches it twice (from the terminal, to the whole
    process group, and passed on by the parent), and is one interruption."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    raise KeyboardInterrupt


def _supervise(pid: int, read_fd: int) -> None:
    forwarded: list[int] = []

    def forward(signum: int, _frame: object) -> None:
        forwarded.append(signum)
        with contextlib.suppress(OSError):  # already gone
            os.kill(pid, signum)

    inherited = {signum: signal.getsignal(signum) for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
    for signum, handler in inherited.items():
        if handler not in (signal.SIG_IGN, None):  # ignored (a background job): still ignored
            signal.signal(signum, forward)
    said = bytearray()
    while True:  # until the child closes its end (at exit)
        chunk = os.read(read_fd, 1 << 16)
        if not chunk:
            break
        said += chunk
    os.close(read_fd)
    while True:
        try:
            _, status = os.waitpid(pid, 0)
            break
        except ChildProcessError:  # pragma: no cover - reaped elsewhere: nothing to report
            os._exit(2)
    messages = _messages(bytes(said))
    if os.WIFEXITED(status):
        os._exit(os.WEXITSTATUS(status))
    number = os.WTERMSIG(status)
    if number in forwarded or number in (signal.SIGINT, signal.SIGHUP, signal.SIGTERM):
        signal.signal(number, signal.SIG_DFL)  # end as the child did, as if never forked
        os.kill(os.getpid(), number)
        os._exit(128 + number)  # pragma: no cover - only if the signal could not end this process
    if "S" in messages and "D" not in messages:
        global _replayed_input
        _replayed_input = messages.get("I")
        for signum, handler in inherited.items():  # as they were before the fork
            if handler is not None:
                signal.signal(signum, handler)
        return  # run the command here, each file in a forked child of its own
    when = "while writing its report" if "D" in messages else "while running"
    _stderr(f"shlint-iam: error: the linter crashed {when} ({_signal_name(number)}); {_CRASH_REPORT}")
    os._exit(2)


def _messages(said: bytes) -> dict[str, bytes]:
    """What the child said: its one-letter messages, and the bytes of ``I`` (standard input)."""
    found: dict[str, bytes] = {}
    at = 0
    while at < len(said):
        kind = chr(said[at])
        at += 1
        if kind == "I":
            size = int.from_bytes(said[at:at + 8], "little")
            found[kind] = said[at + 8:at + 8 + size]
            at += 8 + size
        else:
            found[kind] = b""
    return found


def _signal_name(number: int) -> str:
    import signal as signals

    try:
        return f"killed by signal {signals.Signals(number).name}"
    except ValueError:
        return f"killed by signal {number}"


def _stderr(line: str) -> None:
    try:
        sys.stderr.write(line + "\n")
        sys.stderr.flush()
    except (OSError, ValueError, AttributeError):
        pass


def _say(message: bytes) -> None:
    global _write_fd
    if _write_fd is None:
        return
    try:
        view = memoryview(message)
        while view:
            view = view[os.write(_write_fd, view):]
    except OSError:  # the parent is gone: nobody will re-run anything
        forget()


def declare() -> bool:
    """Called by the command as its lint starts: whether a supervisor will re-run it after a
    native crash (then the linter may lint serially in this process)."""
    if _write_fd is None:
        return False
    _say(b"S")
    return _write_fd is not None


def keep_input(data: bytes) -> None:
    """Standard input as read, for the parent to lint again if this process crashes."""
    _say(b"I" + len(data).to_bytes(8, "little") + data)


def replayed_input() -> bytes | None:
    """In a parent running the command again: the standard input its crashed child read."""
    return _replayed_input


def lint_done() -> None:
    """The lint is over; output may begin. A crash from here on is not re-run (the report
    would be printed twice)."""
    _say(b"D")
    if _faulthandler_was_on:
        import faulthandler

        faulthandler.enable()


def forget() -> None:
    """In a process forked from the supervised child (a per-file child, a pool worker): not the
    supervised process; its end of the pipe is closed so that the parent's read ends with the child."""
    global _write_fd
    if _write_fd is not None:
        with contextlib.suppress(OSError):
            os.close(_write_fd)
        _write_fd = None
