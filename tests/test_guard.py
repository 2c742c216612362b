"""The guard's time limit asks an analysis to stop at a checkpoint before it interrupts it.

An asynchronous exception lands wherever the thread happens to be: inside a finaliser or a
logging handler it becomes an "Exception ignored in ..." message on stderr and the analysis
runs on. Code that reaches :func:`checkpoint` is stopped there instead.
"""

from __future__ import annotations

import time

import pytest

from shlint_iam.guard import AnalysisTimeout, checkpoint, run_guarded


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
