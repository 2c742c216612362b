"""The language server's quick fixes for the binding fixes, driven by pytest-lsp's client (a real
LSP client over the server's stdio): the unsafe IAM001 fix is offered beside "Disable IAM001 for
this line", labelled unsafe and not preferred, and its workspace edit is `check --fix`'s."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest_lsp = pytest.importorskip("pytest_lsp")
from lsprotocol import types  # noqa: E402
from pytest_lsp import LanguageClient  # noqa: E402

SCRIPT = """\
#!/bin/bash
set -euo pipefail
REGION=us-west2
SA="orch@acme-prod.iam.gserviceaccount.com"
for phase in phase1 phase2; do
  gcloud functions deploy "$phase-orchestrator" --gen2 --region="$REGION" \\
    --trigger-topic="$phase-done" --trigger-service-account="$SA"
done
"""
BINDING = ('  gcloud functions add-invoker-policy-binding "$phase-orchestrator" --region="$REGION"'
           ' --member="serviceAccount:$SA"\n')
FIXED = SCRIPT.replace("done\n", BINDING + "done\n", 1)


@pytest.mark.asyncio
async def test_quick_fix_inserts_the_binding_in_the_loop(client: LanguageClient, tmp_path: Path) -> None:
    path = tmp_path / "deploy.sh"
    path.write_text(SCRIPT, encoding="utf-8")
    uri = path.as_uri()
    client.text_document_did_open(types.DidOpenTextDocumentParams(
        text_document=types.TextDocumentItem(uri=uri, language_id="shellscript", version=1, text=SCRIPT)))
    await client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    ours = [d for d in client.diagnostics[uri] if d.code == "IAM001"]
    assert [(d.range.start.line, d.range.start.character) for d in ours] == [(5, 2)]
    actions = await client.text_document_code_action_async(types.CodeActionParams(
        text_document=types.TextDocumentIdentifier(uri=uri), range=ours[0].range,
        context=types.CodeActionContext(diagnostics=ours)))
    assert actions is not None
    titles = [a.title for a in actions if isinstance(a, types.CodeAction)]
    assert titles == [f"Fix IAM001: add `{BINDING.strip()}` after the deploy (unsafe)", "Disable IAM001 for this line"]
    fix = actions[0]
    assert isinstance(fix, types.CodeAction)
    assert fix.kind == types.CodeActionKind.QuickFix and fix.is_preferred is False
    assert fix.edit is not None and fix.edit.document_changes is not None
    (change,) = fix.edit.document_changes
    assert isinstance(change, types.TextDocumentEdit)
    (edit,) = change.edits
    assert isinstance(edit, types.TextEdit)
    assert (edit.range.start.line, edit.range.start.character) == (7, 0)
    assert edit.range.start == edit.range.end
    lines = SCRIPT.split("\n")
    assert "\n".join(lines[:7] + [edit.new_text.rstrip("\n")] + lines[7:]) == FIXED
