#!/bin/bash
# IAM002: the function is deleted and re-created after its binding.
set -euo pipefail
gcloud functions delete orchestrator --region=us-west2 --quiet
gcloud functions add-invoker-policy-binding orchestrator --region=us-west2 \
  --member="serviceAccount:756957797294-compute@developer.gserviceaccount.com"
gcloud functions deploy orchestrator --gen2 --region=us-west2 --trigger-topic=phase3-complete
