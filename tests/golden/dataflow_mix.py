"""Random deploy scripts that exercise the invoker dataflow: deploys, bindings of every scope,
deletes, revokes, policy replacements and invokers of a few services (known and unknown names,
regions, projects and members), inside ``if``/``case``/loops/functions/subshells with ``exit``,
``return`` and ``break`` on some paths. Deterministic for a seed (``random.Random``), so the
golden outputs of tests/test_dataflow_identical.py can be regenerated."""

from __future__ import annotations

import random

NAMES = ["orch", "orch", "svc-a", "svc-a", "svc-b", "Orch", "$NAME", '"$1"', "svc-$ENV"]
REGIONS = ["--region=us-west2", "--region=us-west2", "--region=europe-west1", '--region="$REGION"', ""]
PROJECTS = ["--project=proj", "--project=proj", "--project=other", '--project="$PROJECT_ID"', ""]
EMAILS = ["push@proj.iam.gserviceaccount.com", "ev@proj.iam.gserviceaccount.com",
          "$PUSH_SA@proj.iam.gserviceaccount.com", "${PROJECT_NUMBER}-compute@developer.gserviceaccount.com",
          "Push@Proj.iam.gserviceaccount.com"]
MEMBERS = [f"serviceAccount:{e}" for e in EMAILS] + ["allUsers", "push@proj.iam.gserviceaccount.com",
                                                     '"$MEMBER"', "user:me@example.com"]
ROLES = ["roles/run.invoker", "roles/run.invoker", "roles/run.viewer", "roles/owner", "roles/run.admin",
         "roles/cloudfunctions.invoker", "roles/workflows.invoker", '"$ROLE"']
HOSTS = ["uw.a.run.app", "uc.a.run.app"]


def _command(rng: random.Random) -> str:
    c = rng.choice
    name, region, project = c(NAMES), c(REGIONS), c(PROJECTS)
    kind = rng.randrange(14)
    if kind <= 2:
        sa = f" --trigger-service-account={c(EMAILS)}" if rng.random() < 0.4 else ""
        gen = c(["--gen2", "--gen2", "--no-gen2", ""])
        trigger = c(["--trigger-topic=t", "--trigger-topic=t", "--trigger-http", "--trigger-bucket=b"])
        public = " --allow-unauthenticated" if rng.random() < 0.1 else ""
        return f"gcloud functions deploy {name} {gen} {region} {project} {trigger}{sa}{public} --runtime=python312"
    if kind == 3:
        public = c(["", "--allow-unauthenticated", "--no-allow-unauthenticated"])
        return f"gcloud run deploy {name} --image=gcr.io/p/i {region} {project} {public}"
    if kind == 4:
        return f"gcloud functions add-invoker-policy-binding {name} {region} {project} --member={c(MEMBERS)}"
    if kind == 5:
        return (f"gcloud run services add-iam-policy-binding {name} {region} {project} "
                f"--member={c(MEMBERS)} --role={c(ROLES)}")
    if kind == 6:
        return f"gcloud functions add-iam-policy-binding {name} {region} --member={c(MEMBERS)} --role={c(ROLES)}"
    if kind == 7:
        target = c(["proj", "other", '"$PROJECT_ID"'])
        return f"gcloud projects add-iam-policy-binding {target} --member={c(MEMBERS)} --role={c(ROLES)}"
    if kind == 8:
        what = c(["run services", "functions"])
        return f"gcloud {what} delete {name} {region} {project} -q"
    if kind == 9:
        if rng.random() < 0.5:
            return f"gcloud run services set-iam-policy {name} policy.yaml {region} {project}"
        return (f"gcloud run services remove-iam-policy-binding {name} {region} {project} "
                f"--member={c(MEMBERS)} --role=roles/run.invoker")
    if kind == 10:
        bare = name.strip('"')
        return (f"gcloud pubsub subscriptions create sub-{rng.randrange(99)} --topic=t {project} "
                f"--push-endpoint=https://{bare}-q3x7h2kq6a-{c(HOSTS)}/push --push-auth-service-account={c(EMAILS)}")
    if kind == 11:
        bare = name.strip('"')
        return (f"gcloud scheduler jobs create http job-{rng.randrange(99)} --location=us-west2 {project} "
                f"--schedule='0 1 * * *' --uri=https://{bare}-q3x7h2kq6a-{c(HOSTS)}/run "
                f"--oidc-service-account-email={c(EMAILS)}")
    if kind == 12:
        dest = (f"--destination-run-service={name} --destination-run-region=us-west2" if rng.random() < 0.7
                else f"--destination-workflow={name}")
        return (f"gcloud eventarc triggers create tr-{rng.randrange(99)} --location=us-west2 {project} {dest} "
                f"--event-filters=type=google.cloud.storage.object.v1.finalized --service-account={c(EMAILS)}")
    return c(["echo step", "true", "sleep 1", "gcloud pubsub topics create t", "cd /tmp"])


def _statement(rng: random.Random, depth: int, funcs: list[str]) -> list[str]:
    r = rng.random()
    if depth >= 3 or r < 0.55:
        line = _command(rng)
        tail = rng.random()
        if tail < 0.08:
            line += " || exit 1"
        elif tail < 0.12:
            line += " || return 1"
        elif tail < 0.16:
            line += " || true"
        elif tail < 0.2:
            line = "retry " + line
        return [line]
    if r < 0.6:
        return [rng.choice(["exit 0", "exit 1", "exit", "return", "return 1", "break", "exit 2"])]
    if r < 0.7:
        body = _body(rng, depth + 1, funcs, 1, 4)
        other = _body(rng, depth + 1, funcs, 0, 3)
        out = ['if [ "$X" = y ]; then', *body]
        if other:
            out += ["else", *other]
        return out + ["fi"]
    if r < 0.77:
        arms = rng.randint(1, 4)
        out = ['case "$ENV" in']
        for k in range(arms):
            out += [f"  e{k})", *_body(rng, depth + 1, funcs, 0, 3), "  ;;"]
        return out + ["esac"]
    if r < 0.85:
        items = " ".join(rng.sample(["orch", "svc-a", "svc-b", '"$@"', "$LIST"], 2))
        return [f"for NAME in {items}; do", *_body(rng, depth + 1, funcs, 1, 4), "done"]
    if r < 0.93:
        fname = f"step{len(funcs)}"
        funcs.append(fname)
        out = [f"{fname}() {{", *_body(rng, depth + 1, funcs, 1, 4), "}"]
        calls = rng.choice([1, 1, 2])
        return out + [rng.choice([fname, f"{fname} || exit 1", f"{fname} orch"]) for _ in range(calls)]
    return ["(", *_body(rng, depth + 1, funcs, 1, 3), ")"]


def _body(rng: random.Random, depth: int, funcs: list[str], low: int, high: int) -> list[str]:
    out: list[str] = []
    for _ in range(rng.randint(low, high)):
        out += ["  " * depth + line for line in _statement(rng, depth, funcs)]
    return out


def script(seed: int, statements: int) -> str:
    rng = random.Random(seed)
    head = [
        "#!/bin/bash",
        f"# dataflow mix {seed}",
        rng.choice(["set -euo pipefail", "set -e", ""]),
        'REGION="us-west2"',
        rng.choice(['PROJECT_ID="proj"', 'PROJECT_ID="$(gcloud config get-value project)"']),
        'PUSH_SA="push"',
        'PROJECT_NUMBER="$(gcloud projects describe "$PROJECT_ID" --format="value(projectNumber)")"',
        'ENV="${1:-dev}"',
        'retry() { "$@" || "$@"; }',
    ]
    funcs: list[str] = []
    body: list[str] = []
    while len(body) < statements:
        body += _statement(rng, 0, funcs)
    return "\n".join(head + body) + "\n"
