"""ERR001 on a step where `set -e` would not help even if the script set it: in an `if`
condition (`if (gcloud ... ; sleep 5; source x.sh); then`, the subshell's status is its last
command's), left of `&&`, or inside a function called left of `||`. The script sets no `set -e`,
and the advice was "add `set -euo pipefail` at the top" (with an automatic fix): false, bash
ignores it there. Seen in a real lab script (KloudCell/Cloud-Skills-Boost GSP773 script.sh:
`if (gcloud beta eventarc triggers create trigger-auditlog ...; sleep 12; gsutil cp ...;
source ani.sh) then`)."""

from __future__ import annotations

from ruletest import lint_snippet

SCRIPT = """\
#! /bin/bash
gcloud config set run/region us-central1
if (gcloud run deploy event-display --image=gcr.io/cloudrun/hello --no-allow-unauthenticated)
then
    echo "sink deployed"
    if (gcloud eventarc triggers create trigger-auditlog \\
        --destination-run-service=event-display \\
        --event-filters="type=google.cloud.audit.log.v1.written" \\
        --event-filters="serviceName=storage.googleapis.com" \\
        --event-filters="methodName=storage.objects.create" \\
        --service-account=sa-events@lab-project.iam.gserviceaccount.com \\
        --location=us-central1
    sleep 12
    gsutil cp random.txt gs://lab-bucket/random.txt)
    then
        echo "trigger created"
    fi
fi
gcloud auth revoke --all
"""


def test_step_in_an_if_condition_subshell_without_set_e() -> None:
    result = lint_snippet(SCRIPT, select=["ERR001"])
    assert [(f.code, f.span.start_line, f.span.start_col, f.message, f.fix) for f in result.reported] == [(
        "ERR001", 6, 9,
        "`gcloud eventarc triggers create` runs without `set -e`, which bash ignores there anyway (in the `if` "
        "condition on line 6), and nothing checks its exit status; a failure here goes unnoticed",
        "check it: `|| exit 1` (or `|| return 1` in a function)")]
    assert result.reported[0].autofix is None  # inserting `set -euo pipefail` would change nothing here


FUNCTION = """\
#!/bin/bash
publish() {
  gcloud pubsub topics create "$1"
  echo "topic $1 ready"
}
publish orders || exit 1
gcloud pubsub topics create invoices || exit 1
"""


def test_step_in_a_function_called_left_of_or_without_set_e() -> None:
    result = lint_snippet(FUNCTION, select=["ERR001"])
    assert [(f.code, f.span.start_line, f.span.start_col, f.message) for f in result.reported] == [(
        "ERR001", 3, 3,
        "`gcloud pubsub topics create` runs without `set -e`, which bash ignores there anyway (inside `publish`, "
        "called left of `|| exit 1` on line 6), and nothing checks its exit status; a failure here goes unnoticed")]
