"""A service name that expands to nothing (``deploy_fn`` called without its argument, so
``"$1"`` is empty) is written ``""`` in a message, as the command receives it: before, the
message had a hole ("binding does not reach  deployed at line 4"). Values that are not names
(the map's JSON, fix commands) keep rendering an empty value as nothing."""

from __future__ import annotations

from pathlib import Path

from shlint_iam.config import Config
from shlint_iam.lint import Linter
from shlint_iam.shell.values import show, show_name, unknown

NO_ARGUMENT = """\
#!/bin/bash
set -euo pipefail
deploy_fn() {
  gcloud functions deploy "$1" --gen2 --region=us-west2 --project=acme --runtime=python312 --trigger-http
  gcloud functions add-invoker-policy-binding "$1" --region=us-central1 --project=acme \\
    --member="serviceAccount:caller@acme.iam.gserviceaccount.com"
}
deploy_fn
"""


def findings(tmp: Path, script: str) -> list[tuple[str, int, int, str]]:
    (tmp / "deploy.sh").write_text(script)
    result = Linter(Config()).lint_paths([str(tmp / "deploy.sh")])
    return [(f.code, f.span.start_line, f.span.start_col, f.message) for f in result.reported]


def test_an_empty_service_name_is_written_as_an_empty_word(tmp_path: Path) -> None:
    assert findings(tmp_path, NO_ARGUMENT) == [
        ("IAM003", 5, 3, 'binding does not reach "" deployed at line 4: it targets region us-central1 instead of '
                         "us-west2"),
    ]


def test_a_named_service_is_written_as_before(tmp_path: Path) -> None:
    script = NO_ARGUMENT.replace("deploy_fn\n", "deploy_fn orders\n")
    assert findings(tmp_path, script) == [
        ("IAM003", 5, 3, "binding does not reach orders deployed at line 4: it targets region us-central1 instead "
                         "of us-west2"),
    ]


def test_show_name_differs_from_show_only_for_the_empty_name() -> None:
    value = unknown("env", "SERVICE", text="$SERVICE")
    assert (show(""), show_name("")) == ("", '""')
    assert show_name("orders") == show("orders") == "orders"
    assert show_name(value) == show(value) == "$SERVICE"
