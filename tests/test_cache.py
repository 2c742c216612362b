"""The result cache (shlint_iam/cache.py, issue 15 goal 4): a warm run says exactly what a cold
run says; what a result depends on invalidates it; a damaged entry is never trusted.

Whether an entry was used is seen by marking every cached message (``poison``): the marked text
in a report proves the entry was read, its absence that the file was linted again.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from clirun import shlint
from test_fixes import ERR001_SAFE

from shlint_iam import cache as cache_module
from shlint_iam.cache import CACHEDIR_TAG, ResultCache, default_directory, settings_key
from shlint_iam.config import Config
from shlint_iam.core import FileContext, Finding, Rule
from shlint_iam.lint import Linter
from shlint_iam.registry import Registry, builtin_rules

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
FORMATS = ["text", "concise", "gcc", "json", "sarif", "github", "markdown"]
MARK = "CACHED "

# main.sh sources lib.sh; the name of the function it deploys comes from lib.sh. other.sh stands alone.
MAIN = """\
#!/usr/bin/env bash
set -euo pipefail
source ./lib.sh
gcloud functions deploy "$NAME" --gen2 --region=us-west2 --trigger-topic=done
"""
LIB = "NAME=orchestrator\n"
OTHER = """\
#!/usr/bin/env bash
set -euo pipefail
gcloud functions deploy worker --gen2 --region=us-east1 --trigger-topic=work
"""


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("SHLINT_IAM_CACHE_DIR", raising=False)  # the default location
    root = tmp_path / "project"
    root.mkdir()
    (root / ".git").mkdir()
    (root / "main.sh").write_text(MAIN)
    (root / "lib.sh").write_text(LIB)
    (root / "other.sh").write_text(OTHER)
    return root


def entries(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*.json") if not p.name.startswith("."))


def poison(folder: Path) -> int:
    """Mark every finding message in every entry; returns how many entries there were."""
    found = entries(folder)
    for path in found:
        entry = json.loads(path.read_text())
        for key in ("raw", "finished"):
            for finding in entry[key]:
                if isinstance(finding, dict):  # (an int in "finished" is the same finding in "raw")
                    finding["message"] = MARK + finding["message"]
        path.write_text(json.dumps(entry))
    return len(found)


def messages(proc_stdout: str, name: str) -> list[str]:
    """The concise lines of ``name``."""
    return [line for line in proc_stdout.splitlines() if line.startswith(name + ":")]


def test_warm_run_is_byte_identical_to_cold_in_every_format(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SHLINT_IAM_CACHE_DIR", raising=False)
    work = tmp_path / "work"
    shutil.copytree(EXAMPLES, work / "examples")
    for output_format in FORMATS:
        uncached = shlint("check", "-f", output_format, "--no-cache", "examples", cwd=work)
        cold = shlint("check", "-f", output_format, "examples", cwd=work)
        warm = shlint("check", "-f", output_format, "examples", cwd=work)
        for proc in (cold, warm):
            assert (proc.returncode, proc.stdout, proc.stderr) == (
                uncached.returncode, uncached.stdout, uncached.stderr
            ), output_format
    assert uncached.returncode == 1
    assert len(entries(work / ".shlint-iam-cache")) >= 20  # one a linted file (as many as -f text's files)


def test_the_cache_directory_is_tagged_and_ignored_by_git(project: Path) -> None:
    shlint("check", ".", cwd=project)
    folder = project / ".shlint-iam-cache"
    assert (folder / "CACHEDIR.TAG").read_text() == CACHEDIR_TAG
    assert CACHEDIR_TAG.startswith("Signature: 8a477f597d28d172789f06886806bc55\n")
    assert (folder / ".gitignore").read_text() == "*\n"
    assert len(entries(folder)) == 3  # main.sh, lib.sh, other.sh


def test_a_warm_run_reads_the_entries(project: Path) -> None:
    cold = shlint("check", "-f", "concise", ".", cwd=project)
    assert messages(cold.stdout, "main.sh") and messages(cold.stdout, "other.sh")
    poison(project / ".shlint-iam-cache")
    warm = shlint("check", "-f", "concise", ".", cwd=project)
    assert all(MARK in line for line in messages(warm.stdout, "main.sh") + messages(warm.stdout, "other.sh"))


def test_a_changed_file_is_linted_again_and_only_it(project: Path) -> None:
    shlint("check", "-f", "concise", ".", cwd=project)
    poison(project / ".shlint-iam-cache")
    (project / "other.sh").write_text(OTHER.replace("worker", "worker2"))
    warm = shlint("check", "-f", "concise", ".", cwd=project)
    other = messages(warm.stdout, "other.sh")
    assert other and all(MARK not in line and "worker2" in line for line in other)
    assert all(MARK in line for line in messages(warm.stdout, "main.sh"))


def test_a_changed_sourced_file_invalidates_the_file_that_sources_it(project: Path) -> None:
    cold = shlint("check", "-f", "concise", ".", cwd=project)
    assert any("orchestrator" in line for line in messages(cold.stdout, "main.sh"))
    poison(project / ".shlint-iam-cache")
    (project / "lib.sh").write_text("NAME=dispatcher\n")
    warm = shlint("check", "-f", "concise", ".", cwd=project)
    main = messages(warm.stdout, "main.sh")
    assert main and all(MARK not in line for line in main)
    assert any("dispatcher" in line for line in main)
    assert all(MARK in line for line in messages(warm.stdout, "other.sh"))


def test_a_sourced_file_that_appears_invalidates(project: Path) -> None:
    (project / "lib.sh").unlink()
    cold = shlint("check", "-f", "concise", "main.sh", cwd=project)
    assert "not found" in cold.stdout and "orchestrator" not in cold.stdout
    poison(project / ".shlint-iam-cache")
    (project / "lib.sh").write_text(LIB)
    warm = shlint("check", "-f", "concise", "main.sh", cwd=project)
    assert MARK not in warm.stdout
    assert warm.stdout == shlint("check", "-f", "concise", "--no-cache", "main.sh", cwd=project).stdout
    assert "orchestrator" in warm.stdout


def test_a_changed_configuration_invalidates(project: Path) -> None:
    shlint("check", "-f", "concise", ".", cwd=project)
    poison(project / ".shlint-iam-cache")
    (project / ".shlint-iam.toml").write_text('[severity]\nIAM001 = "warning"\n')
    warm = shlint("check", "-f", "concise", ".", cwd=project)
    assert MARK not in warm.stdout
    assert warm.stdout == shlint("check", "-f", "concise", "--no-cache", ".", cwd=project).stdout
    # The command line is part of the configuration too.
    poison(project / ".shlint-iam-cache")
    selected = shlint("check", "-f", "concise", "--select", "IAM001", ".", cwd=project)
    assert MARK not in selected.stdout and "IAM001" in selected.stdout


def test_the_settings_key_covers_version_python_plugins_and_configuration(monkeypatch: pytest.MonkeyPatch) -> None:
    rules = builtin_rules()
    base = settings_key(Config(), rules, {})
    assert settings_key(Config(), rules, {}) == base
    assert settings_key(Config(default_region="us-east1"), rules, {}) != base
    assert settings_key(Config(), rules[1:], {}) != base
    # Where the cache is does not change what is in it.
    assert settings_key(Config(cache_dir=Path("/elsewhere")), rules, {}) == base

    class PluginRule(Rule):
        code = "XPL001"
        origin = "some-plugin"

    assert settings_key(Config(), [*rules, PluginRule], {}) != base
    monkeypatch.setattr(cache_module, "__version__", "99.0.0")
    assert settings_key(Config(), rules, {}) != base
    monkeypatch.undo()
    monkeypatch.setattr(cache_module.sys, "version", "3.99.0 (other build)")
    assert settings_key(Config(), rules, {}) != base


def test_a_new_version_reads_no_old_entry(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Through the linter: another settings key is another folder, never the old entries."""
    linter = Linter(Config(root=project))
    linter.cache = ResultCache(project / "c", settings_key(linter.config, linter.rules, linter.severities))
    first = linter.lint_paths([str(project / "other.sh")], jobs=1)
    assert poison(project / "c") == 1
    monkeypatch.setattr(cache_module, "__version__", "99.0.0")
    again = Linter(Config(root=project))
    again.cache = ResultCache(project / "c", settings_key(again.config, again.rules, again.severities))
    second = again.lint_paths([str(project / "other.sh")], jobs=1)
    assert second.findings == first.findings and all(MARK not in f.message for f in second.findings)


@pytest.mark.parametrize(
    "damage", ["truncated", "garbage", "wrong types", "index out of range", "other format", "empty", "a folder"]
)
def test_a_damaged_entry_is_ignored_and_rewritten(project: Path, damage: str) -> None:
    cold = shlint("check", "-f", "json", "other.sh", cwd=project)
    [entry] = entries(project / ".shlint-iam-cache")
    good = json.loads(entry.read_text())
    text = entry.read_text()
    if damage == "truncated":
        entry.write_text(text[: len(text) // 2])
    elif damage == "garbage":
        entry.write_bytes(b"\x00\xff" * 100)
    elif damage == "wrong types":
        good["raw"][0]["span"] = ["other.sh", "3", 1, 3, 80]
        good["raw"][0]["message"] = MARK + good["raw"][0]["message"]
        entry.write_text(json.dumps(good))
    elif damage == "index out of range":
        assert good["finished"] == [0]  # the finished finding is the raw one
        good["finished"] = [1]
        good["raw"][0]["message"] = MARK + good["raw"][0]["message"]
        entry.write_text(json.dumps(good))
    elif damage == "other format":
        good["format"] = 0
        good["raw"][0]["message"] = MARK
        entry.write_text(json.dumps(good))
    elif damage == "empty":
        entry.write_text("")
    else:
        entry.unlink()
        entry.mkdir()
    warm = shlint("check", "-f", "json", "other.sh", cwd=project)
    assert (warm.returncode, warm.stdout, warm.stderr) == (cold.returncode, cold.stdout, cold.stderr)
    if damage != "a folder":
        assert json.loads(entry.read_text())["raw"][0]["message"] == json.loads(cold.stdout)[0]["message"]


def test_no_cache_writes_and_reads_nothing(project: Path) -> None:
    proc = shlint("check", "--no-cache", ".", cwd=project)
    assert proc.returncode == 1
    assert not (project / ".shlint-iam-cache").exists()
    shlint("check", ".", cwd=project)
    poison(project / ".shlint-iam-cache")
    assert MARK not in shlint("check", "-f", "concise", "--no-cache", ".", cwd=project).stdout


@pytest.mark.parametrize(("value", "cached"), [("1", False), ("true", False), ("0", True), ("false", True)])
def test_the_environment_turns_the_cache_off_as_no_cache_does(project: Path, value: str, cached: bool) -> None:
    proc = shlint("check", ".", cwd=project, env={"SHLINT_IAM_NO_CACHE": value})
    assert proc.returncode == 1
    assert (project / ".shlint-iam-cache").exists() is cached


def test_an_unwritable_cache_directory_does_not_fail_the_run(project: Path) -> None:
    (project / "blocker").write_text("a file where the cache's parent folder should be\n")
    expected = shlint("check", "-f", "concise", "--no-cache", ".", cwd=project)
    for _ in range(2):
        proc = shlint("check", "-f", "concise", "--cache-dir", "blocker/cache", ".", cwd=project)
        assert (proc.returncode, proc.stdout, proc.stderr) == (expected.returncode, expected.stdout, expected.stderr)


def test_an_unwritable_entry_folder_does_not_fail_the_run(project: Path) -> None:
    shlint("check", ".", cwd=project)
    folder = project / ".shlint-iam-cache"
    [settings] = [p for p in folder.iterdir() if p.is_dir()]
    shutil.rmtree(settings)
    settings.write_text("not a folder\n")  # every write below it fails, also for root
    expected = shlint("check", "-f", "concise", "--no-cache", ".", cwd=project)
    proc = shlint("check", "-f", "concise", ".", cwd=project)
    assert (proc.returncode, proc.stdout, proc.stderr) == (expected.returncode, expected.stdout, expected.stderr)


def test_cache_dir_option_setting_and_environment(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (project / ".shlint-iam.toml").write_text('cache-dir = "build/lint-cache"\n')
    shlint("check", ".", cwd=project)
    assert len(entries(project / "build" / "lint-cache")) == 3
    assert not (project / ".shlint-iam-cache").exists()
    shlint("check", "--cache-dir", "elsewhere", ".", cwd=project)  # the option wins
    assert len(entries(project / "elsewhere")) == 3
    shlint("check", ".", cwd=project, env={"SHLINT_IAM_CACHE_DIR": str(project / "from-env")})
    assert len(entries(project / "from-env")) == 3
    bad = shlint("check", ".", cwd=project, env={"SHLINT_IAM_CACHE_DIR": ""})
    assert bad.returncode == 1  # empty: the default
    (project / ".shlint-iam.toml").write_text("cache-dir = 3\n")
    wrong = shlint("check", ".", cwd=project)
    assert wrong.returncode == 2
    assert ".shlint-iam.toml:1: 'cache-dir' must be a non-empty string" in wrong.stderr


def test_default_directory_is_next_to_the_configuration_file(tmp_path: Path) -> None:
    assert default_directory(Config(path=tmp_path / "pyproject.toml", root=tmp_path)) == tmp_path / ".shlint-iam-cache"
    assert default_directory(Config(root=tmp_path, cache_dir=tmp_path / "x")) == tmp_path / "x"


def test_an_existing_folder_that_is_no_cache_gets_no_gitignore(project: Path) -> None:
    proc = shlint("check", "--cache-dir", ".", ".", cwd=project)
    assert proc.returncode == 1
    assert not (project / ".gitignore").exists() and not (project / "CACHEDIR.TAG").exists()


def test_standard_input_is_not_cached(project: Path) -> None:
    proc = shlint("check", "-", "--stdin-filename", "main.sh", cwd=project, input=OTHER)
    assert proc.returncode == 1
    assert not (project / ".shlint-iam-cache").exists()


def test_parallel_runs_share_the_cache(project: Path) -> None:
    for index in range(30):
        (project / f"svc{index}.sh").write_text(OTHER.replace("worker", f"svc{index}"))
    serial = shlint("check", "-f", "json", "--no-cache", ".", cwd=project)
    cold = shlint("check", "-f", "json", "-j", "2", ".", cwd=project)
    warm = shlint("check", "-f", "json", "-j", "2", ".", cwd=project)
    assert cold.stdout == warm.stdout == serial.stdout
    assert len(entries(project / ".shlint-iam-cache")) == 33


def test_cross_file_rules_bypass_the_cache(project: Path) -> None:
    (project / ".shlint-iam.toml").write_text('required-resources = ["orchestrator", "missing-one"]\n')
    cold = shlint("check", "-f", "concise", ".", cwd=project)
    warm = shlint("check", "-f", "concise", ".", cwd=project)
    assert cold.stdout == warm.stdout
    assert "COV001" in cold.stdout and "missing-one" in cold.stdout
    assert entries(project / ".shlint-iam-cache") == []


def test_fix_and_diff_with_a_warm_cache(project: Path) -> None:
    (project / "fixable.sh").write_text(ERR001_SAFE)
    twin = project.parent / "twin"
    shutil.copytree(project, twin)
    cold_diff = shlint("check", "--diff", "--no-cache", ".", cwd=twin)
    shlint("check", ".", cwd=project)  # warm the cache
    diff = shlint("check", "--diff", ".", cwd=project)
    assert diff.returncode == 1 and "+++ b/fixable.sh" in diff.stdout
    assert (diff.returncode, diff.stdout, diff.stderr) == (cold_diff.returncode, cold_diff.stdout, cold_diff.stderr)
    uncached_fix = shlint("check", "--fix", "--unsafe-fixes", "--no-cache", ".", cwd=twin)
    fixed = shlint("check", "--fix", "--unsafe-fixes", ".", cwd=project)
    assert (fixed.returncode, fixed.stdout, fixed.stderr) == (
        uncached_fix.returncode, uncached_fix.stdout, uncached_fix.stderr
    )
    assert "Fixed" in fixed.stderr and (project / "fixable.sh").read_text() != ERR001_SAFE
    for name in ("main.sh", "lib.sh", "other.sh", "fixable.sh"):
        assert (project / name).read_text() == (twin / name).read_text()
    after = shlint("check", "-f", "json", ".", cwd=project)
    assert after.stdout == shlint("check", "-f", "json", "--no-cache", ".", cwd=project).stdout


def test_add_noqa_with_a_warm_cache(project: Path) -> None:
    twin = project.parent / "twin"
    shutil.copytree(project, twin)
    expected = shlint("check", "--add-noqa", "--no-cache", ".", cwd=twin)
    shlint("check", ".", cwd=project)  # warm the cache
    added = shlint("check", "--add-noqa", ".", cwd=project)
    assert (added.returncode, added.stdout, added.stderr) == (expected.returncode, expected.stdout, expected.stderr)
    assert "Added" in added.stderr and "disable=" in (project / "other.sh").read_text()
    for name in ("main.sh", "lib.sh", "other.sh"):
        assert (project / name).read_text() == (twin / name).read_text()
    after = shlint("check", "-f", "json", ".", cwd=project)
    assert after.returncode == 0 and after.stdout == shlint("check", "-f", "json", "--no-cache", ".", cwd=project).stdout


# -- in process: what is never cached ----------------------------------------------------------


class Raising(Rule):
    code = "XRS001"
    name = "raising"
    summary = "raises on every file"

    def check(self, ctx: FileContext) -> list[Finding]:
        raise RuntimeError("boom")


def cached_linter(root: Path, registry: Registry | None = None) -> Linter:
    linter = Linter(Config(root=root), registry)
    linter.cache = ResultCache(root / "c", settings_key(linter.config, linter.rules, linter.severities))
    return linter


def test_an_incomplete_analysis_is_never_cached(tmp_path: Path) -> None:
    nested = "#!/bin/bash\nset -e\n" + "if true; then\n" * 400 + OTHER.splitlines()[2] + "\n" + "fi\n" * 400
    (tmp_path / "nested.sh").write_text(nested)
    result = cached_linter(tmp_path).lint_paths([str(tmp_path / "nested.sh")], jobs=1)
    assert result.exit_code() == 2
    assert entries(tmp_path / "c") == []
    registry = Registry([*builtin_rules(), Raising])
    linter = Linter(Config(root=tmp_path, select=["ALL"]), registry)
    linter.cache = ResultCache(tmp_path / "c", settings_key(linter.config, linter.rules, linter.severities))
    (tmp_path / "other.sh").write_text(OTHER)
    failed = linter.lint_paths([str(tmp_path / "other.sh")], jobs=1)
    assert [p.rule for p in failed.incomplete] == ["XRS001"]
    assert entries(tmp_path / "c") == []


def test_the_library_api_does_not_cache(tmp_path: Path) -> None:
    (tmp_path / "other.sh").write_text(OTHER)
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        Linter(Config(root=tmp_path)).lint_paths(["other.sh"])
    finally:
        os.chdir(cwd)
    assert not (tmp_path / ".shlint-iam-cache").exists()


def test_a_pipe_is_linted_once_and_not_cached(tmp_path: Path) -> None:
    """`check <(git show HEAD:deploy.sh)`: the pipe is read by the lint only (a cache lookup
    reading it first would leave the lint an empty file)."""
    import subprocess
    import sys

    read_end, write_end = os.pipe()
    proc = subprocess.Popen(
        [sys.executable, "-m", "shlint_iam", "check", "-f", "concise", "--cache-dir", "c", f"/dev/fd/{read_end}"],
        cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, pass_fds=(read_end,),
    )
    os.close(read_end)
    os.write(write_end, OTHER.encode())
    os.close(write_end)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 1 and "IAM001" in out, err
    assert entries(tmp_path / "c") == []
