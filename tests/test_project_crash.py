"""A native crash in a cross-file check (``check_project``) fails only that rule (issue 12 item
5): the project pass runs in a forked child when the linter isolates, so a plugin rule whose
native code dies with SIGSEGV is named (rule and plugin, exit 2), every per-file finding of
every file is still reported, and the other cross-file rules still run. The crashes are real
segmentation faults (``ctypes.string_at(0)``), in this process's linter and in a plugin
installed for the command line. See docs/robustness.md."""

from __future__ import annotations

import ctypes
import json
import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_bounds import install_plugin

from shlint_iam.api import Finding, ProjectContext, Rule, Severity
from shlint_iam.config import Config
from shlint_iam.lint import Linter
from shlint_iam.model import FileProblem
from shlint_iam.registry import Registry, builtin_rules

DEPLOY = "#!/bin/bash\nset -euo pipefail\ngcloud functions deploy {name} --gen2 --region=us-central1 --trigger-topic=t\n"
NAMES = ["a", "b", "c"]
CRASHED = ("analysis incomplete: the cross-file check of rule ACME902 from plugin acme-crashers crashed (killed by "
           "signal SIGSEGV); its findings are missing (report it to the plugin's authors)")


class CrashesAcrossFiles(Rule):
    """## What it does
    Dies with SIGSEGV in its cross-file check (a plugin's native code with a bug).

    ## Why it matters
    Tests that a native crash in the project pass fails only this rule.

    ## Example
    ```bash
    true
    ```

    ## Fix
    None.
    """

    code = "ACME902"
    name = "crashes-across-files"
    summary = "dies in check_project"
    severity = Severity.ERROR
    origin = "acme-crashers"

    def check_project(self, ctx: ProjectContext) -> Iterator[Finding]:
        ctypes.string_at(0)  # a real segmentation fault
        return iter(())


class CountsFiles(Rule):
    """## What it does
    Reports the number of files once, on the first one (a cross-file rule that works).

    ## Why it matters
    Tests that the other cross-file rules still run.

    ## Example
    ```bash
    true
    ```

    ## Fix
    None.
    """

    code = "ACME903"
    name = "counts-files"
    summary = "counts the files"
    severity = Severity.INFO
    origin = "acme-crashers"

    def check_project(self, ctx: ProjectContext) -> Iterator[Finding]:
        first = ctx.files[0]
        span = first.source.span((0, 0), (0, 1))
        yield ctx.report(self, span, f"{len(ctx.files)} files")


def write_scripts(folder: Path) -> list[str]:
    for name in NAMES:
        (folder / f"{name}.sh").write_text(DEPLOY.format(name=f"fn-{name}"))
    return [str(folder / f"{name}.sh") for name in NAMES]


def linter(*rules: type[Rule], isolate: bool = True) -> Linter:
    config = Config(extend_select=[r.code for r in rules])
    lint = Linter(config, Registry([*builtin_rules(), *rules]))
    lint.isolate = isolate
    return lint


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_segfault_in_a_cross_file_check_fails_only_that_rule(jobs: int, tmp_path: Path) -> None:
    paths = write_scripts(tmp_path)
    result = linter(CrashesAcrossFiles, CountsFiles).lint_paths(paths, jobs=jobs)
    assert result.problems == [FileProblem("", CRASHED, "incomplete", rule="ACME902")]
    assert result.exit_code() == 2
    # every file's own findings, and the other cross-file rule's
    assert [(os.path.basename(f.path), f.code) for f in result.reported] == [
        ("a.sh", "ACME903"), ("a.sh", "IAM001"), ("b.sh", "IAM001"), ("c.sh", "IAM001")]
    assert [f.message for f in result.reported if f.code == "ACME903"] == ["3 files"]
    # the same findings as a run without the crashing rule
    clean = linter(CountsFiles).lint_paths(paths, jobs=jobs)
    assert (clean.findings, clean.problems) == (result.findings, [])


def test_a_built_in_rule_that_crashes_asks_for_a_report(tmp_path: Path) -> None:
    class BuiltinCrash(CrashesAcrossFiles):
        origin = "shlint-iam"

    result = linter(BuiltinCrash).lint_paths(write_scripts(tmp_path))
    assert [p.message for p in result.problems] == [
        "analysis incomplete: the cross-file check of rule ACME902 crashed (killed by signal SIGSEGV); please "
        "report it at https://github.com/shlint-iam/shlint-iam/issues"]


def test_a_cross_file_check_that_raises_is_still_contained_in_the_child(tmp_path: Path) -> None:
    class Raises(CrashesAcrossFiles):
        def check_project(self, ctx: ProjectContext) -> Iterator[Finding]:
            raise LookupError("no such table")

    result = linter(Raises, CountsFiles).lint_paths(write_scripts(tmp_path))
    assert [p.message for p in result.problems] == [
        "analysis incomplete: the cross-file check of rule ACME902 from plugin acme-crashers raised LookupError: "
        "no such table; its findings are missing (report it to the plugin's authors)"]
    assert [f.code for f in result.reported] == ["ACME903", "IAM001", "IAM001", "IAM001"]


# -- the command line, with the rule installed as a plugin ---------------------------------------

PLUGIN = textwrap.dedent('''
    import ctypes

    from shlint_iam.api import Finding, Rule, Severity


    class CrashesAcrossFiles(Rule):
        """## What it does
        Dies with SIGSEGV in its cross-file check.

        ## Why it matters
        A plugin with a bug in its native code.

        ## Example
        ```bash
        true
        ```

        ## Fix
        None.
        """

        code = "ACME902"
        name = "crashes-across-files"
        summary = "dies in check_project"
        severity = Severity.ERROR

        def check_project(self, ctx):
            ctypes.string_at(0)
            return ()
''')


def cli(cwd: Path, site: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "SHLINT"))}
    env.update(PYTHONPATH=str(site), NO_COLOR="1")
    return subprocess.run([sys.executable, "-m", "shlint_iam", "check", *args], cwd=cwd, capture_output=True,
                          text=True, env=env, timeout=300)


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_the_cli_names_the_crashed_plugin_rule_and_prints_every_file(jobs: str, tmp_path: Path) -> None:
    site = tmp_path / "site"
    install_plugin(site, "acme-crashers", "acme_crashers", PLUGIN)
    project = tmp_path / "project"
    project.mkdir()
    (project / ".shlint-iam.toml").write_text('plugins = ["acme-crashers"]\nextend-select = ["ACME902"]\n')
    write_scripts(project)

    concise = cli(project, site, "-f", "concise", "-j", jobs, "a.sh", "b.sh", "c.sh")
    assert concise.returncode == 2, concise.stderr
    assert [line.split(" ")[0:2] for line in concise.stdout.splitlines()] == [
        ["a.sh:3:1:", "IAM001"], ["b.sh:3:1:", "IAM001"], ["c.sh:3:1:", "IAM001"]]
    assert concise.stderr == f"shlint-iam: {CRASHED}\nshlint-iam: the cross-file checks did not complete (exit 2).\n"
    assert "Traceback" not in concise.stderr and "Fatal Python error" not in concise.stderr

    entries = json.loads(cli(project, site, "-f", "json", "-j", jobs, "a.sh", "b.sh", "c.sh").stdout)
    assert [(e["type"], e["rule"], e["message"]) for e in entries if e["type"] == "problem"] == [
        ("problem", "ACME902", CRASHED)]
    assert [e["path"] for e in entries if e["type"] == "finding"] == ["a.sh", "b.sh", "c.sh"]
