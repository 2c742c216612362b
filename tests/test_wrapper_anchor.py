"""A command run by a wrapper function from its arguments (`retry 3 gcloud ...`, whose body runs
`"${@:2}"`) is reported where it was written: at the call, not at the wrapper's `"$@"` line,
where every call's findings used to pile up (and where no suppression comment could tell them
apart)."""

from __future__ import annotations

from pathlib import Path

from ruletest import lint_snippet

from shlint_iam.config import Config
from shlint_iam.lint import Linter

RETRY = """\
#!/bin/bash
set -euo pipefail
retry() {
  local attempts=$1
  for i in $(seq 1 "$attempts"); do
    "${@:2}" && return 0
    echo "attempt $i failed" >&2
    sleep 5
  done
  return 1
}
REGION=us-central1
"""
ORDERS = ("retry 3 gcloud functions deploy orders --gen2 --region=\"$REGION\" --trigger-topic=orders "
          "--runtime=python312 --source=.\n")
BILLING = ("retry 3 gcloud functions deploy billing --gen2 --region=\"$REGION\" --trigger-topic=billing "
           "--runtime=python312 --source=.\n")


def found(script: str) -> list[tuple[str, int, int, str]]:
    result = lint_snippet(script)
    assert result.problems == []
    return [(f.code, f.span.start_line, f.span.start_col, f.message) for f in result.reported]


def test_each_call_of_a_retry_wrapper_is_reported_at_the_call() -> None:
    found_ = found(RETRY + ORDERS + BILLING)
    assert [(code, line, col) for code, line, col, _ in found_] == [("IAM001", 13, 9), ("IAM001", 14, 9)]
    assert "gen2 function orders (Pub/Sub topic orders)" in found_[0][3]
    assert "gen2 function billing (Pub/Sub topic billing)" in found_[1][3]


def test_the_retry_loop_that_returns_1_after_the_last_attempt_checks_the_step() -> None:
    # `"${@:2}" && return 0` in the loop, `return 1` after it, `set -e` at the call: no ERR001.
    codes = {code for code, *_ in found(RETRY + ORDERS)}
    assert "ERR001" not in codes


def test_a_suppression_at_one_call_silences_that_call_only() -> None:
    script = RETRY + "# shlint-iam disable=IAM001 -- bound by the platform team\n" + ORDERS + BILLING
    assert [(code, line) for code, line, *_ in found(script)] == [("IAM001", 15)]


def test_a_flag_of_the_wrapped_command_is_reported_at_the_flag_where_it_was_written() -> None:
    bind = ("retry 3 gcloud functions add-invoker-policy-binding orders --region=us-central1 "
            "--member=orders-sa@p.iam.gserviceaccount.com\n")
    iam005 = [(line, col) for code, line, col, _ in found(RETRY + ORDERS + bind) if code == "IAM005"]
    assert iam005 == [(14, bind.index("--member") + 1)]


def test_wrappers_of_wrappers_report_at_the_outermost_call() -> None:
    script = RETRY.replace("REGION=us-central1\n", 'run() {\n  echo "+ $*" >&2\n  "$@"\n}\nREGION=us-central1\n') \
        + ORDERS.replace("retry 3 gcloud", "retry 3 run gcloud")
    assert [(code, line, col) for code, line, col, _ in found(script)] == [("IAM001", 17, 13)]


def test_a_wrapper_defined_in_a_sourced_file_reports_in_the_calling_script(tmp_path: Path) -> None:
    (tmp_path / "lib.sh").write_text(RETRY.replace("REGION=us-central1\n", ""))
    deploy = tmp_path / "deploy.sh"
    deploy.write_text('#!/bin/bash\nset -euo pipefail\nsource "$(dirname "$0")/lib.sh"\nREGION=us-central1\n'
                      + ORDERS)
    result = Linter(Config()).lint_paths([str(deploy)])
    assert [(f.code, Path(f.span.path).name, f.span.start_line, f.span.start_col) for f in result.reported] == [
        ("IAM001", "deploy.sh", 5, 9)]


def test_a_command_the_wrapper_writes_itself_stays_in_the_wrapper() -> None:
    # The wrapper's own gcloud command is reported where it is, even when called with arguments.
    script = """\
        #!/bin/bash
        set -euo pipefail
        deploy() {
          gcloud functions deploy "$1" --gen2 --region=us-central1 --trigger-topic="$2" --runtime=python312 --source=.
        }
        deploy orders orders-topic
        """
    assert [(code, line, col) for code, line, col, _ in found(script)] == [("IAM001", 4, 3)]
