"""The result cache does not grow for ever: settings folders no run used for 30 days are removed
when a run writes, and ``shlint-iam clean`` removes caches as ``ruff clean`` does; neither
touches a folder that shlint-iam did not create (shlint_iam/cache_prune.py)."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from clirun import shlint

from shlint_iam.cache_prune import STALE_AFTER, find_caches, prune_stale

DEPLOY = "#!/bin/bash\nset -euo pipefail\ngcloud functions deploy f --gen2 --region=us-central1 --trigger-topic=t\n"


@pytest.fixture(autouse=True)
def default_cache_location(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SHLINT_IAM_CACHE_DIR", raising=False)  # conftest points every test elsewhere


def settings_folders(cache: Path) -> list[str]:
    return sorted(p.name for p in cache.iterdir() if p.is_dir())


def age(folder: Path, seconds: float) -> None:
    then = time.time() - seconds
    os.utime(folder, (then, then))


def test_a_run_that_writes_removes_settings_folders_unused_for_thirty_days(tmp_path: Path) -> None:
    (tmp_path / "deploy.sh").write_text(DEPLOY)
    assert shlint("check", "deploy.sh", cwd=tmp_path).returncode == 1
    cache = tmp_path / ".shlint-iam-cache"
    [current] = settings_folders(cache)
    old, recent = cache / ("a" * 20), cache / ("b" * 20)
    for folder in (old, recent):
        folder.mkdir()
        (folder / "0123.json").write_text("{}")
    age(old, STALE_AFTER + 3600)
    age(recent, STALE_AFTER - 3600)
    not_ours = cache / "notes"  # not a settings folder's name: left alone
    not_ours.mkdir()
    age(not_ours, STALE_AFTER * 2)
    (tmp_path / "deploy.sh").write_text(DEPLOY + "echo changed\n")  # a change: the run writes
    assert shlint("check", "deploy.sh", cwd=tmp_path).returncode == 1
    assert settings_folders(cache) == sorted([current, "b" * 20, "notes"])


def test_a_run_that_only_reads_marks_its_settings_folder_as_used(tmp_path: Path) -> None:
    (tmp_path / "deploy.sh").write_text(DEPLOY)
    shlint("check", "deploy.sh", cwd=tmp_path)
    cache = tmp_path / ".shlint-iam-cache"
    [current] = settings_folders(cache)
    age(cache / current, STALE_AFTER + 3600)
    shlint("check", "deploy.sh", cwd=tmp_path)  # every entry a hit: nothing written
    assert time.time() - (cache / current).stat().st_mtime < 3600


def test_nothing_is_pruned_in_a_folder_shlint_iam_did_not_create(tmp_path: Path) -> None:
    folder = tmp_path / "project"
    folder.mkdir()
    lookalike = folder / ("c" * 20)
    lookalike.mkdir()
    age(lookalike, STALE_AFTER * 2)
    assert prune_stale(folder, "d" * 20) == []
    assert lookalike.is_dir()


def test_clean_removes_every_cache_under_the_paths_and_nothing_else(tmp_path: Path) -> None:
    for sub in ("a", "b/c"):
        (tmp_path / sub).mkdir(parents=True)
        (tmp_path / sub / "deploy.sh").write_text(DEPLOY)
        (tmp_path / sub / ".shlint-iam.toml").write_text("")
    assert shlint("check", ".", cwd=tmp_path).returncode == 1
    caches = sorted(str(p.relative_to(tmp_path)) for p in find_caches(tmp_path))
    assert caches == ["a/.shlint-iam-cache", "b/c/.shlint-iam-cache"]
    (tmp_path / "keep").mkdir()
    (tmp_path / "keep" / "CACHEDIR.TAG").write_text("Signature: 8a477f597d28d172789f06886806bc55\n# another tool\n")
    result = shlint("clean", cwd=tmp_path)
    assert result.returncode == 0
    assert result.stderr == ("shlint-iam: removed the cache at a/.shlint-iam-cache\n"
                             "shlint-iam: removed the cache at b/c/.shlint-iam-cache\n")
    assert list(find_caches(tmp_path)) == []
    assert (tmp_path / "keep" / "CACHEDIR.TAG").is_file() and (tmp_path / "a" / "deploy.sh").is_file()
    again = shlint("clean", cwd=tmp_path)
    assert (again.returncode, again.stderr) == (0, "shlint-iam: no cache found under .\n")


def test_clean_with_a_cache_dir_outside_the_project(tmp_path: Path) -> None:
    project, elsewhere = tmp_path / "project", tmp_path / "cache"
    project.mkdir()
    (project / "deploy.sh").write_text(DEPLOY)
    assert shlint("check", "--cache-dir", str(elsewhere), "deploy.sh", cwd=project).returncode == 1
    assert elsewhere.is_dir()
    result = shlint("clean", cwd=project, env={"SHLINT_IAM_CACHE_DIR": str(elsewhere)})
    assert (result.returncode, result.stderr) == (0, f"shlint-iam: removed the cache at {elsewhere}\n")
    assert not elsewhere.exists()


def test_clean_refuses_a_cache_dir_that_is_not_a_cache(tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "main.sh").write_text("echo hi\n")
    result = shlint("clean", "--cache-dir", "src", cwd=tmp_path)
    assert result.returncode == 0
    assert result.stderr == ("shlint-iam: src: not removed: not a cache that shlint-iam created (no CACHEDIR.TAG "
                             "of its own)\nshlint-iam: no cache found under .\n")
    assert (tmp_path / "src" / "main.sh").is_file()
