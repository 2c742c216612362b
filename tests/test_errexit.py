"""errexit as bash applies it: where `set -e` and an ERR trap act and where bash ignores them.

Each case is a deploy snippet in which one gcloud step (the one matching ``fails``) may fail.
The table pins the ERR findings at exact places; the same snippet is then run under real bash
with a stub `gcloud` on PATH that logs its argv and fails for that step (its first
``fail_times`` runs), to show that the linter flags the step exactly when bash carries on to
the end and exits 0 after it failed and without running it again successfully (a retry).
The stub prints what gcloud prints: ``Service URL: ...`` on success, ``ERROR: ...`` on failure.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import textwrap
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from ruletest import lint_snippet, triples

DEPLOY = "gcloud functions deploy f --gen2 --region=r --trigger-topic=t"
BIND = ("gcloud functions add-invoker-policy-binding f --region=r "
        "--member=serviceAccount:a@p.iam.gserviceaccount.com")
RUN = "gcloud run deploy svc --image=gcr.io/p/i --region=us-central1"


@dataclass
class ErrCase:
    id: str
    script: str
    expected: list[tuple[str, int, int]] = field(default_factory=list)
    fails: str = "add-invoker-policy-binding"  # the step the bash run makes fail
    message: str | None = None
    bash: bool = True  # also run under real bash (False: the outcome depends on something else)
    fail_times: int = 1_000_000  # the step fails this many times, then works (a retry gets there)


def s(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n").replace("DEPLOY", DEPLOY).replace("BIND", BIND).replace("RUN", RUN)


CASES = [
    # left of && / ||
    ErrCase("and-log-is-not-a-check", s("""
        set -e
        BIND && echo "bound"
        echo end
        """), [("ERR001", 2, 1)], message="bash ignores `set -e` (left of `&& echo \"bound\"` on line 2)"),
    ErrCase("and-in-function-tail-reaches-caller", s("""
        set -e
        bind() {
          BIND && echo "bound"
        }
        bind
        echo end
        """)),
    ErrCase("and-not-last-in-function", s("""
        set -e
        bind() {
          BIND && echo "bound"
          echo "next"
        }
        bind
        echo end
        """), [("ERR001", 3, 3)]),
    # `&& return 0` / `&& exit 0`: checked when the failure path runs straight into a failing exit
    ErrCase("and-return-then-failing-exit-checks", s("""
        set -e
        bind() {
          BIND && return 0
          echo "binding failed" >&2
          exit 1
        }
        bind
        echo end
        """)),
    ErrCase("and-exit-then-die-checks", s("""
        die() {
          echo "$*" >&2
          exit 2
        }
        BIND && exit 0
        # the binding failed
        die "binding failed"
        """)),
    ErrCase("and-return-then-return-1-checks", s("""
        set -e
        bind() {
          BIND && return 0
          rc=3
          return 1
        }
        bind
        echo end
        """)),
    ErrCase("and-return-in-a-retry-loop-then-return-1-checks", s("""
        set -e
        bind_with_retry() {
          for attempt in 1 2 3; do
            BIND && return 0
            echo "attempt $attempt failed" >&2
          done
          echo "binding failed" >&2
          return 1
        }
        bind_with_retry
        echo end
        """)),
    ErrCase("and-return-in-a-retry-loop-then-give-up-quietly-is-not-a-check", s("""
        set -e
        bind_with_retry() {
          for attempt in 1 2 3; do
            if [ "$attempt" -gt 0 ]; then
              BIND && return 0
            fi
          done
          echo "giving up" >&2
        }
        bind_with_retry
        echo end
        """), [("ERR001", 5, 7)]),
    ErrCase("and-return-in-an-if-arm-then-exit-1-checks", s("""
        bind() {
          if [ -n "${WANTED:-yes}" ]; then
            BIND && return 0
          else
            echo "skipped"
          fi
          exit 1
        }
        bind
        """)),
    ErrCase("and-return-then-carry-on-is-not-a-check", s("""
        set -e
        bind() {
          BIND && return 0
          echo "binding failed, going on" >&2
        }
        bind
        echo end
        """), [("ERR001", 3, 3)]),
    ErrCase("and-return-then-exit-0-is-not-a-check", s("""
        bind() {
          BIND && return 0
          echo "binding failed" >&2
          exit 0
        }
        bind
        """), [("ERR001", 2, 3)]),
    ErrCase("and-return-then-a-branch-is-not-known-to-fail", s("""
        set -e
        bind() {
          BIND && return 0
          if [ -n "${STRICT:-}" ]; then exit 1; fi
        }
        bind
        echo end
        """), [("ERR001", 3, 3)]),
    # background jobs: only `wait PID` (or `wait -n`) hands a job's status to the script
    ErrCase("background-job-with-a-bare-wait-fails-silently", s("""
        set -e
        BIND &
        wait
        echo end
        """), [("ERR002", 2, 1)],
        message="`&` on line 2 runs it in a background job and no `wait` with the job's PID collects its status"),
    ErrCase("background-job-in-a-function-with-a-bare-wait", s("""
        set -euo pipefail
        bind() {
          DEPLOY
          BIND
        }
        for fn in orders billing; do
          bind "$fn" &
        done
        wait
        echo end
        """), [("ERR002", 3, 3), ("ERR002", 4, 3)]),
    ErrCase("background-job-collected-by-wait-pid", s("""
        set -e
        BIND &
        pid=$!
        wait "$pid"
        echo end
        """)),
    ErrCase("background-jobs-collected-in-a-loop-over-their-pids", s("""
        set -euo pipefail
        pids=()
        for i in 1 2; do
          BIND &
          pids+=($!)
        done
        for pid in "${pids[@]}"; do
          wait "$pid"
        done
        echo end
        """)),
    ErrCase("background-jobs-collected-by-a-function-defined-before-them", s("""
        set -euo pipefail
        PIDS=()
        wait_all() {
          for pid in "${PIDS[@]}"; do
            wait "$pid"
          done
        }
        BIND &
        PIDS+=($!)
        wait_all
        echo end
        """)),
    ErrCase("background-subshell-collected-by-wait-n", s("""
        set -e
        ( DEPLOY && BIND ) &
        wait -n
        echo end
        """)),
    ErrCase("or-exit-checks", s("""
        set -e
        BIND || exit 1
        echo end
        """)),
    ErrCase("and-then-or-exit-checks", s("""
        set -e
        BIND && echo "bound" || exit 1
        echo end
        """)),
    # functions called in a condition
    ErrCase("function-in-if-condition", s("""
        set -e
        deploy_and_bind() {
          DEPLOY
          BIND
          echo "done"
        }
        if deploy_and_bind; then
          echo ok
        fi
        echo end
        """), [("ERR001", 3, 3), ("ERR001", 4, 3)],
        message="inside `deploy_and_bind`, called in the `if` condition on line 7"),
    ErrCase("function-under-if-not", s("""
        set -e
        deploy_all() {
          BIND
          DEPLOY
        }
        if ! deploy_all; then
          echo "deploy failed" >&2
          exit 1
        fi
        echo end
        """), [("ERR001", 3, 3)]),
    ErrCase("function-last-step-under-if-not-is-checked", s("""
        set -e
        deploy_all() {
          DEPLOY
          BIND
        }
        if ! deploy_all; then
          exit 1
        fi
        echo end
        """), [("ERR001", 3, 3)], fails="functions deploy"),
    ErrCase("function-or-warn", s("""
        set -e
        warn() { echo "$1" >&2; }
        deploy() {
          BIND
          echo "bound"
        }
        deploy || warn "deploy failed"
        echo end
        """), [("ERR001", 4, 3)], message="inside `deploy`, called left of `|| warn"),
    ErrCase("function-or-warn-last-step-discarded", s("""
        set -e
        warn() { echo "$1" >&2; }
        deploy() {
          BIND
        }
        deploy || warn "deploy failed"
        echo end
        """), [("ERR002", 4, 3)]),
    ErrCase("function-or-exit-inner-steps-unchecked", s("""
        set -e
        deploy() {
          BIND
          echo "bound"
        }
        deploy || exit 1
        echo end
        """), [("ERR001", 3, 3)]),
    ErrCase("function-called-plainly-keeps-errexit", s("""
        set -e
        deploy() {
          BIND
          echo "bound"
        }
        deploy
        echo end
        """)),
    ErrCase("nested-function-in-condition", s("""
        set -e
        bind() {
          BIND
          echo "bound"
        }
        setup() {
          bind
        }
        if setup; then echo ok; fi
        echo end
        """), [("ERR001", 3, 3)]),
    ErrCase("while-condition-not-last", s("""
        set -e
        while BIND; false; do
          echo never
        done
        echo end
        """), [("ERR001", 2, 7)]),
    ErrCase("if-condition-not-last", s("""
        set -e
        if BIND; true; then
          echo ok
        fi
        echo end
        """), [("ERR001", 2, 4)]),
    ErrCase("negated-alone", s("""
        set -e
        ! BIND
        echo end
        """), [("ERR001", 2, 3)], message="under `!`"),
    # ERR trap
    ErrCase("trap-covers-top-level", s("""
        trap 'echo failed >&2; exit 1' ERR
        BIND
        echo end
        """)),
    ErrCase("trap-does-not-reach-functions", s("""
        trap 'echo failed >&2; exit 1' ERR
        bind() {
          BIND
          echo "bound"
        }
        bind
        echo end
        """), [("ERR001", 3, 3)]),
    ErrCase("trap-with-errtrace-reaches-functions", s("""
        set -E
        trap 'echo failed >&2; exit 1' ERR
        bind() {
          BIND
          echo "bound"
        }
        bind
        echo end
        """)),
    ErrCase("trap-set-inside-the-function", s("""
        main() {
          trap 'echo failed >&2; exit 1' ERR
          BIND
          echo "bound"
        }
        main
        echo end
        """)),
    ErrCase("trap-does-not-reach-subshell", s("""
        trap 'echo failed >&2; exit 1' ERR
        ( BIND; echo "bound" )
        echo end
        """), [("ERR001", 2, 3)]),
    ErrCase("trap-errtrace-option-reaches-subshell", s("""
        set -o errtrace
        trap 'echo failed >&2; exit 1' ERR
        ( BIND; echo "bound" )
        echo end
        """)),
    ErrCase("trap-not-run-in-condition-function", s("""
        set -eE
        trap 'echo failed >&2; exit 1' ERR
        bind() {
          BIND
          echo "bound"
        }
        if bind; then echo ok; fi
        echo end
        """), [("ERR001", 4, 3)]),
    # command substitution
    ErrCase("substitution-tail-fails-the-assignment", s("""
        set -e
        out=$(BIND)
        echo end
        """)),
    ErrCase("substitution-does-not-inherit-errexit", s("""
        set -e
        out=$(BIND; echo "bound")
        echo end
        """), [("ERR001", 2, 7)], message="command substitutions unless `shopt -s inherit_errexit`"),
    ErrCase("substitution-inherit-errexit", s("""
        set -e
        shopt -s inherit_errexit
        out=$(BIND; echo "bound")
        echo end
        """)),
    ErrCase("local-masks-substitution", s("""
        set -e
        f() {
          local out=$(BIND)
          echo "$out"
        }
        f
        echo end
        """), [("ERR002", 3, 15)]),
    ErrCase("readonly-masks-substitution", s("""
        set -e
        readonly OUT=$(BIND)
        echo end
        """), [("ERR002", 2, 16)]),
    # set -e scope
    ErrCase("set-e-in-function-lasts", s("""
        strict() {
          set -e
        }
        strict
        BIND
        echo end
        """)),
    ErrCase("local-dash-restores-options", s("""
        strict() {
          local -
          set -e
        }
        strict
        BIND
        echo end
        """), [("ERR001", 6, 1)], message="without `set -e`"),
    ErrCase("set-e-in-subshell-does-not-leak", s("""
        ( set -e )
        BIND
        echo end
        """), [("ERR001", 2, 1)]),
    # really checked
    ErrCase("if-not-captured-output", s("""
        set -e
        if ! out=$(BIND 2>&1); then
          echo "$out" >&2
          exit 1
        fi
        echo end
        """)),
    ErrCase("output-grepped-in-condition", s("""
        if ! BIND 2>&1 | grep -q "Updated IAM policy"; then
          echo "binding failed" >&2
          exit 1
        fi
        echo end
        """)),
    ErrCase("output-piped-to-tee-in-condition-is-masked", s("""
        if ! BIND 2>&1 | tee -a log.txt; then
          exit 1
        fi
        echo end
        """), [("ERR003", 1, 6)]),
    ErrCase("rc-saved-and-tested", s("""
        BIND
        rc=$?
        if [ $rc -ne 0 ]; then
          exit $rc
        fi
        echo end
        """)),
    ErrCase("substitution-or-die", s("""
        set -e
        die() { echo "$*" >&2; exit 1; }
        out=$(BIND) || die "binding failed"
        echo end
        """)),
    # captured output tested before an exit, a return or a retry (shell/outputs.py)
    ErrCase("output-or-true-grep-gates-exit", s("""
        set -e
        out=$(RUN 2>&1 || true)
        if ! echo "$out" | grep -q "Service URL"; then
          echo "deploy failed: $out" >&2
          exit 1
        fi
        echo end
        """), fails="run deploy"),
    ErrCase("assignment-or-true-herestring-or-exit", s("""
        set -e
        out=$(RUN 2>&1) || true
        grep -q "Service URL" <<<"$out" || exit 1
        echo end
        """), fails="run deploy"),
    ErrCase("output-grep-error-gates-exit", s("""
        out=$(RUN 2>&1 || true)
        if echo "$out" | grep -qi error; then
          exit 1
        fi
        echo end
        """), fails="run deploy"),
    ErrCase("output-pattern-and-exit", s("""
        out=$(RUN 2>&1 || true)
        [[ "$out" == *ERROR* ]] && exit 1
        echo end
        """), fails="run deploy"),
    ErrCase("output-case-exit", s("""
        out=$(RUN 2>&1 || true)
        case "$out" in
          *ERROR*) exit 1 ;;
        esac
        echo end
        """), fails="run deploy"),
    ErrCase("empty-output-returns", s("""
        set -e
        deploy() {
          local out
          out=$(RUN || true)
          if [[ -z "$out" ]]; then
            return 1
          fi
        }
        deploy
        echo end
        """), fails="run deploy"),
    ErrCase("local-output-tested-or-return", s("""
        deploy() {
          local out=$(RUN 2>&1)
          [[ "$out" == *"Service URL"* ]] || return 1
        }
        deploy || exit 1
        echo end
        """), fails="run deploy"),
    ErrCase("derived-output-tested", s("""
        out=$(RUN 2>&1 || true)
        url=$(echo "$out" | grep -o 'https://[^ ]*')
        if [ -z "$url" ]; then
          exit 1
        fi
        echo end
        """), fails="run deploy"),
    ErrCase("output-from-either-branch-tested", s("""
        if [ -n "$CANARY" ]; then
          out=$(RUN --tag=canary 2>&1 || true)
        else
          out=$(RUN 2>&1 || true)
        fi
        grep -q "Service URL" <<<"$out" || exit 1
        echo end
        """), fails="run deploy"),
    ErrCase("until-assignment-retries", s("""
        until out=$(RUN 2>&1); do
          sleep 0
        done
        echo end
        """), fails="run deploy", fail_times=2),
    ErrCase("while-output-retries", s("""
        out=$(RUN 2>&1 || true)
        while ! grep -q "Service URL" <<<"$out"; do
          sleep 0
          out=$(RUN 2>&1 || true)
        done
        echo end
        """), fails="run deploy", fail_times=2),
    ErrCase("endless-loop-breaks-on-output", s("""
        while true; do
          out=$(RUN 2>&1 || true)
          if grep -q "Service URL" <<<"$out"; then
            break
          fi
          sleep 0
        done
        echo end
        """), fails="run deploy", fail_times=2),
    ErrCase("piped-output-tested", s("""
        out=$(RUN 2>&1 | tee deploy.log)
        grep -q "Service URL" <<<"$out" || exit 1
        echo end
        """), fails="run deploy"),
    # ... and tests that gate nothing
    ErrCase("output-test-gates-nothing", s("""
        out=$(RUN 2>&1 || true)
        echo "$out" | grep -q "Service URL"; echo done
        echo end
        """), [("ERR002", 1, 7)], fails="run deploy", message="`|| true` throws its failure away"),
    ErrCase("output-test-only-logs", s("""
        out=$(RUN 2>&1 || true)
        if ! echo "$out" | grep -q "Service URL"; then
          echo "deploy may have failed" >&2
        fi
        echo end
        """), [("ERR002", 1, 7)], fails="run deploy"),
    ErrCase("output-reassigned-before-test", s("""
        out=$(RUN 2>&1 || true)
        out="$(date)"
        [ -z "$out" ] && exit 1
        echo end
        """), [("ERR002", 1, 7)], fails="run deploy"),
    ErrCase("bounded-retry-carries-on", s("""
        for attempt in 1 2 3; do
          out=$(RUN 2>&1 || true)
          if grep -q "Service URL" <<<"$out"; then
            break
          fi
        done
        echo end
        """), [("ERR002", 2, 9)], fails="run deploy"),
    # How the fallback right of `||` ends decides where the failure goes.
    ErrCase("or-false-under-set-e-stops", s("""
        set -e
        DEPLOY
        BIND || { echo "binding failed" >&2; false; }
        echo end
        """)),
    ErrCase("or-subshell-exit-under-set-e-stops", s("""
        set -e
        DEPLOY
        BIND || (echo "binding failed" >&2; exit 1)
        echo end
        """)),
    ErrCase("or-subshell-exit-without-set-e-carries-on", s("""
        DEPLOY || exit 1
        BIND || (echo "binding failed" >&2; exit 1)
        echo end
        """), [("ERR001", 2, 1)], message="runs without `set -e` and nothing checks its exit status"),
    ErrCase("or-exit-0-reads-as-success", s("""
        set -e
        DEPLOY
        BIND || exit 0
        echo end
        """), [("ERR002", 3, 1)],
        message="`|| exit 0` ends the script with status 0, so the failure reads as success"),
    ErrCase("or-exit-0-after-message", s("""
        set -e
        DEPLOY
        BIND || { echo "could not bind" >&2; exit 0; }
        echo end
        """), [("ERR002", 3, 1)]),
    ErrCase("or-return-1-to-unchecked-call", s("""
        bind() {
          BIND || return 1
          echo "bound"
        }
        DEPLOY || exit 1
        bind
        echo end
        """), [("ERR001", 2, 3)], message="nothing checks its exit status"),
    ErrCase("or-return-status-to-unchecked-call", s("""
        bind() {
          BIND || return $?
          echo "bound"
        }
        DEPLOY || exit 1
        bind
        echo end
        """), [("ERR001", 2, 3)]),
    ErrCase("or-return-1-to-checked-call", s("""
        bind() {
          BIND || { echo "binding failed" >&2; return 1; }
          echo "bound"
        }
        DEPLOY || exit 1
        bind || exit 1
        echo end
        """)),
    ErrCase("or-return-1-to-call-under-set-e", s("""
        set -e
        bind() {
          BIND || return 1
          echo "bound"
        }
        DEPLOY
        bind
        echo end
        """)),
    ErrCase("or-return-0-reads-as-success", s("""
        bind() {
          BIND || return 0
          echo "bound"
        }
        DEPLOY || exit 1
        bind || exit 1
        echo end
        """), [("ERR002", 2, 3)],
        message="`|| return 0` returns from `bind` with status 0, so the failure reads as success"),
    ErrCase("return-status-to-checked-call", s("""
        bind() {
          BIND
          return $?
        }
        DEPLOY || exit 1
        bind || exit 1
        echo end
        """)),
    ErrCase("return-status-to-unchecked-call", s("""
        bind() {
          BIND
          return $?
        }
        DEPLOY || exit 1
        bind
        echo end
        """), [("ERR001", 2, 3)]),
    # An `if` whose failure branch is missing or only prints heeds nothing, as `&& echo` does not.
    ErrCase("if-without-else-carries-on", s("""
        set -e
        DEPLOY
        if BIND; then
          echo "bound"
        fi
        echo end
        """), [("ERR001", 3, 4)], message="(in the `if` condition on line 3, which has no `else`)"),
    ErrCase("if-else-only-prints", s("""
        set -e
        DEPLOY
        if BIND; then
          echo "bound"
        else
          echo "binding failed" >&2
        fi
        echo end
        """), [("ERR001", 3, 4)], message="whose `else` only prints"),
    ErrCase("if-not-only-logs", s("""
        set -e
        log() { echo "$(date +%T) $*" >&2; }
        DEPLOY
        if ! BIND; then
          log "binding failed"
        fi
        echo end
        """), [("ERR001", 4, 6)], message="whose failure branch only prints"),
    ErrCase("if-else-exits", s("""
        set -e
        DEPLOY
        if BIND; then
          echo "bound"
        else
          echo "binding failed" >&2
          exit 1
        fi
        echo end
        """)),
    ErrCase("if-not-sets-a-flag-checked-later", s("""
        DEPLOY || exit 1
        failed=0
        if ! BIND; then
          echo "binding failed" >&2
          failed=1
        fi
        echo end
        exit "$failed"
        """)),
    ErrCase("if-then-break-retries", s("""
        set -e
        DEPLOY
        for attempt in 1 2 3; do
          if BIND; then break; fi
          if [ "$attempt" -eq 3 ]; then echo "giving up" >&2; exit 1; fi
          sleep 0
        done
        echo end
        """)),
    # $PIPESTATUS read right after a pipeline checks its masked parts.
    ErrCase("pipestatus-checked", s("""
        set -e
        DEPLOY
        BIND 2>&1 | tee bind.log
        [ "${PIPESTATUS[0]}" -eq 0 ] || exit 1
        echo end
        """)),
    ErrCase("pipestatus-saved-then-tested", s("""
        set -e
        DEPLOY
        BIND 2>&1 | tee bind.log
        rc=${PIPESTATUS[0]}
        if [ "$rc" -ne 0 ]; then echo "binding failed" >&2; exit "$rc"; fi
        echo end
        """)),
    ErrCase("pipestatus-of-another-pipeline", s("""
        set -e
        DEPLOY
        BIND 2>&1 | tee bind.log
        echo "bound" | tee -a bind.log
        [ "${PIPESTATUS[0]}" -eq 0 ] || exit 1
        echo end
        """), [("ERR003", 3, 1)], message="piped into `tee bind.log` without `set -o pipefail`"),
    ErrCase("unchecked-capture-without-set-e", s("""
        out=$(RUN 2>&1)
        echo "$out"
        """), [("ERR001", 1, 7)], fails="run deploy"),
]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_errexit_table(case: ErrCase) -> None:
    assert triples(case.script, ("ERR",)) == sorted(case.expected)
    if case.message:
        first = next(f for f in lint_snippet(case.script).reported if f.code.startswith("ERR"))
        assert case.message in first.message, first.message


STUB = """#!/bin/sh
printf '%s\\n' "$*" >> "$GCLOUD_LOG"
case "$*" in *"$GCLOUD_FAIL"*)
  if [ "$(grep -c -F -- "$GCLOUD_FAIL" "$GCLOUD_LOG")" -le "$GCLOUD_FAIL_TIMES" ]; then
    echo "ERROR: (gcloud) $*: permission denied" >&2
    exit 1
  fi ;;
esac
echo "Service URL: https://svc-abc123-uc.a.run.app"
exit 0
"""


def run_under_bash(script: str, fails: str, tmp: Path, fail_times: int = 1_000_000) -> tuple[int, list[str]]:
    """Run ``script`` with a stub gcloud that fails when its argv contains ``fails`` (the first
    ``fail_times`` times): (exit status, the argv of each gcloud call)."""
    stub_dir = tmp / "bin"
    stub_dir.mkdir(exist_ok=True)
    stub = stub_dir / "gcloud"
    stub.write_text(STUB)
    stub.chmod(0o755)
    log = tmp / "gcloud.log"
    log.write_text("")
    path = tmp / "deploy.sh"
    path.write_text(script)
    env = dict(os.environ, PATH=f"{stub_dir}:{os.environ.get('PATH', '')}", GCLOUD_LOG=str(log),
               GCLOUD_FAIL=fails, GCLOUD_FAIL_TIMES=str(fail_times))
    bash = shutil.which("bash")
    assert bash is not None
    proc = subprocess.run([bash, str(path)], env=env, cwd=tmp, capture_output=True, text=True, timeout=30)
    return proc.returncode, log.read_text().splitlines()


@pytest.mark.skipif(shutil.which("bash") is None, reason="bash is not installed")
@pytest.mark.parametrize("case", [c for c in CASES if c.bash], ids=[c.id for c in CASES if c.bash])
def test_errexit_agrees_with_bash(case: ErrCase, tmp_path: Path) -> None:
    """The failing step is flagged exactly when bash runs the script to its end and exits 0 without
    running the step again successfully."""
    status, calls = run_under_bash(case.script, case.fails, tmp_path, case.fail_times)
    assert any(case.fails in c for c in calls), calls  # the step ran (and failed)
    lines = case.script.splitlines()
    failing_lines = {i + 1 for i, line in enumerate(lines) if "gcloud" in line and case.fails in line.replace(
        "DEPLOY", DEPLOY)}
    flagged = {line for code, line, _ in triples(case.script, ("ERR",)) if line in failing_lines}
    retried = len([c for c in calls if case.fails in c]) > case.fail_times
    unnoticed = status == 0 and not retried
    assert bool(flagged) == unnoticed, (status, calls, flagged)
