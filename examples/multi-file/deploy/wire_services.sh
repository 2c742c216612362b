#!/bin/bash
# A Cloud Run service fed by Eventarc, a push subscription and a scheduler job.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
. "$HERE/config.sh"
PROJECT_NUMBER=$(gcloud projects describe "$PROJECT_ID" --format='value(projectNumber)')
COMPUTE_SA="${PROJECT_NUMBER}-compute@developer.gserviceaccount.com"

gcloud run deploy phase5-to-phase6-orchestrator --image="us-docker.pkg.dev/$PROJECT_ID/app/orch:latest" \
  --region="$RUN_REGION" --project="$PROJECT_ID" --no-allow-unauthenticated
gcloud run services add-iam-policy-binding phase5-to-phase6-orchestrator --region="$RUN_REGION" \
  --project="$PROJECT_ID" --member="serviceAccount:$COMPUTE_SA" --role=roles/run.invoker

gcloud eventarc triggers create phase5-complete --location="$RUN_REGION" --project="$PROJECT_ID" \
  --destination-run-service=phase5-to-phase6-orchestrator \
  --event-filters="type=google.cloud.pubsub.topic.v1.messagePublished" \
  --service-account="$COMPUTE_SA"

URL=$(gcloud run services describe phase5-to-phase6-orchestrator --region="$RUN_REGION" \
  --project="$PROJECT_ID" --format='value(status.url)')
gcloud pubsub subscriptions create phase5-push --topic=phase5-complete --project="$PROJECT_ID" \
  --push-endpoint="$URL" --push-auth-service-account="$COMPUTE_SA"
gcloud scheduler jobs create http phase5-nightly --schedule="0 3 * * *" --uri="$URL/run" \
  --oidc-service-account-email="$COMPUTE_SA" --location="$RUN_REGION" --project="$PROJECT_ID"
