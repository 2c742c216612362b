#!/bin/bash
# IAM001: the binding is printed, not run.
set -euo pipefail
gcloud functions deploy orchestrator --gen2 --region=us-west2 --trigger-topic=phase3-complete
echo "gcloud functions add-invoker-policy-binding orchestrator --region=us-west2 --member=serviceAccount:sa@p.iam.gserviceaccount.com"
cat <<EOT
Now run: gcloud run services add-iam-policy-binding orchestrator --role=roles/run.invoker
EOT
