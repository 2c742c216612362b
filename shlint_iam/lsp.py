"""The language server: ``shlint-iam lsp`` speaks the Language Server Protocol on stdin/stdout.

It lints each open document with the same configuration the command line would use for that
file (the nearest ``.shlint-iam.toml`` or ``pyproject.toml`` above it), and publishes the
findings as diagnostics: when a document is opened or saved, and ~300 ms after the last change
while typing (only the latest text is published). Closing a document clears its diagnostics.
Each diagnostic has a quick fix that adds ``# shlint-iam disable=CODE`` for its command.

The debounce decides when diagnostics are *published*, not when the lint starts: a change's lint
starts early enough to be done when the debounce ends (the document's last lint times tell how
long it takes, see :func:`start_delay`), in a forked child that the next change kills. A small
script's lint still starts late in the debounce and wastes nothing while typing; a script whose
lint takes longer than the debounce is linted from the change on, and typing in it costs a lint
started (and killed) per change.

Code actions never wait for a lint in progress: they are answered (in a thread of their own)
from the latest *published* lint of the document, the one whose diagnostics the client shows:
its findings' automatic fixes and the "disable" edits computed on the text that lint saw. Every
edit names the document version it was computed for (``OptionalVersionedTextDocumentIdentifier``).
When the document changed since that lint, the actions are still offered, and a client applying
one whose version is no longer the document's refuses it: a stale action is rejected, never
applied to a text it was not made for. The next published lint brings fresh ones.

Columns: the linter counts Unicode code points; LSP counts UTF-16 code units unless the client
offers another ``positionEncoding`` (pygls picks the client's first supported choice, so a
client that prefers ``utf-32`` gets code points as they are).

Needs the ``lsp`` extra: ``pip install 'shlint-iam[lsp]'`` (pygls 2.x).
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.uris import to_fs_path

from . import __version__
from .config import Config, ConfigError
from .core import CODE_PATTERN
from .isolate import FORK_LOCK, Cancel
from .line_ends import DIRECTIVE, LineEnds
from .model import FileProblem, Finding, Severity

log = logging.getLogger(__name__)

SOURCE = "shlint-iam"
DEBOUNCE_SECONDS = 0.3  # diagnostics are published this long after the last change
# A lint starts this long, plus half its expected duration, before it is needed: a lint slower
# than the last ones (a busy machine) still ends before the debounce does.
START_MARGIN_SECONDS = 0.03
RULE_DOCS = "https://github.com/shlint-iam/shlint-iam/blob/main/docs/rules.md#{anchor}"

_SEVERITY = {
    Severity.ERROR: types.DiagnosticSeverity.Error,
    Severity.WARNING: types.DiagnosticSeverity.Warning,
    Severity.INFO: types.DiagnosticSeverity.Information,
}


@dataclass
class Checked:
    """What linting one text gave: the diagnostics, or the configuration error that got in the way."""

    diagnostics: list[types.Diagnostic]
    config_error: str | None = None
    problems: tuple[str, ...] = ()
    findings: list[Finding] = field(default_factory=list)  # those the diagnostics show


@dataclass
class Linted:
    """The latest published lint of one document: what its code actions are computed from."""

    version: int | None
    text: str
    findings: list[Finding]
    encoding: str | None
    ends: LineEnds | None = None  # the text's line ends, parsed by the first code action

    def actions(self, uri: str, diagnostics: Sequence[types.Diagnostic]) -> list[types.CodeAction]:
        # No lint forks while this thread works (it may be importing a module: see FORK_LOCK).
        with FORK_LOCK:
            return self._actions(uri, diagnostics)

    def _actions(self, uri: str, diagnostics: Sequence[types.Diagnostic]) -> list[types.CodeAction]:
        if self.ends is None:
            self.ends = LineEnds(self.text)
        return quick_fixes(self.text, uri, self.version, diagnostics, self.encoding, self.findings, self.ends)


def start_delay(debounce: float, expected: float | None, margin: float = START_MARGIN_SECONDS) -> float:
    """How long after a change its lint starts, so that it is done when the ``debounce`` ends
    (its diagnostics are published then, not before): ``expected`` is how long the document's
    lints take (None: not known yet, start at once). A change arriving meanwhile kills the lint."""
    if expected is None:
        return 0.0
    return max(0.0, debounce - 1.5 * expected - margin)


def expected_duration(previous: float | None, took: float) -> float:
    """The expected duration of a document's next lint, from the last one (``took``) and the
    previous expectation: an exponential average, so that one slow lint on a busy machine moves it
    only half way."""
    return took if previous is None else (previous + took) / 2


class ShlintLanguageServer(LanguageServer):
    def __init__(self, debounce: float = DEBOUNCE_SECONDS, margin: float = START_MARGIN_SECONDS) -> None:
        super().__init__("shlint-iam", __version__)
        self.debounce = debounce
        self.margin = margin  # see start_delay
        # The linter (tree-sitter's parser is one per process) runs in one worker thread, so
        # that the event loop keeps reading messages and lints never overlap.
        self.worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="shlint-iam-lint")
        # Code actions have a thread of their own: they never queue behind a lint.
        self.actions = ThreadPoolExecutor(max_workers=1, thread_name_prefix="shlint-iam-actions")
        self.linted: dict[str, Linted] = {}  # the latest published lint of each open document
        self.running: dict[str, Cancel] = {}  # stops the lint in progress of a document
        self.pending: dict[str, asyncio.Task[None]] = {}
        self.expected: dict[str, float] = {}  # how long a lint of each open document takes
        # Bumped by every change, save and close: a lint publishes only if its generation is
        # still the latest for the document, so the latest text always wins.
        self.generation: dict[str, int] = {}
        self.shown_errors: set[str] = set()

    # -- scheduling ---------------------------------------------------------------------------
    def schedule(self, uri: str, debounce: float) -> None:
        """Lint ``uri`` and publish its diagnostics ``debounce`` seconds from now (0: as soon as
        they are known), replacing any lint still waiting for it, in progress (its forked child
        is killed: its diagnostics would never be published) or done and waiting to be published.
        The lint starts :func:`start_delay` from now."""
        self.generation[uri] = self.generation.get(uri, 0) + 1
        generation = self.generation[uri]
        self._stop_running(uri)
        waiting = self.pending.pop(uri, None)
        if waiting is not None:
            waiting.cancel()
            self._trace(uri, f"generation {generation - 1} superseded")
        loop = asyncio.get_running_loop()
        delay = start_delay(debounce, self.expected.get(uri), self.margin) if debounce > 0 else 0.0
        task = loop.create_task(self._lint_later(uri, generation, delay, loop.time() + debounce))
        self.pending[uri] = task

        def done(finished: asyncio.Task[None]) -> None:
            if self.pending.get(uri) is finished:
                del self.pending[uri]

        task.add_done_callback(done)

    def _stop_running(self, uri: str) -> None:
        running = self.running.pop(uri, None)
        if running is not None:
            running.cancel()

    def forget(self, uri: str) -> None:
        self.generation[uri] = self.generation.get(uri, 0) + 1
        self._stop_running(uri)
        self.linted.pop(uri, None)
        self.expected.pop(uri, None)
        waiting = self.pending.pop(uri, None)
        if waiting is not None:
            waiting.cancel()
        self.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=[]))

    def _trace(self, uri: str, message: str) -> None:
        """A ``$/logTrace`` notification, when the client turned tracing on (``$/setTrace``):
        what the scheduler did with a document's lints (tests check their order)."""
        if self.protocol.trace in (None, types.TraceValue.Off):
            return
        self.log_trace(types.LogTraceParams(message=f"{uri}: {message}"))

    async def _lint_later(self, uri: str, generation: int, delay: float, publish_at: float) -> None:
        """Lint ``uri`` after ``delay`` seconds, and publish the result at ``publish_at`` (the
        event loop's clock) or as soon as it is known, whichever is later."""
        if delay > 0:
            await asyncio.sleep(delay)
        if unquote(uri) not in self.workspace.text_documents:  # keyed as pygls keys them
            # Never read a document the client did not open: pygls would read the file from
            # disk, whatever it is (a `didSave` of file:///dev/zero read 11 GB in 8 s).
            return
        document = self.workspace.get_text_document(uri)
        text, version = document.source, document.version
        encoding = self.workspace.position_encoding
        loop = asyncio.get_running_loop()
        token = self.running[uri] = Cancel()
        self._trace(uri, f"generation {generation} (version {version}): lint started")
        try:
            done = await loop.run_in_executor(self.worker, _check_unless_cancelled, token, text, uri, encoding)
        except Exception as exc:  # noqa: BLE001 - a linter bug must not take the server down
            log.exception("linting %s failed", uri)
            self.window_log_message(
                types.LogMessageParams(type=types.MessageType.Error, message=f"shlint-iam: {uri}: {exc!r}")
            )
            if self.generation.get(uri) == generation:
                why = f"analysis incomplete: internal error ({type(exc).__name__}: {exc})"
                diagnostic = incomplete_diagnostic(why, text.split("\n"), encoding)
                await self._hold(uri, generation, publish_at)
                self.linted[uri] = Linted(version, text, [], encoding)
                self.text_document_publish_diagnostics(
                    types.PublishDiagnosticsParams(uri=uri, version=version, diagnostics=[diagnostic])
                )
            return
        finally:
            if self.running.get(uri) is token:
                del self.running[uri]
        if done is None:
            return  # a newer text (or a close) killed it
        checked, took = done
        if self.generation.get(uri) != generation:
            return  # a newer text (or a close) came in while this one was linted
        self.expected[uri] = expected_duration(self.expected.get(uri), took)
        await self._hold(uri, generation, publish_at)
        if checked.config_error and checked.config_error not in self.shown_errors:
            self.shown_errors.add(checked.config_error)
            self.window_show_message(
                types.ShowMessageParams(
                    type=types.MessageType.Error,
                    message=f"shlint-iam: {checked.config_error} (linting with the default settings)",
                )
            )
        for problem in checked.problems:
            self.window_log_message(types.LogMessageParams(type=types.MessageType.Warning, message=problem))
        self.linted[uri] = Linted(version, text, checked.findings, encoding)
        self._trace(uri, f"generation {generation} (version {version}): published")
        self.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(uri=uri, version=version, diagnostics=checked.diagnostics)
        )

    async def _hold(self, uri: str, generation: int, publish_at: float) -> None:
        """Wait for the end of the debounce (a newer text cancels this task meanwhile)."""
        wait = publish_at - asyncio.get_running_loop().time()
        if wait > 0:
            self._trace(uri, f"generation {generation}: lint done, held until the debounce ends")
            await asyncio.sleep(wait)


server = ShlintLanguageServer()


@server.feature(types.INITIALIZE)
def initialize(ls: ShlintLanguageServer, params: types.InitializeParams) -> None:
    if params.trace is not None:  # pygls reads `$/setTrace` only
        ls.protocol.trace = params.trace


@server.feature(types.TEXT_DOCUMENT_DID_OPEN)
def did_open(ls: ShlintLanguageServer, params: types.DidOpenTextDocumentParams) -> None:
    ls.schedule(params.text_document.uri, 0)


@server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
def did_change(ls: ShlintLanguageServer, params: types.DidChangeTextDocumentParams) -> None:
    ls.schedule(params.text_document.uri, ls.debounce)


@server.feature(types.TEXT_DOCUMENT_DID_SAVE)
def did_save(ls: ShlintLanguageServer, params: types.DidSaveTextDocumentParams) -> None:
    # Saving may also change what the file sources or the config beside it: lint again, now.
    ls.schedule(params.text_document.uri, 0)


@server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
def did_close(ls: ShlintLanguageServer, params: types.DidCloseTextDocumentParams) -> None:
    ls.forget(params.text_document.uri)


@server.feature(
    types.TEXT_DOCUMENT_CODE_ACTION,
    types.CodeActionOptions(code_action_kinds=[types.CodeActionKind.QuickFix]),
)
async def code_action(ls: ShlintLanguageServer, params: types.CodeActionParams) -> list[types.CodeAction]:
    ours = [d for d in params.context.diagnostics if d.source == SOURCE and d.code]
    if not ours:
        return []
    quickfix = types.CodeActionKind.QuickFix.value
    wanted = [str(getattr(kind, "value", kind)) for kind in params.context.only or ()]
    if wanted and not any(quickfix == kind or quickfix.startswith(f"{kind}.") for kind in wanted):
        return []
    uri = params.text_document.uri
    linted = ls.linted.get(uri)
    if linted is None:
        return []  # no lint of this document was published: none of its diagnostics are ours
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(ls.actions, linted.actions, uri, ours)


def quick_fixes(
    text: str,
    uri: str,
    version: int | None,
    diagnostics: Sequence[types.Diagnostic],
    encoding: str | None = None,
    findings: Sequence[Finding] | None = None,
    ends: LineEnds | None = None,
) -> list[types.CodeAction]:
    """The automatic fixes of ``diagnostics`` (the same as `check --fix`; unsafe ones say so),
    then "Disable CODE for this line" for each; ``findings`` and ``ends`` are those of ``text``
    when known (else it is linted and parsed again)."""
    return fix_actions(text, uri, version, diagnostics, encoding, findings) + disable_actions(
        text, uri, version, diagnostics, encoding, ends
    )


def fix_actions(
    text: str,
    uri: str,
    version: int | None,
    diagnostics: Sequence[types.Diagnostic],
    encoding: str | None = None,
    findings: Sequence[Finding] | None = None,
) -> list[types.CodeAction]:
    """A quick fix for each of ``diagnostics`` whose finding (among ``findings``, the lint of
    ``text``; linted again when None) has an automatic fix, versioned ``version``."""
    if findings is None:
        findings = _findings(text, uri)[0]
    lines = text.split("\n")
    actions: list[types.CodeAction] = []
    for diagnostic in diagnostics:
        code = str(diagnostic.code).upper()
        start = diagnostic.range.start
        for f in findings:
            if f.code != code or f.autofix is None or not f.autofix.edits:
                continue
            where = client_position(lines, f.span.start_line - 1, f.span.start_col - 1, encoding)
            if (where.line, where.character) != (start.line, start.character):
                continue
            edits = [
                types.TextEdit(
                    range=types.Range(
                        start=client_position(lines, e.start_line - 1, e.start_col - 1, encoding),
                        end=client_position(lines, e.end_line - 1, e.end_col - 1, encoding),
                    ),
                    new_text=e.content,
                )
                for e in f.autofix.edits
            ]
            label = "" if f.autofix.safe else " (unsafe)"
            actions.append(
                types.CodeAction(
                    title=f"Fix {code}: {f.autofix.title}{label}",
                    kind=types.CodeActionKind.QuickFix,
                    diagnostics=[diagnostic],
                    is_preferred=f.autofix.safe,
                    edit=types.WorkspaceEdit(
                        document_changes=[
                            types.TextDocumentEdit(
                                text_document=types.OptionalVersionedTextDocumentIdentifier(uri=uri, version=version),
                                edits=list(edits),
                            )
                        ]
                    ),
                )
            )
            break
    return actions


# -- linting -------------------------------------------------------------------------------------
def document_path(uri: str) -> str | None:
    """The file system path of a ``file:`` URI (None for unsaved buffers and other schemes)."""
    if not uri.startswith("file:"):
        return None
    path = to_fs_path(uri)
    if path is None or "\0" in path:
        return None  # `%00` in the URI: no file can have that name; linted as an unsaved buffer
    return path


def _check_unless_cancelled(
    token: Cancel, text: str, uri: str, encoding: str | None
) -> tuple[Checked, float] | None:
    """The lint of ``text`` and how long it took (seconds); None if cancelled meanwhile."""
    if token.cancelled:
        return None  # superseded while it waited for the worker
    started = time.monotonic()
    with token.applied():
        checked = check_text(text, uri, encoding)
    if token.cancelled:
        return None  # its child was killed: no diagnostics, and no duration worth keeping
    return checked, time.monotonic() - started


# Linted once by the server, in its own process (see warm_up): built-in rules only, no file read.
WARM_UP_SCRIPT = """#!/bin/bash
set -euo pipefail
REGION="us-west2"
deploy_all() {
  gcloud functions deploy orch --gen2 --region="$REGION" --trigger-topic=topic --runtime=python311 \\
    --entry-point=main --source=.
  gcloud functions add-invoker-policy-binding orch --region="$REGION" \\
    --member="serviceAccount:123-compute@developer.gserviceaccount.com"
  gcloud run deploy svc --image=gcr.io/p/img:1 --region=us-west2 --no-allow-unauthenticated
}
for env in dev staging; do echo "$env"; done
deploy_all
gcloud functions deploy late --gen2 --region=us-west2 --trigger-topic=late
"""


def warm_up(ls: ShlintLanguageServer) -> None:
    """Lint a small deploy script once in this process, with the default settings, and compute
    its code actions: what a lint builds on first use (modules imported inside functions, regular
    expressions, tree-sitter queries) then belongs to the server, and each forked lint child starts
    with it instead of building it again (about 30 ms of every lint of a 200-line script); the
    first code action finds its queries built and pygls' converter ready for its types."""
    from .lint import Linter
    from .registry import Registry

    config = Config()
    registry = Registry.for_config(config)
    try:
        findings = Linter(config, registry).lint_text(WARM_UP_SCRIPT, "<stdin>").findings
        lines = WARM_UP_SCRIPT.split("\n")
        diagnostics = [to_diagnostic(f, lines, registry, None) for f in findings]
        actions = Linted(None, WARM_UP_SCRIPT, findings, None).actions("untitled:warm-up", diagnostics)
        # cattrs writes its (un)structuring function for a type on first use.
        ls.protocol._converter.unstructure(types.PublishDiagnosticsParams("untitled:warm-up", diagnostics))
        ls.protocol._converter.unstructure(actions)
    except Exception:  # noqa: BLE001 - only a head start: the lints work without it
        log.exception("warming up failed")


def check_text(text: str, uri: str, encoding: str | None = None) -> Checked:
    """Lint ``text`` as the document ``uri``; the diagnostics located in it, in ``encoding`` units."""
    findings, registry, config_error, file_problems, shown = _findings(text, uri)
    lines = text.split("\n")
    diagnostics = [to_diagnostic(f, lines, registry, encoding) for f in findings]
    # A document whose analysis did not complete says so on its first line (its findings may be
    # missing), as does a cross-file rule that failed.
    diagnostics[:0] = [
        incomplete_diagnostic(p.message, lines, encoding)
        for p in file_problems
        if p.fatal and (p.path in shown or not p.path)
    ]
    problems = tuple(f"shlint-iam: {p.path}: {p.message}" if p.path else f"shlint-iam: {p.message}"
                     for p in file_problems)
    return Checked(diagnostics, config_error, problems, findings)


def _findings(text: str, uri: str) -> tuple[list[Finding], Any, str | None, list[FileProblem], set[str]]:
    """The reported findings located in the document, the registry, the configuration error
    (if any), the problems and the path(s) the document is reported under."""
    from .config_file import load_config
    from .isolate import can_isolate
    from .lint import Linter
    from .registry import Registry, check_plugin_codes

    path = document_path(uri)
    start = Path(path).parent if path else None
    config_error = None
    try:
        config = load_config(None, start=start)
        registry = Registry.for_config(config)
        check_plugin_codes(config, registry)
    except ConfigError as exc:
        config_error = str(exc)
        config = Config()
        registry = Registry.for_config(config)
    linter = Linter(config, registry)
    # In a forked child: a native crash on this document fails only this lint, not the server.
    linter.isolate = can_isolate()
    result = linter.lint_text(text, path or "<stdin>")
    shown = {_shown_path(path)}
    findings = [f for f in result.findings if not f.suppressed and f.span.path in shown]
    return findings, registry, config_error, result.problems, shown


def incomplete_diagnostic(why: str, lines: Sequence[str], encoding: str | None) -> types.Diagnostic:
    """An error on line 1 saying the analysis of the document stopped, and why. It has no code
    (no rule reported it, so there is no quick fix to suppress it)."""
    end = client_position(lines, 0, len(lines[0]) if lines else 0, encoding)
    return types.Diagnostic(
        range=types.Range(start=types.Position(line=0, character=0), end=end),
        severity=types.DiagnosticSeverity.Error,
        source=SOURCE,
        message=f"shlint-iam could not analyse this file completely ({why.removeprefix('analysis incomplete: ')}); "
        "findings may be missing",
    )


def _shown_path(path: str | None) -> str:
    # lint_text reports the text under display_path(path), relative to the working directory.
    from .files import display_path

    return display_path(path or "<stdin>")


def help_uri(code: str, registry: Any) -> str:
    rule = registry.get(code)
    uri = getattr(rule, "help_uri", None) if rule is not None else None
    return uri or RULE_DOCS.format(anchor=code.lower())


def to_diagnostic(
    finding: Finding, lines: Sequence[str], registry: Any, encoding: str | None
) -> types.Diagnostic:
    span = finding.span
    start = client_position(lines, span.start_line - 1, span.start_col - 1, encoding)
    end = client_position(lines, span.end_line - 1, span.end_col - 1, encoding)
    if (end.line, end.character) < (start.line, start.character):
        end = start
    message = finding.message
    if finding.fix:
        message = f"{message} Fix: {finding.fix}"
    data: dict[str, Any] = {"code": finding.code}
    if finding.scope:
        data["scope"] = [finding.scope[0], finding.scope[1]]
    return types.Diagnostic(
        range=types.Range(start=start, end=end),
        severity=_SEVERITY.get(finding.severity, types.DiagnosticSeverity.Warning),
        code=finding.code,
        code_description=types.CodeDescription(href=help_uri(finding.code, registry)),
        source=SOURCE,
        message=message,
        data=data,
    )


def client_position(lines: Sequence[str], line: int, column: int, encoding: str | None) -> types.Position:
    """The LSP position of 0-based ``line`` and code-point ``column``, in the negotiated units
    (UTF-16 code units unless the client chose ``utf-8`` or ``utf-32``)."""
    if not lines:
        return types.Position(line=0, character=0)
    if line >= len(lines):
        line = len(lines) - 1
        column = len(lines[line])
    line = max(line, 0)
    prefix = lines[line][: max(column, 0)]
    return types.Position(line=line, character=units(prefix, encoding))


def units(text: str, encoding: str | None) -> int:
    kind = str(encoding.value if isinstance(encoding, types.PositionEncodingKind) else encoding or "utf-16")
    if kind == types.PositionEncodingKind.Utf32.value:
        return len(text)
    if kind == types.PositionEncodingKind.Utf8.value:
        return len(text.encode("utf-8", "surrogatepass"))
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)


# -- the "disable" quick fix -----------------------------------------------------------------------
def disable_actions(
    text: str,
    uri: str,
    version: int | None,
    diagnostics: Sequence[types.Diagnostic],
    encoding: str | None = None,
    ends: LineEnds | None = None,
) -> list[types.CodeAction]:
    """A "Disable CODE for this line" quick fix for each of ``diagnostics``."""
    actions: list[types.CodeAction] = []
    if ends is None:
        ends = LineEnds(text)
    seen: set[tuple[str, int]] = set()
    for diagnostic in diagnostics:
        code = str(diagnostic.code).upper()
        if not re.fullmatch(CODE_PATTERN, code):
            continue  # the client sends codes back: never copy anything but a rule code into the file
        line = diagnostic.range.start.line
        if (code, line) in seen:
            continue
        seen.add((code, line))
        scope = _scope(diagnostic)
        edit = disable_edit(text, line, code, scope, encoding, ends)
        if edit is None:
            continue
        actions.append(
            types.CodeAction(
                title=f"Disable {code} for this line",
                kind=types.CodeActionKind.QuickFix,
                diagnostics=[diagnostic],
                edit=types.WorkspaceEdit(
                    document_changes=[
                        types.TextDocumentEdit(
                            text_document=types.OptionalVersionedTextDocumentIdentifier(
                                uri=uri, version=version
                            ),
                            edits=[edit],
                        )
                    ]
                ),
            )
        )
    return actions


def _scope(diagnostic: types.Diagnostic) -> tuple[int, int] | None:
    data = diagnostic.data
    if isinstance(data, dict):
        scope = data.get("scope")
        if isinstance(scope, (list, tuple)) and len(scope) == 2 and all(isinstance(n, int) for n in scope):
            return int(scope[0]), int(scope[1])
    return None


def disable_edit(
    text: str,
    line: int,
    code: str,
    scope: tuple[int, int] | None = None,
    encoding: str | None = None,
    ends: LineEnds | None = None,
) -> types.TextEdit | None:
    """The edit that suppresses ``code`` for the command at 0-based ``line``: `` # shlint-iam
    disable=CODE`` at the end of that line, or ``,CODE`` added to the directive already there.

    Where a comment at the end of the line would change the script (the line continues with a
    backslash, or ends inside a quoted string or here-document) or would not be read as a
    directive (it ends with another comment), the end of the command's last line is used, or
    else an own-line directive above the command. None when the code is disabled there already.
    """
    lines = text.split("\n")
    if not 0 <= line < len(lines):
        return None
    if ends is None:
        ends = LineEnds(text)
    candidates = [line]
    if scope is not None and scope[1] - 1 != line and 0 <= scope[1] - 1 < len(lines):
        candidates.append(scope[1] - 1)
    for row in candidates:
        body = lines[row].rstrip("\r")
        state = ends[row]
        if state.directive is not None:
            directive_text = body[state.directive :]
            if _has_code(directive_text, code):
                return None
            match = DIRECTIVE.match(directive_text)
            if match:
                at = state.directive + match.end("codes")
                return _insert(lines, row, at, f",{code}", encoding)
        if state.unsafe or state.comment is not None or body.rstrip().endswith("\\"):
            continue
        stripped = body.rstrip()
        if not stripped:
            continue
        return _insert(lines, row, len(body), f" # shlint-iam disable={code}", encoding)
    # Own line, above the command's first line.
    first = (scope[0] - 1) if scope is not None and 0 <= scope[0] - 1 <= line else line
    above = first - 1
    if above >= 0:
        previous = lines[above].rstrip("\r")
        match = DIRECTIVE.match(previous.strip())
        if match and previous.strip().startswith("#"):
            if _has_code(previous.strip(), code):
                return None
            offset = len(previous) - len(previous.lstrip())
            return _insert(lines, above, offset + match.end("codes"), f",{code}", encoding)
    indent = re.match(r"[ \t]*", lines[first]).group(0)  # type: ignore[union-attr]
    return _insert(lines, first, 0, f"{indent}# shlint-iam disable={code}\n", encoding)


def _has_code(directive_text: str, code: str) -> bool:
    from .suppress import parse_directive

    parsed = parse_directive(directive_text)
    return bool(parsed and parsed[0] == "disable" and (code in parsed[1] or "ALL" in parsed[1]))


def _insert(
    lines: Sequence[str], row: int, column: int, new_text: str, encoding: str | None
) -> types.TextEdit:
    position = types.Position(line=row, character=units(lines[row][:column], encoding))
    return types.TextEdit(range=types.Range(start=position, end=position), new_text=new_text)


# -- reading messages ------------------------------------------------------------------------------
# pygls' reader waits for a `Content-Length` header forever (a header block without one wedged
# the server), reads any announced length into memory, and drops a message whose parameters do
# not deserialize without answering the request. This loop answers each of them: an error
# response (id null for a frame it cannot read, the request's id for invalid parameters), and
# goes on serving the other documents.
MAX_MESSAGE_BYTES = 6 * 16 * 1024 * 1024 + 1024 * 1024  # a 16 MB document, JSON-escaped, and more
_CONTENT_LENGTH = re.compile(rb"content-length:[ \t]*(\d+)[ \t]*\r?\n$", re.IGNORECASE)
_INT32 = range(-(2**31), 2**31)


async def read_messages(ls: ShlintLanguageServer, reader: Any) -> None:
    """Read and dispatch messages until the input ends or the server stops."""
    protocol = ls.protocol
    length: int | None = None
    stop = ls._stop_event
    while stop is None or not stop.is_set():
        header = await reader.readline()
        if not header:
            break
        match = _CONTENT_LENGTH.search(header)  # also after junk left on the line by a bad frame
        if match:
            length = int(match.group(1))
            continue
        if header.strip():
            continue  # Content-Type, or junk between frames
        if length is None:
            _error_response(ls, None, -32600, "message header without Content-Length")
            continue
        size, length = length, None
        if size > MAX_MESSAGE_BYTES:
            left = size
            while left > 0:
                chunk = await reader.readexactly(min(left, 1 << 20))
                if not chunk:
                    return
                left -= len(chunk)
            _error_response(ls, None, -32600, f"message of {size} bytes is larger than {MAX_MESSAGE_BYTES}")
            continue
        body = await reader.readexactly(size)
        if len(body) < size:
            break
        _dispatch(ls, protocol, body)


def _dispatch(ls: ShlintLanguageServer, protocol: Any, body: bytes) -> None:
    import json

    try:
        data = json.loads(body)
    except ValueError as exc:
        _error_response(ls, None, -32700, f"parse error: {exc}")
        return
    if not isinstance(data, dict):
        _error_response(ls, None, -32600, "a message must be a JSON object")
        return
    _clamp_versions(ls, data)
    try:
        message = protocol.structure_message(data)
    except Exception as exc:  # noqa: BLE001 - JsonRpcInvalidParams and the like: answer, do not drop
        reason = _innermost(exc.__cause__ or exc)
        if "id" in data and "method" in data:
            _error_response(ls, data.get("id"), -32602, f"invalid params for {data.get('method')}: {reason}")
        else:
            ls.window_log_message(types.LogMessageParams(
                type=types.MessageType.Error,
                message=f"shlint-iam: ignored {data.get('method', 'a message')}: invalid params: {reason}"))
        return
    try:
        protocol.handle_message(message)
    except Exception:  # noqa: BLE001 - one message must not stop the server
        log.exception("Unable to handle message")


def _innermost(exc: BaseException) -> str:
    """The leaf message of a (cattrs) exception group: what was wrong, not where."""
    while True:
        inner = getattr(exc, "exceptions", None)
        if not inner:
            return str(exc) or type(exc).__name__
        exc = inner[0]


def _clamp_versions(ls: ShlintLanguageServer, data: dict[str, Any]) -> None:
    """A document version outside int32 (LSP's `integer`) made pygls drop the whole didOpen or
    didChange; the text is linted anyway, its diagnostics published without that version."""
    params = data.get("params")
    doc = params.get("textDocument") if isinstance(params, dict) else None
    if isinstance(doc, dict) and isinstance(doc.get("version"), int) and doc["version"] not in _INT32:
        ls.window_log_message(types.LogMessageParams(
            type=types.MessageType.Warning,
            message=f"shlint-iam: {doc.get('uri')}: version {doc['version']} is outside int32; taken as 0"))
        doc["version"] = 0


def _error_response(ls: ShlintLanguageServer, msg_id: Any, code: int, message: str) -> None:
    ls.protocol._send_data({"jsonrpc": "2.0", "id": msg_id, "error": {"code": code, "message": message}})


def _start(ls: ShlintLanguageServer) -> None:
    """pygls' start_io with :func:`read_messages` as the reading loop."""
    import sys
    import threading

    from pygls.io_ import StdinAsyncReader, StdoutWriter

    ls._stop_event = threading.Event()
    ls.worker.submit(warm_up, ls)  # before the first lint, beside the first messages
    reader = StdinAsyncReader(sys.stdin.buffer, ls.thread_pool)
    ls.protocol.set_writer(StdoutWriter(sys.stdout.buffer))
    try:
        asyncio.run(read_messages(ls, reader))
    except BrokenPipeError:
        log.error("Connection to the client is lost! Shutting down the server.")
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        ls.shutdown()


def serve() -> None:
    """Run the language server on standard input and output until the client says exit."""
    from .plugins import confine_import_path

    confine_import_path()  # plugins come from installed distributions, never the workspace
    level = os.environ.get("SHLINT_IAM_LSP_LOG", "WARNING").upper()
    logging.basicConfig(level=level if isinstance(logging.getLevelName(level), int) else "WARNING")
    _start(server)
