"""Native crashes stay with the file that caused them: work on each item in forked children.

tree-sitter and its grammar are C code; a plugin rule may call native code too. A segmentation
fault there kills the process, and with it every other file's results. :func:`map_isolated`
runs ``fn`` over the items in forked child processes (one, or ``workers``) that report each
result over a pipe as soon as it is done; if a child dies, the item it was working on is
answered with a :class:`Crash` and a new child takes the remaining items. Results come back in
the items' order. Forking is cheap on Linux (the children share the parent's loaded modules and
memory, copy-on-write): see docs/robustness.md for the measured cost.

Without ``os.fork`` (Windows) the items are worked on in this process, as before.
"""

from __future__ import annotations

import contextlib
import faulthandler
import gc
import os
import pickle
import select
import signal
import threading
from collections.abc import Callable, Iterator, Sequence
from typing import Any, Generic, TypeVar, cast

from . import supervise
from .records import record

_I = TypeVar("_I")
_R = TypeVar("_R")


@record(frozen=True)
class Crash:
    """The child working on an item died: how (``killed by signal SIGSEGV``, ``exited with 3``)."""

    how: str

    def __init__(self, how: str) -> None:
        self.__dict__["how"] = how


class Connection:
    """One end of a pair of pipes carrying pickled messages, each preceded by its length.

    (multiprocessing.connection does the same, but importing it costs about 15 ms of an on-save
    lint's start-up: subprocess, socket, the multiprocessing package.)"""

    def __init__(self, read_fd: int, write_fd: int) -> None:
        self.read_fd = read_fd
        self.write_fd = write_fd

    def fileno(self) -> int:
        return self.read_fd

    def send(self, obj: Any) -> None:
        data = pickle.dumps(obj, pickle.HIGHEST_PROTOCOL)
        view = memoryview(len(data).to_bytes(8, "little") + data)
        while view:
            view = view[os.write(self.write_fd, view):]

    def _read(self, size: int) -> bytes:
        chunks = []
        while size:
            chunk = os.read(self.read_fd, min(size, 1 << 20))
            if not chunk:
                raise EOFError("the other end closed the pipe")
            chunks.append(chunk)
            size -= len(chunk)
        return b"".join(chunks)

    def recv(self) -> Any:
        size = int.from_bytes(self._read(8), "little")
        return pickle.loads(self._read(size))

    def close(self) -> None:
        for fd in (self.read_fd, self.write_fd):
            with contextlib.suppress(OSError):
                os.close(fd)


def Pipe() -> tuple[Connection, Connection]:  # noqa: N802 - as multiprocessing.Pipe
    """Two connected ends (the parent's and the child's)."""
    down_r, down_w = os.pipe()  # parent -> child
    up_r, up_w = os.pipe()  # child -> parent
    return Connection(up_r, down_w), Connection(down_r, up_w)


def wait(conns: Sequence[Connection]) -> list[Connection]:
    """The connections that have something to read (or were closed), blocking until one has."""
    poller = select.poll()
    by_fd = {conn.fileno(): conn for conn in conns}
    for fd in by_fd:
        poller.register(fd, select.POLLIN)
    while True:
        try:
            ready = poller.poll()
        except InterruptedError:  # pragma: no cover - retried by Python itself since 3.5
            continue
        return [by_fd[fd] for fd, _ in ready if fd in by_fd]


@record()
class _Child(Generic[_I]):
    """A forked child and the pipes to it."""

    pid: int
    conn: Connection
    item: int | None  # the index it is working on

    def __init__(self, pid: int, conn: Connection, item: int | None = None) -> None:
        self.pid = pid
        self.conn = conn
        self.item = item


def can_isolate() -> bool:
    return hasattr(os, "fork")


class Cancel:
    """Stops the work of one job at once: the children that :func:`map_isolated` forks in a
    thread running under ``with token.applied():`` are killed by :meth:`cancel` (from any
    thread), and answer with a :class:`Crash`. The language server cancels a superseded lint
    this way: a newer text never waits for the lint of an older one."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pids: set[int] = set()
        self.cancelled = False

    def cancel(self) -> None:
        with self._lock:
            self.cancelled = True
            for pid in self._pids:
                with contextlib.suppress(OSError):
                    os.kill(pid, signal.SIGKILL)

    @contextlib.contextmanager
    def applied(self) -> Iterator[Cancel]:
        _CURRENT.token = self
        try:
            yield self
        finally:
            _CURRENT.token = None

    def _started(self, pid: int) -> None:
        with self._lock:
            self._pids.add(pid)
            if self.cancelled:
                with contextlib.suppress(OSError):
                    os.kill(pid, signal.SIGKILL)

    def _ended(self, pid: int) -> None:
        # Before the child is reaped: its pid cannot be reused while it is a zombie.
        with self._lock:
            self._pids.discard(pid)


_CURRENT = threading.local()

# Held around every fork. A child inherits the locks other threads of the parent hold at that
# moment, never to be released: a thread in the middle of an import holds that module's import
# lock, and a child importing the same module waited forever. A thread of the parent that may
# import while children are forked (the language server's code actions) holds this lock.
FORK_LOCK = threading.Lock()


def _token() -> Cancel | None:
    return cast("Cancel | None", getattr(_CURRENT, "token", None))


def map_isolated(
    fn: Callable[[_I], _R], items: Sequence[_I], workers: int = 1, weights: Sequence[int] | None = None
) -> Iterator[_R | Crash]:
    """``fn(item)`` for every item, results in order, each computed in a forked child (see module
    doc). With ``weights`` (the expected cost of each item, such as its size), the children take
    the heaviest items first, so that no child is left with a long one while the others idle;
    otherwise they take them in order (results then stream as they come)."""
    if not items:
        return
    if not can_isolate():  # pragma: no cover - not POSIX
        for item in items:
            yield fn(item)
        return
    todo = list(range(len(items)))
    if weights is not None:
        todo.sort(key=lambda index: (weights[index], -index))  # popped from the end: heaviest first
    else:
        todo.reverse()  # popped from the end: in order
    done: dict[int, _R | Crash] = {}
    children: list[_Child[_I]] = []
    following = 0
    # The objects that exist now are the parent's (modules, tables, configuration): frozen, the
    # children's garbage collections never visit them, so they never write to (and copy) the
    # pages the children share with the parent. About 12% of the CPU time of a one-file lint.
    gc.freeze()
    try:
        for _ in range(max(1, min(workers, len(items)))):
            children.append(_spawn(fn, items))
        for child in children:
            _assign(child, todo)
        while following < len(items):
            while following in done:
                yield done.pop(following)
                following += 1
            if following >= len(items):
                break
            busy = [c for c in children if c.item is not None]
            for ready in wait([c.conn for c in busy]):
                child = next(c for c in busy if c.conn is ready)
                conn = child.conn
                index = child.item
                assert index is not None
                try:
                    got, result = cast("tuple[int, _R]", conn.recv())
                except (
                    EOFError, OSError, ValueError, TypeError, AttributeError, ImportError, pickle.UnpicklingError
                ) as exc:
                    # The child died (or sent something unreadable while dying).
                    done[index] = Crash(_reap(child, exc))
                    children.remove(child)
                    if todo:
                        replacement = _spawn(fn, items)
                        children.append(replacement)
                        _assign(replacement, todo)
                    continue
                done[got] = result
                _assign(child, todo)
    finally:
        for child in children:
            _stop(child)
        gc.unfreeze()  # collected as usual again (a language server lints for hours)


def _assign(child: _Child[_I], todo: list[int]) -> None:
    if todo:
        child.item = todo.pop()
        # A child dead already (cancelled as it was forked, or crashed at once) cannot take it:
        # its pipe reads as closed, and the loop answers its item with a Crash, as any death.
        with contextlib.suppress(OSError):
            child.conn.send(child.item)
    else:
        child.item = None


def _spawn(fn: Callable[[_I], _R], items: Sequence[_I]) -> _Child[_I]:
    parent_end, child_end = Pipe()
    with FORK_LOCK:
        pid = os.fork()
    if pid == 0:  # pragma: no cover - runs in the child (its coverage is not collected)
        status = 0
        try:
            parent_end.close()
            supervise.forget()  # not the supervised process: the supervisor must not wait for it
            # Ctrl-C goes to the whole process group: the parent answers it (exit 130) and
            # stops the children; a child must not print a traceback of its own.
            signal.signal(signal.SIGINT, signal.SIG_IGN)
            faulthandler.disable()  # the parent reports a crash, naming the file
            while True:
                index = child_end.recv()
                if index is None:
                    break
                child_end.send((index, fn(items[index])))
        except BaseException:  # noqa: BLE001 - the parent sees the pipe close and reports it
            status = 70
        finally:
            os._exit(status)  # no atexit handlers, no flushing of the parent's buffers
    child_end.close()
    token = _token()
    if token is not None:
        token._started(pid)
    return _Child(pid, parent_end)


def _forget(child: _Child[_I]) -> None:
    token = _token()
    if token is not None:
        token._ended(child.pid)


def _reap(child: _Child[_I], exc: BaseException) -> str:
    _forget(child)
    try:
        _, status = os.waitpid(child.pid, 0)
    except ChildProcessError:
        return f"lost ({type(exc).__name__})"
    finally:
        child.conn.close()
    if os.WIFSIGNALED(status):
        number = os.WTERMSIG(status)
        try:
            name = signal.Signals(number).name
        except ValueError:
            name = str(number)
        return f"killed by signal {name}"
    return f"exited with status {os.WEXITSTATUS(status)}"


def _stop(child: _Child[_I]) -> None:
    try:
        if child.item is None:
            child.conn.send(None)
        else:
            os.kill(child.pid, signal.SIGKILL)  # interrupted while it was working
    except OSError:
        pass
    _forget(child)
    with contextlib.suppress(ChildProcessError):
        os.waitpid(child.pid, 0)
    child.conn.close()
