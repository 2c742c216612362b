"""Configuration like Ruff's: each file is linted with the configuration nearest to it (the same
in the CLI, from any working directory, and in the language server); `--config` for every file;
`--show-settings`; validated values; .gitignore and `--force-exclude` in the file walk."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from clirun import shlint

DEPLOY = """\
#!/bin/bash
set -euo pipefail
gcloud functions deploy orch --gen2 --region=us-west2 --trigger-topic=t \\
  --trigger-service-account=sa@p.iam.gserviceaccount.com
"""
IAM001 = (
    "IAM001 gen2 function orch (Pub/Sub topic t) is invoked as serviceAccount:sa@p.iam.gserviceaccount.com "
    "(--trigger-service-account), which gets no roles/run.invoker on service orch after this deploy"
)
NOT_LISTED = """\
#!/bin/bash
set -euo pipefail
gcloud functions deploy orch --gen2 --region=us-west2 --trigger-topic=t \\
  --trigger-service-account=sa@p.iam.gserviceaccount.com
gcloud functions add-invoker-policy-binding orch --region=us-west2 \\
  --member="serviceAccount:sa@p.iam.gserviceaccount.com"
"""


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """root/pyproject.toml (defaults with a table), root/deploy.sh, root/sub/.shlint-iam.toml
    ignoring IAM001, root/sub/deploy.sh."""
    root = tmp_path / "root"
    write(root / "pyproject.toml", '[project]\nname = "x"\n\n[tool.shlint-iam]\nignore = ["VAL"]\n')
    write(root / "deploy.sh", DEPLOY)
    write(root / "sub" / ".shlint-iam.toml", 'ignore = ["IAM001"]\n')
    write(root / "sub" / "deploy.sh", DEPLOY)
    return root


def test_each_file_gets_its_nearest_config_from_any_directory(tree: Path) -> None:
    expected = f"deploy.sh:3:1: {IAM001}\n"
    from_root = shlint("check", "-f", "concise", ".", cwd=tree)
    assert (from_root.returncode, from_root.stdout) == (1, expected)
    from_sub = shlint("check", "-f", "concise", "..", cwd=tree / "sub")
    assert (from_sub.returncode, from_sub.stdout) == (1, f"../deploy.sh:3:1: {IAM001}\n")
    # The file in sub/ alone, from the root: sub's config, not the root's.
    alone = shlint("check", "-f", "concise", "sub/deploy.sh", cwd=tree)
    assert (alone.returncode, alone.stdout) == (0, "")
    # Standard input is linted with the config nearest to --stdin-filename.
    piped = shlint("check", "-f", "concise", "-", "--stdin-filename", "sub/deploy.sh", cwd=tree, input=DEPLOY)
    assert (piped.returncode, piped.stdout) == (0, "")


def test_config_option_is_used_for_every_file(tree: Path) -> None:
    write(tree / "all.toml", 'select = ["IAM001"]\n')
    proc = shlint("check", "-f", "concise", "--config", "all.toml", ".", cwd=tree)
    assert proc.returncode == 1
    assert proc.stdout == f"deploy.sh:3:1: {IAM001}\nsub/deploy.sh:3:1: {IAM001}\n"


def test_a_broken_nested_config_names_its_file_and_line(tree: Path) -> None:
    write(tree / "sub" / ".shlint-iam.toml", 'ignore = ["IAM001"]\nselec = ["IAM"]\n')
    proc = shlint("check", ".", cwd=tree)
    assert proc.returncode == 2
    assert proc.stderr == (
        "shlint-iam: error: sub/.shlint-iam.toml:2: unknown key 'selec' (did you mean 'select'?)\n"
    )


def test_show_settings(tree: Path) -> None:
    proc = shlint("check", "--show-settings", "sub/deploy.sh", cwd=tree)
    assert proc.returncode == 0
    lines = proc.stdout.splitlines()
    assert lines[:3] == ["Settings for sub/deploy.sh", "from: sub/.shlint-iam.toml", "root: sub"]
    enabled = next(line for line in lines if line.startswith("enabled = "))
    assert '"IAM001"' not in enabled and '"IAM002"' in enabled and '"VAL001"' not in enabled
    assert "respect-gitignore = true" in lines and "force-exclude = false" in lines
    root = shlint("check", "--show-settings", "deploy.sh", cwd=tree).stdout.splitlines()
    assert root[:3] == ["Settings for deploy.sh", "from: pyproject.toml [tool.shlint-iam]", "root: ."]
    assert '"IAM001"' in next(line for line in root if line.startswith("enabled = "))
    none = shlint("check", "--show-settings", "x.sh", cwd=tree.parent).stdout.splitlines()
    assert none[1] == "from: built-in defaults (no .shlint-iam.toml or [tool.shlint-iam] found)"
    forced = shlint("check", "--config", "sub/.shlint-iam.toml", "--show-settings", "deploy.sh", cwd=tree)
    assert forced.stdout.splitlines()[1] == "from: sub/.shlint-iam.toml"


def test_language_server_uses_the_same_config_as_the_cli(tree: Path) -> None:
    pytest.importorskip("pygls")
    from test_lsp import Client, codes

    client = Client(tree)
    try:
        client.initialize(tree)
        top = client.open(tree / "deploy.sh", DEPLOY)
        assert codes(client.diagnostics(top)) == ["IAM001"]
        nested = client.open(tree / "sub" / "deploy.sh", DEPLOY)
        assert codes(client.diagnostics(nested)) == []
    finally:
        client.proc.kill()
        client.proc.wait(timeout=10)
    assert shlint("check", "-f", "concise", "sub/deploy.sh", cwd=tree).stdout == ""
    assert shlint("check", "-f", "concise", "deploy.sh", cwd=tree).stdout == f"deploy.sh:3:1: {IAM001}\n"


# -- values ----------------------------------------------------------------------------------------


def test_service_account_member_form_is_accepted_and_normalised(tmp_path: Path) -> None:
    write(tmp_path / "deploy.sh", NOT_LISTED)
    write(tmp_path / ".shlint-iam.toml", 'invoker-service-accounts = ["other@p.iam.gserviceaccount.com"]\n')
    listed_elsewhere = shlint("check", "-f", "concise", "--select", "IAM005", "deploy.sh", cwd=tmp_path)
    assert listed_elsewhere.returncode == 1 and listed_elsewhere.stdout == (
        "deploy.sh:6:3: IAM005 serviceAccount:sa@p.iam.gserviceaccount.com is not one of the configured "
        "invoker-service-accounts\n"
    )
    write(tmp_path / ".shlint-iam.toml", 'invoker-service-accounts = ["serviceAccount:SA@p.iam.gserviceaccount.com"]\n')
    listed = shlint("check", "-f", "concise", "--select", "IAM005", "deploy.sh", cwd=tmp_path)
    assert (listed.returncode, listed.stdout) == (0, "")
    shown = shlint("check", "--show-settings", "deploy.sh", cwd=tmp_path).stdout
    assert 'invoker-service-accounts = ["sa@p.iam.gserviceaccount.com"]' in shown.splitlines()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('invoker-service-accounts = [\n  "ok@p.iam.gserviceaccount.com",\n  "user:me@example.com",\n]\n',
         ".shlint-iam.toml:3: 'invoker-service-accounts' takes service account e-mails (or serviceAccount:EMAIL), "
         "not 'user:me@example.com'"),
        ('invoker-service-accounts = ["not-an-email"]\n',
         ".shlint-iam.toml:1: 'invoker-service-accounts' entry 'not-an-email' is not a service account e-mail address"),
        ('exclude = [\n  "vendor/",\n  "scripts/[abc.sh",\n]\n',
         ".shlint-iam.toml:3: glob 'scripts/[abc.sh' in 'exclude' has a '[' that is never closed"),
        ('[per-file-ignores]\n"legacy/[!x.sh" = ["ERR001"]\n',
         ".shlint-iam.toml:2: glob 'legacy/[!x.sh' in 'per-file-ignores' has a '[' that is never closed"),
        ('select = ["IAM"]\ndefault-region = "us-west-2"\n',
         ".shlint-iam.toml:2: 'default-region' 'us-west-2' is not a Cloud Run / Cloud Functions region "
         "(did you mean 'us-west2'?)"),
        ('default-region = "xx-nowhere"\n',
         ".shlint-iam.toml:1: 'default-region' 'xx-nowhere' is not a Cloud Run / Cloud Functions region"),
        ('respect-gitignore = "yes"\n', ".shlint-iam.toml:1: 'respect-gitignore' must be true or false"),
    ],
)
def test_bad_values_are_config_errors_with_file_and_line(tmp_path: Path, text: str, message: str) -> None:
    write(tmp_path / ".shlint-iam.toml", text)
    write(tmp_path / "deploy.sh", DEPLOY)
    proc = shlint("check", "deploy.sh", cwd=tmp_path)
    assert (proc.returncode, proc.stderr) == (2, f"shlint-iam: error: {message}\n")


def test_good_globs_and_regions_pass(tmp_path: Path) -> None:
    write(tmp_path / ".shlint-iam.toml",
          'exclude = ["scripts/[ab].sh", "x/[]]y.sh", "[!a]*.sh"]\ndefault-region = "europe-west1"\n')
    write(tmp_path / "deploy.sh", DEPLOY)
    assert shlint("check", "deploy.sh", cwd=tmp_path).returncode == 1


def test_region_table_cites_its_source() -> None:
    from shlint_iam.gcloud import regions

    assert "https://cloud.google.com/run/docs/locations" in (regions.__doc__ or "")
    assert {"us-central1", "us-west2", "europe-west1", "asia-northeast1"} <= set(regions.REGIONS)


# -- the walk ------------------------------------------------------------------------------------


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_gitignored_paths_are_skipped_like_git_does(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    root.mkdir()
    subprocess.run(["git", "init", "-q"], cwd=root, check=True)
    write(root / ".gitignore", "build/\n*.gen.sh\n!keep.gen.sh\n/top.sh\n")
    write(root / "a" / ".gitignore", "x.sh\n")
    names = ["a/x.sh", "a/b/x.sh", "a/y.sh", "build/z.sh", "c/w.gen.sh", "c/keep.gen.sh", "top.sh", "c/top.sh"]
    for name in names:
        write(root / name, DEPLOY)
    status = subprocess.run(["git", "status", "--porcelain", "--ignored", "-uall"], cwd=root,
                            capture_output=True, text=True, check=True).stdout.splitlines()
    git_tracked = sorted(line[3:] for line in status if line.startswith("??") and line.endswith(".sh"))
    assert git_tracked == ["a/y.sh", "c/keep.gen.sh", "c/top.sh"]
    linted = shlint("check", "-f", "concise", "--select", "IAM001", ".", cwd=root).stdout
    assert sorted({line.split(":")[0] for line in linted.splitlines()}) == git_tracked
    everything = shlint("check", "-f", "concise", "--select", "IAM001", "--no-respect-gitignore", ".", cwd=root)
    assert sorted({line.split(":")[0] for line in everything.stdout.splitlines()}) == sorted(names)
    # A walk that starts below the repository's top still reads the .gitignore files above it.
    below = shlint("check", "-f", "concise", "--select", "IAM001", "c", cwd=root).stdout
    assert sorted({line.split(":")[0] for line in below.splitlines()}) == ["c/keep.gen.sh", "c/top.sh"]
    # Named explicitly, an ignored file is linted.
    named = shlint("check", "-f", "concise", "--select", "IAM001", "build/z.sh", cwd=root).stdout
    assert named.startswith("build/z.sh:3:1: IAM001 ")
    write(root / ".shlint-iam.toml", "respect-gitignore = false\n")
    off = shlint("check", "-f", "concise", "--select", "IAM001", ".", cwd=root).stdout
    assert len({line.split(":")[0] for line in off.splitlines()}) == len(names)


def test_force_exclude_applies_exclude_to_named_paths(tmp_path: Path) -> None:
    write(tmp_path / ".shlint-iam.toml", 'exclude = ["vendor/"]\n')
    write(tmp_path / "vendor" / "deploy.sh", DEPLOY)
    write(tmp_path / "deploy.sh", DEPLOY)
    named = shlint("check", "-f", "concise", "--select", "IAM001", "vendor/deploy.sh", "deploy.sh", cwd=tmp_path)
    assert [line.split(":")[0] for line in named.stdout.splitlines()] == ["deploy.sh", "vendor/deploy.sh"]
    forced = shlint("check", "-f", "concise", "--select", "IAM001", "--force-exclude", "vendor/deploy.sh",
                    "deploy.sh", cwd=tmp_path)
    assert [line.split(":")[0] for line in forced.stdout.splitlines()] == ["deploy.sh"]
    only = shlint("check", "--force-exclude", "vendor/deploy.sh", cwd=tmp_path)
    assert only.returncode == 0
    write(tmp_path / ".shlint-iam.toml", 'exclude = ["vendor/"]\nforce-exclude = true\n')
    by_config = shlint("check", "-f", "concise", "--select", "IAM001", "vendor/deploy.sh", cwd=tmp_path)
    assert (by_config.returncode, by_config.stdout) == (0, "")
