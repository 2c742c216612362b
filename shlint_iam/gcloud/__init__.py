"""The gcloud model: argv -> GcloudCommand -> facts (deploys, bindings, invokers)."""
