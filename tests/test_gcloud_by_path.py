"""gcloud run by its path (`~/Downloads/google-cloud-sdk/bin/gcloud functions deploy ...`, as in
jonasmw94/infrastruktur-gcp cloud_function/provision_function.sh, `"$HOME/google-cloud-sdk/bin/gcloud"`,
`$GCLOUD` set to `/usr/bin/gcloud`) is gcloud, not a child script that cannot be found: the deploy
used to be unseen (a silent pass) behind an SH001 "not found"."""

from __future__ import annotations

from ruletest import lint_snippet, triples

DEPLOY = " functions deploy helloPubSub --gen2 --region=europe-west1 --trigger-topic=fil-topic --runtime=nodejs20\n"
GRANT = (" functions add-invoker-policy-binding helloPubSub --region=europe-west1 "
         "--member=serviceAccount:pubsub-invoker@infra-prod.iam.gserviceaccount.com\n")
HEAD = "#!/bin/bash\nset -euo pipefail\n"


def test_tilde_path_to_gcloud_deploys() -> None:
    script = HEAD + "~/Downloads/google-cloud-sdk/bin/gcloud" + DEPLOY
    assert triples(script) == [("IAM001", 3, 1)]
    assert lint_snippet(script).reported[0].message.startswith(
        "gen2 function helloPubSub (Pub/Sub topic fil-topic) is invoked as "
        "serviceAccount:PROJECT_NUMBER-compute@developer.gserviceaccount.com")


def test_home_path_and_variable_path_count_as_gcloud() -> None:
    script = (HEAD + 'GCLOUD=/usr/lib/google-cloud-sdk/bin/gcloud\n'
              + '"$HOME/google-cloud-sdk/bin/gcloud"' + DEPLOY.replace("--runtime", "--service-account="
                                                                      "pubsub-invoker@infra-prod.iam.gserviceaccount.com --runtime")
              + '"$GCLOUD"' + GRANT)
    assert triples(script) == []


def test_a_script_named_like_gcloud_is_still_a_script() -> None:
    """`./gcloud-deploy.sh` is another script run as a program (here not found: SH001)."""
    script = HEAD + "./gcloud-deploy.sh" + DEPLOY
    assert triples(script) == [("SH001", 3, 1)]
