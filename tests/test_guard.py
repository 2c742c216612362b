"""The guard's time limit asks an analysis to stop at a checkpoint before it interrupts it.

An asynchronous exception lands wherever the thread happens to be: inside a finaliser or a
logging handler it becomes an "Exception ignored in ..." message on stderr and the analysis
runs on. Code that reaches :func:`checkpoint` is stopped there instead.
"""

from __future__ import annotations

import gc
import time
import weakref

import pytest

from shlint_iam.guard import (
    FULL_EVERY,
    MIDDLE_EVERY,
    YOUNG_EVERY,
    AnalysisTimeout,
    checkpoint,
    rare_full_collections,
    run_guarded,
)


def test_a_stopped_analysis_stops_at_its_checkpoint_not_anywhere() -> None:
    landed_elsewhere: list[int] = []

    def work() -> None:
        while True:
            try:
                time.sleep(0.002)  # where an asynchronous interrupt would land
            except AnalysisTimeout:
                landed_elsewhere.append(1)
            checkpoint()

    with pytest.raises(AnalysisTimeout):
        run_guarded(work, 0.2)
    assert landed_elsewhere == []


def test_checkpoint_outside_a_guarded_analysis_does_nothing() -> None:
    checkpoint()
    assert run_guarded(lambda: (checkpoint(), 7)[1], 5.0) == 7


def test_code_without_checkpoints_is_still_interrupted() -> None:
    def spin() -> None:
        while True:
            pass

    with pytest.raises(AnalysisTimeout):
        run_guarded(spin, 0.1)


# -- the garbage collector's policy during one analysis -------------------------------------

class _Cycle:
    def __init__(self) -> None:
        self.me = self


def _garbage_cycle(generation: int) -> weakref.ref[_Cycle]:
    """A reference cycle that is garbage in ``generation`` (1 or 2): only a collection of it can free it."""
    held = [_Cycle()]
    gc.collect(generation - 1)  # it survives that collection: it is in the next generation now
    found = weakref.ref(held[0])
    held.clear()
    return found


def test_full_collections_are_rare_during_an_analysis_and_the_thresholds_come_back() -> None:
    saved = gc.get_threshold()
    try:
        gc.set_threshold(700, 10, 10)
        with rare_full_collections():
            assert gc.get_threshold() == (YOUNG_EVERY, MIDDLE_EVERY, FULL_EVERY)
            with rare_full_collections():  # nested (another analysis, another thread): unchanged
                assert gc.get_threshold() == (YOUNG_EVERY, MIDDLE_EVERY, FULL_EVERY)
            assert gc.get_threshold() == (YOUNG_EVERY, MIDDLE_EVERY, FULL_EVERY)
        assert gc.get_threshold() == (700, 10, 10)
        gc.set_threshold(10 * YOUNG_EVERY, 2 * MIDDLE_EVERY, 1000)  # a process that made them rarer keeps its own
        with rare_full_collections():
            assert gc.get_threshold() == (10 * YOUNG_EVERY, 2 * MIDDLE_EVERY, 1000)
        assert gc.get_threshold() == (10 * YOUNG_EVERY, 2 * MIDDLE_EVERY, 1000)
    finally:
        gc.set_threshold(*saved)


def test_the_thresholds_come_back_when_the_analysis_raises() -> None:
    saved = gc.get_threshold()
    with pytest.raises(AnalysisTimeout), rare_full_collections():
        raise AnalysisTimeout()
    assert gc.get_threshold() == saved


def test_the_old_garbage_cycles_go_after_the_analysis_once_generation_1_was_collected() -> None:
    gc.collect()
    with rare_full_collections():
        cycle = _garbage_cycle(2)  # one collection of generation 1 since the last full one
        assert cycle() is not None
    assert cycle() is None


def test_no_full_collection_after_an_analysis_without_a_collection_of_generation_1() -> None:
    gc.collect()
    with rare_full_collections():
        cycle = _garbage_cycle(1)
    assert cycle() is not None  # it waits for a collection of generation 1 (or a full one)
    gc.collect()
    assert cycle() is None


def test_garbage_that_survived_young_collections_goes_after_the_analysis() -> None:
    """During an analysis the survivors of young collections are not collected again (the growing
    trace would be walked for nothing); after it, as many young collections as the process's own
    threshold asks for bring the collection of generation 1 (and then the full one) that it
    would have run meanwhile."""
    gc.collect()
    with rare_full_collections():
        cycle = _garbage_cycle(1)  # survived a young collection: it is in generation 1 now
        for _ in range(gc.get_threshold()[1] // 2):
            gc.collect(0)
        assert gc.get_count()[1] < gc.get_threshold()[1]  # no collection of generation 1 yet
        for _ in range(20):  # beyond the process's own threshold (10), far below the analysis's
            gc.collect(0)
        assert cycle() is not None
    assert cycle() is None


def test_without_collect_after_the_garbage_waits_for_a_full_collection() -> None:
    gc.collect()
    with rare_full_collections(collect_after=False):
        cycle = _garbage_cycle(2)
        for _ in range(FULL_EVERY // 2):
            gc.collect(1)
    assert cycle() is not None
    gc.collect()
    assert cycle() is None


def test_an_abandoned_analysis_does_not_leave_its_collector_policy_behind(monkeypatch: pytest.MonkeyPatch) -> None:
    import threading

    from shlint_iam import guard

    monkeypatch.setattr(guard, "COOPERATIVE_GRACE", 0.05)
    monkeypatch.setattr(guard, "INTERRUPT_TRIES", 1)
    release = threading.Event()
    saved = gc.get_threshold()
    try:
        gc.set_threshold(700, 10, 10)

        def stuck_in_c_code() -> None:
            release.wait()  # a blocking wait in C: asynchronous interrupts never land

        with pytest.raises(AnalysisTimeout):
            run_guarded(stuck_in_c_code, 0.05, collect_after=True)
        assert gc.get_threshold() == (700, 10, 10)  # the thread is still alive, the policy is gone
    finally:
        release.set()
        gc.set_threshold(*saved)


def test_a_guarded_analysis_runs_under_the_rare_collection_policy() -> None:
    saved = gc.get_threshold()
    try:
        gc.set_threshold(700, 10, 10)
        assert run_guarded(gc.get_threshold, 5.0, collect_after=False) == (YOUNG_EVERY, MIDDLE_EVERY, FULL_EVERY)
        assert run_guarded(gc.get_threshold, 5.0) == (700, 10, 10)  # without collect_after: unchanged
        assert gc.get_threshold() == (700, 10, 10)
    finally:
        gc.set_threshold(*saved)
