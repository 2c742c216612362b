"""When the language server lints and publishes (issue 15 goal 3): a change's lint starts early
enough to be done when the debounce ends, its diagnostics are published then and not before,
once per quiet period, never for a text that a newer one replaced; code actions never wait.

Driven by pytest-lsp's client (a real LSP client over the server's stdio). The server runs with a
debounce and a start margin set for the test, and traces what it does (``$/logTrace``, turned on
by the client's ``trace`` setting): the assertions are on the order of those messages and of the
publications, never on times."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

pytest_lsp = pytest.importorskip("pytest_lsp")
from lsprotocol import types  # noqa: E402
from pytest_lsp import ClientServerConfig, LanguageClient  # noqa: E402
from test_lsp_actions import HEAD, actions_for, big_script, iam001, next_diagnostics, only_edit  # noqa: E402

from shlint_iam.lsp import expected_duration, start_delay  # noqa: E402

FIXED = HEAD + (
    "gcloud functions add-invoker-policy-binding orch --region=us-west2 "
    '--member="serviceAccount:123-compute@developer.gserviceaccount.com"\n'
)
NEVER = 3600.0  # a debounce that does not end during a test


def server_command(debounce: float, margin: float) -> list[str]:
    """The server, with its debounce and start margin set (a margin of NEVER: each change's
    lint starts as soon as the change arrives)."""
    code = f"from shlint_iam import lsp; lsp.server.debounce = {debounce}; lsp.server.margin = {margin}; lsp.serve()"
    return [sys.executable, "-c", code]


async def start(client: LanguageClient, root: Path) -> list[str]:
    """Initialize with tracing on; the trace messages, as they arrive, without the URIs."""
    traces: list[str] = []

    @client.feature(types.LOG_TRACE)
    def log_trace(params: types.LogTraceParams) -> None:
        traces.append(params.message.split(": ", 1)[1])

    await client.initialize_session(types.InitializeParams(
        capabilities=types.ClientCapabilities(), root_uri=root.as_uri(), trace=types.TraceValue.Verbose))
    return traces


async def until(traces: list[str], message: str) -> None:
    """Wait for a trace message (the loop is only a guard against a hung server)."""
    for _ in range(1200):
        if message in traces:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"no trace {message!r}; seen {traces}")


def open_document(client: LanguageClient, uri: str, text: str) -> None:
    client.text_document_did_open(types.DidOpenTextDocumentParams(
        text_document=types.TextDocumentItem(uri=uri, language_id="shellscript", version=1, text=text)))


def change(client: LanguageClient, uri: str, version: int, text: str) -> None:
    client.text_document_did_change(types.DidChangeTextDocumentParams(
        text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
        content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)]))


def save(client: LanguageClient, uri: str) -> None:
    client.text_document_did_save(types.DidSaveTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=uri)))


@pytest_lsp.fixture(config=ClientServerConfig(server_command=server_command(NEVER, NEVER), server_env=dict(os.environ)))
async def early(lsp_client: LanguageClient) -> AsyncIterator[LanguageClient]:
    """A server whose lints start at the change and whose debounce never ends."""
    yield lsp_client
    await lsp_client.shutdown_session()


@pytest_lsp.fixture(config=ClientServerConfig(server_command=server_command(2.0, NEVER), server_env=dict(os.environ)))
async def quick(lsp_client: LanguageClient) -> AsyncIterator[LanguageClient]:
    """A server whose lints start at the change and whose debounce ends two seconds after it."""
    yield lsp_client
    await lsp_client.shutdown_session()


@pytest.mark.asyncio
async def test_a_lint_done_early_is_published_only_when_the_debounce_ends(early: LanguageClient, tmp_path: Path) -> None:
    traces = await start(early, tmp_path)
    uri = (tmp_path / "deploy.sh").as_uri()
    open_document(early, uri, HEAD)
    first = await next_diagnostics(early, uri, None)  # opening publishes at once
    (finding,) = iam001(first)
    change(early, uri, 2, FIXED)
    await until(traces, "generation 2: lint done, held until the debounce ends")
    # Linted, not published: the client still shows version 1's diagnostics, and code actions
    # are still those of version 1, answered at once.
    (action,) = await actions_for(early, uri, finding)
    assert only_edit(action)[0] == 1
    assert early.diagnostics[uri] is first
    save(early, uri)  # lints again, published at once
    assert list(await next_diagnostics(early, uri, first)) == []
    assert traces == [
        "generation 1 (version 1): lint started",
        "generation 1 (version 1): published",
        "generation 2 (version 2): lint started",
        "generation 2: lint done, held until the debounce ends",
        "generation 2 superseded",
        "generation 3 (version 2): lint started",
        "generation 3 (version 2): published",
    ]


@pytest.mark.asyncio
async def test_a_lint_superseded_while_running_is_never_published(early: LanguageClient, tmp_path: Path) -> None:
    traces = await start(early, tmp_path)
    uri = (tmp_path / "deploy.sh").as_uri()
    open_document(early, uri, big_script())  # linted at once: a long lint
    await until(traces, "generation 1 (version 1): lint started")
    change(early, uri, 2, HEAD)  # kills it, and starts its own
    await until(traces, "generation 2 (version 2): lint started")
    save(early, uri)
    (finding,) = iam001(await next_diagnostics(early, uri, None))  # the first publication is the save's
    assert finding.range.start.line == 2
    assert [t for t in traces if "published" in t] == ["generation 3 (version 2): published"]
    assert traces[:2] == ["generation 1 (version 1): lint started", "generation 1 superseded"]


@pytest.mark.asyncio
async def test_one_publication_per_quiet_period_for_the_latest_text(quick: LanguageClient, tmp_path: Path) -> None:
    traces = await start(quick, tmp_path)
    uri = (tmp_path / "deploy.sh").as_uri()
    open_document(quick, uri, FIXED)
    first = await next_diagnostics(quick, uri, None)
    assert list(first) == []
    for version in range(2, 7):  # back to back: each change replaces the lint of the one before
        change(quick, uri, version, HEAD if version % 2 else FIXED)
    change(quick, uri, 7, HEAD)
    published = await next_diagnostics(quick, uri, first)
    (finding,) = iam001(published)
    assert finding.range.start.line == 2
    # Closing publishes an empty list: every trace sent before it has arrived by then.
    quick.text_document_did_close(types.DidCloseTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=uri)))
    assert list(await next_diagnostics(quick, uri, published)) == []
    assert [t for t in traces if "published" in t] == [
        "generation 1 (version 1): published", "generation 7 (version 7): published"
    ]
    assert [t for t in traces if "superseded" in t] == [f"generation {n} superseded" for n in range(2, 7)]


def test_start_delay_fits_the_lint_in_the_debounce() -> None:
    assert start_delay(0.3, None) == 0.0  # never linted: start at once
    assert start_delay(0.3, 0.1, margin=0.02) == pytest.approx(0.3 - 0.15 - 0.02)
    assert start_delay(0.3, 0.2, margin=0.02) == 0.0  # longer than the debounce allows: at once
    assert start_delay(0.3, 5.0) == 0.0
    assert expected_duration(None, 0.4) == 0.4
    assert expected_duration(0.4, 0.2) == pytest.approx(0.3)
