"""Workflows, Cloud Build configs and Makefiles: the programs their runners execute, interpreted
as one deployment, with every position pointing into the YAML or Makefile."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from shlint_iam.config import Config
from shlint_iam.lint import Linter
from shlint_iam.model import Finding, Span

REPO = Path(__file__).resolve().parent.parent
CI = REPO / "examples" / "ci"
WORKFLOW = ".github/workflows/deploy.yml"


def lint(text: str, path: str = WORKFLOW, **config: object) -> list[Finding]:
    result = Linter(Config(**config)).lint_text(textwrap.dedent(text).lstrip("\n"), path)  # type: ignore[arg-type]
    return result.reported


def at(findings: list[Finding]) -> list[tuple[str, int, int]]:
    return [(f.code, f.span.start_line, f.span.start_col) for f in findings]


DEPLOY = ("gcloud functions deploy orchestrator --gen2 --region=us-west2 --trigger-topic=done "
          "--service-account=runner@p.iam.gserviceaccount.com")
BIND = ("gcloud functions add-invoker-policy-binding orchestrator --region=us-west2 "
        "--member=serviceAccount:runner@p.iam.gserviceaccount.com")


# -- positions inside every kind of YAML scalar ------------------------------------------------
@pytest.mark.parametrize(
    ("run", "line", "col"),
    [
        (f"      - run: {DEPLOY}\n", 5, 14),  # plain, on the key's line
        (f"      - run: '{DEPLOY}'\n", 5, 15),  # single-quoted
        (f'      - run: "{DEPLOY}"\n', 5, 15),  # double-quoted
        (f"      - run: |\n          echo start\n          {DEPLOY}\n", 7, 11),  # literal block
        (f"      - run: |-\n\n          {DEPLOY}\n", 7, 11),  # chomping, leading blank line
        (f"      - run: |2\n           echo x\n          {DEPLOY}\n", 7, 11),  # indentation indicator
        (f"      - run: >\n          echo start\n\n          {DEPLOY}\n", 8, 11),  # folded
        ("      - run: >-\n          gcloud functions deploy orchestrator\n          --gen2 --region=us-west2"
         " --trigger-topic=done\n          --service-account=runner@p.iam.gserviceaccount.com\n", 6, 11),
        (f"      - name: x\n        run: |\n          if true; then\n            {DEPLOY}\n          fi\n", 8, 13),
    ],
    ids=["plain", "single", "double", "literal", "strip", "indicator", "folded", "folded-lines", "nested"],
)
def test_a_deploy_is_reported_where_it_is_written_in_the_yaml(run: str, line: int, col: int) -> None:
    text = "on: push\njobs:\n  deploy:\n    steps:\n" + run
    assert at(lint(text)) == [("IAM001", line, col)]


def test_crlf_line_endings_keep_lines_and_columns() -> None:
    text = "on: push\r\njobs:\r\n  deploy:\r\n    steps:\r\n      - run: |\r\n          echo a\r\n" \
           f"          {DEPLOY}\r\n"
    result = Linter(Config()).lint_text(text, WORKFLOW)
    [finding] = result.reported
    assert (finding.span.start_line, finding.span.start_col) == (7, 11)
    assert result.snippets[WORKFLOW][7] == f"          {DEPLOY}"


def test_a_quoted_scalar_with_escapes_and_folding_maps_each_word() -> None:
    # The double-quoted scalar folds onto two lines and escapes a quote: --member's value still
    # points at its own text on line 6.
    text = f"""
    on: push
    jobs:
      deploy:
        steps:
          - run: "{DEPLOY}
              ; gcloud functions add-invoker-policy-binding orchestrator --region=us-east1 --member=\\"serviceAccount:runner@p.iam.gserviceaccount.com\\""
    """
    findings = lint(text)
    assert at(findings) == [("IAM003", 6, 13)]
    assert "region us-east1 instead of us-west2" in findings[0].message


# -- GitHub Actions semantics ----------------------------------------------------------------
def test_binding_in_a_later_job_satisfies_the_deploy() -> None:
    text = f"""
    on: push
    jobs:
      bind:
        needs: deploy
        runs-on: ubuntu-latest
        steps:
          - run: {BIND}
      deploy:
        runs-on: ubuntu-latest
        steps:
          - run: {DEPLOY}
    """
    assert lint(text) == []


def test_binding_in_an_earlier_job_without_needs_is_before_the_deploy() -> None:
    text = f"""
    on: push
    jobs:
      bind:
        runs-on: ubuntu-latest
        steps:
          - run: {BIND}
      deploy:
        runs-on: ubuntu-latest
        steps:
          - run: {DEPLOY}
    """
    assert at(lint(text)) == [("IAM002", 6, 14)]


def test_default_shell_is_bash_e_so_no_missing_errexit() -> None:
    text = f"""
    on: push
    jobs:
      deploy:
        steps:
          - run: |
              {DEPLOY}
              {BIND}
    """
    assert lint(text) == []


def test_custom_shell_without_e_has_no_errexit() -> None:
    text = f"""
    on: push
    jobs:
      deploy:
        defaults:
          run:
            shell: bash {{0}}
        steps:
          - run: |
              {DEPLOY}
              {BIND}
    """
    assert at(lint(text)) == [("ERR001", 9, 11)]


def test_shell_bash_adds_pipefail_and_default_shell_does_not() -> None:
    step = f"          - run: {DEPLOY} | tee deploy.log\n            shell: bash\n          - run: {BIND}\n"
    text = "on: push\njobs:\n  deploy:\n    steps:\n" + step
    assert lint(text) == []
    text = text.replace("            shell: bash\n", "")
    assert at(lint(text)) == [("ERR003", 5, 18)]


def test_python_and_windows_steps_are_not_shell() -> None:
    text = f"""
    on: push
    jobs:
      win:
        runs-on: windows-latest
        steps:
          - run: {DEPLOY}
      py:
        runs-on: ubuntu-latest
        steps:
          - shell: python
            run: print("{DEPLOY}")
    """
    assert lint(text) == []


def test_env_and_expressions() -> None:
    text = """
    on: push
    env:
      REGION: us-west2
    jobs:
      deploy:
        env:
          SA: ${{ secrets.INVOKER_SA }}
        steps:
          - run: gcloud functions deploy orchestrator --gen2 --region=${{ env.REGION }} --trigger-topic=done --service-account="$SA"
          - run: 'gcloud functions add-invoker-policy-binding orchestrator --region="$REGION" --member=serviceAccount:${{secrets.INVOKER_SA}}'
    """
    assert lint(text) == []
    text = text.replace("--region=\"$REGION\"", "--region=us-east1")
    findings = lint(text)
    assert at(findings) == [("IAM003", 10, 15)]
    assert "region us-east1 instead of us-west2" in findings[0].message
    text = text.replace("run: 'gcloud", "run: 'echo gcloud")
    findings = lint(text)
    assert at(findings) == [("IAM001", 9, 14)]
    assert "serviceAccount:${{ secrets.INVOKER_SA }}" in findings[0].message


def test_conditional_binding_step_is_only_on_some_paths() -> None:
    text = f"""
    on: push
    jobs:
      deploy:
        steps:
          - run: {DEPLOY}
          - if: github.ref == 'refs/heads/main'
            run: {BIND}
    """
    assert at(lint(text)) == [("IAM008", 7, 14)]


def test_deploy_cloud_functions_action_is_a_deploy() -> None:
    text = """
    on: push
    jobs:
      deploy:
        steps:
          - uses: google-github-actions/deploy-cloud-functions@v3
            with:
              name: orchestrator
              runtime: python312
              region: us-west2
              event_trigger_type: google.cloud.pubsub.topic.v1.messagePublished
              event_trigger_pubsub_topic: projects/p/topics/done
              event_trigger_service_account: ${{ vars.INVOKER_SA }}
    """
    findings = lint(text)
    assert at(findings) == [("IAM001", 5, 15)]
    assert "serviceAccount:${{ vars.INVOKER_SA }}" in findings[0].message
    fixed = text + "      - run: gcloud functions add-invoker-policy-binding orchestrator --region=us-west2 " \
                   "--member='serviceAccount:${{ vars.INVOKER_SA }}'\n"
    assert lint(fixed) == []


def test_deploy_cloudrun_action_with_public_flag() -> None:
    text = """
    on: push
    jobs:
      deploy:
        steps:
          - uses: google-github-actions/deploy-cloudrun@v2
            with:
              service: worker
              region: us-west2
              image: us-docker.pkg.dev/p/r/worker:1
          - run: >
              gcloud eventarc triggers create worker-trigger --location=us-west2
              --destination-run-service=worker --destination-run-region=us-west2
              --event-filters=type=google.cloud.pubsub.topic.v1.messagePublished
              --service-account=invoker@p.iam.gserviceaccount.com
    """
    assert [f.code for f in lint(text)] == ["IAM001"]
    public = text.replace("image: us-docker.pkg.dev/p/r/worker:1",
                          "image: us-docker.pkg.dev/p/r/worker:1\n          flags: --allow-unauthenticated")
    assert "IAM001" not in [f.code for f in lint(public)]


# -- Cloud Build ---------------------------------------------------------------------------------
def test_cloudbuild_gcloud_args_and_bash_steps() -> None:
    findings = Linter(Config()).lint_paths([str(CI / "mistake" / "cloudbuild.yaml")]).reported
    assert at(findings) == [("ERR001", 16, 9), ("IAM001", 16, 9)]
    assert "invoker@my-project.iam.gserviceaccount.com" in findings[1].message


def test_cloudbuild_substitutions_builtins_and_dollar_escapes() -> None:
    text = """
    steps:
    - name: gcr.io/cloud-builders/gcloud
      args: [functions, deploy, orchestrator, --gen2, '--region=$_REGION', --trigger-topic=done,
             '--service-account=runner@$PROJECT_ID.iam.gserviceaccount.com']
    - name: bash
      entrypoint: bash
      args: ['-c', 'echo "$${HOME}"; gcloud functions add-invoker-policy-binding orchestrator --region=${_REGION} --member=serviceAccount:runner@$PROJECT_ID.iam.gserviceaccount.com']
    substitutions:
      _REGION: europe-west1
    """
    assert lint(text, "cloudbuild.yaml") == []
    findings = lint(text.replace("--region=${_REGION}", "--region=us-east1"), "cloudbuild.yaml")
    assert at(findings) == [("IAM003", 7, 34)]
    assert "region us-east1 instead of europe-west1" in findings[0].message
    findings = lint(text.replace("member=serviceAccount:runner@", "member=serviceAccount:deployer@"),
                    "cloudbuild.yaml")
    assert at(findings) == [("IAM005", 7, 111)]
    assert "the invoker is serviceAccount:runner@$PROJECT_ID.iam.gserviceaccount.com" in findings[0].message


def test_cloudbuild_script_field_runs_under_sh_without_errexit() -> None:
    text = f"""
    steps:
    - name: gcr.io/google.com/cloudsdktool/cloud-sdk
      script: |
        {DEPLOY}
        {BIND}
    """
    assert at(lint(text, "cloudbuild.yaml")) == [("ERR001", 4, 5)]
    assert lint(text.replace("script: |\n", "script: |\n        #!/bin/bash -e\n"), "cloudbuild.yml") == []


def test_explicit_yaml_with_build_steps_is_a_build_config(tmp_path: Path) -> None:
    config = tmp_path / "deploy.yaml"
    config.write_text(f"steps:\n- name: gcr.io/cloud-builders/gcloud\n  args: {json.dumps(DEPLOY.split()[1:])}\n")
    result = Linter(Config()).lint_paths([str(config)])
    assert at(result.reported) == [("IAM001", 2, 9)]  # the command starts at the builder image
    # A walk only picks build configs by name.
    assert Linter(Config()).lint_paths([str(tmp_path)]).files == []


# -- Makefiles ---------------------------------------------------------------------------------
def test_makefile_recipe_lines_variables_and_prerequisites() -> None:
    findings = Linter(Config()).lint_paths([str(CI / "mistake" / "Makefile")]).reported
    assert at(findings) == [("IAM002", 11, 2)]
    assert Linter(Config()).lint_paths([str(CI / "fixed" / "Makefile")]).reported == []


def test_makefile_each_line_is_its_own_shell_and_dash_ignores_failure() -> None:
    text = f"""
    SA := runner@p.iam.gserviceaccount.com
    deploy:
    \t@echo deploying
    \t{DEPLOY}; echo done
    \t-{BIND.replace("runner@p.iam.gserviceaccount.com", "$(SA)")}
    """
    text = textwrap.dedent(text).lstrip("\n")
    findings = Linter(Config()).lint_text(text, "Makefile").reported
    assert at(findings) == [("ERR001", 4, 2), ("ERR002", 5, 3)]


def test_makefile_oneshell_and_shellflags() -> None:
    text = f".ONESHELL:\n.SHELLFLAGS := -ec\ndeploy:\n\t{DEPLOY}; echo done\n\t{BIND}\n"
    assert Linter(Config()).lint_text(text, "deploy.mk").reported == []


# -- the file as a whole -----------------------------------------------------------------------
def test_invalid_yaml_is_one_syntax_finding_at_the_error() -> None:
    text = "on: push\njobs:\n  deploy:\n    steps:\n      - run: 'unterminated\n"
    result = Linter(Config()).lint_text(text, WORKFLOW)
    [finding] = result.reported
    assert (finding.code, finding.span.start_line, finding.span.start_col) == ("SH000", 6, 1)
    assert "not valid YAML" in finding.message
    assert result.exit_code() == 1


def test_suppression_comments_in_yaml_and_inside_scripts() -> None:
    text = f"""
    on: push
    jobs:
      deploy:
        steps:
          - run: {DEPLOY}  # shlint-iam disable=IAM001 -- bound by the platform team
    """
    assert lint(text) == []
    text = f"""
    on: push
    jobs:
      deploy:
        steps:
          - run: |
              # shlint-iam disable=IAM001
              {DEPLOY}
    """
    assert lint(text) == []


def test_directory_walk_finds_workflows_build_configs_and_makefiles() -> None:
    result = Linter(Config()).lint_paths([str(CI / "mistake")])
    names = sorted(Path(f).name for f in result.files)
    assert names == ["Makefile", "cloudbuild.yaml", "deploy.yml"]
    assert sorted({f.code for f in result.reported}) == ["ERR001", "IAM001", "IAM002"]
    assert Linter(Config()).lint_paths([str(CI / "fixed")]).reported == []
    excluded = Linter(Config(exclude=["Makefile", ".github"], root=REPO)).lint_paths([str(CI / "mistake")])
    assert [Path(f).name for f in excluded.files] == ["cloudbuild.yaml"]


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "shlint_iam", *args], capture_output=True, text=True, cwd=REPO)


def test_text_and_sarif_point_at_the_yaml_lines() -> None:
    path = "examples/ci/mistake/.github/workflows/deploy.yml"
    text = _cli("check", path)
    assert text.returncode == 1
    assert text.stdout.splitlines()[:3] == [
        path,
        "  28:11  error  IAM001 gen2 function orchestrator (Pub/Sub topic phase3-done) is invoked as "
        "serviceAccount:${{ vars.INVOKER_SA }} (--service-account), which gets no roles/run.invoker on service "
        "orchestrator after this deploy",
        '     28 |           gcloud functions deploy orchestrator --gen2 --region="$REGION" \\',
    ]
    sarif = _cli("check", "-f", "sarif", "examples/ci/mistake")
    log = json.loads(sarif.stdout)
    from tests.test_sarif import validate

    validate(log)
    where = sorted(
        (r["ruleId"], r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
         r["locations"][0]["physicalLocation"]["region"]["startLine"],
         r["locations"][0]["physicalLocation"]["region"]["startColumn"])
        for r in log["runs"][0]["results"]
    )
    assert where == [
        ("ERR001", "examples/ci/mistake/cloudbuild.yaml", 16, 9),
        ("IAM001", "examples/ci/mistake/.github/workflows/deploy.yml", 28, 11),
        ("IAM001", "examples/ci/mistake/cloudbuild.yaml", 16, 9),
        ("IAM002", "examples/ci/mistake/Makefile", 11, 2),
    ]


# -- what the front ends do not follow is said, not skipped in silence ---------------------------
def test_unfollowed_workflows_actions_and_includes_are_sh001_notices() -> None:
    text = """
    on: push
    jobs:
      call:
        uses: ./.github/workflows/deploy-prod.yml
      deploy:
        steps:
          - uses: ./.github/actions/deploy
          - uses: google-github-actions/deploy-cloudrun@v2
            with:
              metadata: service.yaml
          - uses: actions/checkout@v4
    """
    findings = lint(text)
    assert [(f.code, f.span.start_line, f.span.start_col, f.message) for f in findings] == [
        ("SH001", 4, 11, "called workflow not followed: ./.github/workflows/deploy-prod.yml: reusable workflows "
                         "are not followed"),
        ("SH001", 7, 15, "action not followed: ./.github/actions/deploy: local actions are not followed"),
        ("SH001", 8, 15, "deploy action not followed: google-github-actions/deploy-cloudrun@v2: a deploy from a "
                         "`metadata:` service description is not modelled"),
    ]
    make = Linter(Config()).lint_text("include config.mk\ndeploy:\n\tgcloud run deploy api --image=x --region=us-west2\n", "Makefile")
    assert [(f.code, f.span.start_line, f.span.start_col, f.message) for f in make.reported] == [
        ("SH001", 1, 1, "included makefile not followed: config.mk: `include` is not followed"),
    ]


def test_cloudbuild_json_and_per_file_ignores(tmp_path: Path) -> None:
    config = tmp_path / "cloudbuild.json"
    steps = {"steps": [{"name": "gcr.io/cloud-builders/gcloud", "args": DEPLOY.split()[1:]}]}
    config.write_text(json.dumps(steps, indent=2) + "\n")
    result = Linter(Config()).lint_paths([str(tmp_path)])
    assert at(result.reported) == [("IAM001", 4, 15)]
    ignored = Linter(Config(per_file_ignores={"cloudbuild.json": ["IAM001"]}, root=tmp_path))
    assert ignored.lint_paths([str(tmp_path)]).reported == []


def test_cloudbuild_shell_entrypoint_with_a_script_file_runs_it_as_a_command() -> None:
    text = """
    steps:
    - name: gcr.io/google.com/cloudsdktool/cloud-sdk
      entrypoint: bash
      args: ['deploy/deploy.sh', '$_REGION']
    """
    from shlint_iam.frontends.document import build
    from shlint_iam.source import SourceFile

    document = build(SourceFile("cloudbuild.yaml", textwrap.dedent(text).lstrip("\n")))
    assert document is not None
    [program] = document.programs
    assert program.source.text == "bash 'deploy/deploy.sh' ''\"${__shlint_t1}\"''"
    assert program.source.span((0, 0), (0, 4)) == Span("cloudbuild.yaml", 3, 15, 3, 16)
    assert program.source.span((0, 6), (0, 22)) == Span("cloudbuild.yaml", 4, 11, 4, 27)


def test_left_of_and_in_the_last_statement_fails_the_step() -> None:
    # bash ignores errexit left of `&&`, but a failure there is the status of the step's last
    # statement, so the runner stops the job: no ERR001. Mid-script it goes unnoticed: ERR001.
    last = f"on: push\njobs:\n  d:\n    steps:\n      - run: |\n          {DEPLOY} && echo deployed\n"
    assert at(lint(last)) == [("IAM001", 6, 11)]
    middle = last + "          echo next\n"
    assert at(lint(middle)) == [("ERR001", 6, 11), ("IAM001", 6, 11)]


@pytest.mark.parametrize(
    ("path", "text"),
    [
        (WORKFLOW, "on: push\njobs: [1, 2]\n"),
        (WORKFLOW, "on: push\njobs:\n  a:\n    steps: nope\n"),
        (WORKFLOW, "on: push\njobs:\n  a:\n    steps:\n      - run: 42\n      - run:\n      - {uses: [1]}\n"),
        (WORKFLOW, "x: &d\n  run: gcloud run deploy a --image=x --region=r\non: push\njobs:\n  a:\n    steps:\n"
                   "      - <<: *d\n"),
        (WORKFLOW, "on:\njobs:\n  a:\n    needs: b\n  b:\n    needs: a\n    steps: [{run: 'gcloud run deploy s --region=r'}]\n"),
        ("cloudbuild.yaml", "steps:\n- name: x\n  args: 5\n"),
        ("cloudbuild.yaml", "steps:\n- name: gcr.io/cloud-builders/gcloud\n  args: [{a: 1}, '$$', '${_A}']\n"
                            "substitutions: {_A: '${_A}'}\n"),
        ("cloudbuild.yaml", "steps: [{name: bash, entrypoint: bash, args: ['-c']}]\n"),
        ("Makefile", "a:\n\t\n\t-\n\t@\n"),
        ("Makefile", "X = $(X)\na: a\n\tgcloud run deploy $(X) --image=i\n"),
        ("Makefile", "define X\n\tgcloud\nendef\nA := $(shell echo\\\n x)\nb: c d\n\t$(A) gcloud run deploy ${A}\n"),
    ],
)
def test_odd_files_are_linted_without_problems(path: str, text: str) -> None:
    result = Linter(Config()).lint_text(text, path)
    assert result.problems == []
    assert [f.code for f in result.reported] == []


def test_merge_keys_are_expanded_in_env() -> None:
    text = """
    defaults: &env
      REGION: europe-west1
    on: push
    jobs:
      a:
        env:
          <<: *env
        steps:
          - run: gcloud functions deploy f --gen2 --region="$REGION" --trigger-topic=t --service-account=s@p.iam.gserviceaccount.com
    """
    [finding] = lint(text)
    assert "--region=europe-west1" in (finding.fix or "")


def test_language_server_reports_workflow_findings_at_the_yaml_position(tmp_path: Path) -> None:
    pytest.importorskip("pygls")
    from tests.test_lsp import Client

    client = Client(tmp_path)
    try:
        client.initialize(tmp_path)
        workflow = tmp_path / ".github" / "workflows" / "deploy.yml"
        workflow.parent.mkdir(parents=True)
        text = (CI / "mistake" / ".github" / "workflows" / "deploy.yml").read_text(encoding="utf-8")
        workflow.write_text(text, encoding="utf-8")
        uri = client.open(workflow, text)
        (diag,) = client.diagnostics(uri)["diagnostics"]
        assert diag["code"] == "IAM001"
        assert diag["range"]["start"] == {"line": 27, "character": 10}
        fixed = (CI / "fixed" / ".github" / "workflows" / "deploy.yml").read_text(encoding="utf-8")
        client.change(uri, fixed, 2)
        assert client.diagnostics(uri)["diagnostics"] == []
        assert client.close() == 0
    finally:
        if client.proc.poll() is None:
            client.proc.kill()
            client.proc.wait(timeout=10)


# -- files GitHub refuses to load: nothing in them runs ---------------------------------------
REFUSED = [
    # a job id written twice: the later `deploy` job hid the first one's deploy (a silent pass)
    (f"on: push\njobs:\n  deploy:\n    runs-on: ubuntu-latest\n    steps:\n      - run: {DEPLOY}\n"
     "  deploy:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo second\n",
     (7, 3, 9), "not valid YAML: 'deploy' is already defined (line 3); GitHub rejects the workflow and runs none of it"),
    # `run` twice in one step
    (f"on: push\njobs:\n  deploy:\n    steps:\n      - name: deploy\n        run: {DEPLOY}\n        run: echo hi\n",
     (7, 9, 12), "not valid YAML: 'run' is already defined (line 6); GitHub rejects the workflow and runs none of it"),
    # a top-level key twice (two workflows pasted into one file)
    (f"on: push\njobs:\n  a:\n    steps:\n      - run: {BIND}\non: pull_request\n",
     (6, 1, 3), "not valid YAML: 'on' is already defined (line 1); GitHub rejects the workflow and runs none of it"),
    # two steps of one job with the same id
    (f"on: push\njobs:\n  deploy:\n    steps:\n      - id: url\n        run: echo url=x >> $GITHUB_OUTPUT\n"
     f"      - id: url\n        run: {DEPLOY}\n",
     (7, 13, 16), "not a valid workflow: the step id 'url' is used twice in one job (line 5); GitHub rejects the "
                  "workflow and runs none of it"),
]


@pytest.mark.parametrize(("text", "where", "message"), REFUSED, ids=["job", "run", "on", "step-id"])
def test_a_workflow_github_refuses_is_one_syntax_finding_and_nothing_of_it_runs(
        text: str, where: tuple[int, int, int], message: str) -> None:
    [finding] = Linter(Config()).lint_text(text, WORKFLOW).reported
    span = finding.span
    assert (finding.code, span.start_line, span.start_col, span.end_col) == ("SH000", *where)
    assert finding.message == f"syntax error: {message}"


def test_a_composite_action_with_a_key_written_twice_is_refused_too() -> None:
    text = ("name: deploy\ninputs:\n  service:\n    required: true\ninputs:\n  region: {}\nruns:\n"
            f"  using: composite\n  steps:\n    - shell: bash\n      run: {DEPLOY}\n")
    [finding] = Linter(Config()).lint_text(text, ".github/actions/deploy/action.yml").reported
    assert (finding.code, finding.span.start_line, finding.span.start_col) == ("SH000", 5, 1)
    assert finding.message == ("syntax error: not valid YAML: 'inputs' is already defined (line 2); GitHub rejects "
                               "the action and runs none of it")


def test_keys_and_step_ids_repeated_where_github_allows_it_are_not_refused() -> None:
    # the same key in different mappings, the same step id in different jobs, a mapping reused
    # through an alias, and merge keys
    text = f"""
    on: push
    env: &common
      REGION: us-west2
    jobs:
      build:
        env: *common
        steps:
          - id: url
            run: echo url=x >> $GITHUB_OUTPUT
          - run: echo built
      deploy:
        env:
          <<: *common
          EXTRA: "1"
        steps:
          - id: url
            run: {DEPLOY}
          - run: echo deployed
    """
    assert at(lint(text)) == [("IAM001", 17, 14)]


def test_a_cloud_build_config_with_a_repeated_key_is_not_judged_by_githubs_rules() -> None:
    text = f"steps:\n  - name: gcr.io/cloud-builders/gcloud\n    entrypoint: bash\n    args: ['-c', '{DEPLOY}']\n" \
           "timeout: 600s\ntimeout: 900s\n"
    assert [f.code for f in Linter(Config()).lint_text(text, "cloudbuild.yaml").reported] == ["IAM001"]
