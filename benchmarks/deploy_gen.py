"""Realistic deploy scripts for benchmarks: what teams with a `deploy.sh` actually write.

Each generated project is a folder with a sourced ``config.sh`` and a ``deploy.sh`` that uses
the idioms real deploy scripts use: ``set -euo pipefail``, logging helpers, a retry wrapper that
runs ``"${@:2}"``, functions per concern, loops over arrays of services, an environment ``case``,
gen2 functions with Pub/Sub triggers, Cloud Run services invoked by push subscriptions, Scheduler
jobs and Eventarc triggers (several invokers of one service), invoker bindings, and a
verification step. Some services are left unbound on purpose so that the rules have work.

    python benchmarks/deploy_gen.py OUT_DIR [--projects 20] [--seed 7]

``script(lines, seed)`` returns one script of about ``lines`` lines; ``write_set`` writes a set of
projects whose sizes spread from 50 to 2,000 lines. Deterministic for a given seed.
"""

from __future__ import annotations

import argparse
import random
from pathlib import Path

HEADER = """#!/usr/bin/env bash
# Deploys the {app} pipeline: functions, services and the identities that invoke them.
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${{BASH_SOURCE[0]}}")" && pwd)"
# shellcheck source=config.sh
source "$SCRIPT_DIR/config.sh"

ENVIRONMENT="${{1:-staging}}"
case "$ENVIRONMENT" in
  prod) PROJECT_ID="$PROD_PROJECT" ;;
  staging) PROJECT_ID="$STAGING_PROJECT" ;;
  *) echo "unknown environment: $ENVIRONMENT" >&2; exit 1 ;;
esac

log() {{ printf '[%s] %s\\n' "$(date +%H:%M:%S)" "$*" >&2; }}
die() {{ log "ERROR: $*"; exit 1; }}

retry() {{
  local attempts="$1" n=1
  until "${{@:2}}"; do
    if (( n >= attempts )); then
      return 1
    fi
    log "attempt $n failed, retrying"
    n=$((n + 1))
    sleep 5
  done
}}

PROJECT_NUMBER="$(gcloud projects describe "$PROJECT_ID" --format='value(projectNumber)')"
COMPUTE_SA="${{PROJECT_NUMBER}}-compute@developer.gserviceaccount.com"
"""

CONFIG = """# Shared settings for the {app} deploy scripts.
PROD_PROJECT="{app}-prod"
STAGING_PROJECT="{app}-staging"
REGION="{region}"
PUSH_SA_NAME="{app}-push"
SCHEDULER_SA_NAME="{app}-scheduler"
EVENTARC_SA_NAME="{app}-eventarc"
"""

REGIONS = ["us-central1", "us-west2", "europe-west1", "asia-northeast1"]
RUNTIMES = ["python312", "nodejs20", "go122"]


def _function_block(rng: random.Random, i: int, bound: bool) -> list[str]:
    name = f"stage{i}-orchestrator"
    topic = f"stage{i}-complete"
    lines = [
        f"deploy_{name.replace('-', '_')}() {{",
        f'  log "deploying {name}"',
        f'  retry 3 gcloud functions deploy "{name}" --gen2 --region="$REGION" --project="$PROJECT_ID" \\',
        f'    --runtime={rng.choice(RUNTIMES)} --source="$SCRIPT_DIR/functions/stage{i}" \\',
        f'    --entry-point=handle --trigger-topic="{topic}" --memory=512Mi --timeout=540s',
    ]
    if bound:
        lines += [
            f'  gcloud functions add-invoker-policy-binding "{name}" --region="$REGION" \\',
            '    --project="$PROJECT_ID" --member="serviceAccount:$COMPUTE_SA"',
        ]
    lines += ["}", ""]
    return lines


def _service_loop(rng: random.Random, i: int, services: int, skip_last: bool) -> list[str]:
    names = [f"svc{i}-{k}" for k in range(services)]
    bound = names[:-1] if skip_last else names
    lines = [
        f"SERVICES_{i}=({' '.join(names)})",
        "",
        f"deploy_services_{i}() {{",
        "  local svc",
        f'  for svc in "${{SERVICES_{i}[@]}}"; do',
        '    log "deploying $svc"',
        '    gcloud run deploy "$svc" --image="gcr.io/$PROJECT_ID/$svc:latest" --region="$REGION" \\',
        '      --project="$PROJECT_ID" --no-allow-unauthenticated --memory=1Gi',
        "  done",
        "}",
        "",
        f"wire_services_{i}() {{",
        "  local svc",
        f"  for svc in {' '.join(bound)}; do",
        '    gcloud pubsub subscriptions create "$svc-sub" --topic="$svc-requests" --project="$PROJECT_ID" \\',
        '      --push-endpoint="https://$svc-q3x7h2kq6a-uc.a.run.app/push" \\',
        '      --push-auth-service-account="$PUSH_SA_NAME@$PROJECT_ID.iam.gserviceaccount.com"',
        '    gcloud run services add-iam-policy-binding "$svc" --region="$REGION" --project="$PROJECT_ID" \\',
        '      --member="serviceAccount:$PUSH_SA_NAME@$PROJECT_ID.iam.gserviceaccount.com" \\',
        "      --role=roles/run.invoker",
        "  done",
        "}",
        "",
    ]
    if rng.random() < 0.5:
        lines += [
            f"schedule_{i}() {{",
            f'  gcloud scheduler jobs create http "nightly-{i}" --location="$REGION" --project="$PROJECT_ID" \\',
            f'    --schedule="0 {rng.randrange(24)} * * *" --uri="https://{names[0]}-q3x7h2kq6a-uc.a.run.app/run" \\',
            '    --oidc-service-account-email="$SCHEDULER_SA_NAME@$PROJECT_ID.iam.gserviceaccount.com"',
            f'  gcloud run services add-iam-policy-binding "{names[0]}" --region="$REGION" '
            '--project="$PROJECT_ID" \\',
            '    --member="serviceAccount:$SCHEDULER_SA_NAME@$PROJECT_ID.iam.gserviceaccount.com" \\',
            "    --role=roles/run.invoker",
            "}",
            "",
        ]
    return lines


def _eventarc_block(i: int) -> list[str]:
    return [
        f"trigger_{i}() {{",
        f'  gcloud eventarc triggers create "uploads-{i}" --location="$REGION" --project="$PROJECT_ID" \\',
        f'    --destination-run-service="svc{i}-0" --destination-run-region="$REGION" \\',
        '    --event-filters="type=google.cloud.storage.object.v1.finalized" \\',
        f'    --event-filters="bucket=$PROJECT_ID-uploads-{i}" \\',
        '    --service-account="$EVENTARC_SA_NAME@$PROJECT_ID.iam.gserviceaccount.com"',
        "}",
        "",
    ]


def _verify_block() -> list[str]:
    return [
        "verify() {",
        "  local fn",
        '  for fn in "$@"; do',
        '    if ! gcloud functions get-iam-policy "$fn" --region="$REGION" --project="$PROJECT_ID" \\',
        "        --format=json | grep -q run.invoker; then",
        '      die "$fn has no invoker binding"',
        "    fi",
        "  done",
        "}",
        "",
    ]


def script(lines: int, seed: int = 7, app: str = "pipeline") -> str:
    """One deploy script of about ``lines`` lines (at least the fixed header)."""
    rng = random.Random(seed)
    out = HEADER.format(app=app).splitlines()
    out.append("")
    out += _verify_block()
    calls: list[str] = []
    fns: list[str] = []
    i = 0
    while len(out) + len(calls) + 4 < lines:
        kind = rng.random()
        if kind < 0.55:
            out += _function_block(rng, i, bound=rng.random() < 0.85)
            calls.append(f"deploy_stage{i}_orchestrator")
            fns.append(f"stage{i}-orchestrator")
        else:
            out += _service_loop(rng, i, rng.randint(2, 4), skip_last=rng.random() < 0.2)
            calls += [f"deploy_services_{i}", f"wire_services_{i}"]
            if any(line.startswith(f"schedule_{i}()") for line in out):
                calls.append(f"schedule_{i}")
            if rng.random() < 0.3:
                out += _eventarc_block(i)
                calls.append(f"trigger_{i}")
        i += 1
    out += ["main() {", '  log "deploying to $PROJECT_ID ($ENVIRONMENT)"']
    out += [f"  {c}" for c in calls]
    if fns:
        out.append("  verify " + " ".join(fns[:8]))
    out += ['  log "done"', "}", "", 'main "$@"', ""]
    return "\n".join(out)


def write_project(folder: Path, lines: int, seed: int) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    app = f"app{seed}"
    (folder / "config.sh").write_text(CONFIG.format(app=app, region=REGIONS[seed % len(REGIONS)]))
    deploy = folder / "deploy.sh"
    deploy.write_text(script(lines, seed, app))
    return deploy


def write_set(out: Path, projects: int = 20, seed: int = 7) -> list[Path]:
    """``projects`` projects whose deploy scripts spread from 50 to 2,000 lines."""
    rng = random.Random(seed)
    written: list[Path] = []
    for k in range(projects):
        lines = int(50 * (2000 / 50) ** (k / max(1, projects - 1)))
        folder = out / f"project{k:02d}"
        deploy = write_project(folder, lines, rng.randrange(1_000_000))
        written += [deploy, folder / "config.sh"]
    return written


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--projects", type=int, default=20)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    for path in write_set(args.out, args.projects, args.seed):
        print(path)


if __name__ == "__main__":
    main()
