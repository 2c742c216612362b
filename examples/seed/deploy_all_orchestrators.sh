#!/bin/bash
# Deploys three orchestrators in a loop; the binding loop skips the last one.
set -euo pipefail

PROJECT_ID="nba-props-platform"
REGION="us-west2"
SA="756957797294-compute@developer.gserviceaccount.com"
ORCHESTRATORS=(phase3-to-phase4 phase4-to-phase5 phase5-to-phase6)

for orch in "${ORCHESTRATORS[@]}"; do
  gcloud functions deploy "${orch}-orchestrator" --gen2 --region="$REGION" --project="$PROJECT_ID" \
    --runtime=python312 --source="orchestration/${orch//-/_}" --trigger-topic="${orch}-complete"
done

for orch in phase3-to-phase4 phase4-to-phase5; do
  gcloud run services add-iam-policy-binding "${orch}-orchestrator" --region="$REGION" \
    --project="$PROJECT_ID" --member="serviceAccount:${SA}" --role=roles/run.invoker
done
