#!/bin/bash
# Clean: a deploy function called for each orchestrator binds its own identity.
set -euo pipefail
PROJECT_ID="nba-props-platform"
REGION="us-west2"

deploy_orchestrator() {
  local name=$1 topic=$2
  local sa="${name}@${PROJECT_ID}.iam.gserviceaccount.com"
  gcloud functions deploy "$name" --gen2 --region="$REGION" --project="$PROJECT_ID" \
    --trigger-topic="$topic" --trigger-service-account="$sa" --runtime=python312 --source=.
  gcloud run services add-iam-policy-binding "$name" --region="$REGION" --project="$PROJECT_ID" \
    --member="serviceAccount:${sa}" --role=roles/run.invoker
}

for phase in 3 4 5; do
  deploy_orchestrator "phase${phase}-to-phase$((phase + 1))-orchestrator" "phase${phase}-complete"
done
