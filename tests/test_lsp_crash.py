"""The language server survives a real native crash while linting a document (issue 12 item 5).

A real client session over the server's stdio (the JSON-RPC client of test_lsp_robustness.py).
The crash is real: a plugin installed for the server's interpreter only (a ``.dist-info`` on its
PYTHONPATH, outside the workspace) whose rule reads address 0 when the document says ``boom``.
Linting runs in a forked child, so the server publishes an incomplete-analysis diagnostic for
that document and goes on serving: a second, normal document gets its diagnostics, and the
first one, once edited, too. There is no way in from the linted text itself: the crashing code
is the test's plugin."""

from __future__ import annotations

import os
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from test_bounds import install_plugin
from test_lsp_robustness import Client

pytest.importorskip("pygls")

DEPLOY = "#!/bin/bash\nset -euo pipefail\ngcloud functions deploy orders --gen2 --region=us-central1 --trigger-topic=t\n"
IAM001 = ("gen2 function orders (Pub/Sub topic t) is invoked as serviceAccount:PROJECT_NUMBER-compute@"
          "developer.gserviceaccount.com (the default compute service account), which gets no roles/run.invoker on "
          "service orders after this deploy")
CRASHED = ("shlint-iam could not analyse this file completely (not analysed: the linter crashed on this file (killed "
           "by signal SIGSEGV); please report it at https://github.com/shlint-iam/shlint-iam/issues with this file); "
           "findings may be missing")

PLUGIN = textwrap.dedent('''
    import ctypes

    from shlint_iam.api import Rule, Severity


    class CrashesOnBoom(Rule):
        """## What it does
        Dies with SIGSEGV on documents that say boom (native code with a bug).

        ## Why it matters
        Tests the language server's crash containment.

        ## Example
        ```bash
        echo boom
        ```

        ## Fix
        None.
        """

        code = "ACME904"
        name = "crashes-on-boom"
        summary = "dies on boom"
        severity = Severity.ERROR

        def check(self, ctx):
            if "boom" in ctx.source.text:
                ctypes.string_at(0)
            return ()
''')


@pytest.fixture
def session(tmp_path: Path) -> Iterator[tuple[Client, Path]]:
    site = tmp_path / "site"
    install_plugin(site, "acme-boom", "acme_boom", PLUGIN)
    project = tmp_path / "project"
    project.mkdir()
    (project / ".shlint-iam.toml").write_text('plugins = ["acme-boom"]\nextend-select = ["ACME904"]\n')
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "SHLINT"))}
    env["PYTHONPATH"] = str(site)
    client = Client(project, env=env)
    yield client, project
    client.close()


def summary(diagnostics: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    return [(d.get("code"), d["range"]["start"]["line"], d["range"]["start"]["character"], d["message"])
            for d in diagnostics]


def test_a_native_crash_on_one_document_is_published_and_the_server_keeps_serving(
        session: tuple[Client, Path]) -> None:
    client, project = session
    crash_uri = (project / "crash.sh").as_uri()
    client.open(crash_uri, DEPLOY + "echo boom\n")
    crashed = client.diagnostics(crash_uri)
    assert crashed["version"] == 1
    assert summary(crashed["diagnostics"]) == [(None, 0, 0, CRASHED)]
    assert crashed["diagnostics"][0]["severity"] == 1  # Error
    logged = client.wait(lambda m: m.get("method") == "window/logMessage")["params"]
    assert logged["type"] == 2 and "crash.sh: not analysed: the linter crashed on this file (killed by signal " \
        "SIGSEGV)" in logged["message"]
    assert client.proc.poll() is None  # the server is alive

    # a second, normal document: its own diagnostics, exactly
    other_uri = (project / "deploy.sh").as_uri()
    client.open(other_uri, DEPLOY)
    (diagnostic,) = client.diagnostics(other_uri)["diagnostics"]
    assert (diagnostic["code"], diagnostic["range"]["start"]["line"]) == ("IAM001", 2)
    assert diagnostic["message"].startswith(IAM001)

    # the crashing document, edited: linted again, normally
    client.send({"jsonrpc": "2.0", "method": "textDocument/didChange", "params": {
        "textDocument": {"uri": crash_uri, "version": 2},
        "contentChanges": [{"text": DEPLOY + "echo fine\n"}]}})
    fixed = client.diagnostics(crash_uri)
    assert fixed["version"] == 2
    (diagnostic,) = fixed["diagnostics"]
    assert (diagnostic["code"], diagnostic["range"]["start"]["line"]) == ("IAM001", 2)
    assert diagnostic["message"].startswith(IAM001)

    client.send({"jsonrpc": "2.0", "id": 99, "method": "shutdown"})
    assert client.wait(lambda m: m.get("id") == 99) == {"jsonrpc": "2.0", "id": 99, "result": None}
    client.send({"jsonrpc": "2.0", "method": "exit"})
    assert client.proc.wait(timeout=30) == 0
    assert client.proc.stderr is not None
    errors = client.proc.stderr.read().decode("utf-8", "replace")
    assert "Traceback" not in errors and "Fatal Python error" not in errors, errors
