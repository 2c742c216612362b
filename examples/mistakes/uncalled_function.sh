#!/bin/bash
# IAM001, SH002: set_iam is defined but never called (SH002 says so at its name).
set -euo pipefail
REGION=us-west2
set_iam() {
  gcloud functions add-invoker-policy-binding "$1" --region="$REGION" \
    --member="serviceAccount:756957797294-compute@developer.gserviceaccount.com"
}
deploy() {
  gcloud functions deploy "$1" --gen2 --region="$REGION" --trigger-topic="$2"
}
deploy orchestrator phase3-complete
