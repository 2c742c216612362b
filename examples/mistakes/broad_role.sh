#!/bin/bash
# IAM007: run.invoker on the whole project.
set -euo pipefail
PROJECT_ID=nba-props-platform
gcloud functions deploy orchestrator --gen2 --region=us-west2 --trigger-topic=phase3-complete --project=$PROJECT_ID
gcloud projects add-iam-policy-binding "$PROJECT_ID" \
  --member="serviceAccount:756957797294-compute@developer.gserviceaccount.com" --role=roles/run.invoker
