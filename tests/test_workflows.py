"""Workflows as an invoker: `gcloud workflows deploy W --source=FILE --service-account=SA` calls the
Cloud Run services its definition reaches with OIDC, as SA; the definition is read with PyYAML's
safe loader, only inside the project root."""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

import pytest

from shlint_iam.config import Config
from shlint_iam.gcloud.workflows import oidc_calls, parse_definition
from shlint_iam.lint import Linter

WORKFLOW = """\
main:
  steps:
    - call_orch:
        call: http.post
        args:
          url: https://orch-abc123defg-uw.a.run.app/run
          auth:
            type: OIDC
    - ping:
        call: http.get
        args:
          url: https://example.com/ping
    - report:
        call: sub_report
sub_report:
  steps:
    - call_function:
        call: http.post
        args:
          url: https://us-west2-proj.cloudfunctions.net/Reporter
          auth: {type: OIDC, audience: https://us-west2-proj.cloudfunctions.net/Reporter}
    - oauth_api:
        call: http.get
        args:
          url: https://orch-abc123defg-uw.a.run.app/other
          auth: {type: OAuth2}
"""

ORCH_ONLY = WORKFLOW.split("    - report:")[0]
RUNNER = "serviceAccount:wf-runner@proj.iam.gserviceaccount.com"
HEAD = "#!/bin/bash\nset -euo pipefail\n"
DEPLOY_ORCH = "gcloud run deploy orch --region=us-west2 --project=proj --image=gcr.io/proj/orch\n"
DEPLOY_WF = ("gcloud workflows deploy nightly --location=us-west2 --project=proj --source=workflows/nightly.yaml "
             "--service-account=wf-runner@proj.iam.gserviceaccount.com\n")


def bind(service: str, member: str = RUNNER, role: str = "roles/run.invoker") -> str:
    return (f"gcloud run services add-iam-policy-binding {service} --region=us-west2 --project=proj "
            f"--member={member} --role={role}\n")


def lint_project(tmp_path: Path, script: str, workflow: str = ORCH_ONLY,
                 where: str = "workflows/nightly.yaml") -> list[tuple[str, int, int, str]]:
    (tmp_path / ".git").mkdir(exist_ok=True)
    target = tmp_path / where
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(workflow)
    (tmp_path / "deploy.sh").write_text(script)
    result = Linter(Config()).lint_paths([str(tmp_path / "deploy.sh")])
    return sorted((f.code, f.span.start_line, f.span.start_col, f.message) for f in result.reported)


def codes(found: list[tuple[str, int, int, str]]) -> list[tuple[str, int, int]]:
    return [(c, line, col) for c, line, col, _ in found]


def test_definition_yields_only_oidc_calls_to_run_and_function_urls() -> None:
    calls = oidc_calls(parse_definition(WORKFLOW.encode()))
    assert [(c.step, c.service, c.region, c.project) for c in calls] == [
        ("call_orch", "orch", None, None),
        ("call_function", "reporter", "us-west2", "proj"),
    ]


def test_unsafe_yaml_tags_are_rejected() -> None:
    with pytest.raises(ValueError, match="not valid YAML"):
        parse_definition(b"main: !!python/object/apply:os.system ['true']\n")


def test_workflow_identity_unbound(tmp_path: Path) -> None:
    found = lint_project(tmp_path, HEAD + DEPLOY_ORCH + DEPLOY_WF)
    assert codes(found) == [("IAM001", 3, 1)]
    assert "called by the workflow nightly (step call_orch), is invoked as " + RUNNER in found[0][3]


def test_workflow_identity_bound(tmp_path: Path) -> None:
    assert lint_project(tmp_path, HEAD + DEPLOY_ORCH + DEPLOY_WF + bind("orch")) == []


def test_workflow_identity_bound_on_some_paths(tmp_path: Path) -> None:
    script = HEAD + DEPLOY_ORCH + DEPLOY_WF + 'if [ "${GRANT:-}" = yes ]; then\n  ' + bind("orch") + "fi\n"
    assert codes(lint_project(tmp_path, script)) == [("IAM008", 6, 3)]


def test_workflow_binding_for_another_member(tmp_path: Path) -> None:
    script = HEAD + DEPLOY_ORCH + DEPLOY_WF + bind("orch", member="serviceAccount:other@proj.iam.gserviceaccount.com")
    assert codes(lint_project(tmp_path, script)) == [("IAM005", 5, 82)]


def test_workflow_without_service_account_runs_as_default_compute(tmp_path: Path) -> None:
    deploy_wf = "gcloud workflows deploy nightly --location=us-west2 --project=proj --source=workflows/nightly.yaml\n"
    found = lint_project(tmp_path, HEAD + DEPLOY_ORCH + deploy_wf)
    assert codes(found) == [("IAM001", 3, 1)]
    assert "PROJECT_NUMBER-compute@developer.gserviceaccount.com" in found[0][3]


def test_workflow_calling_a_function_deployed_here(tmp_path: Path) -> None:
    deploy_fn = ("gcloud functions deploy Reporter --gen2 --region=us-west2 --project=proj --trigger-http "
                 "--runtime=python312 --source=.\n")
    script = HEAD + DEPLOY_ORCH + bind("orch") + deploy_fn + DEPLOY_WF
    found = lint_project(tmp_path, script, workflow=WORKFLOW)
    assert codes(found) == [("IAM001", 5, 1)]
    assert "function reporter" in found[0][3] or "service reporter" in found[0][3]
    script += ("gcloud functions add-invoker-policy-binding Reporter --region=us-west2 --project=proj "
               f"--member={RUNNER}\n")
    assert lint_project(tmp_path, script, workflow=WORKFLOW) == []


def test_source_relative_to_cd(tmp_path: Path) -> None:
    script = HEAD + DEPLOY_ORCH + "cd workflows\n" + DEPLOY_WF.replace("workflows/nightly.yaml", "nightly.yaml")
    assert codes(lint_project(tmp_path, script)) == [("IAM001", 3, 1)]


def test_source_outside_the_project_is_never_read(tmp_path: Path) -> None:
    project = tmp_path / "project"
    project.mkdir()
    outside = tmp_path / "outside.yaml"
    outside.write_text(WORKFLOW)
    script = HEAD + DEPLOY_ORCH + DEPLOY_WF.replace("workflows/nightly.yaml", "../outside.yaml")
    (project / ".git").mkdir()
    (project / "deploy.sh").write_text(script)
    linter = Linter(Config())
    result = linter.lint_paths([str(project / "deploy.sh")])
    assert [f.code for f in result.reported if f.code.startswith("IAM")] == []
    analysis_notes = _notes(linter, project / "deploy.sh")
    assert "workflow source not followed: ../outside.yaml: outside the project root" in analysis_notes


def test_invalid_yaml_is_a_note_not_a_crash(tmp_path: Path) -> None:
    found = lint_project(tmp_path, HEAD + DEPLOY_ORCH + DEPLOY_WF, workflow="main: [unclosed\n")
    assert found == [("SH001", 4, 1, "workflow source not followed: workflows/nightly.yaml: not valid YAML "
                                     "(while parsing a flow sequence)")]


def _notes(linter: Linter, path: Path) -> list[str]:
    from shlint_iam.analysis import analyse
    from shlint_iam.source import SourceFile

    source = SourceFile.from_bytes(os.path.basename(path), path.read_bytes(), real_path=str(path))
    return [note.message for note in analyse(source, linter.config).notes]


def test_yaml_dependency_is_declared() -> None:
    pyproject = (Path(__file__).resolve().parent.parent / "pyproject.toml").read_text()
    assert '"pyyaml>=6.0"' in textwrap.dedent(pyproject).lower()


# -- a definition the script writes itself (`cat > workflow.yaml <<EOF`) -------------------------
WRITTEN = """#!/bin/bash
set -euo pipefail
REGION=us-west2
mkdir -p workflows
cat > workflows/nightly.yaml <<EOF
main:
  steps:
    - call_orch:
        call: http.post
        args:
          url: https://orch-123456789.${REGION}.run.app/run
          auth:
            type: OIDC
EOF
"""


def test_a_definition_the_script_writes_is_read_from_what_it_wrote(tmp_path: Path) -> None:
    # The repository's file calls nothing; the script overwrites it with a call to orch, which
    # the workflow's identity may not invoke.
    found = lint_project(tmp_path, WRITTEN + DEPLOY_ORCH + DEPLOY_WF, workflow="main:\n  steps: []\n")
    assert codes(found) == [("IAM001", 15, 1)]
    assert "called by the workflow nightly (step call_orch), is invoked as " + RUNNER in found[0][3]
    assert lint_project(tmp_path, WRITTEN + DEPLOY_ORCH + DEPLOY_WF + bind("orch")) == []


def test_a_definition_written_from_values_not_known_here_is_a_note_not_not_found(tmp_path: Path) -> None:
    # a key not known statically (a URL not known is a call to a service not known, as for a
    # command line's `--push-endpoint="$URL"`: tests/test_placed_files.py)
    script = WRITTEN.replace("main:", "${ENTRY}:") + DEPLOY_WF
    found = lint_project(tmp_path, script, workflow="main:\n  steps: []\n")
    assert found == [("SH001", 15, 1, "workflow source not followed: workflows/nightly.yaml: the script writes it, "
                                      "with text not known here")]


def test_two_steps_calling_one_service_are_both_named(tmp_path: Path) -> None:
    twice = ORCH_ONLY + ("    - call_again:\n        call: http.get\n        args:\n"
                         "          url: https://orch-abc123defg-uw.a.run.app/status\n          auth:\n            type: OIDC\n")
    found = lint_project(tmp_path, HEAD + DEPLOY_ORCH + DEPLOY_WF, workflow=twice)
    assert codes(found) == [("IAM001", 3, 1)]
    assert "called by the workflow nightly (steps call_orch and call_again), is invoked as " + RUNNER in found[0][3]
