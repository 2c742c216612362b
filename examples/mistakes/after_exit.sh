#!/bin/bash
# IAM001: the binding comes after an unconditional exit.
set -euo pipefail
gcloud functions deploy orchestrator --gen2 --region=us-west2 --trigger-topic=phase3-complete
exit 0
gcloud functions add-invoker-policy-binding orchestrator --region=us-west2 \
  --member="serviceAccount:756957797294-compute@developer.gserviceaccount.com"
