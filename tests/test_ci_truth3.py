"""Idioms of real CI files that deploy, from the third sweep (/work/realcorpus/ci3/TRIAGE.md):
each test file is written for these tests, shaped like the public file that showed the mistake."""

from __future__ import annotations

import textwrap

from shlint_iam.config import Config
from shlint_iam.lint import Linter
from shlint_iam.model import Finding


def lint(text: str, path: str) -> list[Finding]:
    return Linter(Config()).lint_text(textwrap.dedent(text).lstrip("\n"), path).reported


def found(findings: list[Finding]) -> list[tuple[str, int, int, str]]:
    return [(f.code, f.span.start_line, f.span.start_col, f.message) for f in findings]


# A build step installs Node from its setup script piped into `bash -` before an eval, then a
# gcloud step deploys. `-` ends bash's options (as `--` does) and the script is read from standard
# input; it was taken for a script file named `-` ("-: not found").
NODE_SETUP = """
    steps:
      - name: python:3.12-slim
        id: eval
        entrypoint: bash
        args:
          - -c
          - |
            apt-get update -qq && apt-get install -y -qq curl
            curl -fsSL https://deb.nodesource.com/setup_20.x | bash - >/dev/null 2>&1
            apt-get install -y -qq nodejs
            npx promptfoo eval --output results.json
      - name: gcr.io/google.com/cloudsdktool/cloud-sdk
        entrypoint: gcloud
        args: [run, deploy, ledger-api, --image, europe-docker.pkg.dev/$PROJECT_ID/apps/ledger-api,
               --region, europe-west4, --no-allow-unauthenticated]
    """


def test_bash_dash_reads_its_script_from_standard_input_not_a_file_named_dash() -> None:
    assert found(lint(NODE_SETUP, "cloudbuild.yaml")) == [
        ("SH001", 9, 60, "script on standard input not followed: its standard input is not known statically")]


def test_bash_dash_then_a_file_runs_that_file() -> None:
    script = "#!/bin/bash\nset -e\nbash - ./deploy-worker.sh europe-west4\n"
    assert found(Linter(Config()).lint_text(script, "ci/run.sh").reported) == [
        ("SH001", 3, 1, "`bash - ./deploy-worker.sh europe-west4` not followed: ci/deploy-worker.sh: not found "
                 "(looked in ci, .)")]
