"""The ``check`` command itself, without click.

cli.py declares the command's options with click, and the process's own command line reads the
usual ones without importing click at all (check_argv.py, issue 15: click's import is a quarter
of an on-save lint); both run :func:`run_check`.
"""

from __future__ import annotations

import errno
import os
import sys
from pathlib import Path

from . import supervise
from .config import Config, ConfigError
from .exits import fail, stderr_line, stdout_failed
from .files import display_path
from .model import Severity

TYPE_CHECKING = False  # as typing.TYPE_CHECKING, without importing typing (on-save start-up)
if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from .config_file import Resolver
    from .core import Rule
    from .lint import Linter, LintResult
    from .model import Finding
    from .registry import Registry


def split_codes(values: Sequence[str]) -> list[str]:
    """``--select A,B --select C``: the codes, upper case."""
    return [c.strip().upper() for v in values for c in v.split(",") if c.strip()]


def run_check(
    paths: tuple[str, ...],
    output_format: str,
    output_format_alias: str | None,
    output_file: str | None,
    select: tuple[str, ...],
    ignore: tuple[str, ...],
    extend_select: tuple[str, ...],
    config_file: str | None,
    stdin_filename: str | None,
    exit_zero: bool,
    fail_on: str,
    no_color: bool,
    color_mode: str,
    min_severity: str | None,
    jobs: int | None,
    project_root: str | None,
    include_suppressed: bool,
    show_settings: str | None,
    respect_gitignore: bool | None,
    force_exclude: bool,
    apply_fix: bool,
    unsafe_fixes: bool,
    show_diff: bool,
    add_noqa: bool,
    statistics: bool,
    plugins: tuple[str, ...],
    source_path: tuple[str, ...],
    no_cache: bool,
    cache_dir: str | None,
    sarif_category: str | None,
) -> None:
    """The ``check`` command, its options as click reads them (cli.py) or as check_argv.py does."""
    from .lint import Linter, severity_at_least
    from .registry import Registry
    from .report import ReportOptions, renderer

    output_format = output_format_alias or output_format
    _confine_import_path(paths)
    # A closed standard input (sys.stdin is None) is read too, and reported as closed.
    use_stdin = list(paths) == ["-"] or (
        not paths and stdin_filename is not None and (sys.stdin is None or not sys.stdin.isatty())
    )

    def build(config: Config) -> Linter:
        # The command line is a later layer over each configuration file: --select replaces its
        # selection, --ignore and --extend-select win over it.
        from .config_file import merge_cli
        from .registry import check_plugin_codes

        if plugins:
            config.plugins = config.plugins + list(plugins)
        config.source_path = config.source_path + [Path(folder).absolute() for folder in source_path]
        registry = Registry.for_config(config)
        check_plugin_codes(config, registry)
        config = merge_cli(
            config,
            registry,
            split_codes(select) if select else None,
            split_codes(ignore),
            split_codes(extend_select),
        )
        if force_exclude:
            config.force_exclude = True
        if respect_gitignore is not None:
            config.respect_gitignore = respect_gitignore
        linter = Linter(config, registry)
        linter.isolate = isolate
        linter.supervised = supervised
        if not no_cache and not use_stdin:
            from .cache import ResultCache, default_directory, settings_key

            folder = Path(cache_dir).absolute() if cache_dir else default_directory(config)
            linter.cache = ResultCache(folder, settings_key(config, linter.rules, linter.severities))
        return linter

    # Lint in forked children: a native crash fails only its file (isolate.py). Under the
    # supervisor forked at start-up (supervise.py) a serial lint runs in this process instead,
    # since the supervisor runs the command again, isolating, if this process crashes; not when
    # --fix, --diff or --add-noqa write files between lints.
    isolate = supervise.can_fork()
    supervised = isolate and not (apply_fix or show_diff or add_noqa) and supervise.declare()

    try:
        from .config_file import Resolver

        resolver = Resolver(Path(config_file) if config_file else None, build)
        if show_settings is not None:
            import click

            click.echo(_settings_text(show_settings, resolver.for_file(show_settings)), nl=False)
            sys.exit(0)
        if use_stdin and (apply_fix or show_diff or add_noqa):
            raise ConfigError("--fix, --diff and --add-noqa work on files, not on standard input")
        if add_noqa and (apply_fix or show_diff):
            raise ConfigError("--add-noqa cannot be combined with --fix or --diff (fix first, then add directives)")
        if use_stdin:
            start = Path(stdin_filename).resolve().parent if stdin_filename else Path.cwd()
            linter = resolver.for_directory(start)
            result: LintResult = _lint_stdin(linter, stdin_filename or "<stdin>")
        else:
            linter = resolver.for_directory(Path.cwd())
            result = _lint_paths(resolver, list(paths), jobs)
            if show_diff or apply_fix:
                changed = _fix_files(resolver, result, unsafe_fixes, write=not show_diff)
                if show_diff:
                    sys.exit(1 if changed else 0)
                if changed:
                    result = _lint_paths(resolver, list(paths), jobs)
            if add_noqa and _add_noqa_files(resolver, result):
                result = _lint_paths(resolver, list(paths), jobs)
    except ConfigError as exc:
        fail(str(exc))
        return
    wiring = None
    if output_format == "markdown" and not use_stdin and not statistics:
        # The job summary also shows who invokes what (the same analysis, per file).
        from .wiring import collect

        wiring = collect(list(paths), linter.config)[0]
    supervise.lint_done()  # output begins: a crash from here on is not run again (supervise.py)
    registry = _merged_registry([linter.registry] + [lnt.registry for lnt in resolver.all()])

    if min_severity:
        lowest = Severity(min_severity)
        kept = severity_at_least(result.findings, lowest)
        result.findings = kept

    for problem in result.problems:
        where = f"{problem.path}: " if problem.path else ""
        stderr_line(f"shlint-iam: {where}{problem.message}")
    if not use_stdin and not result.files and not result.problems:
        # As Ruff's "No Python files found": an empty run is said, not mistaken for a pass.
        where = ", ".join(paths) if paths else "."
        stderr_line(f"shlint-iam: warning: no shell scripts found in {where}")
    if output_format != "text" or statistics:
        # The text report ends with this line itself; other formats say it here.
        from .report.text_format import not_analysed

        summary = not_analysed(result)
        if summary:
            stderr_line(f"shlint-iam: {summary}")

    color = _use_color("never" if no_color else color_mode, output_file)
    options = ReportOptions(
        color=color,
        hyperlinks=color,
        project_root=project_root,
        include_suppressed=include_suppressed,
        extra={"sarif_category": sarif_category} if sarif_category else {},
    )
    if wiring is not None:
        options.extra["wiring"] = wiring
    if statistics:
        text = _statistics(result, registry, as_json=output_format == "json")
    else:
        text = renderer(output_format)(result, registry, options)
    _write_report(text, output_file)
    sys.exit(result.exit_code(exit_zero, Severity(fail_on)))


def _write_report(text: str, output_file: str | None) -> None:
    """The report to ``output_file`` or standard output, as UTF-8 bytes. The formats escape
    what they print (report/escape.py); ``backslashreplace`` is only a last resort, so that no
    text can make the write fail. A write that fails (a full disk, stdout closed) exits 2."""
    data = text.encode("utf-8", "backslashreplace")
    if output_file:
        try:
            with open(output_file, "wb") as handle:
                handle.write(data)
        except OSError as exc:
            fail(f"cannot write {output_file}: {exc.strerror or exc}")
        return
    if sys.stdout is None:  # started with standard output closed
        stdout_failed(OSError(errno.EBADF, "standard output is closed"))
        return
    try:
        sys.stdout.flush()
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
    except (OSError, ValueError) as exc:
        stdout_failed(exc if isinstance(exc, OSError) else OSError(errno.EBADF, "standard output is closed"))


def _confine_import_path(paths: Sequence[str]) -> None:
    """No plugin code from the linted directories either (see plugins.confine_import_path)."""
    from .plugins import confine_import_path

    folders = [p if os.path.isdir(p) else os.path.dirname(os.path.abspath(p)) for p in paths if p != "-"]
    confine_import_path(folders)


def _lint_stdin(linter: Linter, shown: str) -> LintResult:
    """Standard input, read up to its cap (past it: not linted, exit 2)."""
    from .core import FileProblem
    from .files import MAX_BYTES, describe_size, display_path

    try:
        replayed = supervise.replayed_input()  # read by a supervised child that crashed
        if replayed is not None:
            data = replayed
        else:
            data = sys.stdin.buffer.read(MAX_BYTES + 1)  # never more: `check - </dev/zero` stops here
            supervise.keep_input(data)
        if len(data) > MAX_BYTES:
            why = f"standard input larger than {describe_size(MAX_BYTES)}; not linted"
            return linter.collect([], [FileProblem(display_path(shown), why)])
    except (OSError, AttributeError, ValueError) as exc:  # closed or unreadable standard input
        reason = getattr(exc, "strerror", None) or "closed"
        return linter.collect([], [FileProblem(display_path(shown), f"could not read standard input: {reason}")])
    return linter.lint_text(data, shown)


def _lint_paths(resolver: Resolver[Linter], paths: list[str], jobs: int | None) -> LintResult:
    """Lint ``paths``, each file under the configuration nearest to it (``--config``: one for all):
    in a pool of ``jobs`` worker processes (0: one per CPU; default: one per CPU when there are
    enough files to pay for the pool), serially with ``-j 1``."""
    from .files import discover, matches_any
    from .lint import lint_per_config

    def excluded(path: Path) -> bool:
        config = resolver.for_file(path).config
        return bool(config.exclude) and matches_any(path, config.exclude, config.root)

    cwd_config = resolver.for_directory(Path.cwd()).config
    items = list(
        discover(
            paths or ["."],
            excluded=excluded,
            respect_gitignore=lambda top: resolver.for_directory(top).config.respect_gitignore,
            force_exclude=cwd_config.force_exclude or any(lnt.config.force_exclude for lnt in resolver.all()),
        )
    )
    if any(lnt.config.force_exclude for lnt in resolver.all()):
        # --force-exclude / force-exclude = true: explicit paths that their own config excludes
        # are skipped; only configurations that ask for it.
        items = [
            i for i in items
            if isinstance(i, tuple) or not i.explicit or not resolver.for_file(i.path).config.force_exclude
            or not excluded(i.path)
        ]
    return lint_per_config(items, resolver.for_file, jobs, project_files=_project_files(resolver))


def _fix_files(resolver: Resolver[Linter], result: LintResult, unsafe: bool, write: bool) -> int:
    """Fix every linted file that has fixable findings: in place (``write``), or print the
    unified diff. Each file is fixed, linted again and fixed again until nothing is left to fix.
    Returns the number of fixes."""
    import difflib

    import click

    from .files import read_bytes
    from .fixes import fix_text

    todo = sorted({f.path for f in result.reported if f.autofix is not None and (unsafe or f.autofix.safe)})
    total = 0
    files = 0
    linted = set(result.files)
    for shown in todo:
        if shown not in linted:
            continue  # a finding in a sourced file: fixed when that file is linted itself
        path = Path(shown)
        try:
            raw = read_bytes(path)
            original = raw.decode("utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            click.echo(f"shlint-iam: {shown}: not fixed: {exc}", err=True)
            continue
        linter = resolver.for_file(path)

        def lint(text: str, lnt: Linter = linter, where: str = shown) -> list[Finding]:
            return [f for f in lnt.lint_text(text, where).reported if f.path == where]

        fixed, count = fix_text(lint, original, unsafe)
        if fixed == original:
            continue
        total += count
        files += 1
        if write:
            with open(path, "w", encoding="utf-8", newline="") as handle:
                handle.write(fixed)
        else:
            sys.stdout.writelines(
                difflib.unified_diff(
                    original.splitlines(keepends=True), fixed.splitlines(keepends=True), f"a/{shown}", f"b/{shown}"
                )
            )
    if total:
        verb = "Fixed" if write else "Would fix"
        click.echo(f"shlint-iam: {verb} {total} finding{'s' if total != 1 else ''} in {files} "
                   f"file{'s' if files != 1 else ''}.", err=True)
    elif not write:
        click.echo("shlint-iam: nothing to fix.", err=True)
    return total


def _add_noqa_files(resolver: Resolver[Linter], result: LintResult) -> int:
    """``--add-noqa``: write a directive for every reported finding of every linted file.
    Returns the number of directives added (or extended)."""
    from .files import read_bytes
    from .frontends.names import is_document
    from .noqa import add_noqa

    total = 0
    files = 0
    linted = set(result.files)
    for shown in sorted({f.path for f in result.reported if f.path in linted}):
        path = Path(shown)
        try:
            original = read_bytes(path).decode("utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            stderr_line(f"shlint-iam: {shown}: no directives added: {exc}")
            continue
        linter = resolver.for_file(path)

        def lint(text: str, lnt: Linter = linter, where: str = shown) -> list[Finding]:
            return [f for f in lnt.lint_text(text, where).reported if f.path == where]

        outcome = add_noqa(lint, original, shown, document=is_document(shown))
        if outcome.problem:
            stderr_line(f"shlint-iam: {shown}: {outcome.problem}")
        if outcome.text == original:
            continue
        with open(path, "w", encoding="utf-8", newline="") as handle:
            handle.write(outcome.text)
        total += outcome.added
        files += 1
    plural = "s" if total != 1 else ""
    stderr_line(f"shlint-iam: Added {total} suppression directive{plural}"
            + (f" in {files} file{'s' if files != 1 else ''}." if files else "."))
    return total


def _project_files(resolver: Resolver[Linter]) -> Callable[[Linter], list[Path]]:
    """The scripts of a configuration's project (its folder, walked with its excludes and
    .gitignore): what COV001 judges coverage on, whichever files were named."""
    from .files import Candidate, discover

    def files(linter: Linter) -> list[Path]:
        config = linter.config
        found = discover(
            [str(config.root)],
            config.exclude,
            config.root,
            respect_gitignore=config.respect_gitignore,
        )
        return [
            item.path for item in found
            if isinstance(item, Candidate) and resolver.for_file(item.path) is linter
        ]

    return files


def _merged_registry(registries: list[Registry]) -> Registry:
    from .registry import Registry

    seen: dict[str, type[Rule]] = {}
    for registry in registries:
        for code, rule in registry.rules.items():
            seen.setdefault(code, rule)
    if len(registries) == 1:
        return registries[0]
    return Registry(seen.values())


def _settings_text(path: str, linter: Linter) -> str:
    """``--show-settings FILE``: where the settings for FILE come from and what they are."""
    import json  # only here and for --statistics: 3 ms of an on-save lint's start-up

    config = linter.config
    source = config.path
    lines = [f"Settings for {path}"]
    if source is None:
        lines.append("from: built-in defaults (no .shlint-iam.toml or [tool.shlint-iam] found)")
    else:
        table = " [tool.shlint-iam]" if source.name == "pyproject.toml" else ""
        lines.append(f"from: {display_path(source.resolve())}{table}")
    lines.append(f"root: {display_path(config.root) or '.'}")
    enabled = sorted(r.code for r in linter.rules)
    values: list[tuple[str, object]] = [
        ("enabled", enabled),
        ("severity", {c: s.value for c, s in sorted(config.severity.items())}),
        ("per-file-ignores", config.per_file_ignores),
        ("exclude", config.exclude),
        ("respect-gitignore", config.respect_gitignore),
        ("force-exclude", config.force_exclude),
        ("invoker-service-accounts", config.invoker_service_accounts),
        ("required-resources", config.required_resources),
        ("default-region", config.default_region),
        ("plugins", config.plugins),
    ]
    for key, value in values:
        lines.append(f"{key} = {json.dumps(value, ensure_ascii=False)}")
    return "".join(line + "\n" for line in lines)


def _use_color(mode: str, output_file: str | None) -> bool:
    """``--color``: never; always; auto = on a terminal (not with ``-o``), off when NO_COLOR is
    set, on when FORCE_COLOR is set (NO_COLOR wins over FORCE_COLOR; ``always`` over both)."""
    if mode != "auto":
        return mode == "always"
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return output_file is None and sys.stdout is not None and sys.stdout.isatty()


def _statistics(result: object, registry: object, as_json: bool = False) -> str:
    from .lint import LintResult
    from .registry import Registry

    assert isinstance(result, LintResult) and isinstance(registry, Registry)
    counts: dict[str, int] = {}
    for f in result.reported:
        counts[f.code] = counts.get(f.code, 0) + 1
    rows = []
    for code in sorted(counts, key=lambda c: (-counts[c], c)):
        rule = registry.get(code)
        rows.append((code, rule.name if rule else None, counts[code]))
    if as_json:
        import json

        items = [{"code": code, "name": name, "count": count} for code, name, count in rows]
        return json.dumps(items, indent=2, ensure_ascii=False) + "\n"
    lines = [f"{count:>5}  {code}  {name or ''}" for code, name, count in rows]
    return "".join(line + "\n" for line in lines)
