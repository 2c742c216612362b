#!/bin/bash
# Clean: the case takes the binding branch for the known environment.
set -euo pipefail
ENVIRONMENT=prod
REGION=us-west2
gcloud functions deploy orchestrator --gen2 --region="$REGION" --trigger-topic=phase3-complete
case "$ENVIRONMENT" in
  prod|staging)
    gcloud functions add-invoker-policy-binding orchestrator --region="$REGION" \
      --member="serviceAccount:756957797294-compute@developer.gserviceaccount.com"
    ;;
  dev)
    echo "dev: no binding needed"
    ;;
esac
