"""Issue 3: following the deployment across sourced files, gcloud settings, values from gcloud
output, and every kind of invoker (Eventarc, Pub/Sub push, Cloud Scheduler)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from shlint_iam.config import Config
from shlint_iam.lint import Linter

ROOT = Path(__file__).resolve().parent.parent
SA = "orch@p.iam.gserviceaccount.com"


def write(folder: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"))


def lint_folder(folder: Path, *names: str, select: list[str] | None = None) -> list[tuple[str, str, int, int]]:
    config = Config(select=select)
    result = Linter(config).lint_paths([str(folder / n) for n in names] or [str(folder)])
    assert not [p for p in result.problems if "internal error" in p.message], result.problems
    return sorted(
        (Path(f.span.path).name, f.code, f.span.start_line, f.span.start_col) for f in result.reported
    )


CONFIG = """
    PROJECT_ID=p
    REGION=us-west2
"""


@pytest.mark.parametrize(
    "source_line",
    [
        'source "$(dirname "$0")/config.sh"',
        '. "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/config.sh"',
        'source "${0%/*}/config.sh"',
        "source ./config.sh",
        "source config.sh",
    ],
)
def test_region_from_sourced_config_matches(tmp_path: Path, source_line: str) -> None:
    write(tmp_path, {
        "config.sh": CONFIG,
        "deploy.sh": f"""
            set -euo pipefail
            {source_line}
            gcloud functions deploy orch --gen2 --region=us-west2 --project=p --trigger-topic=t
            gcloud run services add-iam-policy-binding orch --region="$REGION" --project="$PROJECT_ID" \\
              --member="serviceAccount:1-compute@developer.gserviceaccount.com" --role=roles/run.invoker
        """,
    })
    assert lint_folder(tmp_path, "deploy.sh") == []


def test_region_from_sourced_config_differs_is_iam003(tmp_path: Path) -> None:
    write(tmp_path, {
        "config.sh": CONFIG,
        "deploy.sh": """
            set -euo pipefail
            source "$(dirname "$0")/config.sh"
            gcloud functions deploy orch --gen2 --region=us-east1 --project=p --trigger-topic=t
            gcloud run services add-iam-policy-binding orch --region="$REGION" --project="$PROJECT_ID" \\
              --member="serviceAccount:1-compute@developer.gserviceaccount.com" --role=roles/run.invoker
        """,
    })
    assert lint_folder(tmp_path, "deploy.sh") == [("deploy.sh", "IAM003", 4, 1)]


def test_findings_inside_a_sourced_file_point_into_it(tmp_path: Path) -> None:
    write(tmp_path, {
        "lib.sh": """
            deploy_fn() {
              gcloud functions deploy "$1" --gen2 --region=r --trigger-topic=t
            }
        """,
        "deploy.sh": """
            set -e
            source "$(dirname "$0")/lib.sh"
            deploy_fn orch
        """,
    })
    assert lint_folder(tmp_path, "deploy.sh") == [("lib.sh", "IAM001", 2, 3)]


def test_source_cycles_are_bounded(tmp_path: Path) -> None:
    write(tmp_path, {
        "a.sh": 'source "$(dirname "$0")/b.sh"\n',
        "b.sh": 'source "$(dirname "${BASH_SOURCE[0]}")/a.sh"\nREGION=r\n',
        "deploy.sh": """
            set -e
            source "$(dirname "$0")/a.sh"
            gcloud functions deploy orch --gen2 --region="$REGION" --trigger-topic=t
            gcloud functions add-invoker-policy-binding orch --region=r \\
              --member=serviceAccount:1-compute@developer.gserviceaccount.com
        """,
    })
    assert lint_folder(tmp_path, "deploy.sh") == []


def test_missing_sourced_file_makes_values_unknown(tmp_path: Path) -> None:
    write(tmp_path, {
        "deploy.sh": """
            set -e
            source "$(dirname "$0")/missing.sh"
            gcloud functions deploy orch --gen2 --region="$REGION" --trigger-topic=t
            gcloud functions add-invoker-policy-binding orch --region="$REGION" \\
              --member="serviceAccount:$SA"
        """,
    })
    # The gap is said (SH001, info), and the values it would have set stay unknown: no IAM finding.
    assert lint_folder(tmp_path, "deploy.sh") == [("deploy.sh", "SH001", 2, 1)]
    result = Linter(Config()).lint_paths([str(tmp_path / "deploy.sh")])
    (notice,) = result.reported
    assert notice.message == f'`source "$(dirname "$0")/missing.sh"` not followed: {tmp_path}/missing.sh: not found'
    # IAM009 (off by default) is about unverifiable commands only; the `source` is SH001's.
    found = lint_folder(tmp_path, "deploy.sh", select=["IAM009"])
    assert ("deploy.sh", "IAM009", 2, 1) not in found


def test_config_set_project_and_project_number(tmp_path: Path) -> None:
    write(tmp_path, {
        "deploy.sh": """
            set -euo pipefail
            gcloud config set project p
            NUM=$(gcloud projects describe "$(gcloud config get-value project)" --format='value(projectNumber)')
            gcloud functions deploy orch --gen2 --region=r --trigger-topic=t
            gcloud functions add-invoker-policy-binding orch --region=r \\
              --member="serviceAccount:${NUM}-compute@developer.gserviceaccount.com"
        """,
    })
    assert lint_folder(tmp_path, "deploy.sh", select=["IAM"]) == []


def test_other_projects_default_account_is_iam005(tmp_path: Path) -> None:
    write(tmp_path, {
        "deploy.sh": """
            set -euo pipefail
            NUM=$(gcloud projects describe other --format='value(projectNumber)')
            gcloud functions deploy orch --gen2 --region=r --project=p --trigger-topic=t
            gcloud functions add-invoker-policy-binding orch --region=r --project=p \\
              --member="serviceAccount:${NUM}-compute@developer.gserviceaccount.com"
        """,
    })
    assert lint_folder(tmp_path, "deploy.sh") == [("deploy.sh", "IAM005", 5, 3)]


def test_flags_file_makes_region_unknown(tmp_path: Path) -> None:
    write(tmp_path, {
        "deploy.sh": """
            set -e
            gcloud functions deploy orch --gen2 --flags-file=flags.yaml --trigger-topic=t
            gcloud run services add-iam-policy-binding orch --region=us-central1 --role=roles/run.invoker \\
              --member=serviceAccount:1-compute@developer.gserviceaccount.com
        """,
    })
    assert lint_folder(tmp_path, "deploy.sh") == []


def test_cloudsdk_functions_gen2_false_means_gen1(tmp_path: Path) -> None:
    write(tmp_path, {
        "deploy.sh": """
            set -e
            export CLOUDSDK_FUNCTIONS_GEN2=false
            gcloud functions deploy orch --region=r --trigger-topic=t
        """,
    })
    assert lint_folder(tmp_path, "deploy.sh") == []


EVENTARC = textwrap.dedent("""
    set -euo pipefail
    gcloud run deploy svc --image=img --region=us-west2 --project=p
    {before}
    gcloud eventarc triggers create trig --location=us-west2 --project=p \\
      --destination-run-service=svc --event-filters=type=google.cloud.pubsub.topic.v1.messagePublished \\
      --service-account={sa}
    {after}
""")
BIND_SVC = ("gcloud run services add-iam-policy-binding svc --region=us-west2 --project=p "
            "--member=serviceAccount:{sa} --role=roles/run.invoker")


def test_eventarc_trigger_without_binding_is_iam001(tmp_path: Path) -> None:
    write(tmp_path, {"deploy.sh": EVENTARC.format(before="", after="", sa=SA)})
    assert lint_folder(tmp_path, "deploy.sh") == [("deploy.sh", "IAM001", 2, 1)]


def test_eventarc_binding_before_trigger_is_clean(tmp_path: Path) -> None:
    write(tmp_path, {"deploy.sh": EVENTARC.format(before=BIND_SVC.format(sa=SA), after="", sa=SA)})
    assert lint_folder(tmp_path, "deploy.sh") == []


def test_eventarc_destination_region_defaults_to_location(tmp_path: Path) -> None:
    bind_other_region = BIND_SVC.format(sa=SA).replace("us-west2", "europe-west1")
    write(tmp_path, {"deploy.sh": EVENTARC.format(before="", after=bind_other_region, sa=SA)})
    assert lint_folder(tmp_path, "deploy.sh") == [("deploy.sh", "IAM003", 7, 1)]


def test_invoker_iam_check_turned_off_is_iam006(tmp_path: Path) -> None:
    after = "gcloud run services update svc --region=us-west2 --project=p --no-invoker-iam-check"
    write(tmp_path, {"deploy.sh": EVENTARC.format(before="", after=after, sa=SA)})
    assert lint_folder(tmp_path, "deploy.sh") == [("deploy.sh", "IAM006", 7, 62)]


def test_eventarc_on_public_service_is_iam006(tmp_path: Path) -> None:
    script = EVENTARC.format(before="", after="", sa=SA).replace("--project=p\n", "--project=p --allow-unauthenticated\n", 1)
    write(tmp_path, {"deploy.sh": script})
    assert lint_folder(tmp_path, "deploy.sh") == [("deploy.sh", "IAM006", 2, 65)]


PUSH = textwrap.dedent("""
    set -euo pipefail
    URL=$(gcloud run services describe svc --region=us-west2 --project=p --format='value(status.url)')
    gcloud pubsub subscriptions create sub --topic=t --project=p --push-endpoint="$URL" \\
      --push-auth-service-account={sa}
    {after}
""")


def test_push_subscription_from_describe_without_binding_is_iam001(tmp_path: Path) -> None:
    write(tmp_path, {"deploy.sh": PUSH.format(sa=SA, after="")})
    assert lint_folder(tmp_path, "deploy.sh") == [("deploy.sh", "IAM001", 3, 1)]


def test_push_subscription_with_binding_is_clean(tmp_path: Path) -> None:
    write(tmp_path, {"deploy.sh": PUSH.format(sa=SA, after=BIND_SVC.format(sa=SA))})
    assert lint_folder(tmp_path, "deploy.sh") == []


def test_push_subscription_without_identity_is_iam001(tmp_path: Path) -> None:
    script = PUSH.format(sa=SA, after="").replace(" \\\n      --push-auth-service-account=" + SA, "")
    write(tmp_path, {"deploy.sh": script})
    result = lint_folder(tmp_path, "deploy.sh")
    assert result == [("deploy.sh", "IAM001", 3, 1)]


def test_push_to_run_app_url_is_matched_by_name(tmp_path: Path) -> None:
    write(tmp_path, {"deploy.sh": f"""
        set -e
        gcloud pubsub subscriptions create sub --topic=t \\
          --push-endpoint=https://svc-abcdefghij-uw.a.run.app/events --push-auth-service-account={SA}
    """})
    assert lint_folder(tmp_path, "deploy.sh") == [("deploy.sh", "IAM001", 2, 1)]


SCHEDULER = textwrap.dedent("""
    set -euo pipefail
    gcloud run deploy svc --image=img --region=us-west2 --project=p
    {bind}
    URL=$(gcloud run services describe svc --region=us-west2 --project=p --format='value(status.url)')
    gcloud scheduler jobs create http nightly --schedule='0 3 * * *' --uri="$URL/run" \\
      --oidc-service-account-email={sa} --location=us-west2 --project=p
""")


def test_scheduler_job_with_bound_identity_is_clean(tmp_path: Path) -> None:
    write(tmp_path, {"deploy.sh": SCHEDULER.format(bind=BIND_SVC.format(sa=SA), sa=SA)})
    assert lint_folder(tmp_path, "deploy.sh") == []


def test_scheduler_job_with_other_identity_is_iam005(tmp_path: Path) -> None:
    write(tmp_path, {"deploy.sh": SCHEDULER.format(bind=BIND_SVC.format(sa="other@p.iam.gserviceaccount.com"), sa=SA)})
    assert lint_folder(tmp_path, "deploy.sh") == [("deploy.sh", "IAM005", 3, 78)]


def test_delete_and_recreate_run_service_is_iam002(tmp_path: Path) -> None:
    write(tmp_path, {"deploy.sh": EVENTARC.format(
        before=BIND_SVC.format(sa=SA) + "\ngcloud run services delete svc --region=us-west2 --project=p -q\n"
        "gcloud run deploy svc --image=img --region=us-west2 --project=p", after="", sa=SA)})
    assert lint_folder(tmp_path, "deploy.sh") == [("deploy.sh", "IAM002", 3, 1)]


def test_val001_verification(tmp_path: Path) -> None:
    write(tmp_path, {"a.sh": f"""
        set -e
        {BIND_SVC.format(sa=SA)}
    """, "b.sh": f"""
        set -e
        {BIND_SVC.format(sa=SA)}
        gcloud run services get-iam-policy svc --region=us-west2 --project=p | grep -q {SA}
    """})
    assert lint_folder(tmp_path, select=["VAL001"]) == [("a.sh", "VAL001", 2, 1)]


def test_multi_file_example_from_the_cli() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "shlint_iam", "check", "-f", "concise", "examples/multi-file/deploy"],
        cwd=ROOT, capture_output=True, text=True,
    )
    assert proc.returncode == 1, proc.stderr
    assert proc.stdout.splitlines() == [
        "examples/multi-file/deploy/rebind_wrong_region.sh:7:1: IAM003 binding does not reach "
        "phase3-to-phase4-orchestrator deployed at line 5: it targets region us-central1 instead of us-west2"
    ]


def test_suppression_inside_a_sourced_file(tmp_path: Path) -> None:
    write(tmp_path, {
        "lib.sh": """
            deploy_fn() {
              # shlint-iam disable=IAM001 -- bound by the platform team's script
              gcloud functions deploy "$1" --gen2 --region=r --trigger-topic=t
            }
        """,
        "deploy.sh": """
            set -e
            source "$(dirname "$0")/lib.sh"
            deploy_fn orch
        """,
    })
    assert lint_folder(tmp_path, "deploy.sh") == []
