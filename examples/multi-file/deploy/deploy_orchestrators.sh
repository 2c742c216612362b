#!/bin/bash
# Deploys the orchestrators with the settings from config.sh and binds each trigger identity.
set -euo pipefail
source "$(dirname "$0")/config.sh"
gcloud config set project "$PROJECT_ID"

deploy() {
  local name=$1 topic=$2
  gcloud functions deploy "$name" --gen2 --region="$REGION" --trigger-topic="$topic" \
    --trigger-service-account="$TRIGGER_SA" --runtime=python312 --source="functions/$name"
  gcloud functions add-invoker-policy-binding "$name" --region="$REGION" \
    --member="serviceAccount:$TRIGGER_SA"
}

deploy phase3-to-phase4-orchestrator nba-phase3-analytics-complete
deploy phase4-to-phase5-orchestrator nba-phase4-precompute-complete
