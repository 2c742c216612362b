"""A loop or builtin that reads a file of the project (`while read -r svc; do ...; done <
services.txt`, `mapfile -t SVCS < services.txt`) reads its lines, as `$(cat services.txt)` already
did: before, the input was unknown, the loop ran once with an unknown service, and a missing
invoker binding for every listed service passed in silence. Only files inside the project are
read (as for `source`); the bash semantics of the loop (a last line without a newline is not
run) are checked under real bash with a stub gcloud."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from clirun import shlint

from shlint_iam.config import Config
from shlint_iam.lint import Linter

SA = "scheduler@acme.iam.gserviceaccount.com"
LOOP = f"""\
#!/bin/bash
set -euo pipefail
while read -r svc; do
  gcloud run deploy "$svc" --image="gcr.io/acme/$svc" --region=us-central1 --no-allow-unauthenticated
  gcloud scheduler jobs create http "$svc-nightly" --location=us-central1 --schedule="0 2 * * *" \\
    --uri="https://$svc-x7k2m9p4qa-uc.a.run.app/run" --oidc-service-account-email={SA}
done < services.txt
"""
MAPFILE = LOOP.replace("while read -r svc; do\n", 'mapfile -t SVCS < "$(dirname "$0")/services.txt"\n'
                       'for svc in "${SVCS[@]}"; do\n').replace("done < services.txt\n", "done\n")


def project(tmp: Path, script: str, services: str | None) -> Path:
    (tmp / ".git").mkdir(parents=True)
    (tmp / "deploy.sh").write_text(script)
    if services is not None:
        (tmp / "services.txt").write_text(services)
    return tmp


def iam001(folder: Path) -> list[tuple[int, str]]:
    result = Linter(Config()).lint_paths([str(folder / "deploy.sh")])
    return [(f.span.start_line, f.message) for f in result.reported if f.code == "IAM001"]


def message(*services: str) -> str:
    listed = "; ".join(f"Cloud Run service {s}, called by the Cloud Scheduler job {s}-nightly" for s in services)
    return (f"this command deploys {len(services)} event-invoked services that get no roles/run.invoker after this "
            f"deploy: {listed}; each is invoked as serviceAccount:{SA}")


@pytest.mark.parametrize("script", [LOOP, MAPFILE], ids=["while-read", "mapfile"])
def test_every_service_listed_in_the_file_is_checked(script: str, tmp_path: Path) -> None:
    folder = project(tmp_path, script, "orders\nbilling\n")
    line = 4 if script is LOOP else 5
    assert iam001(folder) == [(line, message("orders", "billing"))]


def test_a_last_line_without_a_newline_is_not_read_by_the_loop(tmp_path: Path) -> None:
    folder = project(tmp_path, LOOP, "orders\nbilling")  # bash's `read` fails on "billing": not run
    [(line, text)] = iam001(folder)
    assert (line, "billing" in text) == (4, False)
    assert "Cloud Run service orders, called by the Cloud Scheduler job orders-nightly" in text


@pytest.mark.parametrize("services", [None, "outside"], ids=["missing", "outside-the-project"])
def test_a_file_that_cannot_be_read_leaves_the_input_unknown(services: str | None, tmp_path: Path) -> None:
    folder = tmp_path / "p"
    script = LOOP.replace("done < services.txt", "done < ../services.txt") if services else LOOP
    project(folder, script, None)
    if services:
        (tmp_path / "services.txt").write_text("orders\n")
    assert iam001(folder) == []  # as before: an unknown service, nothing to match the job's URL to


def test_the_cache_sees_the_file_change(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SHLINT_IAM_CACHE_DIR", raising=False)
    folder = project(tmp_path, LOOP, "orders\n")
    first = shlint("check", "-f", "concise", "deploy.sh", cwd=folder)
    assert first.stdout.count("IAM001") == 1 and "billing" not in first.stdout
    (folder / "services.txt").write_text("orders\nbilling\n")
    second = shlint("check", "-f", "concise", "deploy.sh", cwd=folder)
    assert "Cloud Run service billing" in second.stdout


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
@pytest.mark.parametrize("services", ["orders\nbilling\n", "orders\nbilling"], ids=["newline", "no-newline"])
def test_real_bash_runs_the_same_services(services: str, tmp_path: Path) -> None:
    folder = project(tmp_path, LOOP, services)
    stub = tmp_path / "bin"
    stub.mkdir()
    (stub / "gcloud").write_text('#!/bin/sh\n[ "$1 $2" = "run deploy" ] && echo "$3" >> "$LOG"\nexit 0\n')
    (stub / "gcloud").chmod(0o755)
    log = tmp_path / "log"
    env = {**os.environ, "PATH": f"{stub}:{os.environ['PATH']}", "LOG": str(log)}
    subprocess.run(["bash", "deploy.sh"], cwd=folder, env=env, check=True)
    ran = log.read_text().split()
    assert ran == services.split("\n")[:-1]  # the part after the last newline is not run
    assert [s for s in ("orders", "billing") if f"Cloud Run service {s}," in iam001(folder)[0][1]] == ran
