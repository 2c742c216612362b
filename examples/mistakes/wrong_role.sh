#!/bin/bash
# IAM004: roles/cloudfunctions.invoker on a gen2 function grants nothing.
set -euo pipefail
gcloud functions deploy orchestrator --gen2 --region=us-west2 --trigger-topic=phase3-complete
gcloud functions add-iam-policy-binding orchestrator --region=us-west2 \
  --member="serviceAccount:756957797294-compute@developer.gserviceaccount.com" \
  --role=roles/cloudfunctions.invoker
