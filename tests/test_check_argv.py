"""Issue 15, on save: ``check``'s usual options are read without importing click (check_argv.py),
exactly as click reads them; whatever click would refuse, explain or check on disk is left to click."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import click
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shlint_iam.check_argv import DEFAULTS, ENVIRONMENT, OPTIONS, read_check_argv
from shlint_iam.cli import cli

CHECK = cli.commands["check"]
# Options the reader leaves to click: click checks their values against the file system, or
# answers them itself.
LEFT_TO_CLICK = {"-o", "--output", "--project-root", "--source-path", "--cache-dir", "-h", "--help"}


@pytest.fixture(autouse=True)
def _no_option_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ENVIRONMENT:
        monkeypatch.delenv(name, raising=False)


def clicks_reading(argv: list[str]) -> dict[str, object] | None:
    """The parameters click gives the command for ``argv`` (None: click refuses or answers them)."""
    try:
        with CHECK.make_context("check", list(argv)) as ctx:
            return dict(ctx.params)
    except (click.exceptions.UsageError, click.exceptions.Exit):
        return None


def test_the_table_is_the_click_commands_own() -> None:
    names: dict[str, tuple[str | None, bool]] = {}
    for param in CHECK.params:
        if isinstance(param, click.Option):
            for name in (*param.opts, *param.secondary_opts):
                names[name] = (param.name, param.is_flag)
    assert set(OPTIONS) | LEFT_TO_CLICK == set(names) | {"-h", "--help"}
    for name, (parameter, kind, flag_value) in OPTIONS.items():
        assert names[name] == (parameter, kind == "flag"), name
        if kind == "flag":
            reading = clicks_reading([name])
            assert reading is not None and reading[parameter] is flag_value, name
    assert clicks_reading([]) == DEFAULTS


COMMON = [
    ["deploy.sh"],
    ["-f", "concise", "--stdin-filename", "infra/deploy.sh", "-"],
    ["--stdin-filename", " infra/my deploy.sh ", "--select", " IAM001 ", "-"],
    ["--format=json", "--no-cache", "--exit-zero", "a.sh", "b.sh"],
    ["-fgcc", "-j1", "--select", "IAM,ERR001", "--ignore=SH001", "scripts"],
    ["--config", "pyproject.toml", "--fail-on", "error", "--severity", "warning", "--color", "never", "x.sh"],
    ["--respect-gitignore", "--no-respect-gitignore", "--plugin", "acme_rules", "--plugin", "other", "--", "-x.sh"],
    ["--statistics", "--include-suppressed", "--sarif-category", "deploy", "--output-format", "sarif"],
]


@pytest.mark.parametrize("argv", COMMON)
def test_the_usual_command_lines_are_read_without_click_and_as_click_reads_them(argv: list[str]) -> None:
    mine = read_check_argv(argv)
    assert mine is not None
    assert mine == clicks_reading(argv)


@pytest.mark.parametrize("argv", [
    ["--help"], ["-h"], ["--version"],  # click answers these
    ["--format", "yaml", "x.sh"], ["-f"], ["--select"], ["--exit-zero=1"],  # click refuses these
    ["--formt", "json"], ["-x"], ["-j", "-1"], ["-j", "two"], ["--jobs="],
    ["-o", "report.sarif", "x.sh"], ["--cache-dir", "c"], ["--project-root=."],  # click checks the disk
])
def test_what_click_refuses_or_answers_is_left_to_click(argv: list[str]) -> None:
    assert read_check_argv(argv) is None


@pytest.mark.parametrize("name, value", [("SHLINT_IAM_NO_CACHE", "1"), ("SHLINT_IAM_CACHE_DIR", "")])
def test_options_from_the_environment_are_left_to_click(monkeypatch: pytest.MonkeyPatch, name: str,
                                                        value: str) -> None:
    assert read_check_argv(["x.sh"]) is not None
    monkeypatch.setenv(name, value)
    assert read_check_argv(["x.sh"]) is None


WORDS = st.sampled_from(
    sorted(OPTIONS) + sorted(LEFT_TO_CLICK) + [
        "--", "-", "", "deploy.sh", "json", "sarif", "bogus", "info", "never", "3", "0", "-1", "007", "٣",
        "IAM001,ERR", "--exit-zero", "-fjson", "-fconcise", "-j2", "-j", "-f=json", "--format=", "--format=text",
        "--select=", "--fix=1", "--no-cache=0", "-Z", "--formatt", "-ff", "--=x", "=", "-fj", " json", "my deploy.sh ",
    ]
)


@settings(max_examples=400, deadline=None)
@given(st.lists(WORDS, max_size=7))
def test_any_command_line_is_read_as_click_reads_it_or_left_to_click(argv: list[str]) -> None:
    mine = read_check_argv(argv)
    if mine is not None:
        assert mine == clicks_reading(argv)


def test_an_unreadable_config_file_is_left_to_click(tmp_path: Path) -> None:
    config = tmp_path / "conf.toml"
    config.write_text("")
    assert read_check_argv(["--config", str(config)]) is not None
    config.chmod(0)
    try:
        readable = os.access(config, os.R_OK)  # root reads anything, and so does click then
        assert (read_check_argv(["--config", str(config)]) is None) == (not readable)
    finally:
        config.chmod(0o600)


# The real command line (entry.main), linting in this process: which modules it imported.
PROBE = r"""
import os, sys
import shlint_iam.supervise
import shlint_iam.exits as exits
shlint_iam.supervise.can_fork = lambda: False
def leave(code):
    sys.stdout.flush()
    print("imported click:", "click" in sys.modules, "inspect:", "inspect" in sys.modules, file=sys.stderr)
    print("exit", code, file=sys.stderr, flush=True)
    os._exit(0)
exits.leave = leave
sys.argv = ["shlint-iam", *sys.argv[1:]]
from shlint_iam.entry import main
main()
"""

DEPLOY = """#!/usr/bin/env bash
set -euo pipefail
gcloud functions deploy billing-sync --gen2 --region=europe-west1 --runtime=python312 \\
  --trigger-topic=billing-events --service-account=sync@acme-prod.iam.gserviceaccount.com
"""


def run_probe(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ENVIRONMENT}
    return subprocess.run([sys.executable, "-c", PROBE, *args], cwd=tmp_path, capture_output=True, text=True,
                          timeout=120, env=env)


@pytest.mark.parametrize("args", [
    ("check", "-f", "concise", "deploy.sh"),
    ("check", "--no-cache", "-f", "text", "deploy.sh"),
    ("check", "-f", "concise", "--stdin-filename", "deploy.sh", "-"),
])
def test_the_command_line_lints_without_importing_click(tmp_path: Path, args: tuple[str, ...]) -> None:
    (tmp_path / "deploy.sh").write_text(DEPLOY)
    proc = subprocess.run([sys.executable, "-c", PROBE, *args], cwd=tmp_path, capture_output=True, text=True,
                          timeout=120, input=DEPLOY, env={k: v for k, v in os.environ.items() if k not in ENVIRONMENT})
    assert "imported click: False" in proc.stderr, proc.stderr
    if "--no-cache" in args or "-" in args:  # the result cache's key imports dataclasses, and so inspect
        assert "inspect: False" in proc.stderr  # only Rule.docs needs it
    assert "exit 1" in proc.stderr  # IAM001: no invoker binding for the topic's push identity
    assert "IAM001" in proc.stdout


def test_a_usage_error_is_still_clicks_message(tmp_path: Path) -> None:
    proc = run_probe(tmp_path, "check", "--format", "yaml", "deploy.sh")
    assert "imported click: True" in proc.stderr
    assert "Error: Invalid value for '-f' / '--format': 'yaml' is not one of" in proc.stderr
    assert "exit 2" in proc.stderr


def test_both_readings_give_the_same_report_byte_for_byte(tmp_path: Path) -> None:
    (tmp_path / "deploy.sh").write_text(DEPLOY)
    env = {k: v for k, v in os.environ.items() if k not in ENVIRONMENT}
    for fmt in ("text", "concise", "json", "github"):
        args = ["check", "--no-cache", "-f", fmt, "deploy.sh"]
        fast = subprocess.run([sys.executable, "-m", "shlint_iam", *args], cwd=tmp_path, capture_output=True,
                              timeout=120, env=env)
        clicks = subprocess.run([sys.executable, "-c", "from shlint_iam.cli import main; main()", *args],
                                cwd=tmp_path, capture_output=True, timeout=120, env=env)
        assert (fast.returncode, fast.stdout, fast.stderr) == (clicks.returncode, clicks.stdout, clicks.stderr)
        assert fast.returncode == 1 and b"IAM001" in fast.stdout
