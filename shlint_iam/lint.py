"""The one entry point every front end uses: lint paths or text under a config, get a result."""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from .config import Config
from .core import FileContext, FileProblem, Finding, ProjectContext, Rule, Severity
from .failures import ISSUES_URL, internal_error, rule_failure
from .files import (
    MAX_BYTES,
    Candidate,
    TooLarge,
    describe_size,
    discover,
    display_path,
    matches_any,
    not_shell,
    not_text,
    read_bytes,
)
from .guard import (  # noqa: F401 - re-exported
    DEFAULT_TIME_LIMIT,
    AnalysisTimeout,
    ExitFromCode,
    resume_collection,
    run_guarded,
)
from .model import INCOMPLETE, NOTICE, UNREADABLE
from .parse import ParseIncomplete
from .records import record
from .registry import Registry
from .source import SourceFile, as_utf8, decode

if TYPE_CHECKING:
    from .cache import ResultCache
    from .roots import Roots


@record()
class LintResult:
    """What a lint found: findings, problems, the files linted."""

    findings: list[Finding]  # sorted; suppressed ones carry ``suppressed=True``
    problems: list[FileProblem]
    files: list[str]
    rules: list[type[Rule]]  # the enabled rules
    # The source line of every finding, by path and line number, for the text format.
    snippets: dict[str, dict[int, str]]

    def __init__(
        self,
        findings: list[Finding],
        problems: list[FileProblem] | None = None,
        files: list[str] | None = None,
        rules: list[type[Rule]] | None = None,
        snippets: dict[str, dict[int, str]] | None = None,
    ) -> None:
        self.findings = findings
        self.problems = [] if problems is None else problems
        self.files = [] if files is None else files
        self.rules = [] if rules is None else rules
        self.snippets = {} if snippets is None else snippets

    @property
    def reported(self) -> list[Finding]:
        """The findings a user sees (not suppressed)."""
        return [f for f in self.findings if not f.suppressed]

    @property
    def incomplete(self) -> list[FileProblem]:
        """Files that were read but whose analysis did not complete (their findings may be missing)."""
        return [p for p in self.problems if p.kind == INCOMPLETE]

    @property
    def unreadable(self) -> list[FileProblem]:
        """Paths that could not be read or linted at all."""
        return [p for p in self.problems if p.kind == UNREADABLE]

    @property
    def complete(self) -> bool:
        """Whether every file was read and analysed completely (then no problem fails the run)."""
        return not any(p.fatal for p in self.problems)

    def exit_code(self, exit_zero: bool = False, fail_on: Severity = Severity.INFO) -> int:
        """2 when a path could not be read or a file not analysed completely (whatever
        ``exit_zero`` says), else 1 when a reported finding is at least as severe as ``fail_on``
        (unless ``exit_zero``), else 0."""
        if not self.complete:
            return 2
        if not exit_zero and any(f.severity.rank >= fail_on.rank for f in self.reported):
            return 1
        return 0


class Linter:
    """Lints files under one config; holds the enabled rules."""

    def __init__(self, config: Config, registry: Registry | None = None) -> None:
        self.config = config
        self.registry = registry or Registry.for_config(config)
        self.rules = self.registry.enabled(config)
        self.severities = dict(config.severity)
        self.time_limit: float | None = DEFAULT_TIME_LIMIT  # seconds per file (None: no limit)
        # Lint in forked children so that a native crash fails only its file (the command line
        # and the language server set this; the library API lints in the caller's process).
        self.isolate = False
        # A supervisor process runs the whole command again, isolating, if this one dies during
        # the lint (supervise.py): serial work may then run in this process, without a fork.
        self.supervised = False
        # Reuse the results of earlier runs (the command line sets it: cache.py).
        self.cache: ResultCache | None = None
        self._roots_by_folder: dict[str, Roots] = {}

    # -- one file ---------------------------------------------------------------------------
    def analyse(self, source: SourceFile) -> FileContext:
        from .analysis import analyse

        analysis = analyse(source, self.config, every_command=self.has_plugin_rules)
        return FileContext(source=source, config=self.config, analysis=analysis, severities=self.severities)

    def file_findings(
        self, ctx: FileContext, *, finish: bool = True, problems: list[FileProblem] | None = None
    ) -> list[Finding]:
        """The findings of the per-file rules for one file; with ``finish`` (the default),
        per-file-ignores and inline suppressions are applied too.

        A rule whose check raises is contained: the other rules' findings are kept, and the
        failure becomes an "incomplete" problem in ``problems`` (raised when it is None)."""
        findings: list[Finding] = []
        for rule_cls in self.rules:
            try:
                findings.extend(rule_cls().check(ctx))
            except (AnalysisTimeout, MemoryError):
                raise
            # A rule's sys.exit (or a KeyboardInterrupt it raises itself: Ctrl-C reaches the main
            # thread, never this one) is a failure of that rule, not the end of the run.
            except (Exception, SystemExit, KeyboardInterrupt) as exc:  # noqa: BLE001 - any rule may fail
                if problems is None:
                    raise
                problems.append(rule_failure(ctx.source.path, rule_cls, exc))
        if findings:  # the fixers (fixes, bindfix, fixtree) are imported for findings only
            from .fixes import attach_fixes

            findings = attach_fixes(ctx, findings)
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

    @property
    def has_plugin_rules(self) -> bool:
        """Whether a rule from a plugin is enabled (it may look at commands other than gcloud)."""
        return any(r.origin != "shlint-iam" for r in self.rules)

    # -- many files -------------------------------------------------------------------------
    @property
    def keeps_contexts(self) -> bool:
        """Whether an enabled rule is cross-file: then every file's analysis is kept for it."""
        return any(r.wants_project(self.config) for r in self.rules)

    def lint_file(self, source: SourceFile) -> FileOutcome:
        """Analyse one file and run the per-file rules, guarded: an internal error, a too-deep
        script or a runaway analysis becomes a notice, never an exception or a hang.

        Without cross-file rules the file's own findings are finished (suppressions,
        per-file-ignores) here and the source is dropped, so memory stays flat in the number of
        files; with them, the context is returned for the project pass."""
        keep = self.keeps_contexts

        def analysed() -> FileOutcome:
            ctx = self.analyse(source)
            notices = _analysis_notices(source, ctx)
            raw = self.file_findings(ctx, finish=False, problems=notices)
            if keep:
                return FileOutcome(source.path, source.real_path, raw=raw, context=ctx, problems=notices)
            own = [f for f in raw if f.path == source.path]
            done = self.finish(source, own)
            snippets: dict[str, dict[int, str]] = {}
            _keep_snippets(snippets, source, done)
            outcome = FileOutcome(
                source.path, source.real_path, raw=raw, finished=done, snippets=snippets.get(source.path, {}),
                problems=notices,
            )
            if self.cache is not None and not notices and not ctx.analysis.truncated:
                from .cache import dependency_digests

                outcome.reads = dependency_digests(ctx.analysis.reads)  # complete: it may be cached
            ctx.analysis.release()  # dropped here: freed now, not by a later full collection
            source.forget_spans()
            return outcome

        try:
            # The trace is freed before the end of analysed(): a full collection after it is cheap.
            return run_guarded(analysed, self.time_limit, collect_after=not keep)
        except ParseIncomplete as exc:
            problem = FileProblem(source.path, str(exc), INCOMPLETE)
        except RecursionError:
            problem = FileProblem(
                source.path, "analysis incomplete: the script is nested too deeply to analyse", INCOMPLETE
            )
        except AnalysisTimeout:
            problem = FileProblem(
                source.path,
                f"analysis incomplete: stopped after the time limit of {self.time_limit:g} s; please "
                f"report it at {ISSUES_URL} with this file",
                INCOMPLETE,
            )
        except Exception as exc:  # noqa: BLE001 - an internal error must name the file, never crash
            problem = internal_error(source.path, exc)
        return FileOutcome(source.path, source.real_path, problems=[problem])

    def lint_sources(self, sources: Iterable[SourceFile], problems: list[FileProblem]) -> LintResult:
        from . import analysis  # noqa: F401 - as in lint_candidates

        resume_collection()
        if self.isolate and not self.supervised:
            def lint_one(source: SourceFile) -> FileOutcome:
                outcome = self.lint_file(source)
                if outcome.context is not None:
                    outcome.context._cache.clear()
                return outcome

            return self.collect(self._isolated(lint_one, list(sources), 1, lambda s: s.path), problems)
        return self.collect((self.lint_file(source) for source in sources), problems)

    def _isolated(
        self,
        fn: Callable[[_I], FileOutcome],
        items: Sequence[_I],
        workers: int,
        shown: Callable[[_I], str],
        weights: Sequence[int] | None = None,
    ) -> Iterator[FileOutcome]:
        """``fn`` over ``items`` in forked children (isolate.py): a native crash (a segmentation
        fault in tree-sitter or in a plugin's native code) fails only the file it happened on."""
        from . import analysis  # noqa: F401 - imported once here, not again in every forked child
        from .isolate import Crash, map_isolated

        for item, outcome in zip(items, map_isolated(fn, items, workers, weights), strict=True):
            if isinstance(outcome, Crash):
                path = shown(item)
                outcome = FileOutcome(path, None, read_only=True, problems=[FileProblem(
                    path,
                    f"not analysed: the linter crashed on this file ({outcome.how}); please report it at "
                    "https://github.com/shlint-iam/shlint-iam/issues with this file",
                )])
            yield outcome

    def collect(self, outcomes: Iterable[FileOutcome], problems: list[FileProblem]) -> LintResult:
        """Merge per-file outcomes (in input order), run the cross-file rules, and finish every
        finding by the file it is located in. Serial and parallel runs both end here, so their
        results are the same."""
        contexts: list[FileContext] = []
        files: list[str] = []
        raw_by_path: dict[str, list[Finding]] = {}
        done: dict[str, list[Finding]] = {}
        snippets: dict[str, dict[int, str]] = {}
        real_paths: dict[str, str | None] = {}
        foreign: set[str] = set()  # paths with findings found while linting another file
        for outcome in outcomes:
            if outcome.context_only:
                if outcome.context is not None:
                    contexts.append(outcome.context)
                continue
            problems.extend(outcome.problems)
            if outcome.read_only:
                continue
            files.append(outcome.path)
            real_paths.setdefault(outcome.path, outcome.real_path)
            for f in outcome.raw:
                raw_by_path.setdefault(f.path, []).append(f)
                if f.path != outcome.path:
                    foreign.add(f.path)
            if outcome.finished is not None:
                done[outcome.path] = outcome.finished
                if outcome.snippets:
                    snippets[outcome.path] = outcome.snippets
            if outcome.context is not None:
                contexts.append(outcome.context)
        if contexts:
            from .project_pass import project_findings

            project = ProjectContext(files=contexts, config=self.config, severities=self.severities)
            # Plugin code: the same guard as rules, and a forked child when isolating (native crashes).
            new, failed = project_findings(
                self.rules, project, self.time_limit, self.isolate and not self.supervised
            )
            problems.extend(failed)
            for f in new:
                raw_by_path.setdefault(f.path, []).append(f)
                foreign.add(f.path)
        # Suppressions and per-file-ignores go by the file a finding is located in (a finding
        # may be in a sourced file, or in the config file), once every finding is known, so
        # that an unused directive (SUP002) is really unused.
        known = {ctx.source.path: ctx.source for ctx in contexts}
        findings: list[Finding] = []
        order = list(raw_by_path) + [p for p in files if p not in raw_by_path]
        for path in dict.fromkeys(order):
            if path in done and path not in foreign:
                findings.extend(done[path])
                continue
            located = known.get(path)
            if located is None and path in done:
                located = self._reread(path, real_paths.get(path))
            elif located is None:
                located = _sourced_file(path, self.config)
            todo = raw_by_path.get(path, [])
            def finish(s: SourceFile | None = located, t: list[Finding] = todo, p: str = path) -> list[Finding]:
                return self.finish(s, t, p)

            try:
                finished = run_guarded(finish, None)
            except Exception as exc:  # noqa: BLE001
                problems.append(internal_error(path, exc))
                finished = todo
            findings.extend(finished)
            snippets.pop(path, None)
            if located is not None:
                _keep_snippets(snippets, located, finished)
        return LintResult(
            findings=_dedupe(findings), problems=problems, files=files, rules=self.rules, snippets=snippets
        )

    def _reread(self, shown: str, real: str | None) -> SourceFile | None:
        """A linted file whose source was dropped, read again for a late finish."""
        if real is None:
            return None
        try:
            raw = read_bytes(Path(real))
        except OSError:
            return None
        return SourceFile.from_bytes(shown, raw, real_path=real)

    def lint_paths(self, paths: Sequence[str], jobs: int | None = None) -> LintResult:
        """Lint files and directories. ``jobs``: worker processes (None: automatic, from the
        amount of work: see :func:`worker_count`; 0: one per CPU; 1: serial)."""
        problems: list[FileProblem] = []
        candidates: list[Candidate] = []
        for item in discover(
            paths or ["."], self.config.exclude, self.config.root, respect_gitignore=self.config.respect_gitignore
        ):
            if isinstance(item, tuple):
                problems.append(FileProblem(display_path(item[0]), item[1]))
            else:
                candidates.append(item)
        return self.lint_candidates(candidates, problems, jobs)

    def lint_candidates(
        self, candidates: list[Candidate], problems: list[FileProblem], jobs: int | None = None
    ) -> LintResult:
        cached = self._cached_outcomes(candidates)
        todo = [c for index, c in enumerate(candidates) if index not in cached]
        if todo:
            # What every lint imports, before a forked child or a pool worker would import it
            # again, and before collection resumes (guard.resume_collection).
            from . import analysis  # noqa: F401
        resume_collection()
        # The pool is sized by the work left: a warm run over 500 files may leave one to lint.
        # Sizes choose the workers (automatic -j) and their order; a serial run needs neither.
        sizes = _sizes(todo) if jobs != 1 and len(todo) > 1 else []
        workers = worker_count(jobs, len(todo), sum(sizes) if jobs is None else None)
        if self.isolate and (workers > 1 or not self.supervised):
            outcomes: Iterable[FileOutcome] = self._isolated(
                self.lint_in_worker, todo, workers, lambda c: display_path(c.path), sizes if workers > 1 else None
            )
        elif workers > 1:
            # Imported here: multiprocessing is only needed for a parallel run.
            from .parallel import map_in_pool

            outcomes = map_in_pool(self.lint_in_worker, todo, workers)
        else:
            outcomes = (self.lint_candidate(c) for c in todo)
        return self.collect(_in_order(len(candidates), cached, outcomes), problems)

    def _cached_outcomes(self, candidates: list[Candidate]) -> dict[int, FileOutcome]:
        """The outcomes the result cache still holds, by index in ``candidates``. Nothing is
        cached while a cross-file rule needs every file's analysis (COV001's required-resources)."""
        if self.cache is None or self.keeps_contexts:
            return {}
        self.cache.start_pass()
        found: dict[int, FileOutcome] = {}
        for index, candidate in enumerate(candidates):
            if candidate.explicit and not_shell(candidate.path) is not None:
                continue  # reported by the lint itself
            if not _regular(candidate.path):
                continue  # a pipe (`check <(git show ...)`) can be read once only: by the lint
            try:
                raw = read_bytes(candidate.path)
            except OSError:  # (TooLarge too) reported by the lint itself
                continue
            text = decode(as_utf8(raw)).encode("utf-8", "surrogatepass")  # SourceFile.data: what is analysed
            shown, real = display_path(candidate.path), os.path.abspath(candidate.path)
            hit = self.cache.get(shown, real, text, self._roots(real))
            if hit is not None:
                found[index] = FileOutcome(shown, real, raw=hit.raw, finished=hit.finished, snippets=hit.snippets)
        return found

    def _roots(self, real: str) -> Roots:
        """Where the files of the linted file at ``real`` may be followed (one lookup per folder)."""
        from .roots import roots_for

        folder = os.path.dirname(real)
        found = self._roots_by_folder.get(folder)
        if found is None:
            found = self._roots_by_folder[folder] = roots_for(real, self.config.path, self.config.source_path)
        return found

    def lint_candidate(self, candidate: Candidate) -> FileOutcome:
        """Read and lint one discovered file (what a worker process runs)."""
        problems: list[FileProblem] = []
        source = self.read(candidate, problems)
        if source is None:
            return FileOutcome(display_path(candidate.path), None, problems=problems, read_only=True)
        outcome = self.lint_file(source)
        if (self.cache is not None and outcome.reads is not None and outcome.finished is not None
                and source.real_path and _regular(source.real_path)):
            self.cache.put(source.path, source.real_path, source.data, self._roots(source.real_path), outcome.reads,
                           outcome.raw, outcome.finished, outcome.snippets)
        outcome.reads = None
        outcome.problems[:0] = problems
        outcome.context_only = candidate.context_only
        return outcome

    def lint_in_worker(self, candidate: Candidate) -> FileOutcome:
        """:meth:`lint_candidate` in a worker process: the outcome is sent to the parent."""
        outcome = self.lint_candidate(candidate)
        if outcome.context is not None:
            outcome.context._cache.clear()  # rule caches may hold anything; the parent recomputes
        return outcome

    def read(self, candidate: Candidate, problems: list[FileProblem]) -> SourceFile | None:
        shown = display_path(candidate.path)
        if candidate.explicit:
            kind = not_shell(candidate.path)
            if kind is not None:
                # Parsed as bash it would give nonsense findings: one clear notice instead.
                problems.append(FileProblem(shown, f"not a shell script ({kind}); not linted", kind=NOTICE))
                return None
        try:
            raw = read_bytes(candidate.path)
        except TooLarge as exc:
            problems.append(FileProblem(shown, f"{exc.strerror}; not linted"))
            return None
        except OSError as exc:
            problems.append(FileProblem(shown, f"could not read: {(exc.strerror or str(exc)).lower()}"))
            return None
        raw = as_utf8(raw)  # a UTF-16/UTF-32 script (byte-order mark) is linted as its text
        why = not_text(raw)
        if why is not None:
            # tree-sitter's time on such input is unbounded, and nothing in it is a deploy script.
            problems.append(FileProblem(shown, why))
            return None
        return SourceFile.from_bytes(shown, raw, real_path=os.path.abspath(candidate.path))

    def lint_text(self, text: str | bytes, path: str = "<stdin>") -> LintResult:
        raw = text.encode("utf-8", "surrogateescape") if isinstance(text, str) else as_utf8(text)
        real = os.path.abspath(path) if path not in ("-", "<stdin>") else None
        shown = display_path(path)
        why = f"larger than {describe_size(MAX_BYTES)}; not linted" if len(raw) > MAX_BYTES else not_text(raw)
        if why is not None:
            return self.collect([], [FileProblem(shown, why)])
        source = SourceFile.from_bytes(shown, raw, real_path=real)
        return self.lint_sources([source], [])


@record()
class FileOutcome:
    """What linting one file produced; small and picklable (it crosses process boundaries)."""

    path: str
    real_path: str | None
    problems: list[FileProblem]
    raw: list[Finding]  # per-file rule findings, not yet finished
    finished: list[Finding] | None  # the file's own findings, finished (no cross-file rules)
    snippets: dict[int, str]  # source lines of ``finished``
    context: FileContext | None  # kept for cross-file rules
    read_only: bool  # the file could not be read: nothing was linted
    context_only: bool  # read for the cross-file rules only: nothing of its own is reported
    # For the result cache: what the analysis read besides the file (cache.dependency_digests);
    # None when the outcome must not be cached (incomplete, or no cache).
    reads: dict[str, str] | None

    def __init__(
        self,
        path: str,
        real_path: str | None,
        problems: list[FileProblem] | None = None,
        raw: list[Finding] | None = None,
        finished: list[Finding] | None = None,
        snippets: dict[int, str] | None = None,
        context: FileContext | None = None,
        read_only: bool = False,
        context_only: bool = False,
        reads: dict[str, str] | None = None,
    ) -> None:
        self.path = path
        self.real_path = real_path
        self.problems = [] if problems is None else problems
        self.raw = [] if raw is None else raw
        self.finished = finished
        self.snippets = {} if snippets is None else snippets
        self.context = context
        self.read_only = read_only
        self.context_only = context_only
        self.reads = reads


def _in_order(
    count: int, known: dict[int, FileOutcome], computed: Iterable[FileOutcome]
) -> Iterator[FileOutcome]:
    """``count`` outcomes in input order: ``known`` ones by index, the others from ``computed``."""
    rest = iter(computed)
    for index in range(count):
        yield known[index] if index in known else next(rest)


# -- guarding one analysis: see guard.py ----------------------------------------------------
PARALLEL_MIN_FILES = 16  # automatic -j when the size of the work is not known
PARALLEL_MIN_BYTES = 128 * 1024  # automatic -j: below this, one worker (see worker_count)
PARALLEL_BYTES_PER_WORKER = 64 * 1024
_I = TypeVar("_I")


def cpu_count() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def worker_count(jobs: int | None, files: int, size: int | None = None) -> int:
    """How many worker processes lint ``files`` files of ``size`` bytes in all (1: one).

    Automatic (``jobs`` None): from the amount of work, not the number of files. A worker costs
    a fork and the copy-on-write of the pages the analysis touches (10 to 20 ms on a 2-core
    machine); linting costs about 1 to 6 ms per KB (deploy scripts at the high end). Below
    PARALLEL_MIN_BYTES a second worker cannot win back its start-up, so twenty small scripts are
    linted by one; above it, one worker per PARALLEL_BYTES_PER_WORKER, at most one per CPU."""
    if files < 2:
        return 1
    if jobs is None:
        if size is None:
            return min(cpu_count(), files) if files >= PARALLEL_MIN_FILES else 1
        if size < PARALLEL_MIN_BYTES:
            return 1
        return max(1, min(cpu_count(), files, size // PARALLEL_BYTES_PER_WORKER))
    wanted = cpu_count() if jobs == 0 else jobs
    return max(1, min(wanted, files))


def _regular(path: Path | str) -> bool:
    """Whether ``path`` is a regular file (only those are cached: a pipe has no content to key on)."""
    try:
        return stat.S_ISREG(os.stat(path).st_mode)
    except OSError:
        return False


def _sizes(candidates: Sequence[Candidate]) -> list[int]:
    """Each file's size in bytes (0 when it cannot be read: that is reported when it is read)."""
    sizes = []
    for candidate in candidates:
        try:
            sizes.append(os.stat(candidate.path).st_size)
        except OSError:
            sizes.append(0)
    return sizes


def _analysis_notices(source: SourceFile, ctx: FileContext) -> list[FileProblem]:
    """An analysis that ended early (a bound in followed text, the work bound, nesting too deep
    to follow) is incomplete."""
    reasons = ctx.analysis.incomplete_reasons
    return [FileProblem(source.path, f"analysis incomplete: {'; '.join(reasons)}", INCOMPLETE)] if reasons else []


def _sourced_file(shown: str, config: Config) -> SourceFile | None:
    """A file whose findings came from following `source` (not linted itself), for its
    directives: read under the same rules as when it was followed (roots.py)."""
    from .analysis import load_sourced, roots_of

    path = os.path.abspath(shown)
    loaded = load_sourced(path, roots_of(SourceFile(shown, "", real_path=path), config))
    return loaded if isinstance(loaded, SourceFile) else None


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


def check_text(
    text: str | bytes,
    rules: Iterable[type[Rule]] = (),
    *,
    path: str = "deploy.sh",
    config: Config | None = None,
) -> list[Finding]:
    """Lint one script with the built-in rules plus ``rules`` and return what is reported
    (suppressed findings left out), sorted by place: the way to test a rule.

    Unless ``config.select`` says otherwise, only ``rules`` are enabled (every default rule
    when ``rules`` is empty). ``rules`` need not be installed as a plugin.

    Raises :class:`IncompleteAnalysis` when the script could not be analysed completely (a
    rule's check raised, a work bound was reached): a test must not pass on missing findings.
    """
    from .registry import builtin_rules

    extra = list(rules)
    config = config if config is not None else Config()
    if config.select is None and extra:
        config.select = [r.code for r in extra]
    known = {r.code: r for r in builtin_rules()}
    known.update({r.code: r for r in extra})
    result = Linter(config, Registry(known.values())).lint_text(text, path)
    if result.incomplete:
        raise IncompleteAnalysis("; ".join(p.message for p in result.incomplete))
    return result.reported


class IncompleteAnalysis(Exception):
    """Raised by :func:`check_text` when the analysis did not complete (the message says why)."""


def lint_per_config(
    items: Iterable[Candidate | tuple[str, str]],
    linter_for: Callable[[Path], Linter],
    jobs: int | None = None,
    project_files: Callable[[Linter], list[Path]] | None = None,
) -> LintResult:
    """Lint discovered files, each with the Linter of its configuration (``linter_for``), and
    merge the results. With ``project_files``, a configuration whose cross-file rules are on
    (COV001's ``required-resources``) also reads the rest of its project's scripts for them,
    reporting nothing of their own: coverage is judged on the project, whichever files were named."""
    problems: list[FileProblem] = []
    groups: dict[int, tuple[Linter, list[Candidate]]] = {}
    for item in items:
        if isinstance(item, tuple):
            problems.append(FileProblem(display_path(item[0]), item[1]))
            continue
        linter = linter_for(item.path)
        groups.setdefault(id(linter), (linter, []))[1].append(item)
    if not groups:
        return LintResult(findings=[], problems=problems)
    results: list[LintResult] = []
    for linter, candidates in groups.values():
        if project_files is not None and linter.keeps_contexts:
            asked = {os.path.realpath(c.path) for c in candidates}
            candidates = candidates + [
                Candidate(p, explicit=False, context_only=True)
                for p in project_files(linter)
                if os.path.realpath(p) not in asked
            ]
        results.append(linter.lint_candidates(candidates, [], jobs))
    if len(results) == 1:
        results[0].problems[:0] = problems
        return results[0]
    merged = LintResult(findings=[], problems=problems)
    for result in results:
        merged.findings.extend(result.findings)
        merged.problems.extend(result.problems)
        merged.files.extend(result.files)
        merged.rules.extend(r for r in result.rules if r not in merged.rules)
        for path, lines in result.snippets.items():
            merged.snippets.setdefault(path, {}).update(lines)
    merged.findings = _dedupe(merged.findings)
    return merged
