"""The language server answers malformed and hostile input and keeps serving (issue 12 items 7,
12): raw JSON-RPC over the server's standard input and output, as an editor would send it."""

from __future__ import annotations

import json
import os
import select
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

DEPLOY = "gcloud functions deploy f --gen2 --region=us-central1 --trigger-topic=t\n"


def frame(message: dict[str, Any]) -> bytes:
    body = json.dumps(message).encode()
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


class Client:
    def __init__(self, cwd: Path, env: dict[str, str] | None = None) -> None:
        self.proc = subprocess.Popen([sys.executable, "-m", "shlint_iam", "lsp"], cwd=cwd, stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
        self.buffer = b""
        self.inbox: list[dict[str, Any]] = []
        self.send({"jsonrpc": "2.0", "id": 0, "method": "initialize",
                   "params": {"processId": None, "rootUri": None, "capabilities": {}}})
        assert "result" in self.wait(lambda m: m.get("id") == 0)
        self.send({"jsonrpc": "2.0", "method": "initialized", "params": {}})

    def send(self, message: dict[str, Any] | bytes) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(message if isinstance(message, bytes) else frame(message))
        self.proc.stdin.flush()

    def _messages(self, timeout: float) -> Iterator[dict[str, Any]]:
        assert self.proc.stdout is not None
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            while b"\r\n\r\n" in self.buffer:
                head, rest = self.buffer.split(b"\r\n\r\n", 1)
                size = next(int(line.split(b":")[1]) for line in head.split(b"\r\n")
                            if line.lower().startswith(b"content-length:"))
                if len(rest) < size:
                    break
                self.buffer = rest[size:]
                yield json.loads(rest[:size])
            ready, _, _ = select.select([self.proc.stdout], [], [], 0.1)
            if ready:
                chunk = os.read(self.proc.stdout.fileno(), 1 << 16)
                assert chunk, "the server exited"
                self.buffer += chunk

    def wait(self, wanted: Any, timeout: float = 30) -> dict[str, Any]:
        for i, message in enumerate(self.inbox):
            if wanted(message):
                return self.inbox.pop(i)
        for message in self._messages(timeout):
            if wanted(message):
                return message
            self.inbox.append(message)
        raise AssertionError(f"no such message within {timeout} s; got {self.inbox}")

    def open(self, uri: str, text: str, version: int = 1) -> None:
        self.send({"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {
            "textDocument": {"uri": uri, "languageId": "shellscript", "version": version, "text": text}}})

    def diagnostics(self, uri: str) -> dict[str, Any]:
        return self.wait(lambda m: m.get("method") == "textDocument/publishDiagnostics"
                         and m["params"]["uri"] == uri)["params"]

    def still_serving(self, tmp: Path) -> None:
        """Another document still gets its diagnostics and a request its answer."""
        uri = (tmp / "other.sh").as_uri()
        self.open(uri, DEPLOY)
        assert [d["code"] for d in self.diagnostics(uri)["diagnostics"]].count("IAM001") == 1
        self.send({"jsonrpc": "2.0", "id": 99, "method": "shutdown"})
        assert self.wait(lambda m: m.get("id") == 99) == {"jsonrpc": "2.0", "id": 99, "result": None}

    def close(self) -> None:
        self.proc.kill()
        self.proc.wait()


@pytest.fixture
def client(tmp_path: Path) -> Iterator[Client]:
    c = Client(tmp_path)
    yield c
    c.close()


def test_a_header_without_content_length_gets_an_error_and_the_server_resyncs(client: Client, tmp_path: Path) -> None:
    client.send(b"X-Foo: bar\r\n\r\n{}")  # used to wedge the reader for good
    error = client.wait(lambda m: "error" in m)
    assert error == {"jsonrpc": "2.0", "id": None,
                     "error": {"code": -32600, "message": "message header without Content-Length"}}
    client.still_serving(tmp_path)


def test_a_huge_announced_length_is_refused_without_reading_it_into_memory(client: Client, tmp_path: Path) -> None:
    size = 200 * 1024 * 1024
    client.send(b"Content-Length: %d\r\n\r\n" % size)
    chunk = b" " * (1 << 20)
    for _ in range(size // len(chunk)):
        client.send(chunk)
    error = client.wait(lambda m: "error" in m, timeout=60)
    assert error["id"] is None and error["error"]["code"] == -32600 and "larger than" in error["error"]["message"]
    client.still_serving(tmp_path)


def test_a_code_action_with_a_negative_position_gets_an_error(client: Client, tmp_path: Path) -> None:
    uri = (tmp_path / "a.sh").as_uri()
    client.open(uri, DEPLOY)
    client.diagnostics(uri)
    client.send({"jsonrpc": "2.0", "id": 7, "method": "textDocument/codeAction", "params": {
        "textDocument": {"uri": uri},
        "range": {"start": {"line": -1, "character": -5}, "end": {"line": 0, "character": 0}},
        "context": {"diagnostics": []}}})
    answer = client.wait(lambda m: m.get("id") == 7)
    assert answer["error"]["code"] == -32602
    assert answer["error"]["message"].startswith("invalid params for textDocument/codeAction:")
    client.still_serving(tmp_path)


def test_a_version_outside_int32_is_still_linted(client: Client, tmp_path: Path) -> None:
    uri = (tmp_path / "b.sh").as_uri()
    client.open(uri, DEPLOY, version=2**40)
    published = client.diagnostics(uri)
    assert [d["code"] for d in published["diagnostics"]].count("IAM001") == 1
    warning = client.wait(lambda m: m.get("method") == "window/logMessage")
    assert "outside int32" in warning["params"]["message"]
    client.still_serving(tmp_path)


@pytest.mark.parametrize("name,text", [
    ("surrogate.sh", DEPLOY + "echo \udc80\n"),  # a lone surrogate (JSON "\\udc80")
    ("nul%00name.sh", DEPLOY),  # %00 in the URI
])
def test_odd_documents_and_uris_are_linted(name: str, text: str, client: Client, tmp_path: Path) -> None:
    uri = tmp_path.as_uri() + "/" + name
    client.open(uri, text)
    assert [d["code"] for d in client.diagnostics(uri)["diagnostics"]].count("IAM001") == 1
    client.still_serving(tmp_path)


def test_the_quick_fix_never_copies_a_foreign_code_into_the_file(client: Client, tmp_path: Path) -> None:
    uri = (tmp_path / "c.sh").as_uri()
    client.open(uri, DEPLOY)
    real = client.diagnostics(uri)["diagnostics"]
    evil = dict(real[0], code="IAM001\nrm -rf /")
    client.send({"jsonrpc": "2.0", "id": 8, "method": "textDocument/codeAction", "params": {
        "textDocument": {"uri": uri}, "range": real[0]["range"], "context": {"diagnostics": [evil, real[0]]}}})
    actions = client.wait(lambda m: m.get("id") == 8)["result"]
    edits = [e["newText"] for a in actions for c in a["edit"]["documentChanges"] for e in c["edits"]]
    # The disable action names the real code once; automatic fixes (ERR001 here) add their own
    # edits; nothing carries the foreign text.
    assert [e for e in edits if "shlint-iam" in e] == [f" # shlint-iam disable={real[0]['code']}"]
    assert not any("rm -rf" in e for e in edits)
    client.still_serving(tmp_path)


def test_did_save_of_an_unopened_device_is_not_read(client: Client, tmp_path: Path) -> None:
    start = time.monotonic()
    client.send({"jsonrpc": "2.0", "method": "textDocument/didSave",
                 "params": {"textDocument": {"uri": "file:///dev/zero"}}})  # read 11 GB in 8 s before
    client.still_serving(tmp_path)
    assert time.monotonic() - start < 30
    assert not [m for m in client.inbox if m.get("params", {}).get("uri") == "file:///dev/zero"]
