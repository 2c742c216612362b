#!/bin/bash
# IAM003: the binding targets us-central1, the function lives in us-west2.
set -euo pipefail
gcloud functions deploy orchestrator --gen2 --region=us-west2 --trigger-topic=phase3-complete
gcloud run services add-iam-policy-binding orchestrator --region=us-central1 \
  --member="serviceAccount:756957797294-compute@developer.gserviceaccount.com" --role=roles/run.invoker
