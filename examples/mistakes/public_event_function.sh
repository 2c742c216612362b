#!/bin/bash
# IAM006: an event-driven function made public.
set -euo pipefail
gcloud functions deploy orchestrator --gen2 --region=us-west2 --trigger-topic=phase3-complete \
  --allow-unauthenticated
