"""Linting many files in worker processes (``check -j N``).

:func:`map_in_pool` runs one function over many items in worker processes and yields the
results in input order. It knows nothing of linting: :class:`~shlint_iam.lint.Linter` hands
it its per-file work (read, analyse and check one file, giving a picklable ``FileOutcome``)
and merges the outcomes with the same code as a serial run (``Linter.collect``), so ``-j 1``
and ``-j 8`` give the same result. (This module imports nothing of the linter: imports run
one way, ``lint -> parallel``.)
"""

from __future__ import annotations

import contextlib
import multiprocessing
import signal
import sys
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, TypeVar

_T = TypeVar("_T")
_R = TypeVar("_R")

_WORK: Callable[[Any], Any] | None = None


def _init(work: Callable[[Any], Any]) -> None:
    global _WORK
    _WORK = work
    # Ctrl-C goes to the whole process group: the parent stops the workers and exits 130; a
    # worker must not die on its own with a traceback of where it was.
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _run_one(item: Any) -> Any:
    assert _WORK is not None
    return _WORK(item)


def _stop(pool: ProcessPoolExecutor) -> None:
    """Stop the workers now (Ctrl-C): leaving the pool would wait for their current files."""
    processes = list((getattr(pool, "_processes", None) or {}).values())
    for process in processes:
        with contextlib.suppress(Exception):
            process.terminate()
    pool.shutdown(wait=False, cancel_futures=True)


def _context() -> multiprocessing.context.BaseContext:
    # fork: workers start in milliseconds with every module (and plugin rule) already loaded.
    if sys.platform != "win32" and "fork" in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context()


def map_in_pool(work: Callable[[_T], _R], items: Sequence[_T], workers: int) -> Iterator[_R]:
    """``work(item)`` for every item, in their order, computed by ``workers`` processes. If a
    worker dies (killed, out of memory), what is left is computed in this process instead."""
    chunk = max(1, min(16, len(items) // (workers * 4)))
    done = 0
    try:
        with ProcessPoolExecutor(
            max_workers=workers, mp_context=_context(), initializer=_init, initargs=(work,)
        ) as pool:
            try:
                for result in pool.map(_run_one, items, chunksize=chunk):
                    done += 1
                    yield result
            except KeyboardInterrupt:
                _stop(pool)
                raise
    except BrokenProcessPool:
        pass
    for item in items[done:]:
        yield work(item)
