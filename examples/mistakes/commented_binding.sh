#!/bin/bash
# IAM001: the binding is only a comment.
set -euo pipefail
gcloud functions deploy orchestrator --gen2 --region=us-west2 --trigger-topic=phase3-complete
# gcloud functions add-invoker-policy-binding orchestrator --region=us-west2 \
#   --member="serviceAccount:756957797294-compute@developer.gserviceaccount.com"
