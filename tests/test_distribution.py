"""What a user installs: the licence, the version everywhere, README snippets that match the
release, and the JSON Schema of [tool.shlint-iam] checked against every example config in the docs."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest

import shlint_iam
from shlint_iam.config_file import _KEYS

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def schema() -> dict:
    return json.loads((Path(shlint_iam.__file__).parent / "config.schema.json").read_text(encoding="utf-8"))


def test_license_is_the_apache_2_text() -> None:
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert "Apache License" in text and "Version 2.0, January 2004" in text
    assert "END OF TERMS AND CONDITIONS" in text and len(text) > 10_000
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert pyproject["project"]["license"] == {"text": "Apache-2.0"}


def test_version_is_the_same_everywhere() -> None:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    version = pyproject["project"]["version"]
    assert version == shlint_iam.__version__ == "0.2.0"
    for doc in (ROOT / "README.md", ROOT / "docs" / "editors.md"):
        text = doc.read_text(encoding="utf-8")
        assert set(re.findall(r"rev: (\S+)", text)) == {f"v{version}"}, doc
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    tags = set(re.findall(r"git\+https://github\.com/shlint-iam/shlint-iam@(\S+?)\"", readme))
    assert tags == {f"v{version}"}
    assert "pip install shlint-iam\n" not in readme  # not on an index: the snippets install by tag


def test_readme_pre_commit_snippet_names_the_shipped_hook() -> None:
    yaml = pytest.importorskip("yaml")
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = readme.split("# .pre-commit-config.yaml\n", 1)[1].split("```", 1)[0]
    config = yaml.safe_load(block)
    (repo,) = config["repos"]
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    assert [h["id"] for h in repo["hooks"]] == [hooks[0]["id"]]
    assert repo["repo"] == "https://github.com/shlint-iam/shlint-iam"


def test_schema_is_package_data_and_knows_every_key() -> None:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert "config.schema.json" in pyproject["tool"]["setuptools"]["package-data"]["shlint_iam"]
    assert set(schema()["properties"]) == set(_KEYS)


def _doc_configs() -> list[tuple[str, dict]]:
    """Every TOML example in the docs that configures shlint-iam: [tool.shlint-iam] tables of
    pyproject examples and whole .shlint-iam.toml examples (including taplo's `#:schema` one)."""
    found = []
    for doc in DOCS:
        text = doc.read_text(encoding="utf-8")
        for index, block in enumerate(re.findall(r"```toml\n(.*?)```", text, re.S)):
            data = tomllib.loads(block)
            if "rule" in data:  # a .taplo.toml, not ours
                continue
            if "tool" in data or "project" in data or "build-system" in data:
                table = data.get("tool", {}).get("shlint-iam")
            else:
                table = data
            if table is not None:
                found.append((f"{doc.name}#{index}", table))
    return found


def test_the_docs_have_config_examples() -> None:
    assert len(_doc_configs()) >= 3


@pytest.mark.parametrize(("where", "table"), _doc_configs(), ids=lambda v: v if isinstance(v, str) else "")
def test_schema_accepts_every_documented_example(where: str, table: dict) -> None:
    import jsonschema

    jsonschema.Draft7Validator.check_schema(schema())
    jsonschema.validate(table, schema())


@pytest.mark.parametrize(
    "table",
    [
        {"selec": ["IAM"]},
        {"select": "IAM"},
        {"severity": {"IAM001": "fatal"}},
        {"severity": {"IAM": "error"}},
        {"exclude": ["scripts/[abc.sh"]},
        {"per-file-ignores": {"legacy/[!x.sh": ["ERR001"]}},
        {"invoker-service-accounts": ["user:me@example.com"]},
        {"default-region": "us-west-2"},
        {"respect-gitignore": "yes"},
    ],
)
def test_schema_rejects_what_the_linter_rejects(table: dict, tmp_path: Path) -> None:
    import subprocess

    import jsonschema

    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(table, schema())
    # The linter agrees: the same table is a configuration error (exit 2).
    lines = [f"{json.dumps(k)} = {json.dumps(v)}" if not isinstance(v, dict) else
             f"{json.dumps(k)} = {{ " + ", ".join(f"{json.dumps(a)} = {json.dumps(b)}" for a, b in v.items()) + " }"
             for k, v in table.items()]
    (tmp_path / ".shlint-iam.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (tmp_path / "d.sh").write_text("#!/bin/bash\n", encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "shlint_iam", "check", "d.sh"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2, proc.stderr
