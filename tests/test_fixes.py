"""Automatic fixes, Ruff style, through the real CLI. For every fix: the fixed findings are gone,
nothing new appears, `bash -n` still accepts the file, and a second `--fix` changes nothing.
Plus --diff, --unsafe-fixes, JSON/SARIF/rule output and the language server's quick fixes."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections import Counter
from pathlib import Path

import pytest
from clirun import shlint

BASH = shutil.which("bash")

ERR001_SAFE = """\
#!/bin/bash
# Deploys the orchestrator and prints its URL.
# Usage: ./deploy.sh
REGION=us-west2
deploy() {
  gcloud functions deploy orch --gen2 --region="$REGION" --trigger-http --no-allow-unauthenticated
}
deploy
echo "deployed to $REGION"
"""
ERR001_SAFE_FIXED = ERR001_SAFE.replace("# Usage: ./deploy.sh\n", "# Usage: ./deploy.sh\nset -euo pipefail\n")

# `$?` after a command and $TAG that the script never sets: errexit and nounset change what this
# script does beyond the finding.
ERR001_UNSAFE = """\
#!/usr/bin/env bash
gcloud run deploy api --image="gcr.io/p/api:$TAG" --region=us-west2 --no-allow-unauthenticated
gcloud run services describe api --region=us-west2 >/dev/null
if [ $? -ne 0 ]; then echo "describe failed"; fi
"""
ERR001_UNSAFE_FIXED = ERR001_UNSAFE.replace("#!/usr/bin/env bash\n", "#!/usr/bin/env bash\nset -euo pipefail\n")

ERR002 = """\
#!/bin/bash
set -euo pipefail

deploy_api() {
    local url=$(gcloud run deploy api --image=gcr.io/p/api:1 --region=us-west2 --no-allow-unauthenticated --format='value(status.url)')
    readonly LAST=$(gcloud run deploy web --image=gcr.io/p/web:1 --region=us-west2 --no-allow-unauthenticated)
    echo "$url $LAST"
}
deploy_api
"""
ERR002_FIXED = """\
#!/bin/bash
set -euo pipefail

deploy_api() {
    local url
    url=$(gcloud run deploy api --image=gcr.io/p/api:1 --region=us-west2 --no-allow-unauthenticated --format='value(status.url)')
    LAST=$(gcloud run deploy web --image=gcr.io/p/web:1 --region=us-west2 --no-allow-unauthenticated)
    readonly LAST
    echo "$url $LAST"
}
deploy_api
"""

IAM004 = """\
#!/bin/bash
set -euo pipefail
REGION=us-west2
PROJECT=my-project
gcloud functions deploy orch --gen2 --region="$REGION" --project="$PROJECT" --trigger-topic=t \\
  --trigger-service-account=sa@my-project.iam.gserviceaccount.com
gcloud functions add-iam-policy-binding orch \\
  --region="$REGION" \\
  --project="$PROJECT" \\
  --role=roles/cloudfunctions.invoker \\
  --member="serviceAccount:sa@my-project.iam.gserviceaccount.com"
"""
IAM004_FIXED = """\
#!/bin/bash
set -euo pipefail
REGION=us-west2
PROJECT=my-project
gcloud functions deploy orch --gen2 --region="$REGION" --project="$PROJECT" --trigger-topic=t \\
  --trigger-service-account=sa@my-project.iam.gserviceaccount.com
gcloud functions add-invoker-policy-binding orch \\
  --region="$REGION" \\
  --project="$PROJECT" \\
  --member="serviceAccount:sa@my-project.iam.gserviceaccount.com"
"""
IAM004_ONE_LINE = (
    "#!/bin/bash\nset -euo pipefail\n"
    "gcloud functions deploy orch --gen2 --region=us-west2 --trigger-topic=t "
    "--trigger-service-account=sa@p.iam.gserviceaccount.com\n"
    "gcloud functions add-iam-policy-binding orch --role roles/cloudfunctions.invoker --region=us-west2 "
    "--member=serviceAccount:sa@p.iam.gserviceaccount.com\n"
)
IAM004_ONE_LINE_FIXED = IAM004_ONE_LINE.replace(
    "add-iam-policy-binding orch --role roles/cloudfunctions.invoker --region",
    "add-invoker-policy-binding orch --region",
)


def findings(path: Path) -> list[tuple[str, str]]:
    """(code, message) of every reported finding (positions move when lines are inserted: line
    numbers in messages are left out)."""
    proc = shlint("check", "-f", "json", path.name, cwd=path.parent)
    return [(f["code"], re.sub(r"\blines? \d+", "line N", f["message"])) for f in json.loads(proc.stdout)]


def assert_fix(tmp_path: Path, script: str, fixed: str, code: str, *extra: str) -> None:
    path = tmp_path / "deploy.sh"
    path.write_text(script, encoding="utf-8")
    before = findings(path)
    assert code in {c for c, _ in before}
    proc = shlint("check", "--fix", *extra, "deploy.sh", cwd=tmp_path)
    # 1. the file is fixed as expected; the fixed findings are gone
    assert path.read_text(encoding="utf-8") == fixed
    after = findings(path)
    assert code not in {c for c, _ in after}, after
    # 2. nothing new appears
    assert not Counter(after) - Counter(before), after
    assert proc.returncode == (1 if after else 0)
    assert "Fixed" in proc.stderr
    # 3. bash still accepts it
    if BASH:
        check = subprocess.run([BASH, "-n", str(path)], capture_output=True, text=True)
        assert check.returncode == 0, check.stderr
    # 4. fixing again changes nothing
    again = shlint("check", "--fix", *extra, "deploy.sh", cwd=tmp_path)
    assert path.read_text(encoding="utf-8") == fixed
    assert "Fixed" not in again.stderr


def test_err001_safe_fix(tmp_path: Path) -> None:
    assert_fix(tmp_path, ERR001_SAFE, ERR001_SAFE_FIXED, "ERR001")


def test_err001_unsafe_fix_needs_unsafe_fixes(tmp_path: Path) -> None:
    path = tmp_path / "deploy.sh"
    path.write_text(ERR001_UNSAFE, encoding="utf-8")
    plain = shlint("check", "--fix", "deploy.sh", cwd=tmp_path)
    assert path.read_text(encoding="utf-8") == ERR001_UNSAFE  # unsafe: not applied by --fix alone
    assert plain.returncode == 1
    assert_fix(tmp_path, ERR001_UNSAFE, ERR001_UNSAFE_FIXED, "ERR001", "--unsafe-fixes")


def test_err001_once_per_file_and_not_offered_after_set_plus_e(tmp_path: Path) -> None:
    path = tmp_path / "deploy.sh"
    path.write_text(ERR001_SAFE + "gcloud functions deploy b --gen2 --region=us-west2 --trigger-http "
                    "--no-allow-unauthenticated\n", encoding="utf-8")
    assert [c for c, _ in findings(path)].count("ERR001") >= 1  # one per step, or grouped per script
    shlint("check", "--fix", "deploy.sh", cwd=tmp_path)
    assert path.read_text(encoding="utf-8").count("set -euo pipefail") == 1
    assert "ERR001" not in {c for c, _ in findings(path)}
    turned_off = "#!/bin/bash\nset +e\n" + ERR001_SAFE.split("\n", 1)[1]
    path.write_text(turned_off, encoding="utf-8")
    data = json.loads(shlint("check", "-f", "json", "deploy.sh", cwd=tmp_path).stdout)
    assert all(f["fix"] is None or f["fix"]["applicability"] == "display-only" for f in data)


def test_err002_fix(tmp_path: Path) -> None:
    assert_fix(tmp_path, ERR002, ERR002_FIXED, "ERR002")


def test_iam004_fix(tmp_path: Path) -> None:
    assert_fix(tmp_path, IAM004, IAM004_FIXED, "IAM004")


def test_iam004_fix_with_separate_role_value(tmp_path: Path) -> None:
    assert_fix(tmp_path, IAM004_ONE_LINE, IAM004_ONE_LINE_FIXED, "IAM004")


def test_diff_changes_nothing_and_exits_1(tmp_path: Path) -> None:
    path = tmp_path / "deploy.sh"
    path.write_text(IAM004, encoding="utf-8")
    proc = shlint("check", "--diff", "deploy.sh", cwd=tmp_path)
    assert proc.returncode == 1
    assert path.read_text(encoding="utf-8") == IAM004
    assert proc.stdout == (
        "--- a/deploy.sh\n"
        "+++ b/deploy.sh\n"
        "@@ -4,8 +4,7 @@\n"
        " PROJECT=my-project\n"
        ' gcloud functions deploy orch --gen2 --region="$REGION" --project="$PROJECT" --trigger-topic=t \\\n'
        "   --trigger-service-account=sa@my-project.iam.gserviceaccount.com\n"
        "-gcloud functions add-iam-policy-binding orch \\\n"
        "+gcloud functions add-invoker-policy-binding orch \\\n"
        '   --region="$REGION" \\\n'
        '   --project="$PROJECT" \\\n'
        "-  --role=roles/cloudfunctions.invoker \\\n"
        '   --member="serviceAccount:sa@my-project.iam.gserviceaccount.com"\n'
    )
    assert proc.stderr == "shlint-iam: Would fix 1 finding in 1 file.\n"
    path.write_text(IAM004_FIXED, encoding="utf-8")
    clean = shlint("check", "--diff", "deploy.sh", cwd=tmp_path)
    assert (clean.returncode, clean.stdout) == (0, "")
    # Unsafe fixes show up in the diff only with --unsafe-fixes.
    path.write_text(ERR001_UNSAFE, encoding="utf-8")
    assert shlint("check", "--diff", "deploy.sh", cwd=tmp_path).returncode == 0
    unsafe = shlint("check", "--diff", "--unsafe-fixes", "deploy.sh", cwd=tmp_path)
    assert unsafe.returncode == 1 and "+set -euo pipefail\n" in unsafe.stdout
    assert path.read_text(encoding="utf-8") == ERR001_UNSAFE


def test_fix_in_json_sarif_and_rule_docs(tmp_path: Path) -> None:
    import jsonschema

    (tmp_path / "deploy.sh").write_text(IAM004, encoding="utf-8")
    data = json.loads(shlint("check", "-f", "json", "deploy.sh", cwd=tmp_path).stdout)
    (iam004,) = [f for f in data if f["code"] == "IAM004"]
    assert iam004["fix"] == {
        "message": "use `gcloud functions add-invoker-policy-binding` (it grants roles/run.invoker on a gen2 function)",
        "applicability": "safe",
        "edits": [
            {"start_line": 7, "start_column": 18, "end_line": 7, "end_column": 40,
             "content": "add-invoker-policy-binding"},
            {"start_line": 9, "start_column": 23, "end_line": 10, "end_column": 38, "content": ""},
        ],
    }
    log = json.loads(shlint("check", "-f", "sarif", "deploy.sh", cwd=tmp_path).stdout)
    schema_path = Path("/work/shared/schemas/sarif-schema-2.1.0.json")
    if schema_path.exists():
        jsonschema.validate(log, json.loads(schema_path.read_text(encoding="utf-8")))
    (result,) = [r for r in log["runs"][0]["results"] if r["ruleId"] == "IAM004"]
    (fix,) = result["fixes"]
    assert fix["properties"] == {"applicability": "safe"}
    (change,) = fix["artifactChanges"]
    assert change["artifactLocation"]["uri"] == "deploy.sh"
    assert change["replacements"] == [
        {"deletedRegion": {"startLine": 7, "startColumn": 18, "endLine": 7, "endColumn": 40},
         "insertedContent": {"text": "add-invoker-policy-binding"}},
        {"deletedRegion": {"startLine": 9, "startColumn": 23, "endLine": 10, "endColumn": 38}},
    ]
    (tmp_path / "deploy.sh").write_text(ERR001_UNSAFE, encoding="utf-8")
    data = json.loads(shlint("check", "-f", "json", "deploy.sh", cwd=tmp_path).stdout)
    assert {f["fix"]["applicability"] for f in data if f["code"] == "ERR001"} == {"unsafe"}
    for code, word in (("ERR001", "sometimes"), ("ERR002", "safe"), ("IAM004", "safe")):
        page = shlint("rule", code, cwd=tmp_path).stdout
        assert page.split("\n")[4].startswith(f"Fix ({word}): "), page
    assert "Fix (" not in shlint("rule", "IAM006", cwd=tmp_path).stdout


def test_text_output_says_which_fixes_are_automatic(tmp_path: Path) -> None:
    (tmp_path / "deploy.sh").write_text(ERR001_UNSAFE, encoding="utf-8")
    text = shlint("check", "deploy.sh", cwd=tmp_path).stdout
    assert "(automatic, unsafe: `--fix --unsafe-fixes`)" in text
    (tmp_path / "deploy.sh").write_text(IAM004, encoding="utf-8")
    assert "(automatic: `--fix`)" in shlint("check", "deploy.sh", cwd=tmp_path).stdout


def test_fix_and_diff_refuse_standard_input(tmp_path: Path) -> None:
    proc = shlint("check", "--fix", "-", "--stdin-filename", "deploy.sh", cwd=tmp_path, input=IAM004)
    assert proc.returncode == 2 and "standard input" in proc.stderr


def test_language_server_offers_the_same_fixes(tmp_path: Path) -> None:
    pytest.importorskip("pygls")
    from test_lsp import Client

    client = Client(tmp_path)
    try:
        client.initialize(tmp_path)
        uri = client.open(tmp_path / "deploy.sh", IAM004)
        published = client.diagnostics(uri)
        ours = [d for d in published["diagnostics"] if d["code"] == "IAM004"]
        assert len(ours) == 1
        actions = client.request(
            "textDocument/codeAction",
            {"textDocument": {"uri": uri}, "range": ours[0]["range"], "context": {"diagnostics": ours}},
        )
        titles = [a["title"] for a in actions]
        assert titles == [
            "Fix IAM004: use `gcloud functions add-invoker-policy-binding` (it grants roles/run.invoker on a gen2 "
            "function)",
            "Disable IAM004 for this line",
        ]
        fix = actions[0]
        assert fix["kind"] == "quickfix" and fix["isPreferred"] is True
        (change,) = fix["edit"]["documentChanges"]
        assert change["textDocument"]["uri"] == uri
        lines = IAM004.split("\n")
        text = _apply_lsp_edits(lines, change["edits"])
        assert text == IAM004_FIXED  # the same edit as `check --fix`
        uri2 = client.open(tmp_path / "unsafe.sh", ERR001_UNSAFE)
        err001 = [d for d in client.diagnostics(uri2)["diagnostics"] if d["code"] == "ERR001"]
        actions = client.request(
            "textDocument/codeAction",
            {"textDocument": {"uri": uri2}, "range": err001[0]["range"], "context": {"diagnostics": err001[:1]}},
        )
        assert actions[0]["title"] == "Fix ERR001: add `set -euo pipefail` at the top of the script (unsafe)"
        assert actions[0]["isPreferred"] is False
    finally:
        client.proc.kill()
        client.proc.wait(timeout=10)


def _apply_lsp_edits(lines: list[str], edits: list[dict]) -> str:
    """Apply LSP TextEdits (UTF-16 positions; the test text is ASCII) to the text."""
    starts = [0]
    for line in lines[:-1]:
        starts.append(starts[-1] + len(line) + 1)
    text = "\n".join(lines)

    def offset(pos: dict) -> int:
        return starts[pos["line"]] + pos["character"]

    for e in sorted(edits, key=lambda e: offset(e["range"]["start"]), reverse=True):
        text = text[: offset(e["range"]["start"])] + e["newText"] + text[offset(e["range"]["end"]):]
    return text


# A Pub/Sub-triggered function of unpinned generation, granted to allUsers through the function's
# own policy: the fix names the push identity, and no automatic fix keeps allUsers (which on a gen2
# function would make it public instead of letting its trigger call it).
IAM004_EVENT = """\
#!/usr/bin/env bash
set -euo pipefail
gcloud functions deploy ingest --region=us-central1 --runtime=python312 --trigger-topic=raw-events \\
  --trigger-service-account=push@acme-prod.iam.gserviceaccount.com
gcloud functions add-iam-policy-binding ingest --region=us-central1 --member=allUsers \\
  --role=roles/cloudfunctions.invoker
"""


def test_iam004_on_an_event_invoked_function_grants_its_invoker_not_allusers(tmp_path: Path) -> None:
    script = tmp_path / "deploy.sh"
    script.write_text(IAM004_EVENT)
    result = shlint("check", "--no-cache", "-f", "json", str(script), cwd=tmp_path)
    [finding] = json.loads(result.stdout)
    assert (finding["code"], finding["start_line"], finding["start_column"]) == ("IAM004", 6, 3)
    assert finding["fix"] == {
        "message": "either pin gen1 with `--no-gen2` on the deploy at line 3, or pin `--gen2` there and grant with "
                   "`gcloud functions add-invoker-policy-binding ingest --region=us-central1 "
                   "--member=serviceAccount:push@acme-prod.iam.gserviceaccount.com`",
        "applicability": "display-only", "edits": []}
    fixed = shlint("check", "--no-cache", "--fix", str(script), cwd=tmp_path)
    assert fixed.returncode == 1 and script.read_text() == IAM004_EVENT
