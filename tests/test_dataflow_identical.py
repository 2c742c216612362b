"""Performance work changes no output: the `-f json` report of every example, of generated deploy
projects and of generated dataflow scripts is byte for byte the one recorded in tests/golden/
(written by tests/golden/make_golden.py from the code before the one-pass invoker dataflow of
issue 15; regenerate it only for an intended change of behaviour)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent / "golden"))

import make_golden  # noqa: E402


@pytest.fixture(scope="module")
def reports() -> dict[str, str]:
    return make_golden.outputs()


@pytest.mark.parametrize("group", ["examples", "generated"])
def test_report_is_byte_identical_to_golden(reports: dict[str, str], group: str) -> None:
    expected = make_golden.golden_file(group).read_text()
    assert expected.count('"type": "finding"') > 50  # the golden file holds a real report
    actual = reports[group]
    if actual != expected:
        first = len(os.path.commonprefix([actual, expected]))
        pytest.fail(f"{group}: the report differs from tests/golden/{group}.json at character {first}:\n"
                    f"got:      {actual[max(0, first - 300):first + 300]!r}\n"
                    f"expected: {expected[max(0, first - 300):first + 300]!r}")
