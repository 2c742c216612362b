"""Running code under the guard: a big-stack thread with a raised recursion limit and a
wall-clock limit (analyses, rules, plugin imports). Imports nothing from the package, so any
module may use it without an import cycle."""

from __future__ import annotations

import contextlib
import gc
import sys
import threading
from collections.abc import Callable, Iterator
from typing import Any, TypeVar, cast

# -- guarding one analysis ------------------------------------------------------------------
# The interpreter recurses over the syntax tree, a few Python frames per nesting level, up
# to its MAX_NESTING bound: more than Python's default limit of 1000 frames. Every analysis
# therefore runs in a thread with a large stack (so the raised recursion limit can never
# overflow the C stack) and a wall-clock limit (a runaway analysis is stopped, not waited for).
RECURSION_LIMIT = 10_000
STACK_SIZE = 256 * 1024 * 1024  # address space only; pages are committed as they are touched
DEFAULT_TIME_LIMIT = 60.0  # seconds per file
_STACK_LOCK = threading.Lock()

_T = TypeVar("_T")


class AnalysisTimeout(Exception):
    """Raised inside a runaway analysis thread to stop it."""


# Past its time limit an analysis is first asked to stop: long-running loops (the interpreter's
# step counter, the dataflow) call :func:`checkpoint`, which raises AnalysisTimeout at a clean
# point. Only code that never reaches a checkpoint (a rule, a plugin, C code) gets the
# asynchronous exception, which can land anywhere (a finaliser, a logging handler).
_THREAD = threading.local()
COOPERATIVE_GRACE = 2.0  # seconds a stopped analysis has to reach a checkpoint
INTERRUPT_TRIES = 20  # asynchronous interrupts, 0.5 s apart, before a stuck analysis is abandoned


def checkpoint() -> None:
    """Raise AnalysisTimeout when the analysis running in this thread was asked to stop."""
    event = getattr(_THREAD, "stop", None)
    if event is not None and event.is_set():
        raise AnalysisTimeout()


class ExitFromCode(Exception):
    """``sys.exit`` (SystemExit) or KeyboardInterrupt raised by code run under :func:`run_guarded`."""

    def __init__(self, original: BaseException) -> None:
        super().__init__(f"{type(original).__name__}: {original}")
        self.original = original


def run_guarded(fn: Callable[[], _T], time_limit: float | None, collect_after: bool | None = None) -> _T:
    """``fn()`` in a big-stack thread with a raised recursion limit, stopped after ``time_limit``.

    With ``collect_after`` (True or False), the collector runs as :func:`rare_full_collections`
    says while ``fn`` runs. The thresholds are set and restored here, in the calling thread, not
    in the analysis thread: an analysis stuck in C code is abandoned, and the process (a language
    server runs for hours) must not keep the analysis's collector policy after it."""
    if collect_after is not None:
        with rare_full_collections(collect_after=collect_after):
            return run_guarded(fn, time_limit)
    if sys.getrecursionlimit() < RECURSION_LIMIT:
        sys.setrecursionlimit(RECURSION_LIMIT)
    box: list[Any] = []
    stop = threading.Event()

    def target() -> None:
        _THREAD.stop = stop
        try:
            box.append((True, fn()))
        except (SystemExit, KeyboardInterrupt, GeneratorExit) as exc:
            # Raised by analysed code (a plugin's sys.exit), not by the user: an error of this
            # work that callers contain like any other (Ctrl-C reaches the main thread only).
            box.append((False, ExitFromCode(exc)))
        except BaseException as exc:  # noqa: BLE001 - handed to the caller
            box.append((False, exc))

    with _STACK_LOCK:
        old = threading.stack_size()
        with contextlib.suppress(ValueError, RuntimeError):  # a platform without settable stacks
            threading.stack_size(STACK_SIZE)
        try:
            thread = threading.Thread(target=target, name="shlint-iam-analysis", daemon=True)
            thread.start()
        finally:
            threading.stack_size(old)
    thread.join(time_limit)
    if thread.is_alive():
        stop.set()  # ask first: the interpreter and the dataflow stop at their next checkpoint
        thread.join(COOPERATIVE_GRACE)
    # Still running: raise AnalysisTimeout in the thread, again if something swallowed it
    # (a weakref callback, a bare except); stuck in C code for 10 s more, it is abandoned.
    tries = 0
    while thread.is_alive() and tries < INTERRUPT_TRIES:
        _interrupt(thread)
        thread.join(0.5)
        tries += 1
    if not box:
        raise AnalysisTimeout()
    ok, value = box[0]
    if ok:
        return cast(_T, value)
    raise value


# -- the cyclic garbage collector during one analysis ----------------------------------------
# Most objects made while a file is analysed (its trace: commands, words, values) stay alive
# until the file is done, and every collection walks the live objects of the generations it
# collects. Python's default makes a young collection every 700 new objects and a full one
# every 10 collections of generation 1 (when the objects promoted since the last one are a
# quarter of the old ones): 3 or 4 full collections in the analysis of a 10,000-line script,
# over an ever larger trace, ~25% of its time, and ~450 young ones on the 66-file set, for
# almost nothing to collect (`Analysis.release` breaks the one big cycle). While a file is
# analysed a young collection waits for YOUNG_EVERY new objects, one of generation 1 for
# MIDDLE_EVERY young ones and a full one for FULL_EVERY collections of generation 1 (50 million
# new objects: in practice none; one analysis is bounded by its step budget and time limit):
# at 50,000 lines, three collections of generation 1 had walked the growing trace for ~0.6 s
# of ~6 s, collecting nothing. Garbage cycles still go: the young ones at the next young
# collection; the ones that survived one, after the file, in a collection of generation 1 once
# as many young collections ran as the process's own threshold asks, and then a full one, when
# the trace and the file's spans are freed and the heap is small (a few ms), so memory stays
# bounded over any number of files.
YOUNG_EVERY = 50_000
MIDDLE_EVERY = 1_000
FULL_EVERY = 100
_GC_LOCK = threading.Lock()
_gc_users = 0
_gc_saved: tuple[int, ...] = ()


@contextlib.contextmanager
def rare_full_collections(collect_after: bool = True) -> Iterator[None]:
    """Young collections every YOUNG_EVERY new objects, ones of generation 1 after MIDDLE_EVERY
    young ones and full ones after FULL_EVERY of generation 1 while the body runs (nestable,
    thread-safe: the thresholds are the process's; the first to enter sets them, the last to
    leave restores them). With ``collect_after`` (leave it off when the body's objects stay
    alive), the collections the process's own thresholds would have run by now run at the end:
    one of generation 1 once its threshold of young collections is reached, then a full one once
    a collection of generation 1 ran since the last one."""
    global _gc_users, _gc_saved
    with _GC_LOCK:
        if _gc_users == 0:
            _gc_saved = gc.get_threshold()
            young, middle, old = _gc_saved
            gc.set_threshold(max(young, YOUNG_EVERY), max(middle, MIDDLE_EVERY), max(old, FULL_EVERY))
        _gc_users += 1
    try:
        yield
    finally:
        with _GC_LOCK:
            _gc_users -= 1
            if _gc_users == 0:
                gc.set_threshold(*_gc_saved)
                if collect_after and gc.isenabled():
                    if gc.get_count()[1] >= _gc_saved[1]:
                        gc.collect(1)
                    if gc.get_count()[2] >= 1:
                        gc.collect()


# -- the cyclic garbage collector at start-up --------------------------------------------------
# Start-up of the command line creates some 20,000 objects (modules, classes, functions, click's
# options) and frees almost none, yet Python walked them in ~20 young collections, two of
# generation 1 and then a full collection at the end of the first file's analysis (above): 10 to
# 20 ms of an on-save lint of ~100. A ``check`` (entry.main) starts without the collector; its
# lint resumes it once what it needs is imported, after moving every object alive then to the
# permanent generation (``gc.freeze``), which later collections no longer walk.
_deferred = False


def defer_collection() -> None:
    """No cyclic collection until :func:`resume_collection` (the command line's ``check``)."""
    global _deferred
    if gc.isenabled():
        gc.disable()
        _deferred = True


def resume_collection() -> None:
    """Start-up is over (a lint begins, with what it needs imported): the objects alive now stay
    for the whole run and go to the permanent generation, and cyclic collection resumes. Does
    nothing unless :func:`defer_collection` deferred it (the library and the language server
    never do)."""
    global _deferred
    if _deferred:
        _deferred = False
        gc.freeze()
        gc.enable()


def _interrupt(thread: threading.Thread) -> None:
    """Raise AnalysisTimeout in ``thread`` at its next Python instruction."""
    import ctypes

    if thread.ident is not None:
        ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(thread.ident), ctypes.py_object(AnalysisTimeout))
