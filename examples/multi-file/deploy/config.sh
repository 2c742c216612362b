# Shared settings, sourced by every deploy script.
PROJECT_ID="nba-props-platform"
REGION="us-west2"
RUN_REGION="us-west2"
TRIGGER_SA="orchestrator-trigger@${PROJECT_ID}.iam.gserviceaccount.com"
