"""Words as bash builds them: one shell word is one argument however tree-sitter-bash splits it,
and the expansions deploy scripts use (table tests: each construct through its finding)."""

from __future__ import annotations

import pytest
from ruletest import Case, lint_snippet, triples

TSA = "--trigger-service-account=$SA_NAME@$PROJECT_ID.iam.gserviceaccount.com"
HEAD = "set -e\nSA_NAME=inv\nPROJECT_ID=p\n"
DEPLOY = f"gcloud functions deploy f --gen2 --region=r --trigger-topic=t {TSA}"


def bind(member: str) -> str:
    return f"gcloud functions add-invoker-policy-binding f --region=r --member={member}"


CASES = [
    # One word after an expansion, whatever the grammar does with `@$NAME.`
    Case("unquoted-email-is-one-argument", HEAD + DEPLOY + "\n"
         + bind("serviceAccount:$SA_NAME@$PROJECT_ID.iam.gserviceaccount.com") + "\n"),
    Case("unquoted-email-wrong-account", HEAD + DEPLOY + "\n"
         + bind("serviceAccount:other@$PROJECT_ID.iam.gserviceaccount.com") + "\n",
         [("IAM005", 5, 58)], "other@p.iam.gserviceaccount.com"),
    Case("assignment-of-unquoted-email", HEAD + DEPLOY + "\n"
         "SA=$SA_NAME@$PROJECT_ID.iam.gserviceaccount.com\n" + bind('"serviceAccount:$SA"') + "\n"),
    Case("assignment-of-unquoted-email-wrong", HEAD + DEPLOY + "\n"
         "SA=x$SA_NAME@$PROJECT_ID.iam.gserviceaccount.com\n" + bind('"serviceAccount:$SA"') + "\n",
         [("IAM005", 6, 58)], "xinv@p.iam.gserviceaccount.com"),
    Case("local-of-unquoted-email", HEAD + DEPLOY + "\n"
         "grant() {\n  local sa=$SA_NAME@$PROJECT_ID.iam.gserviceaccount.com\n  "
         + bind('"serviceAccount:$sa"') + "\n}\ngrant\n"),
    Case("array-element-unquoted-email", HEAD + DEPLOY + "\n"
         "ARGS=(--region=r --member=serviceAccount:$SA_NAME@$PROJECT_ID.iam.gserviceaccount.com)\n"
         'gcloud functions add-invoker-policy-binding f "${ARGS[@]}"\n'),
    Case("colon-joined-member", HEAD + DEPLOY + "\nKIND=serviceAccount\n"
         "EMAIL=inv@p.iam.gserviceaccount.com\n" + bind("$KIND:$EMAIL") + "\n"),
    Case("braced-and-quoted-parts", HEAD + DEPLOY + "\n"
         + bind('serviceAccount:"${SA_NAME}"@${PROJECT_ID}.iam.gserviceaccount.com') + "\n"),
]


SIMPLE_DEPLOY = "gcloud functions deploy {} --gen2 --region=r --trigger-topic=t"
SIMPLE_BIND = ("gcloud functions add-invoker-policy-binding {} --region=r "
               "--member=serviceAccount:1-compute@developer.gserviceaccount.com")


def d(name: str) -> str:
    return SIMPLE_DEPLOY.format(name)


def b(name: str) -> str:
    return SIMPLE_BIND.format(name)


EXPANSIONS = [
    Case("replace-first", "set -e\n" + d("my-fn") + "\nN=my_fn\n" + b("${N/_/-}") + "\n"),
    Case("replace-all", "set -e\n" + d("a-b-c") + "\nN=a_b_c\n" + b("${N//_/-}") + "\n"),
    Case("replace-first-only", "set -e\n" + d("a-b-c") + "\nN=a_b_c\n" + b("${N/_/-}") + "\n",
         [("IAM001", 2, 1)]),
    Case("replace-prefix", "set -e\n" + d("fn") + "\nN=dev-fn\n" + b("${N/#dev-/}") + "\n"),
    Case("replace-suffix-glob", "set -e\n" + d("fn") + "\nN=fn.v2.sh\n" + b("${N/%.*/}") + "\n"),
    Case("indirect", "set -e\n" + d("fn") + "\nNAME_PROD=fn\nref=NAME_PROD\n" + b("${!ref}") + "\n"),
    Case("indirect-wrong", "set -e\n" + d("fn") + "\nNAME_PROD=other\nref=NAME_PROD\n" + b("${!ref}") + "\n",
         [("IAM001", 2, 1)]),
    Case("array-length-loop", "set -e\nFNS=(a b)\nfor ((i = 0; i < ${#FNS[@]}; i++)); do\n  " + d("${FNS[i]}")
         + "\n  " + b("${FNS[$i]}") + "\ndone\n"),
    Case("array-element-assignment", "set -e\nFNS=(a x)\nFNS[1]=b\n" + d("a") + "\n" + d("b") + "\n"
         + 'for f in "${FNS[@]}"; do\n  ' + b("$f") + "\ndone\n"),
    Case("printf-v", "set -e\nprintf -v NAME '%s-%s' orders v2\n" + d("orders-v2") + "\n" + b("$NAME") + "\n"),
    Case("printf-v-wrong", "set -e\nprintf -v NAME '%s_%s' orders v2\n" + d("orders-v2") + "\n" + b("$NAME") + "\n",
         [("IAM001", 3, 1)]),
    Case("printf-output", "set -e\nNAME=$(printf '%s-%d' orders 2)\n" + d("orders-2") + "\n" + b("$NAME") + "\n"),
    Case("mapfile-heredoc", "set -e\nmapfile -t FNS <<EOF\na\nb\nEOF\n" + d("a") + "\n" + d("b") + "\n"
         + 'for f in "${FNS[@]}"; do\n  ' + b("$f") + "\ndone\n"),
    Case("readarray-herestring-misses-one", "set -e\nreadarray -t FNS <<< \"a\"\n" + d("a") + "\n" + d("b") + "\n"
         + 'for f in "${FNS[@]}"; do\n  ' + b("$f") + "\ndone\n", [("IAM001", 4, 1)]),
    Case("assoc-array-keys", "set -e\ndeclare -A REGION=([fn-a]=r [fn-b]=r)\n"
         'for fn in "${!REGION[@]}"; do\n  gcloud functions deploy "$fn" --gen2 --region="${REGION[$fn]}" '
         "--trigger-topic=t\n  " + b('"$fn"') + "\ndone\n"),
    Case("assoc-array-element-region", "set -e\ndeclare -A REGION\nREGION[api]=us-west2\n"
         + d("api").replace("--region=r", '--region="${REGION[api]}"') + "\n"
         + b("api").replace("--region=r", "--region=us-east1") + "\n", [("IAM003", 5, 1)]),
    Case("prefix-names-loop", "set -e\nSERVICE_ORDERS=orders\nSERVICE_BILLING=billing\n"
         'for v in "${!SERVICE_@}"; do\n  ' + d("${!v}") + "\n  " + b("${!v}") + "\ndone\n"),
    Case("prefix-names-loop-misses-one", "set -e\nSERVICE_ORDERS=orders\nSERVICE_BILLING=billing\n"
         'for v in "${!SERVICE_@}"; do\n  ' + d("${!v}") + "\ndone\n" + b("orders") + "\n", [("IAM001", 5, 3)]),
    Case("quote-operator-through-eval", "set -e\nFN=orders\n" + d("orders") + '\neval "' + b("${FN@Q}") + '"\n'),
    Case("quote-operator-through-eval-wrong", "set -e\nFN=billing\n" + d("orders") + '\neval "' + b("${FN@Q}")
         + '"\n', [("IAM001", 3, 1)]),
    Case("lowercase-operator", "set -e\nENV=PROD\n" + d("api-prod") + "\n" + b("api-${ENV@L}") + "\n"),
    Case("lowercase-operator-known", "set -e\nENV=PROD\n" + d("api-prod") + "\n" + b("${ENV@L}") + "\n",
         [("IAM001", 3, 1)]),
    Case("lastpipe-loop-assigns", "set -e\nshopt -s lastpipe\nFN=none\nprintf 'orders\\n' | while read -r f; do\n"
         '  FN="$f"\ndone\n' + d("orders") + "\n" + b("$FN") + "\n"),
    Case("without-lastpipe-loop-assigns-nothing", "set -e\nFN=none\nprintf 'orders\\n' | while read -r f; do\n"
         '  FN="$f"\ndone\n' + d("orders") + "\n" + b("$FN") + "\n", [("IAM001", 6, 1)]),
    Case("lastpipe-exit-ends-the-script", "set -e\nshopt -s lastpipe\nprintf 'x\\n' | while read -r l; do exit 0; done\n"
         + d("orders") + "\n"),
    Case("without-lastpipe-exit-ends-the-subshell", "set -e\nprintf 'x\\n' | while read -r l; do exit 0; done\n"
         + d("orders") + "\n", [("IAM001", 3, 1)]),
    Case("assoc-array-values", "set -e\ndeclare -A FN=([x]=a [y]=b)\n" + d("a") + "\n" + d("b") + "\n"
         'for f in "${FN[@]}"; do\n  ' + b("$f") + "\ndone\n"),
]


@pytest.mark.parametrize("case", EXPANSIONS, ids=[c.id for c in EXPANSIONS])
def test_expansions(case: Case) -> None:
    assert triples(case.script, ("IAM", "GCL", "ERR")) == sorted(case.expected)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_words(case: Case) -> None:
    assert triples(case.script, ("IAM", "GCL", "ERR")) == sorted(case.expected)
    if case.message and case.expected:
        first = next(f for f in lint_snippet(case.script).reported if f.code == case.expected[0][0])
        assert case.message in first.message, first.message
