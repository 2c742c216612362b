#!/bin/bash
# IAM005: the trigger runs as orchestrator@..., the binding grants another account.
set -euo pipefail
gcloud functions deploy orchestrator --gen2 --region=us-west2 --trigger-topic=phase3-complete \
  --service-account=orchestrator@nba-props-platform.iam.gserviceaccount.com
gcloud functions add-invoker-policy-binding orchestrator --region=us-west2 \
  --member="serviceAccount:deployer@nba-props-platform.iam.gserviceaccount.com"
