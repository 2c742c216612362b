"""Safe on an untrusted pull request (issue 12, security items): the repository under analysis
cannot run its own code in the linter, read files outside itself into the analysis, leak the
linter's environment, or inject GitHub workflow commands into the log.

Every test runs the real command line in a subprocess on a small repository it builds itself.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

PYTHON = sys.executable
BIN = Path(sys.executable).parent


def run(
    cwd: Path, *args: str, env: dict[str, str] | None = None, stdin: bytes | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[bytes]:
    full = {k: v for k, v in os.environ.items() if not k.startswith(("SHLINT", "PYTHON"))}
    full["NO_COLOR"] = "1"
    full.update(env or {})
    return subprocess.run(
        [PYTHON, "-m", "shlint_iam", *args], cwd=cwd, capture_output=True, env=full, input=stdin, timeout=timeout
    )


def no_traceback(proc: subprocess.CompletedProcess[bytes]) -> None:
    assert b"Traceback" not in proc.stderr, proc.stderr.decode("utf-8", "replace")


# ------------------------------------------------------------------------------------------------
# 2. Plugins load only from installed distributions, never from the checkout.


def evil_repo(root: Path, marker: Path) -> Path:
    """A repository that names a plugin and ships it itself: a dist-info declaring the entry
    point and the module, which writes ``marker`` if it is ever imported."""
    info = root / "evil-1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: evil\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text("[shlint_iam.rules]\nevil = evil\n")
    (root / "evil.py").write_text(f"open({str(marker)!r}, 'w').write('imported')\n")
    (root / "pyproject.toml").write_text('[tool.shlint-iam]\nplugins = ["evil"]\n')
    (root / "deploy.sh").write_text("#!/bin/bash\nset -euo pipefail\necho deploying\n")
    return root


NOT_INSTALLED = b"plugin evil is not installed"


def test_python_m_does_not_import_a_plugin_from_the_working_directory(tmp_path: Path) -> None:
    marker = tmp_path / "MARKER"
    repo = evil_repo(tmp_path / "repo", marker)
    proc = run(repo, "check", "deploy.sh")
    assert not marker.exists()
    assert proc.returncode == 2
    assert NOT_INSTALLED in proc.stderr
    no_traceback(proc)


def test_relative_pythonpath_entries_and_the_linted_tree_are_not_searched(tmp_path: Path) -> None:
    marker = tmp_path / "MARKER"
    repo = evil_repo(tmp_path / "repo", marker)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    # PYTHONPATH names the checkout (relatively and absolutely); the linter runs from elsewhere.
    for pythonpath in (".", "repo", str(repo)):
        cwd = repo if pythonpath == "." else tmp_path
        proc = run(cwd, "check", "--config", str(repo / "pyproject.toml"), str(repo),
                   env={"PYTHONPATH": pythonpath})
        assert not marker.exists(), pythonpath
        assert proc.returncode == 2, (pythonpath, proc.stderr)
        assert NOT_INSTALLED in proc.stderr
        no_traceback(proc)


def test_console_script_does_not_import_a_plugin_from_the_working_directory(tmp_path: Path) -> None:
    script = BIN / "shlint-iam"
    if not script.exists():
        pytest.skip("no console script next to this interpreter")
    marker = tmp_path / "MARKER"
    repo = evil_repo(tmp_path / "repo", marker)
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHLINT")}
    env["PYTHONPATH"] = ""  # an empty entry is the working directory too
    proc = subprocess.run([str(script), "check", "deploy.sh"], cwd=repo, capture_output=True, env=env, timeout=120)
    assert not marker.exists()
    assert proc.returncode == 2 and NOT_INSTALLED in proc.stderr
    no_traceback(proc)


@pytest.mark.parametrize("entry", ["library", "lsp"])
def test_library_api_and_language_server_do_not_import_from_the_checkout(tmp_path: Path, entry: str) -> None:
    marker = tmp_path / "MARKER"
    repo = evil_repo(tmp_path / "repo", marker)
    # `python -c` puts '' (the working directory) first on sys.path, as an embedding tool might.
    code = {
        "library": "from shlint_iam.config_file import load_config\n"
        "from shlint_iam.lint import Linter\n"
        "Linter(load_config()).lint_paths(['deploy.sh'])\n",
        "lsp": "from shlint_iam.lsp import check_text\n"
        "import pathlib\n"
        "checked = check_text(pathlib.Path('deploy.sh').read_text(), pathlib.Path('deploy.sh').resolve().as_uri())\n"
        "raise SystemExit(checked.config_error)\n",
    }[entry]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SHLINT", "PYTHON"))}
    proc = subprocess.run([PYTHON, "-c", code], cwd=repo, capture_output=True, env=env, timeout=120)
    assert not marker.exists()
    assert NOT_INSTALLED in proc.stderr, proc.stderr.decode()


def test_an_installed_plugin_still_loads_from_a_directory_outside_the_checkout(tmp_path: Path) -> None:
    """The confinement is not a blanket ban: a distribution on the import path outside the
    repository (here through PYTHONPATH) is installed code and loads."""
    site = tmp_path / "site"
    info = site / "goodrules-1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: goodrules\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text("[shlint_iam.rules]\ngood = goodrules\n")
    (site / "goodrules.py").write_text(textwrap.dedent('''
        from shlint_iam.api import Rule, Severity

        class Good(Rule):
            """## What it does"""
            code = "GOOD001"
            name = "good"
            summary = "nothing"
            severity = Severity.INFO
    '''))
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "deploy.sh").write_text("#!/bin/bash\necho hi\n")
    proc = run(repo, "rules", "--plugin", "good", env={"PYTHONPATH": str(site)})
    assert proc.returncode == 0, proc.stderr
    assert b"GOOD001" in proc.stdout


# ------------------------------------------------------------------------------------------------
# 3. `bash -n` is the system's bash, never ./bash from the checkout.

FAKE_BASH = "#!/bin/sh\necho ran > {marker}\nexit 0\n"
# tree-sitter reports the missing `fi`; real bash agrees; a fake bash that accepts everything
# would hide it.
UNCLOSED_IF = "#!/bin/bash\nset -euo pipefail\nif [ -n \"$1\" ]; then\n  echo one\n"


@pytest.mark.parametrize("path", [":/usr/bin:/bin", ".:/usr/bin:/bin", "bin-in-repo:/usr/bin:/bin", "/usr/bin:/bin:"])
def test_bash_n_never_runs_a_bash_from_the_checkout(tmp_path: Path, path: str) -> None:
    if not (Path("/usr/bin/bash").exists() or Path("/bin/bash").exists()):
        pytest.skip("no system bash")
    repo = tmp_path / "repo"
    (repo / "bin-in-repo").mkdir(parents=True)
    marker = tmp_path / "MARKER"
    for fake in (repo / "bash", repo / "bin-in-repo" / "bash"):
        fake.write_text(FAKE_BASH.format(marker=marker))
        fake.chmod(0o755)
    (repo / "deploy.sh").write_text(UNCLOSED_IF)
    proc = run(repo, "check", "-f", "concise", "deploy.sh", env={"PATH": path})
    assert not marker.exists(), path
    no_traceback(proc)
    assert proc.returncode == 1, proc.stderr
    assert proc.stdout.startswith(b"deploy.sh:"), proc.stdout
    assert b" SH000 " in proc.stdout


def test_system_bash_skips_relative_and_empty_entries(tmp_path: Path) -> None:
    from shlint_iam.parse import system_bash

    good = tmp_path / "abs"
    good.mkdir()
    (good / "bash").write_text("#!/bin/sh\n")
    (good / "bash").chmod(0o755)
    assert system_bash(f":.:bin:{good}") == str(good / "bash")
    assert system_bash(":.:bin") is None
