"""The one entry point every front end uses: lint paths or text under a config, get a result."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .api import FileContext, ProjectContext, Rule
from .config import Config
from .files import Candidate, discover, display_path, matches_any, read_bytes
from .model import FileProblem, Finding, Severity
from .registry import Registry
from .source import SourceFile


@dataclass
class LintResult:
    findings: list[Finding]  # sorted; suppressed ones carry ``suppressed=True``
    problems: list[FileProblem] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    rules: list[type[Rule]] = field(default_factory=list)  # the enabled rules
    # The source line of every finding, by path and line number, for the text format.
    snippets: dict[str, dict[int, str]] = field(default_factory=dict)

    @property
    def reported(self) -> list[Finding]:
        """The findings a user sees (not suppressed)."""
        return [f for f in self.findings if not f.suppressed]

    def exit_code(self, exit_zero: bool = False) -> int:
        if any(p.fatal for p in self.problems):
            return 2
        if self.reported and not exit_zero:
            return 1
        return 0


class Linter:
    """Lints files under one config; holds the enabled rules."""

    def __init__(self, config: Config, registry: Registry | None = None) -> None:
        self.config = config
        self.registry = registry or Registry.for_config(config)
        self.rules = self.registry.enabled(config)
        self.severities = dict(config.severity)

    # -- one file ---------------------------------------------------------------------------
    def analyse(self, source: SourceFile) -> FileContext:
        from .analysis import analyse

        analysis = analyse(source, self.config)
        return FileContext(source=source, config=self.config, analysis=analysis, severities=self.severities)

    def file_findings(self, ctx: FileContext, *, finish: bool = True) -> list[Finding]:
        """The findings of the per-file rules for one file; with ``finish`` (the default),
        per-file-ignores and inline suppressions are applied too."""
        findings: list[Finding] = []
        for rule_cls in self.rules:
            rule = rule_cls()
            findings.extend(rule.check(ctx))
        if not finish:
            return findings
        return self.finish(ctx.source, findings)

    def finish(
        self, source: SourceFile | None, findings: list[Finding], path: str | None = None
    ) -> list[Finding]:
        """Apply per-file-ignores and the inline directives of ``source`` (which reports SUP001 and
        SUP002) to ``findings``, all located in ``source`` (or in ``path`` when there is no source)."""
        from .suppress import apply_suppressions

        if source is not None:
            enabled = {r.code for r in self.rules}
            findings = apply_suppressions(source, findings, set(self.registry.rules), self.config, enabled)
        real = (source.real_path or source.path) if source is not None else path
        return self._per_file_ignores(Path(real), findings) if real else findings

    def _per_file_ignores(self, target: Path, findings: list[Finding]) -> list[Finding]:
        if not self.config.per_file_ignores:
            return findings
        ignored: set[str] = set()
        for pattern, codes in self.config.per_file_ignores.items():
            if matches_any(target, [pattern], self.config.root):
                for sel in codes:
                    ignored.update(r.code for r in self.registry.matching(sel))
        return [f for f in findings if f.code not in ignored]

    # -- many files -------------------------------------------------------------------------
    def lint_sources(self, sources: Iterable[SourceFile], problems: list[FileProblem]) -> LintResult:
        contexts: list[FileContext] = []
        raw: list[Finding] = []
        files: list[str] = []
        snippets: dict[str, dict[int, str]] = {}
        for source in sources:
            files.append(source.path)
            try:
                ctx = self.analyse(source)
                new = self.file_findings(ctx, finish=False)
            except RecursionError:
                problems.append(
                    FileProblem(source.path, "internal error: script nested too deeply", fatal=False)
                )
                continue
            except Exception as exc:  # noqa: BLE001 - an internal error must name the file, never crash
                problems.append(_internal_error(source.path, exc))
                continue
            raw.extend(new)
            contexts.append(ctx)
        project = ProjectContext(files=contexts, config=self.config, severities=self.severities)
        for rule_cls in self.rules:
            raw.extend(rule_cls().check_project(project))
        # Suppressions and per-file-ignores go by the file a finding is located in (a finding
        # may be in a sourced file, or in the config file), once every finding is known, so
        # that an unused directive (SUP002) is really unused.
        by_path: dict[str, list[Finding]] = {}
        for f in raw:
            by_path.setdefault(f.path, []).append(f)
        known = {ctx.source.path: ctx.source for ctx in contexts}
        findings: list[Finding] = []
        for path in list(by_path) + [p for p in known if p not in by_path]:
            located = known.get(path)
            try:
                done = self.finish(located, by_path.get(path, []), path)
            except Exception as exc:  # noqa: BLE001
                problems.append(_internal_error(path, exc))
                done = by_path.get(path, [])
            findings.extend(done)
            if located is not None:
                _keep_snippets(snippets, located, done)
        return LintResult(
            findings=_dedupe(findings), problems=problems, files=files, rules=self.rules, snippets=snippets
        )

    def lint_paths(self, paths: Sequence[str]) -> LintResult:
        problems: list[FileProblem] = []

        def sources() -> Iterator[SourceFile]:
            for item in discover(paths or ["."], self.config.exclude, self.config.root):
                if isinstance(item, tuple):
                    problems.append(FileProblem(display_path(item[0]), item[1]))
                    continue
                source = self.read(item, problems)
                if source is not None:
                    yield source

        return self.lint_sources(sources(), problems)

    def read(self, candidate: Candidate, problems: list[FileProblem]) -> SourceFile | None:
        shown = display_path(candidate.path)
        try:
            raw = read_bytes(candidate.path)
        except OSError as exc:
            problems.append(FileProblem(shown, exc.strerror or str(exc)))
            return None
        return SourceFile.from_bytes(shown, raw, real_path=os.path.abspath(candidate.path))

    def lint_text(self, text: str | bytes, path: str = "<stdin>") -> LintResult:
        raw = text.encode("utf-8", "surrogateescape") if isinstance(text, str) else text
        real = os.path.abspath(path) if path not in ("-", "<stdin>") else None
        source = SourceFile.from_bytes(display_path(path), raw, real_path=real)
        return self.lint_sources([source], [])


def _internal_error(path: str, exc: BaseException) -> FileProblem:
    return FileProblem(
        path,
        f"internal error ({type(exc).__name__}: {exc}); please report it at "
        "https://github.com/shlint-iam/shlint-iam/issues with this file",
        fatal=False,
    )


def _keep_snippets(snippets: dict[str, dict[int, str]], source: SourceFile, findings: list[Finding]) -> None:
    if not findings:
        return
    lines = snippets.setdefault(source.path, {})
    for f in findings:
        lines[f.span.start_line] = source.line_text(f.span.start_line)


def _dedupe(findings: list[Finding]) -> list[Finding]:
    seen: set[tuple[object, ...]] = set()
    out: list[Finding] = []
    for f in sorted(findings, key=Finding.sort_key):
        key = (f.code, f.span, f.message)
        if key in seen:
            continue
        seen.add(key)
        out.append(f)
    return out


def lint(paths: Sequence[str], config: Config | None = None) -> LintResult:
    """Lint files and directories under ``config`` (defaults when None)."""
    return Linter(config or Config()).lint_paths(paths)


def lint_text(text: str | bytes, path: str = "<stdin>", config: Config | None = None) -> LintResult:
    """Lint one script given as text, reported under ``path``."""
    return Linter(config or Config()).lint_text(text, path)


def severity_at_least(findings: Iterable[Finding], lowest: Severity) -> list[Finding]:
    return [f for f in findings if f.severity.rank >= lowest.rank]
