"""`shlint-iam map` and `check -f markdown`: who invokes what, read from the invoker analysis,
as a table, JSON and a Mermaid flowchart; the README's job summary is the tool's own output."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from shlint_iam.config import Config
from shlint_iam.wiring import BOUND, PUBLIC, SOME_PATHS, UNBOUND, collect, render_mermaid

REPO = Path(__file__).resolve().parent.parent
MERMAID = REPO / "tests" / "mermaid"


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "shlint_iam", *args], capture_output=True, text=True, cwd=REPO)


def _script(tmp_path: Path, name: str, body: str) -> str:
    path = tmp_path / name
    path.write_text("#!/bin/bash\nset -euo pipefail\n" + textwrap.dedent(body).lstrip("\n"))
    return str(path)


DEPLOY = ("gcloud functions deploy orchestrator --gen2 --region=us-west2 --trigger-topic=done "
          "--service-account=runner@p.iam.gserviceaccount.com\n")
BIND = ("gcloud functions add-invoker-policy-binding orchestrator --region=us-west2 "
        "--member=serviceAccount:runner@p.iam.gserviceaccount.com\n")


def test_each_status_comes_from_the_outcome(tmp_path: Path) -> None:
    paths = [
        _script(tmp_path, "a_bound.sh", DEPLOY + BIND),
        _script(tmp_path, "b_unbound.sh", DEPLOY),
        _script(tmp_path, "c_some.sh", DEPLOY + 'if [ "$1" = prod ]; then\n' + BIND + "fi\n"),
        _script(tmp_path, "d_public.sh", DEPLOY.replace("\n", " --allow-unauthenticated\n")),
    ]
    edges, problems, files = collect(paths, Config())
    assert not problems and len(files) == 4
    assert [(Path(e.path).name, e.status) for e in edges] == [
        ("a_bound.sh", BOUND), ("b_unbound.sh", UNBOUND), ("c_some.sh", SOME_PATHS), ("d_public.sh", PUBLIC),
    ]
    bound = edges[0]
    assert (bound.caller, bound.identity, bound.service, bound.region, bound.project) == (
        "Pub/Sub topic done", "runner@p.iam.gserviceaccount.com", "orchestrator", "us-west2",
        "$(gcloud config get-value project)",
    )
    assert (bound.deploy and bound.deploy.start_line, [b.start_line for b in bound.bindings]) == (3, [4])
    assert edges[1].bindings == [] and edges[2].bindings[0].start_line == 5


def test_map_text_and_json_on_the_ci_examples() -> None:
    text = _cli("map", "examples/ci/mistake")
    assert text.returncode == 0
    lines = text.stdout.splitlines()
    assert lines[0].split() == ["CALLER", "IDENTITY", "SERVICE", "INVOKE", "DEPLOY", "BINDING"]
    assert re.sub(r"\s{2,}", " | ", lines[1]) == (
        "Pub/Sub topic phase3-done | ${{ vars.INVOKER_SA }} | orchestrator (us-west2) | unbound"
        " | examples/ci/mistake/.github/workflows/deploy.yml:28 | -"
    )
    assert "examples/ci/mistake/Makefile:11 (before the deploy)" in text.stdout
    data = json.loads(_cli("map", "-f", "json", "examples/ci/mistake").stdout)
    assert data["version"] == 1
    assert [(Path(e["path"]).name, e["service"]["name"], e["status"]) for e in data["edges"]] == [
        ("deploy.yml", "orchestrator", "unbound"),
        ("Makefile", "orchestrator", "unbound"),
        ("cloudbuild.yaml", "orchestrator", "bound"),
        ("cloudbuild.yaml", "worker", "unbound"),
    ]
    bound = data["edges"][2]
    assert bound["deploy"] == {"path": "examples/ci/mistake/cloudbuild.yaml", "line": 6, "column": 17}
    assert bound["bindings"] == [{"path": "examples/ci/mistake/cloudbuild.yaml", "line": 19, "column": 9}]
    fixed = json.loads(_cli("map", "-f", "json", "examples/ci/fixed").stdout)
    assert {e["status"] for e in fixed["edges"]} == {"bound"}


def test_map_with_nothing_event_invoked() -> None:
    result = _cli("map", "examples/clean/http_public.sh")
    assert (result.returncode, result.stdout) == (0, "No event-invoked deployments found.\n")


def test_mermaid_text_is_exact() -> None:
    expected = textwrap.dedent('''\
        flowchart LR
          subgraph f1["examples/ci/mistake/.github/workflows/deploy.yml"]
            c1["Pub/Sub topic phase3-done"]
            i1(["${{ vars.INVOKER_SA }}"])
            s1[["orchestrator (us-west2)"]]
          end
          subgraph f2["examples/ci/mistake/Makefile"]
            c2["Pub/Sub topic phase3-done"]
            i2(["invoker@$(PROJECT).iam.gserviceaccount.com"])
            s2[["orchestrator (us-west2)"]]
          end
          subgraph f3["examples/ci/mistake/cloudbuild.yaml"]
            c3["Pub/Sub topic phase3-done"]
            i3(["invoker@my-project.iam.gserviceaccount.com"])
            s3[["orchestrator (us-west2)"]]
            c4["Pub/Sub topic work-queued"]
            s4[["worker (us-west2)"]]
          end
          c1 --> i1
          i1 -.->|"unbound"| s1
          c2 --> i2
          i2 -.->|"unbound"| s2
          c3 --> i3
          i3 -->|"bound"| s3
          c4 --> i3
          i3 -.->|"unbound"| s4
          linkStyle 1 stroke:#cf222e,stroke-width:2px
          linkStyle 3 stroke:#cf222e,stroke-width:2px
          linkStyle 5 stroke:#2da44e,stroke-width:2px
          linkStyle 7 stroke:#cf222e,stroke-width:2px
        ''')
    assert _cli("map", "-f", "mermaid", "examples/ci/mistake").stdout == expected


def test_mermaid_labels_escape_what_mermaid_reads_as_syntax(tmp_path: Path) -> None:
    path = _script(tmp_path, "odd.sh", DEPLOY.replace("--trigger-topic=done", '--trigger-topic="a|b#c"'))
    edges, _, _ = collect([path], Config())
    assert 'c1["Pub/Sub topic a#124;b#35;c"]' in render_mermaid(edges)


def _mermaid_parser() -> Path | None:
    node = shutil.which("node")
    if node is None or not (MERMAID / "node_modules" / "mermaid").is_dir():
        return None
    return Path(node)


@pytest.mark.skipif(_mermaid_parser() is None,
                    reason="Mermaid's own parser is not installed (npm ci --prefix tests/mermaid)")
def test_mermaid_parser_accepts_the_flowcharts(tmp_path: Path) -> None:
    node = _mermaid_parser()
    assert node is not None
    for target in ("examples/ci/mistake", "examples/ci/fixed", "examples/mistakes", "examples/multi-file"):
        chart = tmp_path / "chart.mmd"
        chart.write_text(_cli("map", "-f", "mermaid", target).stdout)
        verdict = subprocess.run([str(node), str(MERMAID / "check.mjs"), str(chart)], capture_output=True,
                                 text=True, cwd=MERMAID, timeout=120)
        assert json.loads(verdict.stdout) == {"ok": True, "type": "flowchart-v2"}, target
    broken = tmp_path / "broken.mmd"
    broken.write_text("flowchart LR\n  a --> |x b\n")
    verdict = subprocess.run([str(node), str(MERMAID / "check.mjs"), str(broken)], capture_output=True, text=True,
                             cwd=MERMAID, timeout=120)
    assert json.loads(verdict.stdout)["ok"] is False


def test_check_markdown_has_the_findings_and_the_map() -> None:
    result = _cli("check", "-f", "markdown", "examples/ci/mistake")
    assert result.returncode == 1
    text = result.stdout
    assert text.startswith("### shlint-iam\n\n**4 problems** (4 errors) in 3 files.\n")
    assert ("| `examples/ci/mistake/Makefile:11:2` | IAM002 binding-before-deploy | error | this binding for "
            "orchestrator runs before the deploy at line 15 that creates it (or re-creates it), and no binding "
            "follows |") in text
    assert "#### Who invokes what" in text and "```mermaid\nflowchart LR\n" in text
    clean = _cli("check", "-f", "markdown", "examples/ci/fixed")
    assert clean.returncode == 0
    assert clean.stdout.startswith("### shlint-iam\n\nNo problems in 3 files.\n")


def test_readme_job_summary_is_the_tools_output() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    match = re.search(r"<!-- job-summary: shlint-iam (check -f markdown \S+) -->\n(.*?)<!-- end of job summary -->",
                      readme, re.S)
    assert match, "README.md lost its job-summary block"
    # When a message changes on purpose, regenerate the block with:
    #   python tests/test_wiring.py
    assert _cli(*match.group(1).split()).stdout == match.group(2), "README.md job summary is stale: " \
        "run `python tests/test_wiring.py` to regenerate it"


def _update_readme() -> None:
    """Rewrite README.md's job-summary block with the tool's current output."""
    path = REPO / "README.md"
    readme = path.read_text(encoding="utf-8")
    pattern = re.compile(r"(<!-- job-summary: shlint-iam (check -f markdown \S+) -->\n)(.*?)(<!-- end of job summary -->)",
                         re.S)
    match = pattern.search(readme)
    assert match is not None
    output = _cli(*match.group(2).split()).stdout
    path.write_text(readme[: match.start(3)] + output + readme[match.end(3) :], encoding="utf-8")


if __name__ == "__main__":
    _update_readme()
