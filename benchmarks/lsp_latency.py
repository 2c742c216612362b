"""How long the language server takes from a change to its diagnostics, on 200 and 5,000 lines.

Starts ``python -m shlint_iam lsp``, opens a generated deploy script of each size, then sends N
full-text ``didChange`` notifications one at a time (each waiting for its diagnostics) and prints
the time from each change to its ``publishDiagnostics`` minus the server's debounce, i.e. the
cost of linting plus the JSON-RPC round trip. Then, for each size, the time a ``codeAction``
sent right after a ``didSave`` (which lints at once) takes to be answered, and whether it came
before that lint's diagnostics (issue 15: code actions never wait for a lint). Usage::

    python benchmarks/lsp_latency.py [--changes 20] [--lines 200 5000]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from shlint_iam.lsp import DEBOUNCE_SECONDS


def script(lines: int, variant: int) -> str:
    """About ``lines`` lines: functions, loops and deploys with and without their bindings."""
    out = ["#!/bin/bash", "set -euo pipefail", f"# variant {variant}", 'REGION="us-west2"']
    i = 0
    while len(out) < lines - 8:
        out += [
            f"deploy_{i}() {{",
            f'  gcloud functions deploy orch-{i} --gen2 --region="$REGION" --trigger-topic=topic-{i} \\',
            "    --runtime=python311 --entry-point=main --source=.",
            f'  gcloud functions add-invoker-policy-binding orch-{i} --region="$REGION" \\',
            '    --member="serviceAccount:123-compute@developer.gserviceaccount.com"',
            "}",
            f"for env in dev staging; do echo \"$env {i}\"; done",
            f"deploy_{i}",
            f"gcloud run deploy svc-{i} --image=gcr.io/p/img:{i} --region=us-west2 --no-allow-unauthenticated",
            "",
        ]
        i += 1
    out += [f"gcloud functions deploy late --gen2 --region=us-west2 --trigger-topic=t{variant}"] * 1
    while len(out) < lines:
        out.append(f"echo line {len(out)}")
    return "\n".join(out[:lines]) + "\n"


class Server:
    def __init__(self, cwd: str) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "shlint_iam", "lsp"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, cwd=cwd,
        )
        self.ident = 0

    def send(self, message: dict[str, Any]) -> None:
        body = json.dumps({"jsonrpc": "2.0", **message}).encode()
        assert self.proc.stdin is not None
        self.proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.proc.stdin.flush()

    def read(self) -> dict[str, Any]:
        assert self.proc.stdout is not None
        length = 0
        while True:
            line = self.proc.stdout.readline()
            if not line:
                raise SystemExit("the server exited")
            if not line.strip():
                break
            name, _, value = line.decode().partition(":")
            if name.lower() == "content-length":
                length = int(value)
        message: dict[str, Any] = json.loads(self.proc.stdout.read(length))
        return message

    def request(self, method: str, params: Any) -> Any:
        self.ident += 1
        self.send({"id": self.ident, "method": method, "params": params})
        while True:
            message = self.read()
            if message.get("id") == self.ident and "method" not in message:
                return message.get("result")

    def diagnostics(self, version: int) -> dict[str, Any]:
        while True:
            message = self.read()
            is_diagnostics = message.get("method") == "textDocument/publishDiagnostics"
            if is_diagnostics and message["params"].get("version") == version:
                params: dict[str, Any] = message["params"]
                return params


def measure(lines: int, changes: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "deploy.sh"
        path.write_text(script(lines, 0), encoding="utf-8")
        uri = path.as_uri()
        server = Server(tmp)
        server.request("initialize", {"processId": os.getpid(), "rootUri": Path(tmp).as_uri(), "capabilities": {}})
        server.send({"method": "initialized", "params": {}})
        started = time.perf_counter()
        server.send({"method": "textDocument/didOpen", "params": {"textDocument": {
            "uri": uri, "languageId": "shellscript", "version": 1, "text": script(lines, 0)}}})
        opened = server.diagnostics(1)
        first = time.perf_counter() - started
        latencies = []
        version = 1
        for n in range(changes):
            version = n + 2
            text = script(lines, version)
            started = time.perf_counter()
            server.send({"method": "textDocument/didChange", "params": {
                "textDocument": {"uri": uri, "version": version}, "contentChanges": [{"text": text}]}})
            latest = server.diagnostics(version)
            latencies.append(time.perf_counter() - started - DEBOUNCE_SECONDS)
        # A code action while the document is linted again (didSave lints at once).
        ours = [d for d in latest["diagnostics"] if d.get("code")]
        server.send({"method": "textDocument/didSave", "params": {"textDocument": {"uri": uri}}})
        started = time.perf_counter()
        server.ident += 1
        server.send({"id": server.ident, "method": "textDocument/codeAction", "params": {
            "textDocument": {"uri": uri}, "range": ours[0]["range"] if ours else latest["diagnostics"][0]["range"],
            "context": {"diagnostics": ours}}})
        action: float | None = None
        action_first = True  # until that lint's diagnostics come first
        while action is None:
            message = server.read()
            if message.get("id") == server.ident and "method" not in message:
                action = time.perf_counter() - started
            elif message.get("method") == "textDocument/publishDiagnostics":
                action_first = False
        server.request("shutdown", None)
        server.send({"method": "exit", "params": None})
        server.proc.wait(timeout=10)
    ms = sorted(x * 1000 for x in latencies)
    found = len(opened["diagnostics"])
    print(f"script: {lines} lines, {found} diagnostics; debounce {DEBOUNCE_SECONDS * 1000:.0f} ms")
    print(f"  didOpen -> diagnostics (first lint, cold): {first * 1000:.1f} ms")
    print(
        f"  didChange -> diagnostics minus debounce over {len(ms)} changes: "
        f"median {statistics.median(ms):.1f} ms, min {ms[0]:.1f} ms, max {ms[-1]:.1f} ms"
    )
    print(f"  codeAction during a lint: answered in {action * 1000:.1f} ms, "
          f"{'before' if action_first else 'after'} that lint's diagnostics")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--changes", type=int, default=20)
    parser.add_argument("--lines", type=int, nargs="+", default=[200, 5000])
    args = parser.parse_args()
    for lines in args.lines:
        measure(lines, args.changes)


if __name__ == "__main__":
    main()
