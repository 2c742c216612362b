"""Code actions never wait for a lint in progress (issue 15 goal 3): they are answered from the
latest published lint of the document, each edit versioned with the document version that lint
saw. Driven by pytest-lsp's client (a real LSP client over the server's stdio); the assertions
are on the order of messages, never on times."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Sequence
from pathlib import Path

import pytest

pytest_lsp = pytest.importorskip("pytest_lsp")
from lsprotocol import types  # noqa: E402
from pytest_lsp import LanguageClient  # noqa: E402

HEAD = """#!/bin/bash
set -euo pipefail
gcloud functions deploy orch --gen2 --region=us-west2 --trigger-topic=t
"""


def big_script(pairs: int = 600) -> str:
    """HEAD (one IAM001 on line 3), then ``pairs`` functions deploying and binding a function
    each: enough work that linting it takes far longer than answering a code action."""
    out = [HEAD.rstrip("\n")]
    for i in range(pairs):
        out += [
            f"deploy_{i}() {{",
            f"  gcloud functions deploy f-{i} --gen2 --region=us-west2 --trigger-topic=t-{i}",
            f"  gcloud functions add-invoker-policy-binding f-{i} --region=us-west2 \\",
            '    --member="serviceAccount:123-compute@developer.gserviceaccount.com"',
            "}",
            f"deploy_{i}",
        ]
    return "\n".join(out) + "\n"


async def next_diagnostics(client: LanguageClient, uri: str, before: object) -> Sequence[types.Diagnostic]:
    """The diagnostics of the first publication for ``uri`` after ``before`` (the list published
    last; each publication stores a new one). The wait is only a guard against a hung server."""
    for _ in range(1200):
        now = client.diagnostics.get(uri)
        if now is not None and now is not before:
            return now
        await asyncio.sleep(0.05)
    raise AssertionError("no diagnostics published")


def iam001(diagnostics: Sequence[types.Diagnostic]) -> list[types.Diagnostic]:
    return [d for d in diagnostics if d.code == "IAM001"]


async def actions_for(client: LanguageClient, uri: str, diagnostic: types.Diagnostic) -> list[types.CodeAction]:
    got = await client.text_document_code_action_async(types.CodeActionParams(
        text_document=types.TextDocumentIdentifier(uri=uri), range=diagnostic.range,
        context=types.CodeActionContext(diagnostics=[diagnostic])))
    assert got is not None
    return [a for a in got if isinstance(a, types.CodeAction)]


def only_edit(action: types.CodeAction) -> tuple[int | None, types.TextEdit]:
    """The document version an action's edit names, and its one text edit."""
    assert action.edit is not None and action.edit.document_changes is not None
    (change,) = action.edit.document_changes
    assert isinstance(change, types.TextDocumentEdit)
    (edit,) = change.edits
    assert isinstance(edit, types.TextEdit)
    return change.text_document.version, edit


def open_document(client: LanguageClient, uri: str, text: str) -> None:
    client.text_document_did_open(types.DidOpenTextDocumentParams(
        text_document=types.TextDocumentItem(uri=uri, language_id="shellscript", version=1, text=text)))


@pytest.mark.asyncio
async def test_a_code_action_is_answered_before_the_lint_in_progress_ends(
    client: LanguageClient, tmp_path: Path
) -> None:
    text = big_script()
    path = tmp_path / "deploy.sh"
    path.write_text(text, encoding="utf-8")
    uri = path.as_uri()
    open_document(client, uri, text)
    first = await next_diagnostics(client, uri, None)
    (finding,) = iam001(first)
    assert (finding.range.start.line, finding.range.start.character) == (2, 0)
    # The first code action reads the text's line ends (a parse); later ones reuse them.
    assert [a.title for a in await actions_for(client, uri, finding)] == ["Disable IAM001 for this line"]
    # Saving lints again at once; the code action is sent while that lint runs.
    client.text_document_did_save(types.DidSaveTextDocumentParams(
        text_document=types.TextDocumentIdentifier(uri=uri)))
    actions = await actions_for(client, uri, finding)
    assert client.diagnostics[uri] is first  # the answer came before the new lint's diagnostics
    assert [a.title for a in actions] == ["Disable IAM001 for this line"]
    version, edit = only_edit(actions[0])
    line = text.split("\n")[2]
    assert version == 1
    assert (edit.range.start.line, edit.range.start.character) == (2, len(line))
    assert edit.range.start == edit.range.end and edit.new_text == " # shlint-iam disable=IAM001"
    again = await next_diagnostics(client, uri, first)
    assert iam001(again) == [finding]


@pytest.mark.asyncio
async def test_after_a_change_actions_name_the_version_they_were_computed_for(
    client: LanguageClient, tmp_path: Path
) -> None:
    text = HEAD
    path = tmp_path / "deploy.sh"
    uri = path.as_uri()
    open_document(client, uri, text)
    first = await next_diagnostics(client, uri, None)
    (finding,) = iam001(first)
    # A line is inserted above the deploy: until the new text's lint is published, the actions
    # are those of version 1, and say so (a client refuses to apply them to version 2).
    changed = text.replace("set -euo pipefail\n", "set -euo pipefail\nREGION=us-west2\n")
    client.text_document_did_change(types.DidChangeTextDocumentParams(
        text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2),
        content_changes=[types.TextDocumentContentChangeWholeDocument(text=changed)]))
    (stale,) = await actions_for(client, uri, finding)
    version, edit = only_edit(stale)
    assert client.diagnostics[uri] is first
    assert version == 1 and edit.range.start.line == 2
    second = await next_diagnostics(client, uri, first)
    (moved,) = iam001(second)
    assert moved.range.start.line == 3
    (fresh,) = await actions_for(client, uri, moved)
    version, edit = only_edit(fresh)
    assert version == 2 and edit.range.start.line == 3
    assert edit.range.start.character == len(changed.split("\n")[3])


@pytest.mark.asyncio
async def test_no_actions_before_a_lint_was_published_or_after_close(client: LanguageClient, tmp_path: Path) -> None:
    path = tmp_path / "deploy.sh"
    uri = path.as_uri()
    open_document(client, uri, HEAD)
    first = await next_diagnostics(client, uri, None)
    (finding,) = iam001(first)
    client.text_document_did_close(types.DidCloseTextDocumentParams(
        text_document=types.TextDocumentIdentifier(uri=uri)))
    assert await actions_for(client, uri, finding) == []


@pytest.mark.asyncio
async def test_a_superseded_lint_publishes_nothing(client: LanguageClient, tmp_path: Path) -> None:
    path = tmp_path / "deploy.sh"
    uri = path.as_uri()
    open_document(client, uri, big_script())  # linted at once; the change below supersedes it
    client.text_document_did_change(types.DidChangeTextDocumentParams(
        text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2),
        content_changes=[types.TextDocumentContentChangeWholeDocument(text="#!/bin/bash\nset -euo pipefail\n")]))
    await client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    assert list(client.diagnostics[uri]) == []  # the first publication is the newer text's


def test_cancel_kills_the_child_working_for_the_job() -> None:
    import threading
    import time

    from shlint_iam.isolate import Cancel, Crash, map_isolated

    if not hasattr(os, "fork"):
        pytest.skip("no fork")
    token = Cancel()
    results: list[object] = []
    started = threading.Event()

    def work() -> None:
        with token.applied():
            started.set()
            results.extend(map_isolated(lambda seconds: time.sleep(seconds) or seconds, [3600.0]))

    thread = threading.Thread(target=work, daemon=True)
    thread.start()
    started.wait()
    while not token._pids:  # the child is forked
        time.sleep(0.01)
    token.cancel()
    thread.join(60)  # a guard against a hang only: the child sleeps for an hour unless killed
    assert not thread.is_alive()
    assert results == [Crash("killed by signal SIGKILL")]
    # A job cancelled before it forks kills its child at once.
    late = Cancel()
    late.cancel()
    with late.applied():
        assert list(map_isolated(lambda seconds: time.sleep(seconds) or seconds, [3600.0])) == [
            Crash("killed by signal SIGKILL")
        ]


def test_no_fork_while_a_code_action_is_computed(monkeypatch: pytest.MonkeyPatch) -> None:
    # A child forked while the code-action thread was importing a module inherited that
    # module's import lock, held forever: the lint hung (seen on a 5,000-line script).
    from shlint_iam import isolate, lsp

    if not hasattr(os, "fork"):
        pytest.skip("no fork")
    held = []
    real_fork = os.fork

    def fork() -> int:
        held.append(isolate.FORK_LOCK.locked())
        return real_fork()

    monkeypatch.setattr(isolate.os, "fork", fork)
    assert list(isolate.map_isolated(lambda n: n + 1, [1])) == [2]
    linted = lsp.Linted(1, HEAD, [], None)
    monkeypatch.setattr(lsp, "quick_fixes", lambda *args: held.append(isolate.FORK_LOCK.locked()) or [])
    assert linted.actions("file:///x.sh", []) == []
    assert held == [True, True]
    assert not isolate.FORK_LOCK.locked()


def test_an_item_sent_to_a_child_that_is_already_dead_is_a_crash(monkeypatch: pytest.MonkeyPatch) -> None:
    # A job cancelled just as its child is forked: sending the child its item fails with
    # BrokenPipeError. That is the child's death, answered like any other, not an exception.
    import signal

    from shlint_iam import isolate

    if not hasattr(os, "fork"):
        pytest.skip("no fork")
    real_spawn = isolate._spawn

    def spawn_and_kill(fn: object, items: object) -> object:
        child = real_spawn(fn, items)  # type: ignore[arg-type]
        os.kill(child.pid, signal.SIGKILL)
        os.waitid(os.P_PID, child.pid, os.WEXITED | os.WNOWAIT)  # dead, not reaped: its pipe is closed
        return child

    monkeypatch.setattr(isolate, "_spawn", spawn_and_kill)
    results = list(isolate.map_isolated(lambda n: n, [1]))
    assert results == [isolate.Crash("killed by signal SIGKILL")]
