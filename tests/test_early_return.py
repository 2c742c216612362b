"""A function (or sourced file) whose only way out besides `exit` is an early `return`:
`if gcloud ...; then return 0; fi; exit 1`. What follows the call runs after the early return;
it used to look unreachable, so the binding after the call was never seen (a false IAM001)."""

from __future__ import annotations

from pathlib import Path

from ruletest import lint_snippet

from shlint_iam.config import Config
from shlint_iam.lint import Linter

DEPLOY = """\
#!/bin/bash
set -euo pipefail
deploy() {
  if gcloud functions deploy orders --gen2 --region=us-east1 --project=p --trigger-topic=t \\
      --trigger-service-account=sa@p.iam.gserviceaccount.com --runtime=python312 --source=.; then
    return 0
  fi
  echo "deploy failed" >&2
  exit 1
}
deploy
"""
BIND = """\
gcloud functions add-invoker-policy-binding orders --region=us-east1 --project=p \\
  --member=serviceAccount:sa@p.iam.gserviceaccount.com
"""


def found(script: str) -> list[tuple[str, int, int]]:
    result = lint_snippet(script)
    assert result.problems == []
    return [(f.code, f.span.start_line, f.span.start_col) for f in result.reported]


def test_the_binding_after_a_function_that_returns_early_on_success_counts() -> None:
    assert found(DEPLOY + BIND) == []


def test_without_the_binding_the_deploy_is_still_reported() -> None:
    assert found(DEPLOY) == [("IAM001", 4, 6)]


def test_a_success_test_with_and_return() -> None:
    script = DEPLOY.replace("  if gcloud", "  gcloud").replace(
        "--source=.; then\n    return 0\n  fi\n", "--source=. && return 0\n")
    # Left of `&&` errexit is ignored, but the failure path goes on to `exit 1`: checked, no ERR001.
    assert found(script + BIND) == []
    assert found(script) == [("IAM001", 4, 3)]


def lint_sourcing(folder: Path, name: str, sourced: str) -> list[tuple[str, int, str]]:
    """Lint a deploy script that sources ``name`` (holding ``sourced``), deploys with its $REGION
    and binds in us-west1."""
    (folder / name).write_text(sourced)
    script = folder / "deploy.sh"
    script.write_text(f'#!/bin/bash\nset -euo pipefail\nsource "$(dirname "$0")/{name}"\n'
                      'gcloud functions deploy orders --gen2 --region="$REGION" --project=p --trigger-topic=t '
                      '--trigger-service-account=sa@p.iam.gserviceaccount.com --runtime=python312 --source=.\n'
                      'gcloud functions add-invoker-policy-binding orders --region=us-west1 --project=p '
                      '--member=serviceAccount:sa@p.iam.gserviceaccount.com\n')
    result = Linter(Config()).lint_paths([str(script)])
    return [(f.code, f.span.start_line, f.message) for f in result.reported]


WRONG_REGION = ("IAM003", 5, "binding does not reach orders deployed at line 4: it targets region us-west1 instead "
                "of us-east1")


def test_a_sourced_file_that_returns_early_is_followed_by_the_rest_of_the_script(tmp_path: Path) -> None:
    sourced = 'if [ -n "${DEPLOY_ENV:-}" ]; then\n  REGION=us-east1\n  return 0\nfi\necho "set DEPLOY_ENV" >&2\nexit 1\n'
    assert lint_sourcing(tmp_path, "env.sh", sourced) == [WRONG_REGION]


def test_an_include_guard_keeps_what_the_file_sets(tmp_path: Path) -> None:
    # The guard's early return is reached only when the file was sourced before: the values it
    # sets stay known (a binding in the wrong region is still IAM003).
    sourced = 'if [ -n "${_CONFIG_LOADED:-}" ]; then return 0; fi\n_CONFIG_LOADED=1\nREGION=us-east1\n'
    assert lint_sourcing(tmp_path, "config.sh", sourced) == [WRONG_REGION]
