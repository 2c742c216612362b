#!/bin/bash
# Deploy the phase3 -> phase4 orchestrator (Session 205 fix: the invoker binding runs after
# every deploy, so Pub/Sub can invoke the function).
set -euo pipefail

RED='\033[0;31m'
GREEN='\033[0;32m'
YELLOW='\033[1;33m'
NC='\033[0m'

PROJECT_ID="nba-props-platform"
REGION="us-west2"
FUNCTION_NAME="phase3-to-phase4-orchestrator"
TOPIC="nba-phase3-analytics-complete"

echo -e "${YELLOW}Deploying ${FUNCTION_NAME}...${NC}"
gcloud functions deploy "$FUNCTION_NAME" \
    --gen2 \
    --runtime=python312 \
    --region="$REGION" \
    --source=orchestration/cloud_functions/phase3_to_phase4 \
    --entry-point=orchestrate_phase3_to_phase4 \
    --trigger-topic="$TOPIC" \
    --project="$PROJECT_ID"

echo -e "${YELLOW}Setting IAM permissions for Pub/Sub invocation...${NC}"
# Session 205: Ensure service account can invoke the Cloud Function
# Without this, Pub/Sub cannot deliver messages to the function
SERVICE_ACCOUNT="756957797294-compute@developer.gserviceaccount.com"
gcloud run services add-iam-policy-binding $FUNCTION_NAME \
    --region=$REGION \
    --member="serviceAccount:$SERVICE_ACCOUNT" \
    --role="roles/run.invoker" \
    --project=$PROJECT_ID

echo -e "${GREEN}✓ IAM permissions configured${NC}"
