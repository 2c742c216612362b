#!/bin/bash
# ERR003: tee hides the deploy's failure (no pipefail).
set -eu
gcloud functions deploy orchestrator --gen2 --region=us-west2 --trigger-topic=phase3-complete 2>&1 | tee deploy.log
gcloud functions add-invoker-policy-binding orchestrator --region=us-west2 \
  --member="serviceAccount:756957797294-compute@developer.gserviceaccount.com"
