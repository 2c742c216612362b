"""`DIR="${BASH_SOURCE%/*}"; if [[ ! -d "$DIR" ]]; then DIR="$PWD"; fi; . "$DIR/../common.sh"`
(the well-known way to find a script's folder, in jonasmw94/infrastruktur-gcp
cloud_function/provision_function.sh): the folder of a script being run exists, so `-d` of it is
true and the fallback to `$PWD` (unknown) does not run. The sourced file used to be "not known
statically" (SH001) and what it sets unknown."""

from __future__ import annotations

import textwrap
from pathlib import Path

from shlint_iam.config import Config
from shlint_iam.lint import Linter

COMMON = 'zone="europe-west1-c"\ntopicName="fil-topic"\n'
DEPLOY = "gcloud functions deploy helloPubSub --gen2 --region=europe-west1 --trigger-topic=$topicName\n"


def lint(tmp: Path, script: str) -> list[tuple[str, int, str]]:
    (tmp / ".git").mkdir()
    (tmp / "common.sh").write_text(COMMON)
    (tmp / "cloud_function").mkdir()
    (tmp / "cloud_function" / "provision.sh").write_text(textwrap.dedent(script))
    result = Linter(Config()).lint_paths([str(tmp / "cloud_function" / "provision.sh")])
    return [(f.code, f.span.start_line, f.message) for f in result.reported]


def test_negated_dir_test_in_double_brackets(tmp_path: Path) -> None:
    found = lint(tmp_path, """\
        # LOAD COMMON VARIABLES
        DIR="${BASH_SOURCE%/*}"
        if [[ ! -d "$DIR" ]]; then DIR="$PWD"; fi
        . "$DIR/../common.sh"
        """ + DEPLOY)
    assert [(code, line) for code, line, _ in found] == [("IAM001", 5)]
    assert found[0][2].startswith("gen2 function helloPubSub (Pub/Sub topic fil-topic) is invoked as "), found[0][2]


def test_dir_test_or_fallback(tmp_path: Path) -> None:
    found = lint(tmp_path, """\
        DIR="${BASH_SOURCE%/*}"
        [ -d "$DIR" ] || DIR="$PWD"
        source "$DIR/../common.sh"
        """ + DEPLOY)
    assert [(code, line) for code, line, _ in found] == [("IAM001", 4)]
    assert "(Pub/Sub topic fil-topic)" in found[0][2]


def test_another_folder_is_not_known_to_exist(tmp_path: Path) -> None:
    """Only the folders of the scripts being run are known to exist: `-d /opt/deploy` keeps
    both branches, and the sourced path is unknown."""
    found = lint(tmp_path, """\
        DIR=/opt/deploy
        if [[ ! -d "$DIR" ]]; then DIR="$PWD"; fi
        . "$DIR/../common.sh"
        """ + DEPLOY)
    assert [(code, line) for code, line, _ in found] == [("SH001", 3), ("IAM001", 4)]
