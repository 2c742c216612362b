"""`gcloud run services set-iam-policy SERVICE POLICY_FILE` replaces the service's whole policy
with the file's (JSON or YAML). Before, the file was never read: a policy that granted the push
identity the invoker role was reported as taking every binding away (IAM001, a false alarm on
the idiom). Now the bindings are read from the project's file, or from the text the script
wrote to it (`cat > policy.yaml <<EOF`); a file it cannot read keeps the old reading and says why."""

from __future__ import annotations

from pathlib import Path

from shlint_iam.config import Config
from shlint_iam.lint import Linter

SA = "push@acme-prod.iam.gserviceaccount.com"
HEAD = "#!/bin/bash\nset -euo pipefail\n"
DEPLOY = "gcloud run deploy orders --image=gcr.io/acme-prod/orders --region=us-west2 --no-allow-unauthenticated\n"
SET = "gcloud run services set-iam-policy orders policy.yaml --region=us-west2 --quiet\n"
PUSH = ("gcloud pubsub subscriptions create orders-push --topic=orders "
        "--push-endpoint=https://orders-abcdefghij-wl.a.run.app/push "
        f"--push-auth-service-account={SA}\n")
POLICY = f"""\
bindings:
- role: roles/run.invoker
  members:
  - serviceAccount:{SA}
- role: roles/run.viewer
  members:
  - group:ops@acme.example
etag: BwYvq2Vt8Xo=
version: 1
"""
UNBOUND = (f"Cloud Run service orders, called by the Pub/Sub push subscription orders-push, is invoked as "
           f"serviceAccount:{SA}, which gets no roles/run.invoker on service orders after this deploy "
           "(the command at line 4 replaces the whole policy)")


def lint(folder: Path, script: str, files: dict[str, str] | None = None,
         select: list[str] | None = None) -> list[tuple[str, int, int, str]]:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / ".git").mkdir(exist_ok=True)
    (folder / "deploy.sh").write_text(script)
    for name, text in (files or {}).items():
        (folder / name).write_text(text)
    config = Config(select=select) if select else Config()
    result = Linter(config).lint_paths([str(folder / "deploy.sh")])
    return [(f.code, f.span.start_line, f.span.start_col, f.message) for f in result.reported]


def test_a_policy_file_granting_the_push_identity_is_its_binding(tmp_path: Path) -> None:
    assert lint(tmp_path, HEAD + DEPLOY + SET + PUSH, {"policy.yaml": POLICY}) == []


def test_a_json_policy_file_is_read_too(tmp_path: Path) -> None:
    policy = f'{{"bindings": [{{"role": "roles/run.invoker", "members": ["serviceAccount:{SA}"]}}], "etag": "BwX="}}'
    script = HEAD + DEPLOY + SET.replace("policy.yaml", "policy.json") + PUSH
    assert lint(tmp_path, script, {"policy.json": policy}) == []


def test_a_policy_file_granting_someone_else_is_a_near_miss(tmp_path: Path) -> None:
    policy = POLICY.replace(f"serviceAccount:{SA}", "serviceAccount:other@acme-prod.iam.gserviceaccount.com")
    assert lint(tmp_path, HEAD + DEPLOY + SET + PUSH, {"policy.yaml": policy}) == [(
        "IAM005", 4, 43, "it grants serviceAccount:other@acme-prod.iam.gserviceaccount.com, but the invoker is "
        f"serviceAccount:{SA}: the invoker of orders stays without permission")]


def test_a_public_policy_file_is_iam006_at_the_file(tmp_path: Path) -> None:
    policy = "bindings:\n- role: roles/run.invoker\n  members: [allUsers]\n"
    assert [(c, line, col) for c, line, col, _ in lint(tmp_path, HEAD + DEPLOY + SET + PUSH,
                                                        {"policy.yaml": policy})] == [("IAM006", 4, 43)]


def test_the_policy_the_script_writes_is_read_with_its_variables(tmp_path: Path) -> None:
    script = (HEAD + f"SA={SA}\n" + DEPLOY + "cat > policy.yaml <<EOF\nbindings:\n- role: roles/run.invoker\n"
              "  members:\n  - serviceAccount:${SA}\nEOF\n" + SET + PUSH)
    # the repository's policy.yaml (granting nobody) is not what the command reads
    assert lint(tmp_path, script, {"policy.yaml": "bindings: []\n"}) == []


def test_a_policy_the_script_changes_after_writing_is_not_known(tmp_path: Path) -> None:
    script = (HEAD + DEPLOY + f"echo '{{\"bindings\": [{{\"role\": \"roles/run.invoker\", \"members\": "
              f"[\"serviceAccount:{SA}\"]}}]}}' > policy.yaml\nsed -i 's/push@/pusher@/' policy.yaml\n"
              + SET + PUSH)
    found = lint(tmp_path, script, select=["IAM"])
    assert [(c, line) for c, line, _, _ in found] == [("IAM001", 3), ("IAM009", 6)]
    assert found[1][3] == "cannot verify this binding: the bindings of the policy file not known statically"


def test_a_missing_policy_file_is_said_and_the_replacement_grants_nothing(tmp_path: Path) -> None:
    assert lint(tmp_path, HEAD + DEPLOY + SET + PUSH, select=["IAM001", "SH001"]) == [
        ("IAM001", 3, 1, UNBOUND.replace("line 4", "line 4")),
        ("SH001", 4, 1, "IAM policy file not followed: policy.yaml: not found"),
    ]


def test_output_redirected_to_a_file_is_not_a_command_substitutions_value(tmp_path: Path) -> None:
    # `$(cat > f <<EOF ... EOF)` prints nothing: the text goes to the file, not into NAME
    script = (HEAD + DEPLOY + 'NAME="orders$(cat > notes.txt <<EOF\ndeployed\nEOF\n)"\n'
              f'gcloud run services add-iam-policy-binding "$NAME" --region=us-west2 '
              f'--member=serviceAccount:{SA} --role=roles/run.invoker\n' + PUSH)
    assert lint(tmp_path, script) == []
