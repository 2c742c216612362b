#!/bin/bash
# The script as it was during Session 205: the redeploy drops nothing, but nothing ever
# granted the trigger's identity roles/run.invoker, so Pub/Sub got 403 for 7 days.
set -euo pipefail

PROJECT_ID="nba-props-platform"
REGION="us-west2"
FUNCTION_NAME="phase3-to-phase4-orchestrator"
TOPIC="nba-phase3-analytics-complete"

echo "Deploying ${FUNCTION_NAME}..."
gcloud functions deploy "$FUNCTION_NAME" \
    --gen2 \
    --runtime=python312 \
    --region="$REGION" \
    --source=orchestration/cloud_functions/phase3_to_phase4 \
    --entry-point=orchestrate_phase3_to_phase4 \
    --trigger-topic="$TOPIC" \
    --project="$PROJECT_ID"

echo "Deployment complete"
