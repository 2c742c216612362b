"""A Scheduler job (or push subscription, or HTTP task) that calls a function's URL,
`https://REGION-PROJECT.cloudfunctions.net/NAME`, of a function the script does not deploy
(AFMaldonado/rrhh_challenge bash-commands/restore-scheduler.sh): the target is named a function,
not a "Cloud Run service", and a note says what each generation needs, since the script does
not say which it is (a gen1 function has no Cloud Run service; roles/cloudfunctions.invoker
on the function is its grant)."""

from __future__ import annotations

from ruletest import lint_snippet, triples

JOB = """\
gcloud scheduler jobs create http trigger-restore \\
  --schedule="0 20 13 2 *" \\
  --uri="https://us-central1-hr-analytics.cloudfunctions.net/restore" \\
  --http-method="POST" \\
  --oidc-service-account-email="hr-analytics@appspot.gserviceaccount.com" \\
  --oidc-token-audience="https://us-central1-hr-analytics.cloudfunctions.net/restore" \\
  --location="us-central1"
"""


def test_function_url_of_a_function_not_deployed_here() -> None:
    assert triples(JOB) == [("IAM001", 1, 1)]
    finding = lint_snippet(JOB).reported[0]
    assert finding.message == (
        "function restore, called by the Cloud Scheduler job trigger-restore, is invoked as "
        "serviceAccount:hr-analytics@appspot.gserviceaccount.com, which gets no roles/run.invoker on service "
        "restore anywhere in the script")
    assert finding.notes == (
        "the URL is a Cloud Functions URL of a function this script does not deploy: a gen2 function needs "
        "roles/run.invoker on its Cloud Run service (the fix), a gen1 function roles/cloudfunctions.invoker on "
        "the function",)


def test_function_deployed_here_keeps_its_generation() -> None:
    """Deployed by the script as gen2: named so, and no note."""
    script = ("gcloud functions deploy restore --gen2 --region=us-central1 --project=hr-analytics --trigger-http "
              "--runtime=python312 --source=.\n" + JOB)
    finding = lint_snippet(script).reported[-1]
    assert finding.code == "IAM001" and finding.message.startswith(
        "gen2 function restore, called by the Cloud Scheduler job trigger-restore, is invoked as "), finding.message
    assert finding.notes == ()
