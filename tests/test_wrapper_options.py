"""Wrappers whose options take a value (`nice -n 10`, `sudo -u deployer`, `xargs -n 1 -I {}`):
the command they run starts after the option's value, not at it. `xargs` adds the words it reads
to the command (at the end, or in place of the `-I` placeholder): unknown to the analysis."""

from __future__ import annotations

from ruletest import lint_snippet, triples

from shlint_iam.analysis import analyse
from shlint_iam.config import Config
from shlint_iam.shell.values import is_known, show
from shlint_iam.source import SourceFile

HEAD = """\
#!/bin/bash
set -euo pipefail
REGION=us-central1
SA=orders-sa@shop-prod.iam.gserviceaccount.com
"""
DEPLOY = ('gcloud functions deploy orders --gen2 --region="$REGION" --trigger-topic=orders '
          '--runtime=python312 --source=. --service-account="$SA"\n')
GRANT = 'gcloud functions add-invoker-policy-binding orders --region="$REGION" --member="serviceAccount:$SA"\n'


def test_nice_value_is_not_the_command() -> None:
    """`nice -n 10 gcloud ...` runs gcloud: the deploy is seen (it was read as a command `10`)."""
    script = HEAD + "nice -n 10 " + DEPLOY
    assert triples(script) == [("IAM001", 5, 1)]
    message = lint_snippet(script).reported[0].message
    assert message.startswith("gen2 function orders (Pub/Sub topic orders) is invoked as "
                              "serviceAccount:orders-sa@shop-prod.iam.gserviceaccount.com"), message


def test_sudo_user_value_is_not_the_command() -> None:
    """The binding run through `sudo -u deployer` counts (it was read as a command `deployer`,
    and the deploy was reported as never bound)."""
    assert triples(HEAD + DEPLOY + "sudo -u deployer " + GRANT) == []


def test_xargs_value_options_and_appended_input() -> None:
    """`xargs -n 1 -r gcloud run services delete ...` deletes the services it reads: the delete is
    a step (its failure is discarded here), and its SERVICE comes from the input, so it is not a
    command with no SERVICE (GCL001)."""
    script = HEAD + (
        "gcloud run services list --region=\"$REGION\" --format='value(metadata.name)' --filter='metadata.name~^tmp-' |\n"
        "  xargs -n 1 -r gcloud run services delete --region=\"$REGION\" --quiet || true\n"
    )
    assert triples(script) == [("ERR002", 6, 3)]
    assert lint_snippet(script).reported[0].message == (
        "`gcloud run services delete` fails silently: `|| true` throws its failure away")


def test_xargs_placeholder_takes_the_input() -> None:
    """`xargs -I {} gcloud ... {} ...`: the input goes in place of `{}`, and no word is added at
    the end: one command per line of known input, an unknown word for unknown input."""
    script = HEAD + (
        "printf '%s\\n' reports audit | xargs -I {} gcloud functions add-invoker-policy-binding {} "
        "--region=\"$REGION\" --member=\"serviceAccount:$SA\"\n"
        "list_functions | xargs -I {} gcloud functions add-invoker-policy-binding {} "
        "--region=\"$REGION\" --member=\"serviceAccount:$SA\"\n"
    )
    source = SourceFile("deploy.sh", script)
    runs = [run for run in analyse(source, Config()).commands if run.name == "gcloud"]
    assert len(runs) == 3
    for run, name in zip(runs, ["reports", "audit", None], strict=True):
        argv = run.argv
        assert argv[:3] == ["gcloud", "functions", "add-invoker-policy-binding"]
        assert argv[3] == name if name else (not is_known(argv[3]) and show(argv[3]) == "{xargs input}")
        assert argv[4:] == ["--region=us-central1",
                            "--member=serviceAccount:orders-sa@shop-prod.iam.gserviceaccount.com"]
