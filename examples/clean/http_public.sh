#!/bin/bash
# Clean: an HTTP function made public on purpose, and a checked, error-handled deploy.
REGION=us-central1
if ! gcloud functions deploy webhook --gen2 --region="$REGION" --trigger-http --allow-unauthenticated; then
  echo "deploy failed" >&2
  exit 1
fi
gcloud functions deploy reporter --gen2 --region="$REGION" --trigger-http || exit 1
