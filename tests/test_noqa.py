"""`check --add-noqa`: a directive for every current finding, where suppression honours it and the
script's meaning stays; existing directives are extended, never duplicated; a second run changes
nothing; the file then lints clean and `bash -n` accepts it."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

from clirun import shlint

BASH = shutil.which("bash")

DEPLOY = """\
#!/bin/bash
set -euo pipefail
REGION=us-west2
PROJECT=acme-prod
SA="orch@${PROJECT}.iam.gserviceaccount.com"
PHASES=(phase1 phase2 phase3)

deploy_orchestrator() {
  local name=$1
  gcloud functions deploy "$name" --gen2 --region="$REGION" --project="$PROJECT" \\
    --trigger-topic="${name}-done" --trigger-service-account="$SA" --runtime=python312 --source=.
}

for phase in "${PHASES[@]}"; do
  gcloud functions deploy "$phase-orchestrator" --gen2 --region="$REGION" --project="$PROJECT" \\
    --trigger-topic="${phase}-complete" --trigger-service-account="$SA" --runtime=python312 --source=.
done

deploy_orchestrator final
# shlint-iam disable=ERR001 -- the smoke test checks the web tier
gcloud functions deploy web-events --gen2 --region="$REGION" --trigger-topic=web \\
  --trigger-service-account="$SA" && echo "web tier deployed"
echo "deploying the reporter" && \\
  gcloud functions deploy reporter --gen2 --region="$REGION" --trigger-topic=reports
"""

DEPLOY_NOQA = """\
#!/bin/bash
set -euo pipefail
REGION=us-west2
PROJECT=acme-prod
SA="orch@${PROJECT}.iam.gserviceaccount.com"
PHASES=(phase1 phase2 phase3)

deploy_orchestrator() {
  local name=$1
  gcloud functions deploy "$name" --gen2 --region="$REGION" --project="$PROJECT" \\
    --trigger-topic="${name}-done" --trigger-service-account="$SA" --runtime=python312 --source=.
}

# shlint-iam disable=IAM001 -- TODO
for phase in "${PHASES[@]}"; do
  gcloud functions deploy "$phase-orchestrator" --gen2 --region="$REGION" --project="$PROJECT" \\
    --trigger-topic="${phase}-complete" --trigger-service-account="$SA" --runtime=python312 --source=.
done

# shlint-iam disable=IAM001 -- TODO
deploy_orchestrator final
# shlint-iam disable=ERR001,IAM001 -- the smoke test checks the web tier
gcloud functions deploy web-events --gen2 --region="$REGION" --trigger-topic=web \\
  --trigger-service-account="$SA" && echo "web tier deployed"
# shlint-iam disable=IAM001 -- TODO
echo "deploying the reporter" && \\
  gcloud functions deploy reporter --gen2 --region="$REGION" --trigger-topic=reports
"""

# Findings located inside a here-document: a comment line there would be text of the script bash
# reads, and suppression never reads it; the codes go to one file-level directive.
HEREDOC = """\
#!/usr/bin/env bash
set -euo pipefail
gcloud auth list
bash -s <<'REMOTE'
gcloud functions deploy ingest --gen2 --region=us-west2 --trigger-topic=raw \\
  --trigger-service-account=ingest@acme-prod.iam.gserviceaccount.com
REMOTE
"""
HEREDOC_NOQA = HEREDOC.replace(
    "#!/usr/bin/env bash\n", "#!/usr/bin/env bash\n# shlint-iam disable-file=ERR001,IAM001 -- TODO\n")


def run_add_noqa(tmp_path: Path, script: str, name: str = "deploy.sh") -> subprocess.CompletedProcess[str]:
    path = tmp_path / name
    path.write_text(script, encoding="utf-8")
    before = json.loads(shlint("check", "-f", "json", name, cwd=tmp_path).stdout)
    assert before, "the example must have findings"
    return shlint("check", "--add-noqa", name, cwd=tmp_path)


def assert_adopted(tmp_path: Path, expected: str, name: str = "deploy.sh") -> None:
    path = tmp_path / name
    assert path.read_text(encoding="utf-8") == expected
    clean = shlint("check", name, cwd=tmp_path)
    assert clean.returncode == 0, clean.stdout
    if BASH:
        syntax = subprocess.run([BASH, "-n", str(path)], capture_output=True, text=True)
        assert syntax.returncode == 0, syntax.stderr
    again = shlint("check", "--add-noqa", name, cwd=tmp_path)
    assert path.read_text(encoding="utf-8") == expected
    assert again.returncode == 0
    assert again.stderr == "shlint-iam: Added 0 suppression directives.\n"


def test_add_noqa_directive_above_each_command_and_extends_existing(tmp_path: Path) -> None:
    proc = run_add_noqa(tmp_path, DEPLOY)
    # three new directives and one extended (ERR001 kept its reason, IAM001 joined it)
    assert proc.stderr == "shlint-iam: Added 4 suppression directives in 1 file.\n"
    assert proc.returncode == 0
    assert "All checks passed" in proc.stdout
    assert_adopted(tmp_path, DEPLOY_NOQA)


def test_add_noqa_inside_a_here_document_goes_to_the_file_level(tmp_path: Path) -> None:
    proc = run_add_noqa(tmp_path, HEREDOC)
    assert proc.stderr == "shlint-iam: Added 1 suppression directive in 1 file.\n"
    assert_adopted(tmp_path, HEREDOC_NOQA)


def test_add_noqa_below_a_line_continuation_and_in_a_multi_line_string(tmp_path: Path) -> None:
    # The deploy's first line follows a `\\` continuation: a comment line there would end the
    # `env` command early. The `bash -c` text spans lines: its findings are at the command.
    script = (
        "#!/bin/bash\n"
        "set -euo pipefail\n"
        "# shlint-iam disable-file=ERR001 -- retried by the pipeline\n"
        "env CLOUDSDK_CORE_DISABLE_PROMPTS=1 \\\n"
        "gcloud functions deploy a --gen2 --region=us-west2 --trigger-topic=t "
        "--trigger-service-account=a@p.iam.gserviceaccount.com\n"
        'bash -c "\n'
        "gcloud functions deploy b --gen2 --region=us-west2 --trigger-topic=t \\\n"
        "  --trigger-service-account=b@p.iam.gserviceaccount.com\n"
        '"\n'
    )
    run_add_noqa(tmp_path, script)
    text = (tmp_path / "deploy.sh").read_text(encoding="utf-8")
    lines = text.split("\n")
    # No comment was put between the continued lines or into the string.
    assert lines[3:6] == [
        "# shlint-iam disable=IAM001 -- TODO",
        "env CLOUDSDK_CORE_DISABLE_PROMPTS=1 \\",
        "gcloud functions deploy a --gen2 --region=us-west2 --trigger-topic=t "
        "--trigger-service-account=a@p.iam.gserviceaccount.com",
    ]
    assert lines[6:10] == ["# shlint-iam disable=IAM001 -- TODO", 'bash -c "',
                           "gcloud functions deploy b --gen2 --region=us-west2 --trigger-topic=t \\",
                           "  --trigger-service-account=b@p.iam.gserviceaccount.com"]
    assert_adopted(tmp_path, text)


def test_add_noqa_refuses_standard_input_and_fix(tmp_path: Path) -> None:
    proc = shlint("check", "--add-noqa", "-", "--stdin-filename", "deploy.sh", cwd=tmp_path, input=HEREDOC)
    assert proc.returncode == 2
    assert proc.stderr == "shlint-iam: error: --fix, --diff and --add-noqa work on files, not on standard input\n"
    (tmp_path / "deploy.sh").write_text(HEREDOC, encoding="utf-8")
    both = shlint("check", "--add-noqa", "--fix", "deploy.sh", cwd=tmp_path)
    assert both.returncode == 2 and "cannot be combined" in both.stderr
    assert (tmp_path / "deploy.sh").read_text(encoding="utf-8") == HEREDOC


def test_add_noqa_on_a_clean_file_changes_nothing(tmp_path: Path) -> None:
    clean = "#!/bin/bash\nset -euo pipefail\necho hello\n"
    (tmp_path / "ok.sh").write_text(clean, encoding="utf-8")
    proc = shlint("check", "--add-noqa", "ok.sh", cwd=tmp_path)
    assert (proc.returncode, proc.stderr) == (0, "shlint-iam: Added 0 suppression directives.\n")
    assert (tmp_path / "ok.sh").read_text(encoding="utf-8") == clean


def test_where_a_comment_line_may_go() -> None:
    from shlint_iam.placement import can_insert_line_before, syntax_root
    from shlint_iam.source import SourceFile

    script = (
        "#!/bin/bash\n"  # 1
        "echo start && \\\n"  # 2
        "  echo continued\n"  # 3: after a `\\`: no
        "cat <<EOF\n"  # 4
        "body\n"  # 5: in a here-document: no
        "EOF\n"  # 6: the delimiter ends the here-document: no
        'echo "one\n'  # 7
        'two"\n'  # 8: in a string: no
        "x=`\n"  # 9
        "date`\n"  # 10: in backquotes: no
        "y=$(\n"  # 11
        "date)\n"  # 12: in $( ): yes
        "if true; then\n"  # 13
        "  echo yes\n"  # 14: in a branch: yes
        "fi\n"  # 15: yes
        "gcloud run deploy a \\\n"  # 16
        "  --region=r\n"  # 17: a word of the command: no
    )
    source = SourceFile(path="t.sh", text=script)
    root = syntax_root(source)
    allowed = [n for n in range(1, 18) if can_insert_line_before(source, root, n)]
    assert allowed == [2, 4, 7, 9, 11, 12, 13, 14, 15, 16]


def test_err001_fix_not_offered_for_a_script_in_a_here_document(tmp_path: Path) -> None:
    # The top of this file is not the top of the script bash reads from the here-document:
    # inserting `set -euo pipefail` there fixed nothing (and --fix inserted it ten times).
    path = tmp_path / "deploy.sh"
    path.write_text(HEREDOC, encoding="utf-8")
    data = json.loads(shlint("check", "-f", "json", "deploy.sh", cwd=tmp_path).stdout)
    assert [f["fix"]["applicability"] for f in data if f["code"] == "ERR001"] == ["display-only"]
    shlint("check", "--fix", "--unsafe-fixes", "deploy.sh", cwd=tmp_path)
    assert path.read_text(encoding="utf-8") == HEREDOC


def test_add_noqa_in_a_workflow_and_a_makefile_is_file_level(tmp_path: Path) -> None:
    # A comment line inside a `run: |` block would be part of the step's script: workflows and
    # Makefiles get one file-level directive at the top, which YAML and make read as a comment.
    workflow = (
        "name: deploy\n"
        "on: push\n"
        "jobs:\n"
        "  deploy:\n"
        "    runs-on: ubuntu-latest\n"
        "    steps:\n"
        "      - name: Deploy the orchestrator\n"
        "        run: |\n"
        "          gcloud functions deploy orch --gen2 --region=us-west2 --trigger-topic=done \\\n"
        "            --trigger-service-account=orch@acme-prod.iam.gserviceaccount.com\n"
    )
    makefile = (
        "deploy:\n"
        "\tgcloud functions deploy orch --gen2 --region=us-west2 --trigger-topic=done "
        "--trigger-service-account=orch@acme-prod.iam.gserviceaccount.com\n"
    )
    (tmp_path / ".github" / "workflows").mkdir(parents=True)
    (tmp_path / ".github" / "workflows" / "deploy.yml").write_text(workflow, encoding="utf-8")
    (tmp_path / "Makefile").write_text(makefile, encoding="utf-8")
    before = shlint("check", "-f", "json", ".", cwd=tmp_path)
    assert sorted(f["path"] for f in json.loads(before.stdout)) == [".github/workflows/deploy.yml", "Makefile"]
    proc = shlint("check", "--add-noqa", ".", cwd=tmp_path)
    assert proc.stderr == "shlint-iam: Added 2 suppression directives in 2 files.\n"
    directive = "# shlint-iam disable-file=IAM001 -- TODO\n"
    assert (tmp_path / ".github" / "workflows" / "deploy.yml").read_text(encoding="utf-8") == directive + workflow
    assert (tmp_path / "Makefile").read_text(encoding="utf-8") == directive + makefile
    assert shlint("check", ".", cwd=tmp_path).returncode == 0
    again = shlint("check", "--add-noqa", ".", cwd=tmp_path)
    assert again.stderr == "shlint-iam: Added 0 suppression directives.\n"


def test_add_noqa_leaves_a_file_with_a_syntax_error(tmp_path: Path) -> None:
    broken = "#!/bin/bash\nif true; then\n  gcloud functions deploy a --gen2 --region=us-west2 --trigger-topic=t\n"
    (tmp_path / "broken.sh").write_text(broken, encoding="utf-8")
    proc = shlint("check", "--add-noqa", "broken.sh", cwd=tmp_path)
    assert (tmp_path / "broken.sh").read_text(encoding="utf-8") == broken
    assert proc.returncode == 1
    assert proc.stderr == ("shlint-iam: broken.sh: has a syntax error (SH000): fix it first; no directives added\n"
                           "shlint-iam: Added 0 suppression directives.\n")


def test_add_noqa_over_the_examples_only_adds_directive_lines(tmp_path: Path) -> None:
    # Every example (scripts, workflows, Makefiles, sourced files): the only change is new
    # directive lines, everything but the syntax-error example then lints clean, a second run
    # adds nothing.
    root = Path(__file__).resolve().parent.parent / "examples"
    work = tmp_path / "examples"
    # (caches that tools leave in a checkout, such as `ruff check .`'s under examples/plugin, are not examples)
    shutil.copytree(root, work, ignore=shutil.ignore_patterns(".ruff_cache", "__pycache__", ".shlint-iam-cache"))
    before = {p: p.read_text(encoding="utf-8") for p in work.rglob("*") if p.is_file()}
    proc = shlint("check", "--add-noqa", ".", cwd=work)
    changed = 0
    for path, text in before.items():
        after = path.read_text(encoding="utf-8")
        if after == text:
            continue
        changed += 1
        old_lines, new_lines = text.split("\n"), after.split("\n")
        added = list(new_lines)
        for line in old_lines:  # the old lines, in order, are a subsequence of the new ones
            added.remove(line)
        assert all(line.lstrip().startswith("# shlint-iam disable") for line in added), (path, added)
    assert changed >= 10
    assert f"in {changed} files." in proc.stderr
    left = json.loads(shlint("check", "-f", "json", ".", cwd=work).stdout)
    assert {(f["path"], f["code"]) for f in left} == {("mistakes/syntax_error.sh", "SH000")}
    again = shlint("check", "--add-noqa", ".", cwd=work)
    assert again.stderr.endswith("shlint-iam: Added 0 suppression directives.\n")
