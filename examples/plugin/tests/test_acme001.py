"""Tests of ACME001, table-driven: each snippet and the (code, line, column) it must produce.

Run them with ``pytest`` from ``examples/plugin`` (shlint-iam installed; the plugin itself need
not be: ``check_text`` takes the rule classes to run).
"""

from __future__ import annotations

import textwrap

import pytest
from shlint_iam.api import Rule, Severity, check_text

from acme_shlint_rules import DefaultComputeRuntimeAccount

CASES = [
    # (id, script, expected (code, line, column) triples)
    ("function-without-account", """
        gcloud functions deploy orchestrator --gen2 --region=us-west2 --trigger-topic=done
        """, [("ACME001", 1, 1)]),
    ("run-service-without-account", """
        gcloud run deploy api --region=us-west2 --image=gcr.io/p/api
        """, [("ACME001", 1, 1)]),
    ("explicit-default-account", """
        NUM=$(gcloud projects describe p --format='value(projectNumber)')
        gcloud run deploy api --region=us-west2 \\
          --service-account="${NUM}-compute@developer.gserviceaccount.com"
        """, [("ACME001", 3, 3)]),
    ("own-account", """
        gcloud functions deploy orchestrator --gen2 --region=us-west2 --trigger-topic=done \\
          --service-account=orchestrator@p.iam.gserviceaccount.com
        """, []),
    ("account-from-a-variable", """
        SA="orchestrator@${PROJECT}.iam.gserviceaccount.com"
        gcloud functions deploy orchestrator --gen2 --region=us-west2 --trigger-http --service-account="$SA"
        """, []),
    ("not-a-deploy", """
        gcloud functions describe orchestrator --region=us-west2
        """, []),
    ("suppressed", """
        # shlint-iam disable=ACME001
        gcloud run deploy api --region=us-west2 --image=gcr.io/p/api
        """, []),
]


def triples(script: str) -> list[tuple[str, int, int]]:
    findings = check_text(textwrap.dedent(script).lstrip("\n"), [DefaultComputeRuntimeAccount])
    return [(f.code, f.span.start_line, f.span.start_col) for f in findings]


@pytest.mark.parametrize(("script", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_acme001(script: str, expected: list[tuple[str, int, int]]) -> None:
    assert triples(script) == expected


def test_message_names_the_deployment() -> None:
    (finding,) = check_text("gcloud run deploy api --region=us-west2\n", [DefaultComputeRuntimeAccount])
    assert finding.message == "Cloud Run service api runs as the default compute service account (no --service-account)"
    assert finding.severity is Severity.WARNING
    assert finding.fix


def test_metadata_and_documentation() -> None:
    rule: type[Rule] = DefaultComputeRuntimeAccount
    assert rule.code == "ACME001" and rule.name and rule.summary
    for heading in ("## What it does", "## Why it matters", "## Example", "## Fix"):
        assert heading in rule.docs()


def test_the_documented_example_is_reported() -> None:
    docs = DefaultComputeRuntimeAccount.docs()
    example = docs.split("## Example")[1].split("```bash")[1].split("```")[0]
    fixed = docs.split("## Fix")[1].split("```bash")[1].split("```")[0]
    assert triples(example) == [("ACME001", 1, 1)]
    assert triples(fixed) == []
