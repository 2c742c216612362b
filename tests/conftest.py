"""Every test gets its own result cache (shlint_iam/cache.py), so that no test can reuse what
another one, or an earlier run of the suite, linted under different code or monkeypatching,
and the checkout gets no .shlint-iam-cache. Tests of the cache's location unset the variable.

``client``: a real language-server session (``shlint-iam lsp`` over stdio, initialised with the
test's folder as root) for the tests that take it, when pytest-lsp is installed."""

from __future__ import annotations

import importlib.util
import os
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def _own_result_cache(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("shlint-iam-cache")
    monkeypatch.setenv("SHLINT_IAM_CACHE_DIR", str(folder))
    return folder


if importlib.util.find_spec("pytest_lsp") is not None:
    import pytest_lsp
    from lsprotocol import types
    from pytest_lsp import ClientServerConfig, LanguageClient

    @pytest_lsp.fixture(
        config=ClientServerConfig(server_command=[sys.executable, "-m", "shlint_iam", "lsp"],
                                  server_env=dict(os.environ)),
    )
    async def client(lsp_client: LanguageClient, tmp_path: Path) -> AsyncIterator[None]:
        await lsp_client.initialize_session(
            types.InitializeParams(capabilities=types.ClientCapabilities(), root_uri=tmp_path.as_uri())
        )
        yield
        await lsp_client.shutdown_session()
