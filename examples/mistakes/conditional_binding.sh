#!/bin/bash
# IAM008: the binding only runs when SET_IAM is true.
set -euo pipefail
gcloud functions deploy orchestrator --gen2 --region=us-west2 --trigger-topic=phase3-complete
if [[ "${SET_IAM:-false}" == "true" ]] || [[ -n "${FORCE:-}" ]]; then
  gcloud functions add-invoker-policy-binding orchestrator --region=us-west2 \
    --member="serviceAccount:756957797294-compute@developer.gserviceaccount.com"
fi
