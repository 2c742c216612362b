#!/bin/bash
# IAM003: re-binds phase3 in the region from the environment default, not config.sh's.
set -euo pipefail
source "${0%/*}/config.sh"
gcloud functions deploy phase3-to-phase4-orchestrator --gen2 --region="$REGION" \
  --trigger-topic=nba-phase3-analytics-complete --trigger-service-account="$TRIGGER_SA"
gcloud run services add-iam-policy-binding phase3-to-phase4-orchestrator --region=us-central1 \
  --member="serviceAccount:$TRIGGER_SA" --role=roles/run.invoker
