"""`source FILE` with no arguments shares the caller's positional parameters: at the top of a
script they are the script's own, unknown (`./deploy.sh orders`), so a sourced env file that picks
its values with `case "$1"` keeps every branch. It used to see no arguments at all (`$1` empty):
only the `*) usage; exit 1` branch ran, and the deploy after it was never seen (a silent pass).
`source FILE ARGS...` and child scripts have positional parameters of their own."""

from __future__ import annotations

import textwrap
from pathlib import Path

from shlint_iam.config import Config
from shlint_iam.files import display_path
from shlint_iam.lint import Linter

ENV_SH = """\
# shellcheck shell=bash
REGION=us-central1
case "$1" in
  orders) FN=orders-sync; TOPIC=orders ;;
  audit)  FN=audit-sink;  TOPIC=audit-log ;;
  *) echo "usage: $0 {orders|audit}" >&2; exit 1 ;;
esac
"""
DEPLOY = ('gcloud functions deploy "$FN" --gen2 --region="$REGION" --runtime=python312 --source=. '
          '--trigger-topic="$TOPIC"\n')


def lint(tmp: Path, files: dict[str, str]) -> list[tuple[int, int, str, str]]:
    (tmp / ".git").mkdir()
    for name, text in files.items():
        (tmp / name).write_text(textwrap.dedent(text))
    result = Linter(Config()).lint_paths([str(tmp / "deploy.sh")])
    return [(f.span.start_line, f.span.start_col, f.code, f.message) for f in result.reported]


def test_sourced_case_on_the_scripts_own_argument(tmp_path: Path) -> None:
    script = '#!/bin/bash\nset -euo pipefail\nsource "$(dirname "$0")/env.sh"\n' + DEPLOY
    found = lint(tmp_path, {"env.sh": ENV_SH, "deploy.sh": script})
    assert [(line, col, code) for line, col, code, _ in found] == [(4, 1, "IAM001")]
    # either branch's name: one unknown where the branches meet
    assert found[0][3].startswith("gen2 function $FN (Pub/Sub topic $TOPIC) is invoked as "), found[0][3]


def test_source_with_arguments_has_its_own(tmp_path: Path) -> None:
    script = '#!/bin/bash\nset -euo pipefail\nsource ./env.sh audit\n' + DEPLOY
    found = lint(tmp_path, {"env.sh": ENV_SH, "deploy.sh": script})
    assert [(line, col, code) for line, col, code, _ in found] == [(4, 1, "IAM001")]
    assert found[0][3].startswith("gen2 function audit-sink (Pub/Sub topic audit-log) is invoked as "), found[0][3]


def test_function_sourcing_without_arguments_shares_the_functions(tmp_path: Path) -> None:
    script = ('#!/bin/bash\nset -euo pipefail\ndeploy() {\n  source ./env.sh\n  ' + DEPLOY + '}\n'
              'deploy orders\n')
    found = lint(tmp_path, {"env.sh": ENV_SH, "deploy.sh": script})
    assert [(line, col, code) for line, col, code, _ in found] == [(5, 3, "IAM001")]
    assert found[0][3].startswith("gen2 function orders-sync (Pub/Sub topic orders) is invoked as "), found[0][3]


def test_child_script_without_arguments_has_none(tmp_path: Path) -> None:
    """A child script is a new process: run with no arguments, its `$1` is empty (the default)."""
    child = ('#!/bin/bash\nset -euo pipefail\nFN="${1:-orders-sync}"\n'
             'gcloud functions deploy "$FN" --gen2 --region=us-central1 --trigger-topic=orders\n')
    found = lint(tmp_path, {"child.sh": child, "deploy.sh": "#!/bin/bash\nset -euo pipefail\nbash ./child.sh\n"})
    assert [(code, message.split(" is invoked")[0]) for _, _, code, message in found] == [
        ("IAM001", "gen2 function orders-sync (Pub/Sub topic orders)")]


def test_branch_in_a_sourced_file_is_named_with_its_file(tmp_path: Path) -> None:
    """IAM001 for the variants of one deploy names the branch that picks them; when that branch is
    in a sourced file the message says so (`at lib/env.sh:3`), instead of a line number that, read
    in the linted script, points at another line (the oracle-relayer deploy: `at line 25` of a
    10-line script meant select-environment.sh:25)."""
    (tmp_path / "lib").mkdir()
    env = ENV_SH.replace("TOPIC=orders", 'TRIGGER="--trigger-topic orders"').replace(
        "TOPIC=audit-log", 'TRIGGER="--trigger-topic audit-log"')
    script = ('#!/bin/bash\nset -euo pipefail\nsource "$(dirname "$0")/lib/env.sh"\n'
              'gcloud functions deploy "$FN" --gen2 --region="$REGION" --runtime=python312 --source=. $TRIGGER\n')
    found = lint(tmp_path, {"lib/env.sh": env, "deploy.sh": script})
    assert [(line, col, code) for line, col, code, _ in found] == [(4, 1, "IAM001")]
    where = display_path(str(tmp_path / "lib" / "env.sh"))
    assert found[0][3].startswith(f"whichever branch at {where}:3 runs, this command deploys an event-invoked "
                                  "service whose invoker gets no roles/run.invoker after this deploy: gen2 function "
                                  "orders-sync (Pub/Sub topic orders) as "), found[0][3]
