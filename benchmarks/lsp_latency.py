"""How long the language server takes from a change to its diagnostics, on 200 and 5,000 lines.

Starts ``python -m shlint_iam lsp``, opens a generated deploy script of each size, then sends N
full-text ``didChange`` notifications one at a time (each waiting for its diagnostics) and prints
the time from each change to its ``publishDiagnostics`` minus the server's debounce: how long
after the debounce ends the diagnostics come (the lint, as far as it did not fit in the
debounce, plus the JSON-RPC round trip). Then, for each size, the time a ``codeAction`` sent
right after a ``didSave`` (which lints at once) takes to be answered, and whether it came before
that lint's diagnostics (issue 15: code actions never wait for a lint): the session's first one,
and one after a one-line edit. ``--checkout`` runs the server from other source trees too, their
sessions interleaved (A/B on a shared machine). Usage::

    python benchmarks/lsp_latency.py [--changes 20] [--sessions 1] [--lines 200 5000]
        [--checkout OLD_TREE --checkout NEW_TREE]
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
from dataclasses import dataclass
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
    def __init__(self, cwd: str, env: dict[str, str], python: str = sys.executable) -> None:
        self.proc = subprocess.Popen(
            [python, "-m", "shlint_iam", "lsp"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, cwd=cwd, env=env,
        )
        self.ident = 0
        self.took = 0.0  # the last change's time to its diagnostics

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

    def cpu(self) -> float:
        """The server's CPU time so far, user and system, with that of its children that ended
        (each lint is a forked child: Linux only)."""
        fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        utime, stime, cutime, cstime = (int(x) for x in fields[11:15])
        return (utime + stime + cutime + cstime) / os.sysconf("SC_CLK_TCK")

    def change(self, uri: str, version: int, text: str) -> dict[str, Any]:
        """Send the whole new text; its diagnostics (the time they took in ``took``)."""
        started = time.perf_counter()
        self.send({"method": "textDocument/didChange", "params": {
            "textDocument": {"uri": uri, "version": version}, "contentChanges": [{"text": text}]}})
        latest = self.diagnostics(version)
        self.took = time.perf_counter() - started
        return latest

    def action_during_lint(self, uri: str, latest: dict[str, Any]) -> tuple[float, bool]:
        """A didSave (which lints at once), then a codeAction for the diagnostics ``latest``: how
        long its answer took, and whether it came before that lint's diagnostics."""
        ours = [d for d in latest["diagnostics"] if d.get("code")]
        self.send({"method": "textDocument/didSave", "params": {"textDocument": {"uri": uri}}})
        started = time.perf_counter()
        self.ident += 1
        self.send({"id": self.ident, "method": "textDocument/codeAction", "params": {
            "textDocument": {"uri": uri}, "range": (ours or latest["diagnostics"])[0]["range"],
            "context": {"diagnostics": ours}}})
        action: float | None = None
        action_first = True  # until that lint's diagnostics come first
        published = False
        while action is None or not published:
            message = self.read()
            if message.get("id") == self.ident and "method" not in message:
                action = time.perf_counter() - started
            elif message.get("method") == "textDocument/publishDiagnostics":
                published = True
                if action is None:
                    action_first = False
        return action, action_first


@dataclass
class Measured:
    """One server session on one script size."""

    first: float  # didOpen -> its diagnostics (the first lint, cold), seconds
    latencies: list[float]  # each didChange -> its diagnostics, minus the debounce
    cpu: float  # the server's CPU time (its own and its lint children's) per change
    action: float  # a codeAction sent during a lint (right after a didSave), the first of the session
    action_first: bool  # ... answered before that lint's diagnostics
    again: float  # a second codeAction during the next lint (the text changed a little since the first)
    found: int  # diagnostics on the opened script


def measure(lines: int, changes: int, checkout: str | None) -> Measured:
    """A session on a ``lines``-line script, the server importing shlint_iam from ``checkout``
    (a source tree; None: the installed one)."""
    env = dict(os.environ)
    python = sys.executable
    if checkout:
        # TREE=PYTHON: that interpreter (a venv with TREE installed editable), so that the tree's
        # rules/ are imported too; PYTHONPATH alone gets shlint_iam from TREE but the built-in
        # rules from wherever the running interpreter's editable install maps shlint_iam.rules.
        tree, _, interpreter = checkout.partition("=")
        env["PYTHONPATH"] = tree
        python = interpreter or python
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "deploy.sh"
        path.write_text(script(lines, 0), encoding="utf-8")
        uri = path.as_uri()
        server = Server(tmp, env, python)
        server.request("initialize", {"processId": os.getpid(), "rootUri": Path(tmp).as_uri(), "capabilities": {}})
        server.send({"method": "initialized", "params": {}})
        started = time.perf_counter()
        server.send({"method": "textDocument/didOpen", "params": {"textDocument": {
            "uri": uri, "languageId": "shellscript", "version": 1, "text": script(lines, 0)}}})
        opened = server.diagnostics(1)
        first = time.perf_counter() - started
        latencies = []
        version = 1
        cpu = server.cpu()
        for n in range(changes):
            version = n + 2
            latest = server.change(uri, version, script(lines, version))
            latencies.append(server.took - DEBOUNCE_SECONDS)
        cpu = (server.cpu() - cpu) / changes
        action, action_first = server.action_during_lint(uri, latest)
        # A small edit (one line in the middle), its diagnostics, then a code action again.
        version += 1
        edited = script(lines, version - 1).replace("orch-3 ", "orch-3b ", 1)
        latest = server.change(uri, version, edited)
        again, _ = server.action_during_lint(uri, latest)
        server.request("shutdown", None)
        server.send({"method": "exit", "params": None})
        server.proc.wait(timeout=10)
    return Measured(first, latencies, cpu, action, action_first, again, len(opened["diagnostics"]))


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def report(lines: int, checkout: str | None, runs: list[Measured]) -> None:
    latencies = sorted(x for run in runs for x in run.latencies)
    name = checkout or "installed"
    print(f"{name}: {lines} lines, {runs[0].found} diagnostics; debounce {DEBOUNCE_SECONDS * 1000:.0f} ms; "
          f"{len(runs)} sessions")
    print(f"  didOpen -> diagnostics (first lint, cold): median {ms(statistics.median(r.first for r in runs))}")
    print(
        f"  didChange -> diagnostics minus debounce over {len(latencies)} changes: "
        f"median {ms(statistics.median(latencies))}, min {ms(latencies[0])}, max {ms(latencies[-1])}"
    )
    print(f"  server CPU (its own and its lint children's) per change: median "
          f"{ms(statistics.median(r.cpu for r in runs))}")
    before = sum(r.action_first for r in runs)
    print(f"  first codeAction during a lint: median {ms(statistics.median(r.action for r in runs))}, "
          f"{before} of {len(runs)} before that lint's diagnostics")
    print(f"  codeAction after a one-line edit, during a lint: median {ms(statistics.median(r.again for r in runs))}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--changes", type=int, default=20, help="changes per session")
    parser.add_argument("--sessions", type=int, default=1, help="sessions per script size and checkout")
    parser.add_argument("--lines", type=int, nargs="+", default=[200, 5000])
    parser.add_argument("--checkout", action="append", default=[],
                        help="a source tree to run the server from (PYTHONPATH), as TREE or TREE=PYTHON (a venv "
                             "with TREE installed, so its rules/ are used too); several: their sessions "
                             "alternate (interleaved A/B). Default: the installed shlint_iam")
    args = parser.parse_args()
    checkouts: list[str | None] = list(args.checkout) or [None]
    for lines in args.lines:
        runs: dict[str | None, list[Measured]] = {c: [] for c in checkouts}
        for _ in range(args.sessions):
            for checkout in checkouts:
                runs[checkout].append(measure(lines, args.changes, checkout))
        for checkout in checkouts:
            report(lines, checkout, runs[checkout])


if __name__ == "__main__":
    main()
