"""The ``shlint-iam`` command: check, rules, rule, lsp."""

from __future__ import annotations

import contextlib
import errno
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from . import __version__, supervise
from .config import Config, ConfigError
from .files import display_path
from .model import Severity
from .report import FORMATS

if TYPE_CHECKING:
    from .config_file import Resolver
    from .core import Rule
    from .lint import Linter, LintResult
    from .model import Finding
    from .registry import Registry


def _split_codes(values: Sequence[str]) -> list[str]:
    return [c.strip().upper() for v in values for c in v.split(",") if c.strip()]


def _load_config(config_file: str | None, start: Path | None = None) -> Config:
    from .config_file import load_config

    return load_config(Path(config_file) if config_file else None, start=start)


def _short_options_directly(parser: Any) -> Any:
    """click's parser tries every option as a long one first: for ``-f`` that raises NoSuchOption,
    whose constructor imports difflib and ranks every long option by likeness (~2 ms of an
    on-save lint), before the exception is dropped and ``-f`` is read as a short option. Here a
    single-dash option that is no long one fails that first try without the ranking (the same
    outcome: the exception is never shown). Any other parser is left as it is."""
    match_long = getattr(parser, "_match_long_opt", None)
    long_options = getattr(parser, "_long_opt", None)
    prefixes = getattr(parser, "_opt_prefixes", None)
    if match_long is None or not isinstance(long_options, dict) or not isinstance(prefixes, set):
        return parser

    def _match_long_opt(opt: str, explicit_value: str | None, state: Any) -> None:
        if opt[:2] not in prefixes and opt not in long_options:
            raise click.NoSuchOption(opt, ctx=parser.ctx)
        match_long(opt, explicit_value, state)

    parser._match_long_opt = _match_long_opt
    return parser


class _Command(click.Command):
    def make_parser(self, ctx: click.Context) -> Any:
        return _short_options_directly(super().make_parser(ctx))


class _Group(click.Group):
    command_class = _Command

    def make_parser(self, ctx: click.Context) -> Any:
        return _short_options_directly(super().make_parser(ctx))


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", "-V", prog_name="shlint-iam", message="%(prog)s %(version)s")
def cli() -> None:
    """Lint shell scripts that deploy Cloud Functions and Cloud Run services for invoker IAM mistakes."""


@cli.command()
@click.argument("paths", nargs=-1)
@click.option("-f", "--format", "output_format", default="text", show_default=True,
              type=click.Choice(list(FORMATS)), help="Output format.")
@click.option("--output-format", "output_format_alias", default=None, hidden=True,
              type=click.Choice(list(FORMATS)))
@click.option("-o", "--output", "output_file", type=click.Path(dir_okay=False), help="Write the report to FILE.")
@click.option("--select", multiple=True, help="Rules to enable (codes or prefixes, comma separated).")
@click.option("--ignore", multiple=True, help="Rules to disable (codes or prefixes).")
@click.option("--extend-select", multiple=True, help="Rules to enable in addition to the selected ones.")
@click.option("--config", "config_file", type=click.Path(),
              help="Configuration file (pyproject.toml or .shlint-iam.toml).")
@click.option("--stdin-filename", help="The path standard input is reported under (with `-`).")
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when there are findings.")
@click.option("--fail-on", type=click.Choice(["error", "warning", "info"]), default="info", show_default=True,
              help="The lowest severity of a reported finding that makes the exit code 1.")
@click.option("--no-color", is_flag=True, help="Never colour the output (same as --color never).")
@click.option("--color", "color_mode", type=click.Choice(["auto", "always", "never"]), default="auto",
              show_default=True,
              help="Colour (and link rule codes to their docs): auto = on a terminal, unless NO_COLOR is set; "
                   "FORCE_COLOR turns it on.")
@click.option("--severity", "min_severity", type=click.Choice(["error", "warning", "info"]), default=None,
              help="Lowest severity reported.")
@click.option("-j", "--jobs", type=click.IntRange(min=0), default=None, help="Worker processes (0: one per CPU).")
@click.option("--project-root", type=click.Path(file_okay=False), default=None,
              help="Root that SARIF and GitHub paths are relative to (default: the current directory).")
@click.option("--include-suppressed", is_flag=True, help="Also report suppressed findings (marked as such).")
@click.option("--show-settings", "show_settings", metavar="FILE", default=None,
              help="Print the settings FILE is linted with and the file they come from, then exit.")
@click.option("--respect-gitignore/--no-respect-gitignore", "respect_gitignore", default=None,
              help="Skip paths that .gitignore files ignore when walking directories (default: on).")
@click.option("--force-exclude", is_flag=True, help="Apply `exclude` to paths named explicitly too.")
@click.option("--fix", "apply_fix", is_flag=True,
              help="Apply the safe automatic fixes in place, then report what is left.")
@click.option("--unsafe-fixes", is_flag=True, help="With --fix or --diff: apply the unsafe fixes too.")
@click.option("--diff", "show_diff", is_flag=True,
              help="Print the fixes as a unified diff and change nothing (exit 1 when there is something to fix).")
@click.option("--add-noqa", "add_noqa", is_flag=True,
              help="Add a `# shlint-iam disable=CODE -- TODO` directive for every current finding, in place.")
@click.option("--statistics", is_flag=True, help="Print the number of findings per rule instead of the findings.")
@click.option("--plugin", "plugins", multiple=True, help="Load rules from an installed plugin package.")
@click.option("--source-path", "source_path", multiple=True, type=click.Path(file_okay=False),
              help="A folder besides the project root whose files `source` may follow (repeatable).")
@click.option("--no-cache", is_flag=True, envvar="SHLINT_IAM_NO_CACHE",
              help="Neither read nor write the result cache (also SHLINT_IAM_NO_CACHE=1).")
@click.option("--cache-dir", type=click.Path(file_okay=False), default=None, envvar="SHLINT_IAM_CACHE_DIR",
              help="Where the result cache lives (default: .shlint-iam-cache next to the configuration file, "
                   "or in the current directory without one; also SHLINT_IAM_CACHE_DIR).")
@click.option("--sarif-category", default=None,
              help="SARIF automationDetails.id category for GitHub code scanning (e.g. deploy-scripts).")
def check(
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
    """Lint files and directories (default: the current directory); `-` reads standard input."""
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
            _split_codes(select) if select else None,
            _split_codes(ignore),
            _split_codes(extend_select),
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
        _fail(str(exc))
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
        _stderr(f"shlint-iam: {where}{problem.message}")
    if not use_stdin and not result.files and not result.problems:
        # As Ruff's "No Python files found": an empty run is said, not mistaken for a pass.
        where = ", ".join(paths) if paths else "."
        _stderr(f"shlint-iam: warning: no shell scripts found in {where}")
    if output_format != "text" or statistics:
        # The text report ends with this line itself; other formats say it here.
        from .report.text_format import not_analysed

        summary = not_analysed(result)
        if summary:
            _stderr(f"shlint-iam: {summary}")

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
            _fail(f"cannot write {output_file}: {exc.strerror or exc}")
        return
    if sys.stdout is None:  # started with standard output closed
        _stdout_failed(OSError(errno.EBADF, "standard output is closed"))
        return
    try:
        sys.stdout.flush()
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
    except (OSError, ValueError) as exc:
        _stdout_failed(exc if isinstance(exc, OSError) else OSError(errno.EBADF, "standard output is closed"))


def _stdout_failed(exc: OSError) -> None:
    """Standard output cannot take the report (closed, a full disk, a reader that went away):
    exit 2 with one line on stderr, and no second error when Python flushes it at exit."""
    with contextlib.suppress(OSError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
    if exc.errno != errno.EPIPE:
        _stderr(f"shlint-iam: error: cannot write the report to standard output: {exc.strerror or exc}")
    sys.exit(2)


def _stderr(line: str) -> None:
    """One line on stderr, control characters escaped (a file name cannot start a new line,
    which GitHub Actions would read as a workflow command)."""
    from .report.escape import printable

    with contextlib.suppress(OSError, ValueError, AttributeError):  # AttributeError: stderr closed (None)
        sys.stderr.write(printable(line) + "\n")
        sys.stderr.flush()


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
            _stderr(f"shlint-iam: {shown}: no directives added: {exc}")
            continue
        linter = resolver.for_file(path)

        def lint(text: str, lnt: Linter = linter, where: str = shown) -> list[Finding]:
            return [f for f in lnt.lint_text(text, where).reported if f.path == where]

        outcome = add_noqa(lint, original, shown, document=is_document(shown))
        if outcome.problem:
            _stderr(f"shlint-iam: {shown}: {outcome.problem}")
        if outcome.text == original:
            continue
        with open(path, "w", encoding="utf-8", newline="") as handle:
            handle.write(outcome.text)
        total += outcome.added
        files += 1
    plural = "s" if total != 1 else ""
    _stderr(f"shlint-iam: Added {total} suppression directive{plural}"
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


def _fail(message: str) -> None:
    _stderr(f"shlint-iam: error: {message}")
    sys.exit(2)


@cli.command("map")
@click.argument("paths", nargs=-1)
@click.option("-f", "--format", "output_format", default="text", show_default=True,
              type=click.Choice(["text", "json", "markdown", "mermaid"]), help="Output format.")
@click.option("--config", "config_file", type=click.Path(),
              help="Configuration file (pyproject.toml or .shlint-iam.toml).")
def map_command(paths: tuple[str, ...], output_format: str, config_file: str | None) -> None:
    """Show who invokes what: every event-invoked deployment as trigger or caller -> identity ->
    service, with whether the identity may invoke it (bound, unbound, only on some paths, public)
    and where the deploy and the binding are."""
    from . import wiring

    try:
        config = _load_config(config_file)
    except ConfigError as exc:
        _fail(str(exc))
        return
    edges, problems, _ = wiring.collect(list(paths), config)
    for problem in problems:
        click.echo(f"shlint-iam: {problem.path}: {problem.message}", err=True)
    render = {"text": wiring.render_text, "json": wiring.render_json, "markdown": wiring.render_markdown,
              "mermaid": wiring.render_mermaid}[output_format]
    sys.stdout.write(render(edges))
    sys.stdout.flush()
    sys.exit(2 if any(p.fatal for p in problems) else 0)


@cli.command("clean")
@click.argument("paths", nargs=-1)
@click.option("--cache-dir", type=click.Path(file_okay=False), default=None, envvar="SHLINT_IAM_CACHE_DIR",
              help="Also remove this result cache (also SHLINT_IAM_CACHE_DIR).")
def clean_command(paths: tuple[str, ...], cache_dir: str | None) -> None:
    """Remove the result caches under PATHS (default: the current directory), as `ruff clean`.

    Only folders that shlint-iam created are removed (they hold its CACHEDIR.TAG)."""
    from .cache_prune import find_caches, is_our_cache, remove

    found: list[Path] = []
    for top in paths or (".",):
        found.extend(find_caches(Path(top)))
    if cache_dir is not None and Path(cache_dir).is_dir():
        if is_our_cache(Path(cache_dir)):
            found.append(Path(cache_dir))
        else:
            _stderr(f"shlint-iam: {cache_dir}: not removed: not a cache that shlint-iam created "
                    "(no CACHEDIR.TAG of its own)")
    failed = False
    for folder in dict.fromkeys(p.resolve() for p in found):
        why = remove(folder)
        shown = display_path(str(folder))
        if why is None:
            _stderr(f"shlint-iam: removed the cache at {shown}")
        else:
            failed = True
            _stderr(f"shlint-iam: {shown}: could not be removed: {why}")
    if not found:
        _stderr(f"shlint-iam: no cache found under {', '.join(paths or ('.',))}")
    sys.exit(2 if failed else 0)


@cli.command("rules")
@click.option("--config", "config_file", type=click.Path(), help="Configuration file.")
@click.option("--all", "show_all", is_flag=True, help="Accepted for symmetry; every rule is always listed.")
@click.option("--plugin", "plugins", multiple=True, help="Load rules from an installed plugin package.")
def rules_command(config_file: str | None, show_all: bool, plugins: tuple[str, ...]) -> None:
    """List every rule: code, name, on/off under the current config, severity, summary."""
    from .registry import Registry

    try:
        config = _load_config(config_file)
        config.plugins = config.plugins + list(plugins)
        registry = Registry.for_config(config)
    except ConfigError as exc:
        _fail(str(exc))
        return
    enabled = {r.code for r in registry.enabled(config)}
    rows = []
    for code in sorted(registry.rules):
        rule = registry.rules[code]
        state = "on" if code in enabled else "off"
        sev = config.severity.get(code, rule.severity).value
        rows.append((code, rule.name, state, sev, rule.summary))
    width = max((len(r[1]) for r in rows), default=10)
    click.echo(f"{'CODE':<8} {'NAME':<{width}}  {'STATE':<5}  {'SEVERITY':<8}  SUMMARY")
    for code, name, state, sev, summary in rows:
        click.echo(f"{code:<8} {name:<{width}}  {state:<5}  {sev:<8}  {summary}")


@cli.command("rule")
@click.argument("code")
@click.option("--plugin", "plugins", multiple=True, help="Load rules from an installed plugin package.")
@click.option("--config", "config_file", type=click.Path(), help="Configuration file.")
def rule_command(code: str, plugins: tuple[str, ...], config_file: str | None) -> None:
    """Explain one rule: its full documentation."""
    from .registry import Registry

    try:
        config = _load_config(config_file)
        config.plugins = config.plugins + list(plugins)
        registry = Registry.for_config(config)
    except ConfigError as exc:
        _fail(str(exc))
        return
    rule = registry.get(code)
    if rule is None:
        # Accept the kebab-case name too.
        rule = next((r for r in registry.rules.values() if r.name == code.lower()), None)
    if rule is None:
        _fail(f"unknown rule {code!r}; `shlint-iam rules` lists them")
        return
    state = "on" if rule.default_enabled else "off"
    click.echo(f"# {rule.code} {rule.name}\n")
    click.echo(f"Default: {rule.severity.value}, {state} by default. {rule.summary}\n")
    from .fixes import fix_doc

    automatic = fix_doc(rule.code)
    if automatic:
        click.echo(f"{automatic}\n")
    click.echo(rule.docs())


@cli.command("lsp")
def lsp_command() -> None:
    """Run the language server on standard input/output (needs `pip install 'shlint-iam[lsp]'`)."""
    try:
        from .lsp import serve
    except ImportError as exc:
        _fail(
            f"the language server needs pygls ({exc.name or exc}); install it with: pip install 'shlint-iam[lsp]'"
        )
        return
    serve()


def main(argv: Sequence[str] | None = None) -> None:
    """The ``shlint-iam`` command. Without ``argv`` (the process's own command line: the console
    script, ``python -m shlint_iam``) the process ends as soon as the command is done, without
    the interpreter's clean-up (see :func:`_leave`); the language server, which runs threads,
    exits as usual."""
    if argv is None and sys.argv[1:2] != ["lsp"]:
        try:
            _main(None)
        except SystemExit as exc:
            _leave(exc.code)
    _main(argv)


def _leave(code: str | int | None) -> None:
    """Exit with ``code`` as ``sys.exit`` does, but at once: tearing the interpreter down (freeing
    every module, table and object a lint made, one by one) cost about 40 ms of CPU, a sixth of
    an on-save lint (issue 15). Nothing needs it: the report is written, files and cache
    entries are closed, forked children reaped, and the only thread a lint may leave is a
    daemon (guard.py). The standard streams are flushed first; if that fails, or ``code`` is a
    message, the usual exit reports it."""
    if code is not None and not isinstance(code, int):
        sys.exit(code)
    status = code or 0
    try:
        for stream in (sys.stdout, sys.stderr):
            if stream is not None:
                stream.flush()
    except (OSError, ValueError):
        sys.exit(status)
    os._exit(status)


def _main(argv: Sequence[str] | None) -> None:
    from .plugins import confine_import_path

    # `python -m shlint_iam` puts the working directory (the checkout) first on sys.path: drop it
    # before anything can import a plugin, so no code from the repository under analysis runs.
    confine_import_path()
    try:
        code = cli.main(args=list(argv) if argv is not None else None, prog_name="shlint-iam", standalone_mode=False)
    except click.exceptions.Abort as exc:  # click's wrapper of KeyboardInterrupt and EOFError
        if isinstance(exc.__cause__, EOFError):
            _fail("standard input ended while reading it")
        _interrupted()
    except KeyboardInterrupt:
        _interrupted()
    except click.ClickException as exc:  # usage errors: click's message, exit 2
        with contextlib.suppress(OSError, ValueError, AttributeError):
            exc.show()
        sys.exit(exc.exit_code)
    except MemoryError:
        _fail("out of memory")
    except OSError as exc:  # writing to a closed or full standard output (`rules`, `rule`)
        _stdout_failed(exc)
    except RecursionError:
        _fail("internal error: input nested too deeply")
    except Exception as exc:  # noqa: BLE001 - a bug must still end in one line and exit 2, not a traceback
        _fail(f"internal error ({type(exc).__name__}: {exc}); please report it at "
              "https://github.com/shlint-iam/shlint-iam/issues")
    sys.exit(code if isinstance(code, int) else 0)


def _interrupted() -> None:
    """Ctrl-C: exit 130 (128 + SIGINT) like any shell tool, without a traceback."""
    _stderr("shlint-iam: interrupted")
    # Now, without the interpreter's clean-up: an analysis thread or a worker pool stopped in the
    # middle must not print its own errors at exit, and no report was written yet.
    os._exit(130)


if __name__ == "__main__":  # pragma: no cover
    main()
