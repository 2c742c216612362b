"""What `pip install .` gives: a working console script, the rules inside the shlint_iam
namespace, and no top-level `rules` package in site-packages."""

from __future__ import annotations

import importlib.metadata
import shutil
import subprocess
import sys
import sysconfig

import pytest


def _files() -> list[str]:
    # Look in site-packages only: a source checkout on sys.path may hold a build's egg-info.
    site = sysconfig.get_paths()["purelib"]
    dist = next(iter(importlib.metadata.distributions(name="shlint-iam", path=[site])), None)
    if dist is None:
        pytest.skip("shlint-iam is not installed in this environment's site-packages")
    if dist.read_text("RECORD") is None:
        pytest.skip("not installed from a wheel (a development install lists its sources)")
    return [str(f) for f in dist.files or []]


def test_no_top_level_rules_package() -> None:
    files = _files()
    if any("__editable__" in f for f in files):
        pytest.skip("an editable install maps the source tree")
    assert not [f for f in files if f.startswith("rules/")]
    assert "shlint_iam/rules/iam001_missing_invoker_binding.py" in files
    assert "shlint_iam/rules/__init__.py" in files


def test_console_script_runs() -> None:
    exe = shutil.which("shlint-iam", path=str(__import__("pathlib").Path(sys.executable).parent))
    if exe is None:
        pytest.skip("no shlint-iam console script next to this interpreter")
    proc = subprocess.run([exe, "--version"], capture_output=True, text=True)
    assert proc.returncode == 0
    assert proc.stdout.startswith("shlint-iam ")
    rules = subprocess.run([exe, "rules"], capture_output=True, text=True)
    assert "IAM001   missing-invoker-binding" in rules.stdout
