"""Output details: --statistics with -f json, --color/FORCE_COLOR/NO_COLOR, OSC 8 links to the
rule docs, --include-suppressed (marked, never counted, SARIF justification from the directive),
and one notice for a non-shell file named explicitly."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from clirun import shlint

SCRIPT = """\
#!/bin/bash
set -euo pipefail
# shlint-iam disable=IAM001 -- bound by Terraform (infra/iam.tf)
gcloud functions deploy orch --gen2 --region=us-west2 --trigger-topic=t --trigger-service-account=sa@p.iam.gserviceaccount.com
gcloud functions deploy other --gen2 --region=us-west2 --trigger-topic=t --trigger-service-account=sa@p.iam.gserviceaccount.com  # shlint-iam disable=IAM001
gcloud functions deploy third --gen2 --region=us-west2 --trigger-topic=t --trigger-service-account=sa@p.iam.gserviceaccount.com
"""
UNBOUND = (
    "gen2 function {0} (Pub/Sub topic t) is invoked as serviceAccount:sa@p.iam.gserviceaccount.com "
    "(--trigger-service-account), which gets no roles/run.invoker on service {0} after this deploy"
)
DOCS = "https://github.com/shlint-iam/shlint-iam/blob/main/docs/rules.md#iam001-missing-invoker-binding"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "s.sh").write_text(SCRIPT, encoding="utf-8")
    return tmp_path


def test_statistics_text_and_json(project: Path) -> None:
    (project / "t.sh").write_text(SCRIPT.replace("# shlint-iam", "# x"), encoding="utf-8")
    text = shlint("check", "--statistics", ".", cwd=project)
    assert (text.returncode, text.stdout) == (1, "    4  IAM001  missing-invoker-binding\n")
    as_json = shlint("check", "--statistics", "-f", "json", ".", cwd=project)
    assert as_json.returncode == 1
    assert json.loads(as_json.stdout) == [{"code": "IAM001", "name": "missing-invoker-binding", "count": 4}]


def test_include_suppressed_marks_but_does_not_count(project: Path) -> None:
    concise = shlint("check", "-f", "concise", "--include-suppressed", "s.sh", cwd=project)
    assert concise.returncode == 1  # only `third` counts
    assert concise.stdout == (
        f"s.sh:4:1: IAM001 {UNBOUND.format('orch')} [suppressed: bound by Terraform (infra/iam.tf)]\n"
        f"s.sh:5:1: IAM001 {UNBOUND.format('other')} [suppressed]\n"
        f"s.sh:6:1: IAM001 {UNBOUND.format('third')}\n"
    )
    text = shlint("check", "--include-suppressed", "s.sh", cwd=project).stdout
    assert f"  4:1  error  IAM001 {UNBOUND.format('orch')} [suppressed: bound by Terraform (infra/iam.tf)]\n" in text
    assert text.endswith("Found 1 problem (1 error) in 1 file.\n")
    (project / "s.sh").write_text(SCRIPT.replace("gcloud functions deploy third", "# gcloud functions deploy third"),
                                  encoding="utf-8")
    for fmt in ("text", "concise", "gcc", "json", "sarif", "github"):
        proc = shlint("check", "-f", fmt, "--include-suppressed", "s.sh", cwd=project)
        assert proc.returncode == 0, fmt  # suppressed findings never fail the run
    clean = shlint("check", "--include-suppressed", "s.sh", cwd=project).stdout
    assert clean.endswith("\nAll checks passed (1 file).\n") and "[suppressed" in clean
    data = json.loads(shlint("check", "-f", "json", "--include-suppressed", "s.sh", cwd=project).stdout)
    assert [(d["suppressed"], d["suppression_reason"]) for d in data] == [
        (True, "bound by Terraform (infra/iam.tf)"), (True, None)]


def test_sarif_suppression_justification_is_the_directive_reason(project: Path) -> None:
    import jsonschema

    proc = shlint("check", "-f", "sarif", "--include-suppressed", "s.sh", cwd=project)
    log = json.loads(proc.stdout)
    schema = json.loads(Path("/work/shared/schemas/sarif-schema-2.1.0.json").read_text(encoding="utf-8")) \
        if Path("/work/shared/schemas/sarif-schema-2.1.0.json").exists() else None
    if schema is not None:
        jsonschema.validate(log, schema)
    results = log["runs"][0]["results"]
    assert [r.get("suppressions") for r in results] == [
        [{"kind": "inSource", "status": "accepted", "justification": "bound by Terraform (infra/iam.tf)"}],
        [{"kind": "inSource", "status": "accepted"}],
        None,
    ]
    assert proc.returncode == 1


def test_color_modes(project: Path) -> None:
    plain = shlint("check", "s.sh", cwd=project).stdout
    assert "\x1b" not in plain  # not a terminal
    forced = shlint("check", "s.sh", cwd=project, env={"FORCE_COLOR": "1"}).stdout
    always = shlint("check", "--color", "always", "s.sh", cwd=project).stdout
    assert forced == always
    assert "\x1b[31merror\x1b[0m" in always
    # The rule code links to its documentation (OSC 8), around the bold code.
    assert f"\x1b]8;;{DOCS}\x1b\\\x1b[1mIAM001\x1b[0m\x1b]8;;\x1b\\ " in always
    assert shlint("check", "s.sh", cwd=project, env={"FORCE_COLOR": "1", "NO_COLOR": "1"}).stdout == plain
    assert shlint("check", "--color", "never", "s.sh", cwd=project, env={"FORCE_COLOR": "1"}).stdout == plain
    assert shlint("check", "--no-color", "s.sh", cwd=project, env={"FORCE_COLOR": "1"}).stdout == plain
    assert shlint("check", "--color", "always", "s.sh", cwd=project, env={"NO_COLOR": "1"}).stdout == always
    # Machine formats are never coloured.
    assert "\x1b" not in shlint("check", "-f", "concise", "--color", "always", "s.sh", cwd=project).stdout


def test_color_on_a_real_terminal(project: Path) -> None:
    import os
    import pty
    import subprocess
    import sys

    main, secondary = pty.openpty()
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    proc = subprocess.Popen([sys.executable, "-m", "shlint_iam", "check", "s.sh"], cwd=project, stdout=secondary,
                            stderr=subprocess.DEVNULL, env=env)
    os.close(secondary)
    chunks = []
    while True:
        try:
            chunk = os.read(main, 65536)
        except OSError:
            break
        if not chunk:
            break
        chunks.append(chunk)
    proc.wait(timeout=60)
    os.close(main)
    out = b"".join(chunks).decode("utf-8")
    assert f"\x1b]8;;{DOCS}\x1b\\" in out and "\x1b[31merror\x1b[0m" in out


def test_a_non_shell_file_named_explicitly_gets_one_notice(project: Path) -> None:
    (project / "tool").write_text("#!/usr/bin/env python3\nimport subprocess\nsubprocess.run(['gcloud'])\n")
    (project / "helper.py").write_text("x = 'gcloud functions deploy a --trigger-topic=t'\n")
    (project / "run").write_text("#!/bin/sh\necho hi\n")
    proc = shlint("check", "-f", "concise", "tool", "helper.py", "run", cwd=project)
    assert (proc.returncode, proc.stdout) == (0, "")
    assert proc.stderr == (
        "shlint-iam: tool: not a shell script (a python3 script); not linted\n"
        "shlint-iam: helper.py: not a shell script (a Python file); not linted\n"
    )
    # In a directory walk such files are skipped silently, as before.
    walk = shlint("check", "-f", "concise", "--select", "IAM001", ".", cwd=project)
    assert "not a shell script" not in walk.stderr
