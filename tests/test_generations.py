"""Generations: IAM004 whenever the binding's function is known to be gen2; an unpinned generation
is named in the message with both fixes; a public member with a role that grants nothing is IAM004,
never also IAM006."""

from __future__ import annotations

from ruletest import lint_snippet

HEAD = "set -euo pipefail\n"
HTTP = "gcloud functions deploy api --region=us-west2 --project=proj --trigger-http --runtime=python312 --source=.\n"
EVENT = "gcloud functions deploy orch --region=us-west2 --project=proj --trigger-topic=done --runtime=python312\n"
CF_BIND = ("gcloud functions add-iam-policy-binding api --region=us-west2 --project=proj "
           "--member=serviceAccount:caller@proj.iam.gserviceaccount.com --role=roles/cloudfunctions.invoker\n")
PUBLIC_CF_BIND = ("gcloud functions add-iam-policy-binding orch --region=us-west2 --project=proj --member=allUsers "
                  "--role=roles/cloudfunctions.invoker\n")


def iam(script: str) -> list[tuple[str, int, int]]:
    return sorted((f.code, f.span.start_line, f.span.start_col) for f in lint_snippet(script).reported
                  if f.code.startswith("IAM"))


def first(script: str, code: str):  # type: ignore[no-untyped-def]
    return next(f for f in lint_snippet(script).reported if f.code == code)


def test_http_function_unpinned_is_gen2_by_default_and_says_what_it_depends_on() -> None:
    script = HEAD + HTTP + CF_BIND
    assert iam(script) == [("IAM004", 3, 138)]
    finding = first(script, "IAM004")
    assert "does not grant invoke" in finding.message
    assert any("pins no generation: gcloud >= 492 creates a new function as gen2" in n for n in finding.notes)
    assert finding.fix is not None and "--no-gen2" in finding.fix and "add-invoker-policy-binding api" in finding.fix


def test_http_function_pinned_gen2_has_no_dependency_note() -> None:
    script = HEAD + HTTP.replace("--trigger-http", "--gen2 --trigger-http") + CF_BIND
    assert iam(script) == [("IAM004", 3, 138)]
    finding = first(script, "IAM004")
    assert finding.notes == () and finding.fix is not None and finding.fix.startswith(
        "gcloud functions add-invoker-policy-binding api")


def test_http_function_pinned_gen1_binding_is_right() -> None:
    assert iam(HEAD + HTTP.replace("--trigger-http", "--no-gen2 --trigger-http") + CF_BIND) == []


def test_binding_with_gen2_flag_and_no_deploy_here() -> None:
    assert iam(HEAD + CF_BIND.replace(" --role=", " --gen2 --role=")) == [("IAM004", 2, 145)]


def test_no_deploy_and_no_gen2_flag_is_not_judged() -> None:
    assert iam(HEAD + CF_BIND) == []


def test_deploys_of_both_generations_leave_it_unknown() -> None:
    script = HEAD + HTTP + 'if [ "${LEGACY:-}" = 1 ]; then\n  ' + HTTP.replace("--trigger-http", "--no-gen2 "
                                                                             "--trigger-http") + "fi\n" + CF_BIND
    assert iam(script) == []


def test_unpinned_event_function_iam001_names_the_dependency() -> None:
    finding = first(HEAD + EVENT, "IAM001")
    assert (finding.span.start_line, finding.span.start_col) == (2, 1)
    assert any("pins no generation" in n and "Pin `--gen2` and add the binding, or pin `--no-gen2`" in n
               for n in finding.notes)


def test_pinned_event_function_iam001_has_no_note() -> None:
    finding = first(HEAD + EVENT.replace("--trigger-topic", "--gen2 --trigger-topic"), "IAM001")
    assert finding.notes == ()


def test_public_member_with_a_role_that_grants_nothing_is_iam004_not_iam006() -> None:
    script = HEAD + EVENT.replace("--trigger-topic", "--gen2 --trigger-topic") + PUBLIC_CF_BIND
    assert iam(script) == [("IAM004", 3, 97)]
