"""Structured abstract values (issue 11 section 2): the value type, the three-valued comparison,
the one renderer, the size cap, and what users read: every unknown kind rendered as the script
wrote it, in messages and in fixes they can paste. All through the real parser and interpreter."""

from __future__ import annotations

import pickle
import time

import pytest
from ruletest import lint_snippet, triples

from shlint_iam.api import Invoker
from shlint_iam.gcloud.facts import default_compute_account
from shlint_iam.shell.values import (
    ENV,
    MAX_VALUE_CHARS,
    MAX_VALUE_PARTS,
    PROPERTY,
    TOO_LARGE,
    Tri,
    Unknown,
    Value,
    compare,
    concat,
    is_known,
    join,
    may_equal,
    project_number,
    service_url,
    shell_word,
    show,
    unknown,
    unknowns,
)

HEAD = "set -euo pipefail\n"
X = unknown(ENV, "X", text="$X")
Y = unknown(ENV, "Y", text="$Y")
P = unknown(ENV, "PROJECT_ID", text="$PROJECT_ID")
DEFAULT_SA = "serviceAccount:PROJECT_NUMBER-compute@developer.gserviceaccount.com"


# ----------------------------------------------------------------------------- the value type
def test_known_values_stay_plain_strings() -> None:
    assert concat("a", "b", "") == "ab" and type(concat("a", "b")) is str
    assert join("-", ["a", "b"]) == "a-b" and type(join("-", ["a"])) is str
    assert is_known("x") and not is_known(X)


def test_values_normalise_literals_and_flatten() -> None:
    value = concat("a", X, "b", "c", concat("", Y))
    assert isinstance(value, Value)
    assert [p if isinstance(p, str) else p.key for p in value.parts] == ["a", ("X",), "bc", ("Y",)]
    assert concat(X, "") == X
    assert show(join(" ", ["gcloud", X, "--region=r"])) == "gcloud $X --region=r"


def test_identity_is_kind_and_key_never_text() -> None:
    as_braced = unknown(ENV, "X", text="${X}")
    assert as_braced == X and hash(as_braced) == hash(X)
    assert len({X, as_braced, Y}) == 2
    assert unknown(ENV, "X") != unknown(PROPERTY, "X")
    assert X != "$X"  # an unknown is never its own text
    assert "$X" != X  # noqa: SIM300 - str.__eq__ first


def test_value_is_immutable_and_pickles() -> None:
    with pytest.raises(AttributeError):
        X.parts = ()  # type: ignore[misc]
    nested = concat("https://", service_url("orders", Y, project_number(P)), "/push")
    again = pickle.loads(pickle.dumps(nested))
    assert again == nested and show(again) == show(nested)


def test_a_value_hashes_its_parts_when_first_asked_and_equal_values_hash_alike() -> None:
    first, second = concat("a-", X, "-b"), concat("a-", unknown(ENV, "X", text="${X}"), "-b")
    assert first is not second and first == second
    assert hash(first) == hash(second) == hash(first) == hash(("a-", X.parts[0], "-b"))
    assert pickle.loads(pickle.dumps(first)) == first and hash(pickle.loads(pickle.dumps(first))) == hash(first)
    with pytest.raises(AttributeError):
        first._hash = 0  # type: ignore[misc]
    assert len({first, second, concat("a-", Y, "-b")}) == 2


def test_str_like_methods_answer_for_every_run() -> None:
    flag = concat("--region=", X)
    assert flag.startswith("--") and not X.startswith("-")
    assert "=" in flag and "=" not in X
    assert flag.partition("=") == ("--region", "=", X)
    assert concat(X, "=a").partition("=") == (concat(X, "=a"), "", "")  # $X may hold the "="
    assert show(concat("Fn-", X).lower()) == "fn-$X"
    assert show(concat(X, "out\n\n").rstrip("\n")) == "${X}out"  # not `$Xout`, another variable
    assert default_compute_account(P).endswith("-compute@developer.gserviceaccount.com")


# ----------------------------------------------------------------------------- three-valued compare
SA_IN = concat("serviceAccount:", X, "@p.iam.gserviceaccount.com")
COMPARISONS = [
    ("same known", "a", "a", Tri.YES),
    ("different known", "a", "b", Tri.NO),
    ("same unknown", X, unknown(ENV, "X", text="${X}"), Tri.YES),
    ("two unknowns", X, Y, Tri.MAYBE),
    ("unknown vs known", X, "us-central1", Tri.MAYBE),
    ("same unknown, different suffix", concat(X, "-a"), concat(X, "-b"), Tri.NO),
    ("same unknown, different prefix", concat("x-", X), concat("y-", X), Tri.NO),
    ("same unknown, extra text", concat(X, "x", Y), concat(X, Y), Tri.NO),
    ("known suffix cannot line up", SA_IN, "serviceAccount:sa@q.iam.gserviceaccount.com", Tri.NO),
    ("known suffix can line up", SA_IN, "serviceAccount:sa@p.iam.gserviceaccount.com", Tri.MAYBE),
    ("known prefix differs", concat("user:", X), concat("serviceAccount:", Y), Tri.NO),
    ("number of one project", project_number("p"), project_number("p"), Tri.YES),
    ("numbers of two projects", project_number("p"), project_number("q"), Tri.NO),
    ("number of an unknown project", project_number("p"), project_number(P), Tri.MAYBE),
    ("number vs digits", project_number(P), "123456", Tri.MAYBE),
    ("number vs not a number", project_number(P), "my-project", Tri.NO),
    ("default account vs another account", default_compute_account(P), "sa@p.iam.gserviceaccount.com", Tri.NO),
    ("default accounts of one unknown project", default_compute_account(P), default_compute_account(P), Tri.YES),
    ("default accounts, known projects", default_compute_account("p"), default_compute_account("q"), Tri.NO),
    ("URLs, regions surely differ", service_url("s", "us-central1", P), service_url("s", "europe-west1", P), Tri.NO),
    ("URLs, region unknown", service_url("s", X, P), service_url("s", "europe-west1", P), Tri.MAYBE),
    ("URL vs number", service_url("s", X, P), project_number(P), Tri.NO),
    ("URL vs other scheme", concat(service_url("s", X, P), "/push"), "http://x/push", Tri.NO),
]


@pytest.mark.parametrize(("a", "b", "expected"), [c[1:] for c in COMPARISONS], ids=[c[0] for c in COMPARISONS])
def test_compare(a: str | Value, b: str | Value, expected: Tri) -> None:
    assert compare(a, b) is expected
    assert compare(b, a) is expected
    assert may_equal(a, b) is (expected is not Tri.NO)


def test_tri_is_not_a_bool() -> None:
    with pytest.raises(TypeError):
        bool(compare(X, Y))
    assert Tri.all([Tri.YES, Tri.MAYBE]) is Tri.MAYBE and Tri.all([Tri.MAYBE, Tri.NO]) is Tri.NO
    assert Tri.all([]) is Tri.YES


# ----------------------------------------------------------------------------- rendering
def test_show_and_shell_word() -> None:
    assert show(concat(P, "-doc-ready")) == "$PROJECT_ID-doc-ready"
    assert show(default_compute_account(P)) == "PROJECT_NUMBER-compute@developer.gserviceaccount.com"
    assert show(unknown(PROPERTY, "core/project")) == "$(gcloud config get-value project)"
    assert show(unknown(PROPERTY, "run/region")) == "$(gcloud config get-value run/region)"
    # A URL nobody stored in a variable: the command that prints it.
    assert show(service_url("orders", X, "my-proj")) == (
        "$(gcloud run services describe orders --region=\"$X\" --project=my-proj --format='value(status.url)')")
    assert show(service_url("orders", unknown(PROPERTY, "run/region"), unknown(PROPERTY, "core/project"))) == (
        "$(gcloud run services describe orders --format='value(status.url)')")
    assert shell_word("us-central1") == "us-central1"
    assert shell_word("it's a b") == "'it'\\''s a b'"
    assert shell_word(concat("serviceAccount:", X)) == '"serviceAccount:$X"'
    assert shell_word(concat('a"b$', X)) == '"a\\"b\\$$X"'
    assert shell_word(concat("serviceAccount:", default_compute_account(P))) == DEFAULT_SA


def test_no_value_renders_private_use_or_labels() -> None:
    nested = concat(service_url(concat("svc-", X), project_number(P), Y), "/x")
    for value in (nested, default_compute_account(nested), unknown(TOO_LARGE, 1)):
        for text in (show(value), shell_word(value), str(value), f"{value}"):
            assert not any("\ue000" <= c <= "\uf8ff" for c in text)
            assert "<unknown>" not in text and "runUrl:" not in text and "env:" not in text


# ----------------------------------------------------------------------------- the size cap
def test_cap_on_literal_text_and_parts() -> None:
    big = concat("a" * MAX_VALUE_CHARS, "b")
    assert isinstance(big, Value) and unknowns(big)[0].kind == TOO_LARGE
    many = join(" ", [X] * (MAX_VALUE_PARTS + 1))
    assert isinstance(many, Value) and len(many.parts) == 1 and unknowns(many)[0].kind == TOO_LARGE
    assert is_known(concat("a" * MAX_VALUE_CHARS))


def test_doubling_a_variable_stays_bounded() -> None:
    """Issue 12 item 7: `x=$x$x` 40 times used to build a 2**40-character string (6 GB)."""
    script = HEAD + "x=a\n" + "x=$x$x\n" * 40 + 'gcloud functions deploy "$x" --gen2 --region=us-west2 --trigger-topic=t\n'
    start = time.process_time()
    result = lint_snippet(script)
    assert time.process_time() - start < 10
    assert not result.problems
    [finding] = result.reported
    assert (finding.code, finding.span.start_line, finding.span.start_col) == ("IAM001", 43, 1)
    assert finding.message.startswith("gen2 function $x$x$x$x$x$x$x$x (Pub/Sub topic t)")


# ----------------------------------------------------------------------------- the URL idiom
# Issue 11: `URL=$(gcloud run services describe ...)` with an unknown region or project used to
# raise ValueError in values.py, and the file was reported as passing.
def _url_script(region: str, project: str, binding: bool, invoker: str = "push") -> str:
    proj = f" --project={project}" if project else ""
    lines = [
        "set -euo pipefail",
        "SERVICE=orders",
        *(["REGION=us-central1"] if region == "known" else []),
        f'gcloud run deploy "$SERVICE" --region "$REGION" --image=gcr.io/p/orders{proj}',
        f"URL=$(gcloud run services describe \"$SERVICE\" --region \"$REGION\"{proj} --format='value(status.url)')",
    ]
    if invoker == "push":
        lines.append('gcloud pubsub subscriptions create sub --topic=t --push-endpoint="$URL/push" '
                     f'--push-auth-service-account="$SA"{proj}')
    else:
        lines.append("gcloud scheduler jobs create http nightly --schedule='0 3 * * *' --uri=\"$URL/run\" "
                     f'--oidc-service-account-email="$SA"{proj}')
    if binding:
        lines.append('gcloud run services add-iam-policy-binding "$SERVICE" --region="$REGION" '
                     f'--member="serviceAccount:$SA" --role=roles/run.invoker{proj}')
    return "\n".join(lines) + "\n"


URL_CASES = [
    # (region, project, invoker, line of the deploy)
    ("unknown", "my-proj", "push", 3),
    ("known", "", "push", 4),
    ("unknown", "", "scheduler", 3),
    ("known", "my-proj", "push", 4),
    ("known", "my-proj", "scheduler", 4),
]


@pytest.mark.parametrize(("region", "project", "invoker", "line"), URL_CASES,
                         ids=[f"region-{c[0]}-project-{c[1] or 'unknown'}-{c[2]}" for c in URL_CASES])
def test_url_idiom_missing_binding(region: str, project: str, invoker: str, line: int) -> None:
    script = _url_script(region, project, binding=False, invoker=invoker)
    result = lint_snippet(script)
    assert not result.problems, result.problems
    assert triples(script) == [("IAM001", line, 1)]
    [finding] = result.reported
    called_by = "Pub/Sub push subscription sub" if invoker == "push" else "Cloud Scheduler job nightly"
    assert finding.message == (f"Cloud Run service orders, called by the {called_by}, is invoked as "
                               "serviceAccount:$SA, which gets no roles/run.invoker on service orders after this deploy")
    region_flag = '"$REGION"' if region == "unknown" else "us-central1"
    project_flag = f" --project={project}" if project else ""
    assert finding.fix == (f"gcloud run services add-iam-policy-binding orders --region={region_flag} "
                           f'--member="serviceAccount:$SA" --role=roles/run.invoker{project_flag}')


@pytest.mark.parametrize(("region", "project", "invoker", "line"), URL_CASES,
                         ids=[f"region-{c[0]}-project-{c[1] or 'unknown'}-{c[2]}" for c in URL_CASES])
def test_url_idiom_with_binding_is_clean(region: str, project: str, invoker: str, line: int) -> None:
    assert triples(_url_script(region, project, binding=True, invoker=invoker)) == []


def test_url_idiom_matches_the_service_it_names() -> None:
    script = _url_script("unknown", "", binding=False)
    assert triples(script) == [("IAM001", 3, 1)]
    [invoker] = [f for f in _facts(script) if isinstance(f, Invoker)]
    assert invoker.target is not None
    assert show(invoker.target.name) == "orders" and show(invoker.target.region) == "$REGION"
    assert show(invoker.target.project) == "$(gcloud config get-value project)"
    assert show(invoker.run.gcloud.value("--push-endpoint")) == "$URL/push"


def _facts(script: str) -> list[object]:
    from shlint_iam.analysis import analyse
    from shlint_iam.config import Config
    from shlint_iam.source import SourceFile

    return list(analyse(SourceFile("deploy.sh", script), Config()).facts)


def test_url_of_a_service_in_another_region_is_not_bound_by_this_binding() -> None:
    """A region the script makes certain and that differs is a mismatch (IAM003); an unknown one
    is not (the benefit of the doubt, IAM009)."""
    base = ("set -euo pipefail\n"
            "URL=$(gcloud run services describe orders --region=us-central1 --format='value(status.url)')\n"
            'gcloud pubsub subscriptions create sub --topic=t --push-endpoint="$URL" --push-auth-service-account="$SA"\n')
    wrong = base + ('gcloud run services add-iam-policy-binding orders --region=europe-west1 '
                    '--member="serviceAccount:$SA" --role=roles/run.invoker\n')
    unknown_region = base + ('gcloud run services add-iam-policy-binding orders --region="$OTHER" '
                             '--member="serviceAccount:$SA" --role=roles/run.invoker\n')
    assert triples(wrong) == [("IAM003", 4, 1)]
    [finding] = lint_snippet(wrong).reported
    assert finding.message.endswith("it targets region europe-west1 instead of us-central1")
    assert triples(unknown_region) == []
    assert triples(unknown_region, select=["IAM009"]) == [("IAM009", 4, 1)]


def test_unknown_project_is_never_surely_another_project() -> None:
    """An Eventarc trigger in an unknown project and a binding in a known one: maybe the same
    project, so the binding counts (no "gets no roles/run.invoker anywhere")."""
    script = ("set -euo pipefail\n"
              "gcloud eventarc triggers create tr --location=us-central1 --destination-run-service=orders "
              "--destination-run-region=us-central1 --event-filters=type=x --service-account=sa@p.iam.gserviceaccount.com\n"
              "gcloud run services add-iam-policy-binding orders --region=us-central1 --project=my-proj "
              "--member=serviceAccount:sa@p.iam.gserviceaccount.com --role=roles/run.invoker\n")
    assert triples(script) == []
    # A member the script makes certain and that differs is still a mismatch.
    other = script.replace("--member=serviceAccount:sa@", "--member=serviceAccount:other@")
    assert triples(other) == [("IAM005", 3, 90)]


# ----------------------------------------------------------------------------- what users read
RENDERED = [
    # (id, script, message, fix) of the one IAM001 each script produces
    ("env",
     'gcloud functions deploy "$FN" --gen2 --region="$REGION" --trigger-topic="$TOPIC" --service-account="$SA"\n',
     "gen2 function $FN (Pub/Sub topic $TOPIC) is invoked as serviceAccount:$SA (--service-account), which gets "
     "no roles/run.invoker on service $FN after this deploy",
     'gcloud functions add-invoker-policy-binding "$FN" --region="$REGION" --member="serviceAccount:$SA"'),
    ("positional",
     'gcloud functions deploy "$1" --gen2 --region="${2}" --trigger-topic=t --project="$3"\n',
     f"gen2 function $1 (Pub/Sub topic t) is invoked as {DEFAULT_SA} (the default compute service account), "
     "which gets no roles/run.invoker on service $1 after this deploy",
     f'gcloud functions add-invoker-policy-binding "$1" --region="${{2}}" --member={DEFAULT_SA} --project="$3"'),
    ("read",
     'read -r topic\ngcloud functions deploy f --gen2 --region=us-west2 --trigger-topic="$topic" --service-account="$SA"\n',
     "gen2 function f (Pub/Sub topic $topic) is invoked as serviceAccount:$SA (--service-account), which gets no "
     "roles/run.invoker on service f after this deploy",
     'gcloud functions add-invoker-policy-binding f --region=us-west2 --member="serviceAccount:$SA"'),
    ("command-output",
     'gcloud functions deploy f --gen2 --region=us-west2 --trigger-topic="$(cat topic.txt)" '
     '--service-account="$(terraform output -raw sa)"\n',
     "gen2 function f (Pub/Sub topic $(cat topic.txt)) is invoked as serviceAccount:$(terraform output -raw sa) "
     "(--service-account), which gets no roles/run.invoker on service f after this deploy",
     'gcloud functions add-invoker-policy-binding f --region=us-west2 '
     '--member="serviceAccount:$(terraform output -raw sa)"'),
    ("command-output-in-variable",
     'SA=$(terraform output -raw sa)\n'
     'gcloud functions deploy f --gen2 --region=us-west2 --trigger-topic=t --service-account="$SA"\n',
     "gen2 function f (Pub/Sub topic t) is invoked as serviceAccount:$SA (--service-account), which gets no "
     "roles/run.invoker on service f after this deploy",
     'gcloud functions add-invoker-policy-binding f --region=us-west2 --member="serviceAccount:$SA"'),
    ("gcloud-property",
     'gcloud functions deploy f --gen2 --region=us-west2 --trigger-topic="$(gcloud config get-value project)-doc-ready"'
     ' --service-account="$SA"\n',
     "gen2 function f (Pub/Sub topic $(gcloud config get-value project)-doc-ready) is invoked as "
     "serviceAccount:$SA (--service-account), which gets no roles/run.invoker on service f after this deploy",
     'gcloud functions add-invoker-policy-binding f --region=us-west2 --member="serviceAccount:$SA"'),
    ("variable-suffix",
     'gcloud functions deploy "$PROJECT_ID-doc-ready" --gen2 --region=us-west2 --trigger-topic=t --project="$PROJECT_ID"\n',
     f"gen2 function $PROJECT_ID-doc-ready (Pub/Sub topic t) is invoked as {DEFAULT_SA} (the default compute "
     "service account), which gets no roles/run.invoker on service $PROJECT_ID-doc-ready after this deploy",
     f'gcloud functions add-invoker-policy-binding "$PROJECT_ID-doc-ready" --region=us-west2 --member={DEFAULT_SA}'
     ' --project="$PROJECT_ID"'),
    ("loop",
     'for fn in $FUNCS; do\n  gcloud functions deploy "$fn" --gen2 --region=us-west2 --trigger-topic="$fn-done"\ndone\n',
     f"gen2 function $fn (Pub/Sub topic $fn-done) is invoked as {DEFAULT_SA} (the default compute service account), "
     "which gets no roles/run.invoker on service $fn after this deploy",
     f'gcloud functions add-invoker-policy-binding "$fn" --region=us-west2 --member={DEFAULT_SA}'),
    ("join-of-branches",
     'if [ -n "$PROD" ]; then R=us-west2; else R=europe-west1; fi\n'
     "gcloud functions deploy f --gen2 --region=\"$R\" --trigger-topic=t --service-account=sa@p.iam.gserviceaccount.com\n",
     "gen2 function f (Pub/Sub topic t) is invoked as serviceAccount:sa@p.iam.gserviceaccount.com "
     "(--service-account), which gets no roles/run.invoker on service f after this deploy",
     'gcloud functions add-invoker-policy-binding f --region="$R" --member=serviceAccount:sa@p.iam.gserviceaccount.com'),
    ("strip-suffix",
     'gcloud functions deploy f --gen2 --region="${ZONE%-*}" --trigger-topic=t\n',
     f"gen2 function f (Pub/Sub topic t) is invoked as {DEFAULT_SA} (the default compute service account), "
     "which gets no roles/run.invoker on service f after this deploy",
     f'gcloud functions add-invoker-policy-binding f --region="${{ZONE%-*}}" --member={DEFAULT_SA}'),
    ("associative-array",
     'declare -A TOPICS\nTOPICS[a]=x\nfn=a\n'
     'gcloud functions deploy "$fn" --gen2 --region=us-west2 --trigger-topic="${TOPICS[$fn]}"\n',
     f"gen2 function a (Pub/Sub topic x) is invoked as {DEFAULT_SA} (the default compute service "
     "account), which gets no roles/run.invoker on service a after this deploy",
     f"gcloud functions add-invoker-policy-binding a --region=us-west2 --member={DEFAULT_SA}"),
    ("project-number-in-variable",
     'PN=$(gcloud projects describe "$PROJECT_ID" --format="value(projectNumber)")\n'
     'gcloud functions deploy f --gen2 --region=us-west2 --trigger-topic=t '
     '--service-account="${PN}-compute@developer.gserviceaccount.com"\n',
     "gen2 function f (Pub/Sub topic t) is invoked as serviceAccount:${PN}-compute@developer.gserviceaccount.com "
     "(--service-account), which gets no roles/run.invoker on service f after this deploy",
     'gcloud functions add-invoker-policy-binding f --region=us-west2 '
     '--member="serviceAccount:${PN}-compute@developer.gserviceaccount.com"'),
    ("arithmetic",
     'gcloud functions deploy "f-$(($1 + 1))" --gen2 --region=us-west2 --trigger-topic=t --service-account="$SA"\n',
     "gen2 function f-$(($1 + 1)) (Pub/Sub topic t) is invoked as serviceAccount:$SA (--service-account), which gets "
     "no roles/run.invoker on service f-$(($1 + 1)) after this deploy",
     'gcloud functions add-invoker-policy-binding "f-$(($1 + 1))" --region=us-west2 --member="serviceAccount:$SA"'),
    ("service-url",
     'URL=$(gcloud run services describe orders --region "$REGION" --format="value(status.url)")\n'
     'gcloud pubsub subscriptions create sub --topic=t --push-endpoint="$URL/push" --push-auth-service-account="$SA"\n',
     "Cloud Run service orders, called by the Pub/Sub push subscription sub, is invoked as serviceAccount:$SA, "
     "which gets no roles/run.invoker on service orders anywhere in the script",
     'gcloud run services add-iam-policy-binding orders --region="$REGION" --member="serviceAccount:$SA" '
     "--role=roles/run.invoker"),
]


@pytest.mark.parametrize(("script", "message", "fix"), [c[1:] for c in RENDERED], ids=[c[0] for c in RENDERED])
def test_rendered_message_and_fix(script: str, message: str, fix: str) -> None:
    result = lint_snippet(HEAD + script)
    assert not result.problems
    [finding] = result.reported
    assert finding.code == "IAM001"
    assert finding.message == message
    assert finding.fix == fix


def test_mismatches_render_both_sides_as_written() -> None:
    script = (HEAD + 'gcloud functions deploy f --gen2 --region=us-west2 --trigger-topic=t '
              '--service-account="sa@$PROJECT.iam.gserviceaccount.com"\n'
              'gcloud run services add-iam-policy-binding f --region=us-west2 '
              '--member="serviceAccount:other@$PROJECT.iam.gserviceaccount.com" --role=roles/run.invoker\n')
    [finding] = lint_snippet(script).reported
    assert (finding.code, finding.span.start_line, finding.span.start_col) == ("IAM005", 3, 64)
    assert finding.message == ("it grants serviceAccount:other@$PROJECT.iam.gserviceaccount.com, but the invoker is "
                               "serviceAccount:sa@$PROJECT.iam.gserviceaccount.com: the invoker of f stays without "
                               "permission")
    assert finding.fix == ('gcloud functions add-invoker-policy-binding f --region=us-west2 '
                           '--member="serviceAccount:sa@$PROJECT.iam.gserviceaccount.com"')


def test_fix_quotes_a_known_value_that_needs_it() -> None:
    script = HEAD + "gcloud functions deploy 'my fn' --gen2 --region=us-west2 --trigger-topic=t\n"
    [finding] = lint_snippet(script).reported
    assert finding.fix == f"gcloud functions add-invoker-policy-binding 'my fn' --region=us-west2 --member={DEFAULT_SA}"


def test_unfollowed_source_note_shows_the_path_as_written() -> None:
    script = HEAD + 'source "$CONFIG_DIR/env.sh"\ngcloud run services add-iam-policy-binding s --region=r ' \
        '--member=serviceAccount:a@p.iam.gserviceaccount.com --role=roles/run.invoker\n'
    notes = [(f.code, f.span.start_line, f.message) for f in lint_snippet(script, select=["SH001"]).reported]
    assert notes == [("SH001", 2, '`source "$CONFIG_DIR/env.sh"` not followed: the path is not known statically')]


def test_unknown_parts_carry_their_origin() -> None:
    facts = _facts(HEAD + 'read -r name\nURL=$(gcloud run services describe "$name" --region="$R" '
                   "--format='value(status.url)')\n"
                   'gcloud scheduler jobs create http j --schedule="* * * * *" --uri="$URL" '
                   '--oidc-service-account-email="$SA"\n')
    [invoker] = [f for f in facts if isinstance(f, Invoker)]
    assert invoker.target is not None
    [name] = unknowns(invoker.target.name)
    [region] = unknowns(invoker.target.region)
    [project] = unknowns(invoker.target.project)
    assert (name.kind, name.text) == ("read", "$name")
    assert (region.kind, region.text) == ("env", "$R")
    assert (project.kind, project.key) == ("property", ("core/project",))
    assert isinstance(name, Unknown)
