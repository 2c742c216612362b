"""A file whose analysis did not complete is never reported as passing (issue 11 §1).

Each failure class is produced for real: a rule class that raises (in this process through the
registry, and as a pip-installed plugin through the CLI), the interpreter's work bound (a
fleet deploy script big enough to exhaust it), nesting past the interpreter's bound, and the
per-file time limit. Every front end says so: exit 2, the file named, never "All checks passed".
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest
from test_plugins import _assemble_wheel, _outer_site_dirs, _venv_python
from test_sarif import validate

import shlint_iam
from shlint_iam.api import Deploy, FileContext, Finding, IncompleteAnalysis, ProjectContext, Rule, Severity, check_text
from shlint_iam.config import Config
from shlint_iam.lint import Linter, LintResult
from shlint_iam.model import FileProblem
from shlint_iam.registry import Registry, builtin_rules
from shlint_iam.report import ReportOptions, renderer

# A gen2 function behind a Pub/Sub trigger and no invoker binding: IAM001 at 3:1.
BROKEN = """\
#!/usr/bin/env bash
set -euo pipefail
gcloud functions deploy orchestrator --gen2 --region=us-west2 --trigger-topic=done
"""
IAM001_MESSAGE_START = "gen2 function orchestrator (Pub/Sub topic done) is invoked as"
CLEAN = "#!/usr/bin/env bash\nset -euo pipefail\necho nothing to deploy\n"


def fleet(projects: int = 24, regions: int = 24, services: int = 24) -> str:
    """Every service to every region of every project, each bound for its invoker, then the
    orchestrator: 24^3 loop iterations, far past the interpreter's step budget, so the
    orchestrator's deploy (and its missing binding) is never reached."""
    projs = " ".join(f"acme-{i}" for i in range(projects))
    regs = " ".join(f"region-{i}" for i in range(regions))
    svcs = " ".join(f"svc-{i}" for i in range(services))
    return textwrap.dedent(f"""\
        #!/usr/bin/env bash
        set -euo pipefail
        for project in {projs}; do
          for region in {regs}; do
            for svc in {svcs}; do
              echo "deploying $svc to $project/$region"
              gcloud run deploy "$svc" --project="$project" --image="gcr.io/$project/$svc" --region="$region" \\
                --no-allow-unauthenticated
              gcloud run services add-iam-policy-binding "$svc" --project="$project" --region="$region" \\
                --member="serviceAccount:invoker@$project.iam.gserviceaccount.com" --role=roles/run.invoker
            done
          done
        done
        gcloud functions deploy orchestrator --gen2 --region=us-west2 --trigger-topic=done
        """)


WORK_BOUND = ("analysis incomplete: stopped at its work bound (very long or deeply nested script); what "
              "follows was not analysed")


class BrokenOnDeploy(Rule):
    """## What it does
    Raises on every deploy (a plugin rule with a bug).

    ## Why it matters
    Tests that a raising rule is contained.

    ## Example
    ```bash
    gcloud functions deploy f --gen2 --region=us-west2 --trigger-http
    ```

    ## Fix
    None.
    """

    code = "ACME900"
    name = "broken-on-deploy"
    summary = "raises on every deploy"
    severity = Severity.WARNING
    origin = "acme-broken-rules"

    def check(self, ctx: FileContext) -> Iterator[Finding]:
        for deploy in ctx.facts(Deploy):
            raise KeyError(f"no runtime for {deploy.kind}")
        yield from ()


class BrokenAcrossFiles(Rule):
    """## What it does
    Raises in its cross-file check.

    ## Why it matters
    Tests.

    ## Example
    ```bash
    true
    ```

    ## Fix
    None.
    """

    code = "ACME901"
    name = "broken-across-files"
    summary = "raises in check_project"
    severity = Severity.WARNING
    origin = "acme-broken-rules"

    def check_project(self, ctx: ProjectContext) -> Iterable[Finding]:
        raise RuntimeError("project table missing")


PLUGIN_FAILURE = ("analysis incomplete: the check of rule ACME900 from plugin acme-broken-rules raised "
                  "KeyError: 'no runtime for function'; its findings are missing (report it to the plugin's "
                  "authors)")


def linter_with(*rules: type[Rule]) -> Linter:
    config = Config(extend_select=[r.code for r in rules])
    return Linter(config, Registry([*builtin_rules(), *rules]))


def render(result: LintResult, fmt: str, linter: Linter) -> str:
    return renderer(fmt)(result, linter.registry, ReportOptions())


# -- a rule that raises, in this process --------------------------------------------------------


def test_a_raising_plugin_rule_is_contained_and_the_builtin_findings_stay() -> None:
    linter = linter_with(BrokenOnDeploy)
    result = linter.lint_text(BROKEN, "deploy.sh")
    assert [(f.code, f.span.start_line, f.span.start_col) for f in result.reported] == [("IAM001", 3, 1)]
    assert result.problems == [FileProblem("deploy.sh", PLUGIN_FAILURE, "incomplete", rule="ACME900")]
    assert result.incomplete == result.problems and not result.complete
    assert result.exit_code() == 2
    assert result.exit_code(exit_zero=True) == 2


def test_a_raising_rule_on_a_file_it_does_not_touch_is_no_problem() -> None:
    result = linter_with(BrokenOnDeploy).lint_text(CLEAN, "clean.sh")
    assert (result.problems, result.reported, result.exit_code()) == ([], [], 0)


def test_check_text_raises_instead_of_returning_partial_findings() -> None:
    with pytest.raises(IncompleteAnalysis) as caught:
        check_text(BROKEN, [BrokenOnDeploy])
    assert str(caught.value) == PLUGIN_FAILURE
    assert check_text(CLEAN, [BrokenOnDeploy]) == []


def test_a_raising_cross_file_rule_is_contained() -> None:
    linter = linter_with(BrokenAcrossFiles)
    result = linter.lint_text(BROKEN, "deploy.sh")
    assert [(f.code, f.span.start_line) for f in result.reported] == [("IAM001", 3)]
    assert result.problems == [FileProblem(
        "",
        "analysis incomplete: the cross-file check of rule ACME901 from plugin acme-broken-rules raised "
        "RuntimeError: project table missing; its findings are missing (report it to the plugin's authors)",
        "incomplete",
        rule="ACME901",
    )]
    assert result.exit_code() == 2
    text = render(result, "text", linter)
    assert text.endswith("Found 1 problem (1 error) in 1 file.\nthe cross-file checks did not complete (exit 2).\n")
    assert render(result, "github", linter).startswith(
        "::error title=shlint-iam::analysis incomplete: the cross-file check of rule ACME901 "
    )
    log = json.loads(render(result, "sarif", linter))
    validate(log)
    (note,) = log["runs"][0]["invocations"][0]["toolExecutionNotifications"]
    assert "locations" not in note and note["level"] == "error"
    assert note["associatedRule"] == {"id": "ACME901"}


def test_every_format_says_the_file_was_not_analysed() -> None:
    linter = linter_with(BrokenOnDeploy)
    result = linter.lint_text(BROKEN, "deploy.sh")

    text = render(result, "text", linter)
    assert "All checks passed" not in text
    assert text.endswith(
        "Found 1 problem (1 error) in 1 file.\n1 file could not be analysed completely: deploy.sh (exit 2).\n"
    )

    entries = json.loads(render(result, "json", linter))
    assert entries[0] == {
        "type": "problem", "kind": "incomplete", "code": None, "rule": "ACME900", "name": None,
        "severity": "error", "message": PLUGIN_FAILURE, "path": "deploy.sh",
        "start_line": 1, "start_column": 1, "end_line": 1, "end_column": 1, "fix": None,
    }
    assert [(e["type"], e["code"], e["start_line"]) for e in entries[1:]] == [("finding", "IAM001", 3)]

    github = render(result, "github", linter).splitlines()
    assert github[0] == f"::error file=deploy.sh,title=shlint-iam::{PLUGIN_FAILURE}"
    assert github[1].startswith("::error file=deploy.sh,line=3,col=1,")

    log = json.loads(render(result, "sarif", linter))
    validate(log)
    (invocation,) = log["runs"][0]["invocations"]
    assert invocation["executionSuccessful"] is False
    (note,) = invocation["toolExecutionNotifications"]
    assert note["level"] == "error"
    assert note["message"]["text"] == f"deploy.sh: {PLUGIN_FAILURE}"
    assert note["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "deploy.sh"
    assert note["associatedRule"] == {"id": "ACME900"}
    assert note["properties"] == {"kind": "incomplete"}
    assert [r["ruleId"] for r in log["runs"][0]["results"]] == ["IAM001"]


def test_a_notice_alone_keeps_the_run_successful() -> None:
    """A notice (the file was analysed) is a warning and no failure; only unreadable and
    incomplete files make `executionSuccessful` false and exit 2."""
    linter = Linter(Config())
    result = linter.lint_text(CLEAN, "clean.sh")
    result.problems.append(FileProblem("clean.sh", "looks like a binary file", "notice"))
    assert result.complete and result.exit_code() == 0
    log = json.loads(render(result, "sarif", linter))
    validate(log)
    assert log["runs"][0]["invocations"][0]["executionSuccessful"] is True
    assert render(result, "text", linter) == "All checks passed (1 file).\n"


# -- the work bound, nesting and the time limit ------------------------------------------------


def test_the_work_bound_is_an_incomplete_analysis() -> None:
    result = Linter(Config()).lint_text(fleet(), "fleet.sh")
    assert result.problems == [FileProblem("fleet.sh", WORK_BOUND, "incomplete")]
    # The orchestrator's deploy after the loops was never reached: no IAM001, yet no pass.
    assert result.reported == []
    assert result.exit_code() == 2


def test_nesting_past_the_bound_is_an_incomplete_analysis() -> None:
    text = "#!/bin/bash\nset -e\n" + "if true; then\n" * 400 + BROKEN.splitlines()[2] + "\n" + "fi\n" * 400
    result = Linter(Config()).lint_text(text, "nested.sh")
    assert result.problems == [FileProblem(
        "nested.sh",
        "analysis incomplete: nesting deeper than 300 levels at line 304 of nested.sh: not analysed",
        "incomplete",
    )]
    assert result.exit_code() == 2
    linter = Linter(Config())
    assert render(result, "text", linter) == (
        "No problems found in what could be analysed.\n"
        "1 file could not be analysed completely: nested.sh (exit 2).\n"
    )


@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_the_time_limit_is_an_incomplete_analysis() -> None:
    linter = Linter(Config())
    linter.time_limit = 0.5  # the fleet script takes seconds
    result = linter.lint_text(fleet(), "fleet.sh")
    assert result.problems == [FileProblem(
        "fleet.sh",
        "analysis incomplete: stopped after the time limit of 0.5 s; please report it at "
        "https://github.com/shlint-iam/shlint-iam/issues with this file",
        "incomplete",
    )]
    assert result.exit_code() == 2


# -- the CLI, with a pip-installed plugin that raises --------------------------------------------

PLUGIN_MODULE = '''
from shlint_iam.api import Deploy, FileContext, Rule, Severity


class BrokenOnDeploy(Rule):
    """## What it does
    Raises on every deploy.

    ## Why it matters
    A plugin with a bug.

    ## Example
    ```bash
    gcloud functions deploy f --gen2 --region=us-west2 --trigger-http
    ```

    ## Fix
    None.
    """

    code = "ACME900"
    name = "broken-on-deploy"
    summary = "raises on every deploy"
    severity = Severity.WARNING

    def check(self, ctx: FileContext):
        for deploy in ctx.facts(Deploy):
            raise KeyError(f"no runtime for {deploy.kind}")
        return ()
'''

PYPROJECT = """\
[build-system]
requires = ["setuptools>=61"]
build-backend = "setuptools.build_meta"

[project]
name = "acme-broken-rules"
version = "1.0.0"
description = "a plugin whose rule raises"

[project.entry-points."shlint_iam.rules"]
broken = "acme_broken_rules"

[tool.setuptools]
packages = ["acme_broken_rules"]
"""


@pytest.fixture(scope="module")
def broken_plugin_python(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A virtual environment with the raising plugin pip-installed (from a wheel) and this
    checkout's shlint-iam visible, as in tests/test_plugins.py."""
    root = tmp_path_factory.mktemp("broken-plugin")
    src = root / "src"
    (src / "acme_broken_rules").mkdir(parents=True)
    (src / "acme_broken_rules" / "__init__.py").write_text(PLUGIN_MODULE, encoding="utf-8")
    (src / "pyproject.toml").write_text(PYPROJECT, encoding="utf-8")
    venv = root / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", "--without-pip", str(venv)],
                   check=True, timeout=300)
    python = _venv_python(venv)
    purelib = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()
    parent = os.path.dirname(os.path.dirname(os.path.abspath(shlint_iam.__file__)))
    lines = [f"import site; site.addsitedir({d!r})" for d in _outer_site_dirs()]
    lines.append(f"import sys; sys.path.append({parent!r})")
    Path(purelib, "_shlint_iam_tests_outer.pth").write_text("\n".join(lines) + "\n", encoding="utf-8")
    wheel = _assemble_wheel(src, root)
    pip = [str(python), "-m", "pip", "install", "--no-deps", "--no-index", "--disable-pip-version-check", "-q"]
    proc = subprocess.run([*pip, str(wheel)], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return python


def shlint(python: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "SHLINT"))}
    env["NO_COLOR"] = "1"
    return subprocess.run([str(python), "-m", "shlint_iam", "check", *args], cwd=cwd, capture_output=True,
                          text=True, env=env, timeout=300)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    folder = tmp_path / "project"
    folder.mkdir()
    (folder / ".shlint-iam.toml").write_text('plugins = ["acme-broken-rules"]\nextend-select = ["ACME900"]\n')
    (folder / "deploy.sh").write_text(BROKEN)
    (folder / "clean.sh").write_text(CLEAN)
    return folder


def test_cli_with_a_raising_plugin_exits_2_and_names_plugin_and_rule(broken_plugin_python: Path,
                                                                     project: Path) -> None:
    proc = shlint(broken_plugin_python, project, "deploy.sh", "clean.sh")
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert proc.stderr == f"shlint-iam: deploy.sh: {PLUGIN_FAILURE}\n"
    assert "All checks passed" not in proc.stdout
    assert "3:1  error  IAM001 " in proc.stdout  # the built-in finding is still reported
    assert proc.stdout.endswith(
        "Found 1 problem (1 error) in 1 file.\n1 file could not be analysed completely: deploy.sh (exit 2).\n"
    )

    concise = shlint(broken_plugin_python, project, "-f", "concise", "deploy.sh")
    assert concise.returncode == 2
    assert concise.stdout.startswith("deploy.sh:3:1: IAM001 ")
    assert concise.stderr == (
        f"shlint-iam: deploy.sh: {PLUGIN_FAILURE}\n"
        "shlint-iam: 1 file could not be analysed completely: deploy.sh (exit 2).\n"
    )

    github = shlint(broken_plugin_python, project, "-f", "github", "deploy.sh")
    assert github.returncode == 2
    assert github.stdout.splitlines()[0] == f"::error file=deploy.sh,title=shlint-iam::{PLUGIN_FAILURE}"

    sarif = shlint(broken_plugin_python, project, "-f", "sarif", "deploy.sh", "clean.sh")
    assert sarif.returncode == 2
    log = json.loads(sarif.stdout)
    validate(log)
    (note,) = log["runs"][0]["invocations"][0]["toolExecutionNotifications"]
    assert (note["level"], note["associatedRule"]) == ("error", {"id": "ACME900"})
    assert note["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "deploy.sh"
    assert log["runs"][0]["invocations"][0]["executionSuccessful"] is False

    exit_zero = shlint(broken_plugin_python, project, "--exit-zero", "deploy.sh")
    assert exit_zero.returncode == 2  # --exit-zero is about findings, not about a failed analysis


def test_cli_parallel_gives_the_serial_result(broken_plugin_python: Path, project: Path) -> None:
    (project / "fleet.sh").write_text(fleet())
    runs = []
    for jobs in ("1", "2"):
        proc = shlint(broken_plugin_python, project, "-f", "json", "-j", jobs, "deploy.sh", "clean.sh", "fleet.sh")
        runs.append((proc.returncode, proc.stdout, proc.stderr))
    assert runs[0] == runs[1]
    code, out, err = runs[0]
    assert code == 2
    entries: list[dict[str, Any]] = json.loads(out)
    problems = [(e["path"], e["kind"], e["message"]) for e in entries if e["type"] == "problem"]
    assert problems == [
        ("deploy.sh", "incomplete", PLUGIN_FAILURE),
        ("fleet.sh", "incomplete", WORK_BOUND),
        ("fleet.sh", "incomplete", PLUGIN_FAILURE.replace("'no runtime for function'", "'no runtime for run'")),
    ]
    assert [(e["path"], e["code"]) for e in entries if e["type"] == "finding"] == [("deploy.sh", "IAM001")]
    assert err.endswith("shlint-iam: 2 files could not be analysed completely: deploy.sh, fleet.sh (exit 2).\n")


# -- the language server -------------------------------------------------------------------------


def test_lsp_says_on_line_1_that_the_analysis_stopped(tmp_path: Path) -> None:
    pytest.importorskip("pygls")
    from test_lsp import Client

    client = Client(tmp_path)
    try:
        client.initialize(tmp_path)
        nested = "#!/bin/bash\nset -e\n" + "if true; then\n" * 400 + BROKEN.splitlines()[2] + "\n" + "fi\n" * 400
        uri = client.open(tmp_path / "nested.sh", nested)
        (diagnostic,) = client.diagnostics(uri)["diagnostics"]
        assert diagnostic["range"] == {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 11}}
        assert diagnostic["severity"] == 1 and diagnostic["source"] == "shlint-iam" and "code" not in diagnostic
        assert diagnostic["message"] == (
            "shlint-iam could not analyse this file completely (nesting deeper than 300 levels at line 304 of "
            "nested.sh: not analysed); findings may be missing"
        )
        # A complete analysis has no such diagnostic.
        fine = client.open(tmp_path / "deploy.sh", BROKEN)
        assert [d.get("code") for d in client.diagnostics(fine)["diagnostics"]] == ["IAM001"]
        assert client.close() == 0
    finally:
        if client.proc.poll() is None:
            client.proc.kill()
            client.proc.wait(timeout=10)
