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


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_words(case: Case) -> None:
    assert triples(case.script, ("IAM", "GCL", "ERR")) == sorted(case.expected)
    if case.message and case.expected:
        first = next(f for f in lint_snippet(case.script).reported if f.code == case.expected[0][0])
        assert case.message in first.message, first.message
