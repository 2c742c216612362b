"""The language server, driven over its stdio by a small JSON-RPC client, as an editor would."""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("pygls")

from shlint_iam import lsp  # noqa: E402

TIMEOUT = 20.0  # seconds for any one answer; a hung server fails the test instead of hanging it

DEPLOY = "gcloud functions deploy orch --gen2 --region=us-west2 --trigger-topic=t"
BINDING = (
    "gcloud functions add-invoker-policy-binding orch --region=us-west2 "
    '--member="serviceAccount:123-compute@developer.gserviceaccount.com"'
)
BROKEN = f"#!/bin/bash\nset -euo pipefail\n{DEPLOY}\n"
FIXED = BROKEN + BINDING + "\n"


class Client:
    """A Content-Length framed JSON-RPC client over a ``shlint-iam lsp`` subprocess."""

    def __init__(self, cwd: Path, python: str | Path = sys.executable) -> None:
        env = dict(os.environ, PYTHONUNBUFFERED="1")
        self.proc = subprocess.Popen(
            [str(python), "-m", "shlint_iam", "lsp"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=cwd,
            env=env,
        )
        self.messages: queue.Queue[dict[str, Any] | None] = queue.Queue()
        self.seen: list[dict[str, Any]] = []  # every notification read so far
        self.next_id = 0
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        stream = self.proc.stdout
        assert stream is not None
        while True:
            length = None
            while True:
                header = stream.readline()
                if not header:
                    self.messages.put(None)
                    return
                header = header.strip()
                if not header:
                    break
                name, _, value = header.decode("ascii").partition(":")
                if name.lower() == "content-length":
                    length = int(value)
            assert length is not None
            self.messages.put(json.loads(stream.read(length)))

    def _send(self, message: dict[str, Any]) -> None:
        body = json.dumps({"jsonrpc": "2.0", **message}).encode("utf-8")
        assert self.proc.stdin is not None
        self.proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.proc.stdin.flush()

    def notify(self, method: str, params: Any) -> None:
        self._send({"method": method, "params": params})

    def request(self, method: str, params: Any, timeout: float = TIMEOUT) -> Any:
        self.next_id += 1
        ident = self.next_id
        self._send({"id": ident, "method": method, "params": params})
        reply = self.wait(lambda m: m.get("id") == ident and "method" not in m, timeout)
        assert "error" not in reply, reply
        return reply.get("result")

    def wait(self, match: Callable[[dict[str, Any]], bool], timeout: float = TIMEOUT) -> dict[str, Any]:
        """The first message (from now on, or a notification already seen) that ``match`` accepts."""
        for message in self.seen:
            if match(message):
                self.seen.remove(message)
                return message
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"no matching message within {timeout}s; seen: {self.seen}")
            try:
                received = self.messages.get(timeout=left)
            except queue.Empty:
                continue
            if received is None:
                raise AssertionError(f"the server exited: {self.stderr()}")
            message = received
            if "method" in message and "id" in message:  # a request from the server
                self._send({"id": message["id"], "result": None})
            if match(message):
                return message
            if "method" in message:
                self.seen.append(message)

    def drain(self, seconds: float) -> None:
        """Read whatever arrives during ``seconds`` into ``seen``."""
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            try:
                message = self.messages.get(timeout=left)
            except queue.Empty:
                return
            if message is None:
                return
            if "method" in message:
                self.seen.append(message)

    def diagnostics(self, uri: str, timeout: float = TIMEOUT) -> dict[str, Any]:
        message = self.wait(
            lambda m: m.get("method") == "textDocument/publishDiagnostics" and m["params"]["uri"] == uri,
            timeout,
        )
        return message["params"]

    def initialize(self, root: Path, encodings: list[str] | None = None) -> dict[str, Any]:
        capabilities: dict[str, Any] = {
            "textDocument": {"publishDiagnostics": {"versionSupport": True}, "codeAction": {}},
        }
        if encodings is not None:
            capabilities["general"] = {"positionEncodings": encodings}
        result = self.request(
            "initialize",
            {"processId": os.getpid(), "rootUri": root.as_uri(), "capabilities": capabilities},
        )
        self.notify("initialized", {})
        return result

    def open(self, path: Path, text: str, version: int = 1) -> str:
        uri = path.as_uri()
        self.notify(
            "textDocument/didOpen",
            {"textDocument": {"uri": uri, "languageId": "shellscript", "version": version, "text": text}},
        )
        return uri

    def change(self, uri: str, text: str, version: int) -> None:
        self.notify(
            "textDocument/didChange",
            {"textDocument": {"uri": uri, "version": version}, "contentChanges": [{"text": text}]},
        )

    def stderr(self) -> str:
        try:
            self.proc.kill()
            _, err = self.proc.communicate(timeout=5)
        except Exception:  # noqa: BLE001
            return ""
        return err.decode("utf-8", "replace")

    def close(self) -> int:
        """shutdown, exit; the server's exit code."""
        self.request("shutdown", None)
        self.notify("exit", None)
        try:
            return self.proc.wait(timeout=TIMEOUT)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
            for stream in (self.proc.stdin, self.proc.stdout, self.proc.stderr):
                if stream is not None:
                    stream.close()


@pytest.fixture
def client(tmp_path: Path) -> Iterator[Client]:
    c = Client(tmp_path)
    try:
        yield c
    finally:
        if c.proc.poll() is None:
            c.proc.kill()
            c.proc.wait(timeout=10)


def codes(params: dict[str, Any]) -> list[str]:
    return [d["code"] for d in params["diagnostics"]]


def test_session_open_fix_save_action_close(client: Client, tmp_path: Path) -> None:
    result = client.initialize(tmp_path)
    capabilities = result["capabilities"]
    assert capabilities["codeActionProvider"]["codeActionKinds"] == ["quickfix"]
    assert capabilities["textDocumentSync"]["openClose"] is True
    assert result["serverInfo"]["name"] == "shlint-iam"

    script = tmp_path / "deploy.sh"
    script.write_text(BROKEN, encoding="utf-8")
    uri = client.open(script, BROKEN)
    params = client.diagnostics(uri)
    assert codes(params) == ["IAM001"]
    assert params["version"] == 1
    (diag,) = params["diagnostics"]
    assert diag["source"] == "shlint-iam"
    assert diag["severity"] == 1  # Error
    assert diag["range"]["start"] == {"line": 2, "character": 0}
    assert diag["range"]["end"]["line"] == 2 and diag["range"]["end"]["character"] > 0
    assert diag["codeDescription"]["href"].endswith("/docs/rules.md#iam001-missing-invoker-binding")
    assert "orch" in diag["message"]

    actions = client.request(
        "textDocument/codeAction",
        {
            "textDocument": {"uri": uri},
            "range": diag["range"],
            "context": {"diagnostics": [diag], "only": ["quickfix"]},
        },
    )
    (action,) = actions
    assert action["title"] == "Disable IAM001 for this line"
    assert action["kind"] == "quickfix"
    (change,) = action["edit"]["documentChanges"]
    assert change["textDocument"] == {"uri": uri, "version": 1}
    (edit,) = change["edits"]
    end_of_deploy = {"line": 2, "character": len(DEPLOY)}
    assert edit == {"range": {"start": end_of_deploy, "end": end_of_deploy},
                    "newText": " # shlint-iam disable=IAM001"}

    client.change(uri, FIXED, 2)
    script.write_text(FIXED, encoding="utf-8")
    client.notify("textDocument/didSave", {"textDocument": {"uri": uri}})
    params = client.diagnostics(uri)
    assert params["diagnostics"] == [] and params["version"] == 2

    # Back to broken: the change alone (no save) publishes after the debounce.
    client.change(uri, BROKEN, 3)
    params = client.diagnostics(uri)
    assert codes(params) == ["IAM001"] and params["version"] == 3

    client.notify("textDocument/didClose", {"textDocument": {"uri": uri}})
    assert client.diagnostics(uri)["diagnostics"] == []
    assert client.close() == 0


def test_applying_the_quick_fix_suppresses_the_finding(client: Client, tmp_path: Path) -> None:
    client.initialize(tmp_path)
    uri = client.open(tmp_path / "deploy.sh", BROKEN)
    (diag,) = client.diagnostics(uri)["diagnostics"]
    (action,) = client.request(
        "textDocument/codeAction",
        {"textDocument": {"uri": uri}, "range": diag["range"], "context": {"diagnostics": [diag]}},
    )
    (edit,) = action["edit"]["documentChanges"][0]["edits"]
    lines = BROKEN.split("\n")
    row, col = edit["range"]["start"]["line"], edit["range"]["start"]["character"]
    lines[row] = lines[row][:col] + edit["newText"] + lines[row][col:]
    client.change(uri, "\n".join(lines), 2)
    assert client.diagnostics(uri)["diagnostics"] == []  # suppressed findings are not published
    assert client.close() == 0


def test_latest_text_wins_and_changes_are_debounced(client: Client, tmp_path: Path) -> None:
    client.initialize(tmp_path)
    uri = client.open(tmp_path / "deploy.sh", FIXED)
    assert client.diagnostics(uri)["diagnostics"] == []
    for version in range(2, 7):  # quicker than the debounce: only the last one is linted
        client.change(uri, BROKEN if version % 2 else FIXED, version)
        time.sleep(0.02)
    client.change(uri, BROKEN, 7)
    params = client.diagnostics(uri)
    assert params["version"] == 7 and codes(params) == ["IAM001"]
    client.drain(1.0)
    assert not [m for m in client.seen if m.get("method") == "textDocument/publishDiagnostics"]
    assert client.close() == 0


@pytest.mark.parametrize(("offered", "character"), [(None, 6), (["utf-32", "utf-16"], 5), (["utf-16"], 6)])
def test_columns_in_the_negotiated_encoding(
    client: Client, tmp_path: Path, offered: list[str] | None, character: int
) -> None:
    result = client.initialize(tmp_path, offered)
    expected = "utf-32" if offered and offered[0] == "utf-32" else "utf-16"
    assert result["capabilities"].get("positionEncoding", "utf-16") == expected
    # The emoji is 1 code point but 2 UTF-16 code units: the deploy starts at 5 or 6.
    text = f"#!/bin/bash\nset -euo pipefail\n: 😀; {DEPLOY}\n"
    uri = client.open(tmp_path / "deploy.sh", text)
    (diag,) = client.diagnostics(uri)["diagnostics"]
    assert diag["range"]["start"] == {"line": 2, "character": character}
    (action,) = client.request(
        "textDocument/codeAction",
        {"textDocument": {"uri": uri}, "range": diag["range"], "context": {"diagnostics": [diag]}},
    )
    (edit,) = action["edit"]["documentChanges"][0]["edits"]
    assert edit["range"]["start"]["character"] == len(f": 😀; {DEPLOY}") + (character - 5)
    assert client.close() == 0


def test_config_next_to_the_document_is_used(client: Client, tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / ".shlint-iam.toml").write_text('ignore = ["IAM001"]\n', encoding="utf-8")
    client.initialize(tmp_path)
    uri = client.open(tmp_path / "sub" / "deploy.sh", BROKEN)
    assert client.diagnostics(uri)["diagnostics"] == []
    other = client.open(tmp_path / "deploy.sh", BROKEN)
    assert codes(client.diagnostics(other)) == ["IAM001"]
    assert client.close() == 0


def test_config_error_is_shown_not_fatal(client: Client, tmp_path: Path) -> None:
    (tmp_path / ".shlint-iam.toml").write_text('no-such-key = 1\n', encoding="utf-8")
    client.initialize(tmp_path)
    uri = client.open(tmp_path / "deploy.sh", BROKEN)
    shown = client.wait(lambda m: m.get("method") == "window/showMessage")
    assert shown["params"]["type"] == 1 and "no-such-key" in shown["params"]["message"]
    assert codes(client.diagnostics(uri)) == ["IAM001"]  # linted with the defaults
    assert client.close() == 0


def test_untitled_buffer_and_relative_source(client: Client, tmp_path: Path) -> None:
    lib = tmp_path / "lib"
    lib.mkdir()
    (lib / "bind.sh").write_text(f"bind_it() {{\n  {BINDING}\n}}\n", encoding="utf-8")
    client.initialize(tmp_path)
    text = BROKEN + 'source "$(dirname "$0")/lib/bind.sh"\nbind_it\n'
    uri = client.open(tmp_path / "main.sh", text)
    assert client.diagnostics(uri)["diagnostics"] == []  # the binding is found through `source`
    untitled = "untitled:Untitled-1"
    client.notify(
        "textDocument/didOpen",
        {"textDocument": {"uri": untitled, "languageId": "shellscript", "version": 1, "text": BROKEN}},
    )
    assert codes(client.diagnostics(untitled)) == ["IAM001"]
    assert client.close() == 0


# -- the quick fix's edit, directly ----------------------------------------------------------------
def apply(text: str, line: int, code: str, scope: tuple[int, int] | None = None) -> str | None:
    edit = lsp.disable_edit(text, line, code, scope)
    if edit is None:
        return None
    lines = text.split("\n")
    start = edit.range.start
    lines[start.line] = lines[start.line][: start.character] + edit.new_text + lines[start.line][start.character :]
    return "\n".join(lines)


def test_disable_edit_appends_to_an_existing_directive() -> None:
    text = "a\ngcloud x  # shlint-iam disable=ERR001 -- flaky\n"
    assert apply(text, 1, "IAM001") == "a\ngcloud x  # shlint-iam disable=ERR001,IAM001 -- flaky\n"
    assert apply(text, 1, "ERR001") is None  # disabled there already


def test_disable_edit_avoids_continuations_strings_and_other_comments() -> None:
    multi = "gcloud functions deploy f \\\n  --trigger-topic=t\necho done\n"
    assert apply(multi, 0, "IAM001", (1, 2)) == (
        "gcloud functions deploy f \\\n  --trigger-topic=t # shlint-iam disable=IAM001\necho done\n"
    )
    quoted = 'gcloud x --description="two\nlines"\n'
    assert apply(quoted, 0, "IAM001", (1, 2)) == (
        'gcloud x --description="two\nlines" # shlint-iam disable=IAM001\n'
    )
    commented = "if true; then\n  gcloud x  # deploy it\nfi\n"
    assert apply(commented, 1, "IAM001", (2, 2)) == (
        "if true; then\n  # shlint-iam disable=IAM001\n  gcloud x  # deploy it\nfi\n"
    )
    hash_in_string = 'gcloud x --labels="a#b"\n'
    assert apply(hash_in_string, 0, "IAM001") == 'gcloud x --labels="a#b" # shlint-iam disable=IAM001\n'
    crlf = "gcloud x\r\n"
    assert apply(crlf, 0, "IAM001") == "gcloud x # shlint-iam disable=IAM001\r\n"


def test_lsp_without_pygls_says_how_to_install() -> None:
    code = textwrap.dedent(
        """
        import sys
        sys.modules["pygls"] = None
        from shlint_iam.cli import main
        main(["lsp"])
        """
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    assert "pip install 'shlint-iam[lsp]'" in proc.stderr
    assert "Traceback" not in proc.stderr
