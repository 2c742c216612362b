"""Linting many files in worker processes (``check -j N``).

Each worker reads and lints whole files and sends back a :class:`~shlint_iam.lint.FileOutcome`:
the findings, the notices and, only when a cross-file rule is enabled, the file's context
(its analysis is plain dataclasses; tree-sitter objects never leave the worker). The parent
merges the outcomes in input order with the same code as a serial run
(:meth:`Linter.collect`), so ``-j 1`` and ``-j 8`` give the same result.
"""

from __future__ import annotations

import multiprocessing
import sys
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .files import Candidate
    from .lint import FileOutcome, Linter

_LINTER: Linter | None = None


def _init(linter: Linter) -> None:
    global _LINTER
    _LINTER = linter


def _lint_one(candidate: Candidate) -> FileOutcome:
    assert _LINTER is not None
    outcome = _LINTER.lint_candidate(candidate)
    if outcome.context is not None:
        outcome.context._cache.clear()  # rule caches may hold anything; the parent recomputes
    return outcome


def _context() -> multiprocessing.context.BaseContext:
    # fork: workers start in milliseconds with every module (and plugin rule) already loaded.
    if sys.platform != "win32" and "fork" in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context()


def lint_in_pool(linter: Linter, candidates: Sequence[Candidate], workers: int) -> Iterator[FileOutcome]:
    """Outcomes of ``candidates`` in their order, linted by ``workers`` processes."""
    chunk = max(1, min(16, len(candidates) // (workers * 4)))
    done = 0
    try:
        with ProcessPoolExecutor(
            max_workers=workers, mp_context=_context(), initializer=_init, initargs=(linter,)
        ) as pool:
            for outcome in pool.map(_lint_one, candidates, chunksize=chunk):
                done += 1
                yield outcome
    except BrokenProcessPool:
        # A worker died (killed, out of memory): lint what is left here instead.
        pass
    for candidate in candidates[done:]:
        yield linter.lint_candidate(candidate)
