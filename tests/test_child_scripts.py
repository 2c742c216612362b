"""Other scripts and shells: scripts run as programs (analysed as child processes with their
arguments), here-documents fed to a shell, aliases, and `.env` files exported into children.
Findings at exact places; the child-process semantics (what crosses into a child and what does
not come back) are also run under real bash with a stub gcloud that logs its argv."""

from __future__ import annotations

import os
import shutil
import subprocess
import textwrap
from pathlib import Path

import pytest

from shlint_iam.analysis import analyse
from shlint_iam.config import Config
from shlint_iam.lint import Linter
from shlint_iam.source import SourceFile

SA = "serviceAccount:1-compute@developer.gserviceaccount.com"
GRANT = f"""
    #!/bin/bash
    set -euo pipefail
    FN="$1"
    gcloud functions add-invoker-policy-binding "$FN" --region=r --member={SA}
"""


def deploy(name: str) -> str:
    return f"gcloud functions deploy {name} --gen2 --region=r --trigger-topic=t"


def project(tmp: Path, files: dict[str, str]) -> Path:
    (tmp / ".git").mkdir(parents=True)
    for name, text in files.items():
        path = tmp / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"))
        if name.endswith(".sh"):
            path.chmod(0o755)
    return tmp


def lint(folder: Path, name: str = "deploy.sh") -> list[tuple[str, str, int, int]]:
    result = Linter(Config()).lint_paths([str(folder / name)])
    assert not [p for p in result.problems if "internal error" in p.message], result.problems
    return sorted((Path(f.span.path).name, f.code, f.span.start_line, f.span.start_col) for f in result.reported)


def notes(folder: Path, name: str = "deploy.sh") -> list[tuple[int, str]]:
    path = folder / name
    source = SourceFile.from_bytes(str(path), path.read_bytes(), real_path=str(path))
    return [(note.span.start_line, note.message) for note in analyse(source, Config()).notes]


CHILD_CASES = [
    ("script-dir-child", f"""
        #!/bin/bash
        set -euo pipefail
        DIR="$(cd "$(dirname "${{BASH_SOURCE[0]}}")" && pwd)"
        {deploy("orders")}
        "$DIR/scripts/grant.sh" orders
        """, []),
    ("bash-child-with-args", f"""
        set -e
        FN=orders
        {deploy("$FN")}
        bash scripts/grant.sh "$FN"
        """, []),
    ("sh-e-child", f"""
        set -e
        {deploy("orders")}
        sh -e ./scripts/grant.sh orders
        """, []),
    ("dot-slash-child-wrong-name", f"""
        set -e
        {deploy("orders")}
        ./scripts/grant.sh order
        """, [("deploy.sh", "IAM001", 2, 1)]),
    ("child-variables-do-not-come-back", f"""
        set -e
        FN=orders
        bash scripts/setname.sh
        {deploy("$FN")}
        gcloud functions add-invoker-policy-binding "$FN" --region=r --member={SA}
        """, []),
    ("child-cd-does-not-come-back", f"""
        set -e
        bash scripts/setname.sh
        source ./lib.sh
        {deploy("$LIBFN")}
        bash scripts/grant.sh "$LIBFN"
        """, []),
    ("child-sees-only-exported", f"""
        set -e
        FN=orders
        {deploy("orders")}
        bash scripts/grant_env.sh
        """, [("deploy.sh", "IAM001", 3, 1)]),
    ("child-sees-exported", f"""
        set -e
        export FN=orders
        {deploy("orders")}
        bash scripts/grant_env.sh
        """, []),
    ("set-a-source-env", f"""
        set -e
        set -a
        source .env
        set +a
        {deploy("$FN")}
        bash scripts/grant_env.sh
        """, []),
    ("export-grep-xargs-env", f"""
        set -e
        export $(grep -v '^#' .env | xargs)
        {deploy("$FN")}
        bash scripts/grant_env.sh
        """, []),
    ("heredoc-to-bash", f"""
        set -e
        {deploy("orders")}
        {deploy("api")}
        bash -e <<EOF
        gcloud functions add-invoker-policy-binding orders --region=r --member={SA}
        gcloud functions add-invoker-policy-binding api --region=other --member={SA}
        EOF
        """, [("deploy.sh", "IAM003", 6, 1)]),
    ("quoted-heredoc-to-bash-s", f"""
        set -e
        FN=orders
        {deploy("$FN")}
        bash -s <<'EOF'
        FN=api
        gcloud functions add-invoker-policy-binding "$FN" --region=r --member={SA}
        EOF
        """, [("deploy.sh", "ERR001", 6, 1), ("deploy.sh", "IAM001", 3, 1)]),
    ("unquoted-heredoc-expands-in-caller", f"""
        set -e
        FN=orders
        {deploy("$FN")}
        bash <<EOF
        FN=api
        gcloud functions add-invoker-policy-binding "$FN" --region=r --member={SA}
        EOF
        """, [("deploy.sh", "ERR001", 6, 1)]),
    ("alias-expands", """
        set -e
        shopt -s expand_aliases
        alias gcf='gcloud functions'
        gcf deploy orders --gen2 --region=r --trigger-topic=t
        """, [("deploy.sh", "IAM001", 4, 1)]),
    ("alias-not-expanded-without-shopt", """
        set -e
        alias gcf='gcloud functions'
        gcf deploy orders --gen2 --region=r --trigger-topic=t
        """, []),
]

FILES = {
    "scripts/grant.sh": GRANT,
    "scripts/setname.sh": "FN=other\ncd /\n",
    "scripts/grant_env.sh": f"""
        #!/bin/bash
        set -eu
        gcloud functions add-invoker-policy-binding "${{FN:-unset}}" --region=r --member={SA}
    """,
    "lib.sh": "LIBFN=libfn\n",
    ".env": "# the function\nFN=orders\n",
}


@pytest.mark.parametrize("case", CHILD_CASES, ids=[c[0] for c in CHILD_CASES])
def test_child_scripts(case: tuple[str, str, list[tuple[str, str, int, int]]], tmp_path: Path) -> None:
    _, script, expected = case
    folder = project(tmp_path, {**FILES, "deploy.sh": script})
    assert lint(folder) == sorted(expected)


def test_child_not_found_is_a_note(tmp_path: Path) -> None:
    folder = project(tmp_path, {"deploy.sh": f"set -e\n{deploy('orders')}\n./scripts/missing.sh orders\n"})
    assert [(line, "not followed" in text and "missing.sh" in text) for line, text in notes(folder)] == [(3, True)]


def test_child_outside_the_project_is_a_note(tmp_path: Path) -> None:
    folder = project(tmp_path / "p", {"deploy.sh": f"set -e\n{deploy('orders')}\nbash ../outside.sh orders\n"})
    (tmp_path / "outside.sh").write_text(GRANT)
    found = notes(folder)
    assert [line for line, _ in found] == [3]
    assert "outside.sh" in found[0][1] and "not followed" in found[0][1]
    assert lint(folder) == [("deploy.sh", "IAM001", 2, 1), ("deploy.sh", "SH001", 3, 1)]


def test_child_path_unknown_is_a_note(tmp_path: Path) -> None:
    folder = project(tmp_path, {"deploy.sh": "set -e\n\"$HELPER_DIR/grant.sh\" orders\n" + deploy("orders") + "\n"})
    found = notes(folder)
    assert [(line, "not known statically" in text) for line, text in found] == [(2, True)]


STUB = """#!/bin/sh
printf '%s\\n' "$*" >> "$GCLOUD_LOG"
exit 0
"""


@pytest.mark.skipif(shutil.which("bash") is None, reason="bash is not installed")
@pytest.mark.parametrize("case_id", ["child-variables-do-not-come-back", "child-sees-only-exported",
                                     "child-sees-exported", "set-a-source-env", "export-grep-xargs-env",
                                     "quoted-heredoc-to-bash-s", "unquoted-heredoc-expands-in-caller",
                                     "alias-expands", "alias-not-expanded-without-shopt"])
def test_bindings_agree_with_bash(case_id: str, tmp_path: Path) -> None:
    """The functions bash really binds are the ones the analysis binds: a deploy the analysis
    reports unbound (IAM001) is one bash never bound."""
    _, script, expected = next(c for c in CHILD_CASES if c[0] == case_id)
    folder = project(tmp_path / "p", {**FILES, "deploy.sh": script})
    stub_dir = tmp_path / "bin"
    stub_dir.mkdir()
    (stub_dir / "gcloud").write_text(STUB)
    (stub_dir / "gcloud").chmod(0o755)
    log = tmp_path / "gcloud.log"
    log.write_text("")
    env = dict(os.environ, PATH=f"{stub_dir}:{os.environ.get('PATH', '')}", GCLOUD_LOG=str(log))
    env.pop("FN", None)
    bash = shutil.which("bash")
    assert bash is not None
    subprocess.run([bash, "deploy.sh"], cwd=folder, env=env, check=False, timeout=30, capture_output=True)
    calls = log.read_text().splitlines()
    deployed = {c.split()[2] for c in calls if c.startswith("functions deploy")}
    bound = {c.split()[2] for c in calls if c.startswith("functions add-invoker-policy-binding")}
    unbound_lines = {line for _, code, line, _ in expected if code == "IAM001"}
    lines = (folder / "deploy.sh").read_text().splitlines()
    reported = {n for n in deployed if any(f" {n} " in lines[i - 1] or "$FN" in lines[i - 1] for i in unbound_lines)}
    assert (deployed - bound) == reported, (calls, expected)
