"""Every test gets its own result cache (shlint_iam/cache.py), so that no test can reuse what
another one, or an earlier run of the suite, linted under different code or monkeypatching,
and the checkout gets no .shlint-iam-cache. Tests of the cache's location unset the variable."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def _own_result_cache(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("shlint-iam-cache")
    monkeypatch.setenv("SHLINT_IAM_CACHE_DIR", str(folder))
    return folder
