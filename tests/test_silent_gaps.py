"""Silent gaps the user is told about (issue 11 §3): a statement left open is reported where it
opens, never past the end of the file; an empty run says so."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from shlint_iam.config import Config
from shlint_iam.lint import Linter

HEADER = "#!/usr/bin/env bash\nset -euo pipefail\n"


def sh000(text: str) -> list[tuple[int, int, int, int, str]]:
    result = Linter(Config(select=["SH000"])).lint_text(text, "deploy.sh")
    return [(f.span.start_line, f.span.start_col, f.span.end_line, f.span.end_col, f.message)
            for f in result.reported]


UNCLOSED = [
    ("if", HEADER + 'if [ -n "${REGION:-}" ]; then\n  gcloud functions deploy orch --region="$REGION"\n',
     (3, 1, 3, 3, "syntax error: this `if` is never closed: add `fi`")),
    ("for", HEADER + "for region in us-west1 us-east1; do\n  gcloud run deploy api --region=\"$region\"\n",
     (3, 1, 3, 4, "syntax error: this `for` is never closed: add `done`")),
    ("c-style-for", HEADER + "for ((i = 0; i < 3; i++)); do\n  echo \"$i\"\n",
     (3, 1, 3, 4, "syntax error: this `for` is never closed: add `done`")),
    ("while", HEADER + "while read -r svc; do\n  gcloud run deploy \"$svc\" --region=us-west1\n",
     (3, 1, 3, 6, "syntax error: this `while` is never closed: add `done`")),
    ("until", HEADER + "until gcloud run services describe api --region=us-west1; do\n  sleep 5\n",
     (3, 1, 3, 6, "syntax error: this `until` is never closed: add `done`")),
    ("case", HEADER + 'case "$1" in\n  prod) REGION=us-west1 ;;\n  *) REGION=us-east1 ;;\n',
     (3, 1, 3, 5, "syntax error: this `case` is never closed: add `esac`")),
    ("function-brace", HEADER + "deploy() {\n  gcloud run deploy api --region=us-west1\n\ndeploy\n",
     (3, 10, 3, 11, "syntax error: this `{` is never closed: add `}`")),
    ("function-keyword", HEADER + "function deploy {\n  gcloud run deploy api --region=us-west1\n",
     (3, 17, 3, 18, "syntax error: this `{` is never closed: add `}`")),
    ("if-inside-function", HEADER + "deploy() {\n  if true; then\n    echo deploying\n}\ndeploy\n",
     (4, 3, 4, 5, "syntax error: this `if` is never closed: add `fi`")),
    ("no-final-newline", HEADER + "if true; then\n  echo a",
     (3, 1, 3, 3, "syntax error: this `if` is never closed: add `fi`")),
]


@pytest.mark.parametrize(("text", "expected"), [c[1:] for c in UNCLOSED], ids=[c[0] for c in UNCLOSED])
def test_a_statement_left_open_is_reported_at_its_opening_keyword(text: str, expected: tuple[object, ...]) -> None:
    found = sh000(text)
    assert found[0] == expected, found
    lines = text.count("\n") + (0 if text.endswith("\n") else 1)
    assert all(line <= lines for line, *_ in found), found  # never past the end of the file


def test_an_inner_statement_left_open_is_the_one_reported() -> None:
    text = HEADER + "if true; then\n  for r in a b; do\n    echo \"$r\"\n  fi\n"
    assert sh000(text) == [
        (4, 3, 4, 6, "syntax error: this `for` is never closed: add `done`"),
        (6, 3, 6, 5, "syntax error: unexpected `fi`"),
    ]


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "shlint_iam", "check", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=120)


def test_a_directory_without_shell_scripts_says_so_and_exits_0(tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "main.py").write_text("print('not a shell script')\n")
    (tmp_path / "README.md").write_text("# nothing to lint\n")
    proc = run("src", cwd=tmp_path)
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, "", "shlint-iam: warning: no shell scripts found in src\n")
    proc = run(cwd=tmp_path)
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, "", "shlint-iam: warning: no shell scripts found in .\n")
    proc = run("-f", "json", "src", ".", cwd=tmp_path)
    assert (proc.returncode, proc.stdout, proc.stderr) == (
        0, "[]\n", "shlint-iam: warning: no shell scripts found in src, .\n"
    )


def test_a_directory_with_a_script_says_nothing_more(tmp_path: Path) -> None:
    (tmp_path / "deploy.sh").write_text(HEADER + "echo ok\n")
    proc = run(".", cwd=tmp_path)
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, "All checks passed (1 file).\n", "")


# -- SH002 unreached-deploy ----------------------------------------------------------------------

FUNCTION = """\
deploy_api() {
  gcloud run deploy api --region=us-west1 --image=gcr.io/acme/api --no-allow-unauthenticated
  gcloud run services add-iam-policy-binding api --region=us-west1 \\
    --member=serviceAccount:invoker@acme.iam.gserviceaccount.com --role=roles/run.invoker
}
"""


def sh002(folder: Path, *names: str) -> list[tuple[str, int, int, int, str]]:
    result = Linter(Config(select=["SH002"])).lint_paths([str(folder / n) for n in names])
    return [(Path(f.span.path).name, f.span.start_line, f.span.start_col, f.span.end_col, f.message)
            for f in result.reported]


REACHED = [
    ("called", FUNCTION + "deploy_api\n"),
    ("main-pattern", FUNCTION + 'main() { deploy_api; }\nmain "$@"\n'),
    ("task-array", FUNCTION + 'TASKS=(deploy_api)\nfor t in "${TASKS[@]}"; do "$t"; done\n'),
    ("dispatch-on-arguments", FUNCTION + '"$@"\n'),
    ("no-deploy-inside", 'log() { echo "$@"; }\ngcloud run services list\n'),
    ("library", "# shellcheck shell=bash\nREGION=us-west1\n" + FUNCTION),
    # main's call is written above deploy_api's definition but runs after it (main runs at the end)
    ("called-from-a-function-defined-first", 'main() { deploy_api; }\n' + FUNCTION + 'main "$@"\n'),
    ("called-early-and-again-after", 'deploy_api 2>/dev/null || true\n' + FUNCTION + "deploy_api\n"),
]


@pytest.mark.parametrize("body", [c[1] for c in REACHED], ids=[c[0] for c in REACHED])
def test_no_sh002_when_the_function_runs_or_the_file_is_a_library(tmp_path: Path, body: str) -> None:
    (tmp_path / "deploy.sh").write_text(HEADER + body)
    assert sh002(tmp_path, "deploy.sh") == []


def test_a_call_above_the_definition_reaches_nothing(tmp_path: Path) -> None:
    # bash runs `deploy_api` before the function exists: "command not found", and nothing deploys.
    (tmp_path / "deploy.sh").write_text(HEADER + 'echo "deploying"\ndeploy_api\n\n' + FUNCTION)
    assert sh002(tmp_path, "deploy.sh") == [(
        "deploy.sh", 6, 1, 11,
        "function deploy_api is called on line 4, before it is defined: bash finds no such command there "
        "(\"command not found\"), so its 2 deployment steps (`gcloud run deploy`, "
        "`gcloud run services add-iam-policy-binding`) never run",
    )]
    [finding] = Linter(Config(select=["SH002"])).lint_paths([str(tmp_path / "deploy.sh")]).reported
    assert [(span.start_line, span.start_col, note) for span, note in finding.related] == [
        (4, 1, "`deploy_api` runs here, before its definition")]


def test_a_function_never_called_is_counted_at_its_name(tmp_path: Path) -> None:
    (tmp_path / "deploy.sh").write_text(HEADER + FUNCTION + 'echo "nothing calls deploy_api"\n')
    assert sh002(tmp_path, "deploy.sh") == [(
        "deploy.sh", 3, 1, 11,
        "function deploy_api is never called by anything shlint-iam can follow: its 2 deployment steps "
        "(`gcloud run deploy`, `gcloud run services add-iam-policy-binding`) were not analysed",
    )]


def test_steps_are_found_wherever_gcloud_is_written_and_only_there(tmp_path: Path) -> None:
    # The walk goes down only into nodes whose text holds `gcloud` (reach.py): a step inside a
    # command substitution, in a nested definition, or as the last word of the file is still
    # found; a function that only mentions gcloud in a string or a comment has no step.
    (tmp_path / "deploy.sh").write_text(HEADER + """\
talk() { echo "gcloud is not run here"; }  # gcloud
outer() {
  url="$(gcloud run deploy api --region=us-west1 --image=i --format='value(status.url)')"
  inner() {
    log "x" && gcloud functions delete f --region=us-west1
  }
}
echo "none of them is called"
last() { gcloud run services delete a --region=us-west1; }""")
    assert sh002(tmp_path, "deploy.sh") == [
        ("deploy.sh", 4, 1, 6, "function outer is never called by anything shlint-iam can follow: its 1 "
         "deployment step (`gcloud run deploy`) was not analysed"),
        ("deploy.sh", 6, 3, 8, "function inner is never called by anything shlint-iam can follow: its 1 "
         "deployment step (`gcloud functions delete`) was not analysed"),
        ("deploy.sh", 11, 1, 5, "function last is never called by anything shlint-iam can follow: its 1 "
         "deployment step (`gcloud run services delete`) was not analysed"),
    ]


def test_a_function_called_through_an_unknown_name_is_counted(tmp_path: Path) -> None:
    # $FN is empty unless the environment names a step: the analysis cannot tell which.
    (tmp_path / "deploy.sh").write_text(HEADER + 'FN="${DEPLOY_FN:-}"\n' + FUNCTION + '$FN\n')
    assert [(line, col) for _, line, col, _, _ in sh002(tmp_path, "deploy.sh")] == [(4, 1)]


def test_library_functions_called_by_a_sourcing_script_are_not_reported(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "lib.sh").write_text("# shellcheck shell=bash\n" + FUNCTION)
    (tmp_path / "deploy.sh").write_text(HEADER + 'source "$(dirname "$0")/lib.sh"\ndeploy_api\n')
    assert sh002(tmp_path, "lib.sh", "deploy.sh") == []


def test_the_shipped_uncalled_function_example(tmp_path: Path) -> None:
    root = Path(__file__).resolve().parent.parent
    result = Linter(Config()).lint_paths([str(root / "examples" / "mistakes" / "uncalled_function.sh")])
    assert [(f.code, f.span.start_line, f.span.start_col) for f in result.reported] == [
        ("SH002", 5, 1), ("IAM001", 10, 3)
    ]
    (notice,) = [f for f in result.reported if f.code == "SH002"]
    assert notice.message == (
        "function set_iam is never called by anything shlint-iam can follow: its 1 deployment step "
        "(`gcloud functions add-invoker-policy-binding`) was not analysed"
    )


def test_sh002_can_be_suppressed_at_the_definition(tmp_path: Path) -> None:
    (tmp_path / "deploy.sh").write_text(
        HEADER + "# shlint-iam disable=SH002 -- run by the release tool\n" + FUNCTION + "echo done\n"
    )
    assert sh002(tmp_path, "deploy.sh") == []
