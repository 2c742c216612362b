"""The ``shlint-iam`` command: check, rules, rule, lsp."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click

from . import __version__
from .config import Config, ConfigError
from .exits import fail, guarded, interrupted_or_ended, leave, stderr_line
from .files import display_path
from .report import FORMATS


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
def check(**options: Any) -> None:
    """Lint files and directories (default: the current directory); `-` reads standard input."""
    from .check_command import run_check

    run_check(**options)


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
        fail(str(exc))
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
            stderr_line(f"shlint-iam: {cache_dir}: not removed: not a cache that shlint-iam created "
                    "(no CACHEDIR.TAG of its own)")
    failed = False
    for folder in dict.fromkeys(p.resolve() for p in found):
        why = remove(folder)
        shown = display_path(str(folder))
        if why is None:
            stderr_line(f"shlint-iam: removed the cache at {shown}")
        else:
            failed = True
            stderr_line(f"shlint-iam: {shown}: could not be removed: {why}")
    if not found:
        stderr_line(f"shlint-iam: no cache found under {', '.join(paths or ('.',))}")
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
        fail(str(exc))
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
        fail(str(exc))
        return
    rule = registry.get(code)
    if rule is None:
        # Accept the kebab-case name too.
        rule = next((r for r in registry.rules.values() if r.name == code.lower()), None)
    if rule is None:
        fail(f"unknown rule {code!r}; `shlint-iam rules` lists them")
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
        fail(
            f"the language server needs pygls ({exc.name or exc}); install it with: pip install 'shlint-iam[lsp]'"
        )
        return
    serve()


def main(argv: Sequence[str] | None = None) -> None:
    """The ``shlint-iam`` command. Without ``argv`` (the process's own command line: the console
    script, ``python -m shlint_iam``) the process ends as soon as the command is done, without
    the interpreter's clean-up (see :func:`exits.leave`); the language server, which runs threads,
    exits as usual."""
    if argv is None and sys.argv[1:2] != ["lsp"]:
        try:
            _main(None)
        except SystemExit as exc:
            leave(exc.code)
    _main(argv)


def _main(argv: Sequence[str] | None) -> None:
    from .plugins import confine_import_path

    # `python -m shlint_iam` puts the working directory (the checkout) first on sys.path: drop it
    # before anything can import a plugin, so no code from the repository under analysis runs.
    confine_import_path()

    def command() -> object:
        try:
            return cli.main(args=list(argv) if argv is not None else None, prog_name="shlint-iam",
                            standalone_mode=False)
        except click.exceptions.Abort as exc:  # click's wrapper of KeyboardInterrupt and EOFError
            interrupted_or_ended(exc.__cause__)
        except click.ClickException as exc:  # usage errors: click's message, exit 2
            with contextlib.suppress(OSError, ValueError, AttributeError):
                exc.show()
            sys.exit(exc.exit_code)
        return None

    guarded(command)


if __name__ == "__main__":  # pragma: no cover
    main()
