"""The ``sarif`` output format: schema validity, GitHub code scanning constraints, columns,
fingerprints, determinism, suppressions and plugin rules (tool.extensions)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import jsonschema
import pytest
from click.testing import CliRunner

from shlint_iam import __version__
from shlint_iam.api import Rule
from shlint_iam.config import Config
from shlint_iam.lint import LintResult, lint_text
from shlint_iam.model import FileProblem, Finding, Severity, Span
from shlint_iam.registry import Registry
from shlint_iam.report import ReportOptions, renderer
from shlint_iam.report.sarif_format import _snippet_hashes, build_log, line_hashes

REPO = Path(__file__).resolve().parent.parent
# Prefer the copy vendored with the tests (a fresh clone has it); fall back to the shared one.
SCHEMA_PATHS = [
    REPO / "tests" / "data" / "sarif-schema-2.1.0.json",
    REPO / ".." / "shared" / "schemas" / "sarif-schema-2.1.0.json",
]


def _schema() -> dict[str, Any]:
    for path in SCHEMA_PATHS:
        if path.is_file():
            loaded: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
            return loaded
    pytest.fail("SARIF 2.1.0 schema not found (tests/data/sarif-schema-2.1.0.json)")


_VALIDATOR: jsonschema.Draft4Validator | None = None


def validate(log: dict[str, Any]) -> None:
    """Schema validation (draft 4, as the OASIS schema declares) plus GitHub's rules."""
    global _VALIDATOR
    if _VALIDATOR is None:
        schema = _schema()
        assert schema["$schema"].startswith("http://json-schema.org/draft-04/")
        _VALIDATOR = jsonschema.Draft4Validator(schema)
    errors = sorted(_VALIDATOR.iter_errors(log), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors)
    check_github_constraints(log)


# RFC 3986 characters of a URI reference: unreserved, sub-delims, ":", "@", "/", "?", "#", and
# percent-encoded octets. jsonschema cannot check format "uri-reference" without extra packages.
_URI_REF = re.compile(r"^(?:[A-Za-z0-9\-._~!$&'()*+,;=:@/?#]|%[0-9A-Fa-f]{2})*$")


def _check_uri(uri: str) -> None:
    assert uri, "empty uri"
    assert _URI_REF.match(uri), f"not a URI reference: {uri!r}"


def check_github_constraints(log: dict[str, Any]) -> None:
    """What GitHub code scanning needs beyond the schema (linter-anchors.md B1-B4)."""
    assert log["$schema"] == "https://json.schemastore.org/sarif-2.1.0.json"
    assert log["version"] == "2.1.0"
    assert len(log["runs"]) == 1
    run = log["runs"][0]
    assert run["columnKind"] == "unicodeCodePoints"
    driver = run["tool"]["driver"]
    assert driver["name"]
    components = [driver, *run["tool"].get("extensions", [])]
    assert len(components) - 1 <= 100
    for component in components:
        assert component["name"]
        assert len(component["rules"]) <= 25_000
        for rule in component["rules"]:
            assert isinstance(rule["id"], str) and rule["id"]
            assert 0 < len(rule["name"]) <= 255
            assert 0 < len(rule["shortDescription"]["text"]) <= 1024
            assert 0 < len(rule["fullDescription"]["text"]) <= 1024
            assert rule["help"]["text"] and rule["help"]["markdown"]
            assert rule["defaultConfiguration"]["level"] in ("note", "warning", "error")
            props = rule.get("properties", {})
            assert len(props.get("tags", [])) <= 20
            assert all(isinstance(t, str) and t for t in props.get("tags", []))
            if "precision" in props:
                assert props["precision"] in ("very-high", "high", "medium", "low")
            if "security-severity" in props:
                value = props["security-severity"]
                assert isinstance(value, str) and 0.1 <= float(value) <= 10.0
                assert "security" in props["tags"]
    assert len(run["results"]) <= 25_000
    for result in run["results"]:
        assert isinstance(result["ruleId"], str) and result["ruleId"]
        assert result["level"] in ("note", "warning", "error")  # always written
        assert result["message"]["text"]
        if "rule" in result:
            ref = result["rule"]
            assert "ruleIndex" not in result
            component = components[ref["toolComponent"]["index"] + 1]
            assert component["rules"][ref["index"]]["id"] == ref["id"] == result["ruleId"]
        else:
            assert driver["rules"][result["ruleIndex"]]["id"] == result["ruleId"]
        assert len(result["locations"]) == 1
        physical = result["locations"][0]["physicalLocation"]
        uri = physical["artifactLocation"]["uri"]
        _check_uri(uri)
        if physical["artifactLocation"].get("uriBaseId") == "%SRCROOT%":
            assert not uri.startswith(("/", "./", "file:")), uri
        else:
            assert uri.startswith("file:///"), uri
        region = physical["region"]
        for key in ("startLine", "startColumn", "endLine", "endColumn"):
            assert isinstance(region[key], int) and region[key] >= 1, (key, region)
        assert (region["endLine"], region["endColumn"]) >= (region["startLine"], region["startColumn"])
        if "partialFingerprints" in result:
            assert re.fullmatch(r"[0-9a-f]+:[0-9]+", result["partialFingerprints"]["primaryLocationLineHash"])
    base = run["originalUriBaseIds"]["%SRCROOT%"]["uri"]
    assert base.startswith("file:///") and base.endswith("/")
    invocation = run["invocations"][0]
    assert isinstance(invocation["executionSuccessful"], bool)


# ------------------------------------------------------------------------------------------------
# Helpers.


@pytest.fixture
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture(scope="module")
def registry() -> Registry:
    return Registry.for_config(Config())


def finding(
    code: str,
    path: str,
    line: int,
    col: int,
    end_col: int | None = None,
    *,
    end_line: int | None = None,
    severity: Severity = Severity.ERROR,
    message: str = "something is wrong",
    fix: str | None = None,
    suppressed: bool = False,
    notes: tuple[str, ...] = (),
) -> Finding:
    span = Span(path, line, col, end_line or line, end_col if end_col is not None else col + 1)
    return Finding(code, message, severity, span, fix=fix, suppressed=suppressed, notes=notes)


def make_result(
    registry: Registry,
    findings: list[Finding],
    *,
    problems: list[FileProblem] | None = None,
    rules: list[type[Rule]] | None = None,
    snippets: dict[str, dict[int, str]] | None = None,
) -> LintResult:
    if snippets is None:
        snippets = {}
        for f in findings:
            try:
                lines = Path(f.span.path).read_text(encoding="utf-8").split("\n")
            except OSError:
                continue
            snippets.setdefault(f.span.path, {})[f.span.start_line] = lines[f.span.start_line - 1]
    return LintResult(
        findings=sorted(findings, key=Finding.sort_key),
        problems=problems or [],
        files=sorted({f.span.path for f in findings}),
        rules=rules if rules is not None else registry.enabled(Config()),
        snippets=snippets,
    )


def sarif(result: LintResult, registry: Registry, **options: Any) -> dict[str, Any]:
    text = renderer("sarif")(result, registry, ReportOptions(**options))
    log: dict[str, Any] = json.loads(text)
    validate(log)
    return log


def builtin(registry: Registry) -> Rule | type[Rule]:
    return registry.rules["SH000"]


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode("utf-8"))
    return path


SCRIPT = textwrap.dedent(
    """\
    #!/usr/bin/env bash
    set -euo pipefail
    gcloud functions deploy orchestrator --gen2 --region=us-central1 --trigger-topic=done
    echo deployed
    """
)


# ------------------------------------------------------------------------------------------------
# The log's shape.


def test_minimal_log_is_valid_and_has_driver_metadata(in_tmp: Path, registry: Registry) -> None:
    write(in_tmp / "deploy.sh", SCRIPT)
    result = make_result(registry, [finding("SH000", "deploy.sh", 3, 1, 7)])
    log = sarif(result, registry)
    run = log["runs"][0]
    driver = run["tool"]["driver"]
    assert driver["name"] == "shlint-iam"
    assert driver["version"] == driver["semanticVersion"] == __version__
    assert driver["informationUri"] == "https://github.com/shlint-iam/shlint-iam"
    enabled = [r.code for r in registry.enabled(Config()) if r.origin == "shlint-iam"]
    assert [r["id"] for r in driver["rules"]] == sorted(enabled)
    assert run["invocations"] == [{"executionSuccessful": True}]
    assert run["originalUriBaseIds"] == {"%SRCROOT%": {"uri": in_tmp.resolve().as_uri() + "/"}}
    assert "tool" in run and "extensions" not in run["tool"]
    (res,) = run["results"]
    assert res["ruleId"] == "SH000"
    assert driver["rules"][res["ruleIndex"]]["id"] == "SH000"
    assert res["locations"][0]["physicalLocation"] == {
        "artifactLocation": {"uri": "deploy.sh", "uriBaseId": "%SRCROOT%"},
        "region": {"startLine": 3, "startColumn": 1, "endLine": 3, "endColumn": 7},
    }


def test_rule_descriptor_fields(in_tmp: Path, registry: Registry) -> None:
    log = sarif(make_result(registry, []), registry)
    (sh000,) = [r for r in log["runs"][0]["tool"]["driver"]["rules"] if r["id"] == "SH000"]
    rule = registry.rules["SH000"]
    assert sh000["name"] == rule.name
    assert sh000["shortDescription"] == {"text": rule.summary}
    # The first paragraph of prose of the docs, headings skipped.
    assert sh000["fullDescription"]["text"].startswith("Reports ")
    assert "#" not in sh000["fullDescription"]["text"]
    assert sh000["help"] == {"text": rule.docs(), "markdown": rule.docs()}
    assert sh000["defaultConfiguration"] == {"level": "error"}
    assert sh000["properties"]["precision"] == rule.precision
    assert sh000["helpUri"] == rule.help_uri and sh000["helpUri"].endswith("docs/rules.md#sh000-syntax-error")
    assert "security-severity" not in sh000["properties"]


def test_only_fields_we_set_are_written(in_tmp: Path, registry: Registry) -> None:
    """sarif_om's attrs defaults (kind "fail", rank -1, language "en-US", byteOffset -1...) never
    leak into the output, while an explicit level "warning" (a default there) is kept."""
    write(in_tmp / "deploy.sh", SCRIPT)
    result = make_result(registry, [finding("SH000", "deploy.sh", 3, 1, severity=Severity.WARNING)])
    log = sarif(result, registry)
    run = log["runs"][0]
    assert set(log) == {"$schema", "version", "runs"}
    assert set(run) == {"tool", "originalUriBaseIds", "invocations", "columnKind", "results"}
    (res,) = run["results"]
    assert set(res) == {"ruleId", "ruleIndex", "level", "message", "locations", "partialFingerprints"}
    assert res["level"] == "warning"
    assert set(res["locations"][0]["physicalLocation"]["region"]) == {
        "startLine",
        "startColumn",
        "endLine",
        "endColumn",
    }
    assert set(run["tool"]["driver"]) == {"name", "version", "semanticVersion", "informationUri", "rules"}


def test_levels_follow_severity(in_tmp: Path, registry: Registry) -> None:
    write(in_tmp / "deploy.sh", SCRIPT)
    findings = [
        finding("SH000", "deploy.sh", 1, 1, severity=Severity.ERROR),
        finding("SH000", "deploy.sh", 2, 1, severity=Severity.WARNING),
        finding("SH000", "deploy.sh", 3, 1, severity=Severity.INFO),
    ]
    log = sarif(make_result(registry, findings), registry)
    assert [r["level"] for r in log["runs"][0]["results"]] == ["error", "warning", "note"]


def test_message_carries_notes_and_fix(in_tmp: Path, registry: Registry) -> None:
    write(in_tmp / "deploy.sh", SCRIPT)
    f = finding(
        "SH000", "deploy.sh", 3, 1, message="no invoker binding.", fix="add one.", notes=("seen in a loop.",)
    )
    log = sarif(make_result(registry, [f]), registry)
    assert log["runs"][0]["results"][0]["message"] == {
        "text": "no invoker binding. Note: seen in a loop. Fix: add one."
    }


def test_finding_of_a_rule_not_enabled_still_references_its_rule(in_tmp: Path, registry: Registry) -> None:
    write(in_tmp / "deploy.sh", SCRIPT)
    result = make_result(registry, [finding("SH000", "deploy.sh", 3, 1)], rules=[])
    log = sarif(result, registry)
    driver = log["runs"][0]["tool"]["driver"]
    assert [r["id"] for r in driver["rules"]] == ["SH000"]
    assert log["runs"][0]["results"][0]["ruleIndex"] == 0


def test_problems_become_notifications(in_tmp: Path, registry: Registry) -> None:
    problems = [
        FileProblem("missing.sh", "no such file"),
        FileProblem("blob", "looks like a binary file", "notice"),
    ]
    log = sarif(make_result(registry, [], problems=problems), registry)
    (invocation,) = log["runs"][0]["invocations"]
    assert invocation["executionSuccessful"] is False
    notes = invocation["toolExecutionNotifications"]
    assert [n["level"] for n in notes] == ["error", "warning"]
    assert notes[0]["message"]["text"] == "missing.sh: no such file"
    assert notes[0]["locations"][0]["physicalLocation"]["artifactLocation"] == {
        "uri": "missing.sh",
        "uriBaseId": "%SRCROOT%",
    }


def test_automation_category(in_tmp: Path, registry: Registry) -> None:
    result = make_result(registry, [])
    log = sarif(result, registry, extra={"sarif_category": "deploy-scripts"})
    assert log["runs"][0]["automationDetails"] == {"id": "deploy-scripts/"}
    log = sarif(result, registry, extra={"sarif_category": "a/b/"})
    assert log["runs"][0]["automationDetails"] == {"id": "a/b/"}
    assert "automationDetails" not in sarif(result, registry)["runs"][0]


def test_sarif_om_is_not_imported_by_the_cli() -> None:
    code = (
        "import sys, shlint_iam.cli, shlint_iam.report, shlint_iam.report.sarif_format;"
        "assert 'sarif_om' not in sys.modules, 'sarif_om imported early'"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=REPO)


# ------------------------------------------------------------------------------------------------
# Rule metadata limits, security rules, plugins.


class _LongRule(Rule):
    code = "ZZ901"
    name = "x" * 300
    summary = "s" * 2000
    severity = Severity.INFO
    tags: ClassVar[tuple[str, ...]] = tuple(f"tag{i}" for i in range(30))
    security_severity = "8.1"
    help_uri = "https://example.com/ZZ901"
    precision = "medium"
    __doc__ = "## What it does\n" + ("word " * 400) + "\n\n## Why\nbecause"


def test_long_metadata_is_clipped_to_github_limits(in_tmp: Path, registry: Registry) -> None:
    reg = Registry([*registry.rules.values(), _LongRule])
    write(in_tmp / "deploy.sh", SCRIPT)
    result = make_result(
        reg, [finding("ZZ901", "deploy.sh", 3, 1, severity=Severity.INFO)], rules=[_LongRule]
    )
    log = sarif(result, reg)
    (rule,) = log["runs"][0]["tool"]["driver"]["rules"]
    assert len(rule["name"]) == 255
    assert len(rule["shortDescription"]["text"]) == 1024
    assert len(rule["fullDescription"]["text"]) <= 1024
    assert rule["fullDescription"]["text"].startswith("word word")
    assert rule["helpUri"] == "https://example.com/ZZ901"
    assert rule["defaultConfiguration"] == {"level": "note"}
    props = rule["properties"]
    assert len(props["tags"]) == 20
    assert props["security-severity"] == "8.1"
    assert props["precision"] == "medium"
    assert "security" in props["tags"]


class _PluginRuleA(Rule):
    """## What it does
    Flags functions that run as the default compute service account."""

    code = "ACME001"
    name = "no-default-compute-account"
    summary = "a function runs as the default compute service account"
    severity = Severity.WARNING
    origin = "acme-shlint"


class _PluginRuleB(Rule):
    code = "ACME002"
    name = "acme-other"
    summary = "another acme check"
    severity = Severity.ERROR
    origin = "acme-shlint"


class _OtherPluginRule(Rule):
    code = "BETA001"
    name = "beta-check"
    summary = "a beta check"
    origin = "beta-rules"


def test_plugin_rules_go_to_extensions(in_tmp: Path, registry: Registry) -> None:
    plugins: list[type[Rule]] = [_PluginRuleA, _PluginRuleB, _OtherPluginRule]
    reg = Registry([*registry.rules.values(), *plugins])
    write(in_tmp / "deploy.sh", SCRIPT)
    findings = [
        finding("ACME002", "deploy.sh", 1, 1),
        finding("BETA001", "deploy.sh", 2, 1),
        finding("SH000", "deploy.sh", 3, 1),
        finding("ACME001", "deploy.sh", 4, 1, severity=Severity.WARNING),
    ]
    result = make_result(reg, findings, rules=[*registry.enabled(Config()), *plugins])
    log = sarif(result, reg)  # validate() checks every reference resolves
    tool = log["runs"][0]["tool"]
    assert all(r["id"] not in ("ACME001", "ACME002", "BETA001") for r in tool["driver"]["rules"])
    assert [e["name"] for e in tool["extensions"]] == ["acme-shlint", "beta-rules"]
    assert [r["id"] for r in tool["extensions"][0]["rules"]] == ["ACME001", "ACME002"]
    assert [r["id"] for r in tool["extensions"][1]["rules"]] == ["BETA001"]
    by_id = {r["ruleId"]: r for r in log["runs"][0]["results"]}
    assert by_id["ACME002"]["rule"] == {"id": "ACME002", "index": 1, "toolComponent": {"index": 0}}
    assert by_id["BETA001"]["rule"] == {"id": "BETA001", "index": 0, "toolComponent": {"index": 1}}
    assert by_id["ACME001"]["level"] == "warning"
    assert "rule" not in by_id["SH000"] and "ruleIndex" in by_id["SH000"]


# ------------------------------------------------------------------------------------------------
# Paths and columns.


def test_uris_are_relative_and_percent_encoded(in_tmp: Path, registry: Registry) -> None:
    write(in_tmp / "scripts" / "my deploy#1.sh", SCRIPT)
    write(in_tmp / "ünï.sh", SCRIPT)
    findings = [finding("SH000", "scripts/my deploy#1.sh", 3, 1), finding("SH000", "ünï.sh", 3, 1)]
    log = sarif(make_result(registry, findings), registry)
    uris = [
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in log["runs"][0]["results"]
    ]
    assert uris == ["scripts/my%20deploy%231.sh", "%C3%BCn%C3%AF.sh"]


def test_uris_relative_to_project_root(in_tmp: Path, registry: Registry) -> None:
    write(in_tmp / "repo" / "ci" / "deploy.sh", SCRIPT)
    write(in_tmp / "elsewhere.sh", SCRIPT)
    findings = [finding("SH000", "repo/ci/deploy.sh", 3, 1), finding("SH000", "elsewhere.sh", 3, 1)]
    log = sarif(make_result(registry, findings), registry, project_root="repo")
    run = log["runs"][0]
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == (in_tmp / "repo").resolve().as_uri() + "/"
    outside, inside = (r["locations"][0]["physicalLocation"]["artifactLocation"] for r in run["results"])
    assert inside == {"uri": "ci/deploy.sh", "uriBaseId": "%SRCROOT%"}
    # Outside the root: an absolute file URI (GitHub relativises or ignores it), no %SRCROOT%.
    assert outside == {"uri": (in_tmp / "elsewhere.sh").resolve().as_uri()}


def test_non_ascii_text_gives_character_columns(in_tmp: Path, registry: Registry) -> None:
    line = "é é gcloud functions deploy orchestrator --gen2"
    write(in_tmp / "deploy.sh", line + "\n")
    # "gcloud" starts at character 5 (byte 7: each "é" is two bytes in UTF-8).
    assert line.index("gcloud") + 1 == 5 and line.encode().index(b"gcloud") + 1 == 7
    result = make_result(registry, [finding("SH000", "deploy.sh", 1, 5, 11)])
    region = sarif(result, registry)["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]
    assert (region["startColumn"], region["endColumn"]) == (5, 11)


def test_linted_non_ascii_syntax_error_has_character_columns(in_tmp: Path, registry: Registry) -> None:
    text = "é é echo 😀 )\n"
    write(in_tmp / "broken.sh", text)
    from shlint_iam.lint import Linter

    result = Linter(Config()).lint_paths(["broken.sh"])
    log = sarif(result, registry)
    (res,) = [r for r in log["runs"][0]["results"] if r["ruleId"] == "SH000"]
    region = res["locations"][0]["physicalLocation"]["region"]
    assert region["startColumn"] == text.index(")") + 1 == 12  # characters, not bytes (16)


def test_regions_are_never_below_one(in_tmp: Path, registry: Registry) -> None:
    write(in_tmp / "deploy.sh", SCRIPT)
    bad = Finding("SH000", "m", Severity.ERROR, Span("deploy.sh", 0, 0, 0, 0))
    region = sarif(make_result(registry, [bad]), registry)["runs"][0]["results"][0]["locations"][0][
        "physicalLocation"
    ]["region"]
    assert region == {"startLine": 1, "startColumn": 1, "endLine": 1, "endColumn": 1}


# ------------------------------------------------------------------------------------------------
# Fingerprints: a port of github/codeql-action src/fingerprints.ts.


def _closed_form_hash(units: list[int]) -> str:
    """codeql-action's rolling hash, written the other way: after the 100-character window that
    starts at a line, the rolling value equals sum(c[i] * 37**(99 - i)) mod 2**64 over that window
    (H_k = 37*H_{k-1} + c_k - 37**100 * c_{k-100}, so the character 100 places back drops out).
    The window is the processed characters (spaces/tabs dropped), then 65535 for EOF, then zeros."""
    window = (units + [65535] + [0] * 100)[:100]
    return format(sum(c * 37 ** (99 - i) for i, c in enumerate(window)) % 2**64, "x")


def test_line_hash_known_answers() -> None:
    # Hand port of fingerprints.ts for the file "a" (no newline): the processed characters are
    # 'a' (97), then EOF (65535), then 98 zeros. The one line's hash is therefore
    # (97 * 37**99 + 65535 * 37**98) mod 2**64 = 0x53b5d4aabe50d64, first occurrence -> ":1".
    assert (97 * 37**99 + 65535 * 37**98) % 2**64 == 0x53B5D4AABE50D64
    assert line_hashes("a") == {1: "53b5d4aabe50d64:1"}
    # "a\n": line 1 hashes 'a', '\n', EOF; the EOF after the newline starts a line 2 of its own.
    assert (97 * 37**99 + 10 * 37**98 + 65535 * 37**97) % 2**64 == 0x243CBAA4685AAB12
    assert line_hashes("a\n") == {1: "243cbaa4685aab12:1", 2: "c129715d7a2bc9a3:1"}
    assert line_hashes("a\n")[2] == _closed_form_hash([]) + ":1"
    # These values were also cross-checked against a verbatim JavaScript copy of fingerprints.ts
    # (its `long` arithmetic emulated with BigInt) run by Node on 300 random files.


def test_line_hash_rules_of_the_port() -> None:
    # Spaces and tabs are skipped; \r\n and a lone \r both read as \n.
    assert line_hashes("a b\tc\n") == line_hashes("abc\n")
    assert line_hashes("x\r\ny\n") == line_hashes("x\ny\n") == line_hashes("x\ry\n")
    # Each line's hash covers the 100 characters from its start, across line ends.
    text = "gcloud functions deploy f --region=x\n  echo ok\n"
    units = [ord(c) for c in text if c not in " \t"]
    assert line_hashes(text)[1] == _closed_form_hash(units) + ":1"
    second = units[units.index(10) + 1 :]
    assert line_hashes(text)[2] == _closed_form_hash(second) + ":1"
    # Characters are UTF-16 code units, as JavaScript's charCodeAt sees them.
    assert line_hashes("😀\n")[1] == _closed_form_hash([0xD83D, 0xDE00, 10]) + ":1"
    # Identical windows are numbered in file order.
    assert line_hashes("x\nx\n")[1] != line_hashes("x\nx\n")[2]
    long_line = "y" * 150
    hashes = line_hashes(f"{long_line}\n{long_line}\n")
    assert hashes[1].split(":")[0] == hashes[2].split(":")[0]
    assert (hashes[1][-2:], hashes[2][-2:]) == (":1", ":2")


def test_line_hashes_of_a_long_file_match_the_closed_form() -> None:
    # From 64 lines on every window is hashed at once (_window_hashes); each line's value must
    # still be the closed form of its own window, numbered like the short path numbers them.
    import random

    from shlint_iam.report import sarif_format

    rng = random.Random(5)
    pieces = ["gcloud run deploy api --region=x", "\t  echo ok", "", "😀é\uffff" * 30, "z" * 250, "dup", "dup",
              "a\rb", "c\r\nd", "\uffff" * 120, "x  y"]
    text = "\n".join(rng.choice(pieces) for _ in range(400))
    assert text.count("\n") + 1 >= sarif_format._BATCH_LINES
    normal = text.replace("\r\n", "\n").replace("\r", "\n").replace(" ", "").replace("\t", "")
    units = list(normal.encode("utf-16-le", "surrogatepass"))
    units = [units[i] | units[i + 1] << 8 for i in range(0, len(units), 2)]
    starts = [0] + [i + 1 for i, c in enumerate(units) if c == 10]
    counts: dict[str, int] = {}
    expected = {}
    for number, start in enumerate(starts, 1):
        value = _closed_form_hash(units[start:])
        counts[value] = counts.get(value, 0) + 1
        expected[number] = f"{value}:{counts[value]}"
    assert line_hashes(text) == expected
    assert any(value.endswith(":3") for value in expected.values())  # repeated windows are numbered


def _fingerprints(log: dict[str, Any]) -> list[str]:
    return [r["partialFingerprints"]["primaryLocationLineHash"] for r in log["runs"][0]["results"]]


def test_fingerprints_survive_edits_above(in_tmp: Path, registry: Registry) -> None:
    write(in_tmp / "deploy.sh", SCRIPT)
    before = sarif(make_result(registry, [finding("SH000", "deploy.sh", 3, 1, 7)]), registry)
    write(in_tmp / "deploy.sh", "# a new comment\nexport REGION=us-central1\n" + SCRIPT)
    after = sarif(make_result(registry, [finding("SH000", "deploy.sh", 5, 1, 7)]), registry)
    assert _fingerprints(before) == _fingerprints(after)
    assert _fingerprints(before) == [line_hashes(SCRIPT)[3]]


def test_fingerprints_differ_by_line(in_tmp: Path, registry: Registry) -> None:
    write(in_tmp / "deploy.sh", SCRIPT)
    findings = [finding("SH000", "deploy.sh", n, 1) for n in (1, 2, 3, 4)]
    prints = _fingerprints(sarif(make_result(registry, findings), registry))
    assert len(set(prints)) == 4


def test_fingerprint_fallback_without_the_file(in_tmp: Path, registry: Registry) -> None:
    """Standard input (or a file gone since): the hash comes from the linted line alone."""
    result = lint_text("é é echo )\n", "<stdin>")
    log = sarif(result, registry)
    (res,) = log["runs"][0]["results"]
    assert res["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "%3Cstdin%3E"
    assert _fingerprints(log) == [line_hashes("é é echo )\n")[1]]
    assert _snippet_hashes({1: "é é echo )", 7: "é é echo )"}) == {
        1: line_hashes("é é echo )\n")[1],
        7: line_hashes("é é echo )\n")[1].replace(":1", ":2"),
    }


def test_fingerprint_fallback_when_disk_differs(in_tmp: Path, registry: Registry) -> None:
    write(in_tmp / "deploy.sh", "echo something else\n" * 3)
    result = lint_text("echo one\necho )\n", "deploy.sh")  # e.g. --stdin-filename deploy.sh
    assert result.findings
    log = sarif(result, registry)
    line = result.findings[0].span.start_line
    assert _fingerprints(log)[0] == _snippet_hashes({line: result.snippets["deploy.sh"][line]})[line]


# ------------------------------------------------------------------------------------------------
# Suppressions and determinism.


def test_suppressed_findings_left_out_by_default(in_tmp: Path, registry: Registry) -> None:
    write(in_tmp / "deploy.sh", SCRIPT)
    findings = [finding("SH000", "deploy.sh", 3, 1), finding("SH000", "deploy.sh", 4, 1, suppressed=True)]
    result = make_result(registry, findings)
    default = sarif(result, registry)
    assert [
        r["locations"][0]["physicalLocation"]["region"]["startLine"] for r in default["runs"][0]["results"]
    ] == [3]
    assert "suppressions" not in default["runs"][0]["results"][0]
    included = sarif(result, registry, include_suppressed=True)["runs"][0]["results"]
    assert len(included) == 2
    assert "suppressions" not in included[0]
    assert included[1]["suppressions"] == [{"kind": "inSource", "status": "accepted"}]


def test_same_input_same_bytes(in_tmp: Path, registry: Registry) -> None:
    write(in_tmp / "deploy.sh", SCRIPT)
    findings = [finding("SH000", "deploy.sh", n, 1, message=f"m{n} é") for n in (4, 1, 3)]
    render = renderer("sarif")
    first = render(make_result(registry, findings), registry, ReportOptions())
    second = render(make_result(registry, list(reversed(findings))), registry, ReportOptions())
    assert first == second
    assert first.endswith("}\n") and "é" in first  # ensure_ascii=False
    assert build_log(make_result(registry, findings), registry, ReportOptions()) == json.loads(first)


# ------------------------------------------------------------------------------------------------
# The real command line.


def _cli_sarif(args: list[str]) -> tuple[int, dict[str, Any]]:
    from shlint_iam.cli import cli

    runner = CliRunner()
    outcome = runner.invoke(cli, ["check", "-f", "sarif", *args], catch_exceptions=False)
    log: dict[str, Any] = json.loads(outcome.stdout)
    validate(log)
    return outcome.exit_code, log


def test_cli_sarif_on_files(in_tmp: Path) -> None:
    write(in_tmp / "ok.sh", "#!/bin/bash\necho hello\n")
    write(in_tmp / "broken dir" / "bad.sh", "é é echo )\n")
    code, log = _cli_sarif(["."])
    assert code == 1
    results = log["runs"][0]["results"]
    syntax = [r for r in results if r["ruleId"] == "SH000"]
    assert len(syntax) == 1
    loc = syntax[0]["locations"][0]["physicalLocation"]
    assert loc["artifactLocation"]["uri"] == "broken%20dir/bad.sh"
    assert loc["region"]["startColumn"] == 10
    assert syntax[0]["partialFingerprints"]["primaryLocationLineHash"] == line_hashes("é é echo )\n")[1]
    code2, log2 = _cli_sarif(["."])
    assert (code2, log2) == (code, log)


def test_cli_sarif_byte_identical_runs(in_tmp: Path) -> None:
    write(in_tmp / "deploy.sh", SCRIPT + "echo )\n")
    cmd = [sys.executable, "-m", "shlint_iam", "check", "-f", "sarif", "deploy.sh"]
    env = {**os.environ, "PYTHONHASHSEED": "random"}
    first = subprocess.run(cmd, capture_output=True, env=env, check=False)
    second = subprocess.run(cmd, capture_output=True, env=env, check=False)
    assert first.returncode == 1, first.stderr
    assert first.stdout == second.stdout
    validate(json.loads(first.stdout))


def test_cli_sarif_stdin_and_unreadable_path(in_tmp: Path) -> None:
    from shlint_iam.cli import cli

    runner = CliRunner()
    outcome = runner.invoke(
        cli, ["check", "-f", "sarif", "-", "--stdin-filename", "ci/deploy.sh"], input="echo )\n"
    )
    log = json.loads(outcome.stdout)
    validate(log)
    (res,) = [r for r in log["runs"][0]["results"] if r["ruleId"] == "SH000"]
    assert res["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "ci/deploy.sh"
    assert "primaryLocationLineHash" in res["partialFingerprints"]

    code, log = _cli_sarif(["missing.sh"])
    assert code == 2
    assert log["runs"][0]["invocations"][0]["executionSuccessful"] is False
    assert log["runs"][0]["results"] == []


def _iam_rules() -> list[str]:
    return [code for code in Registry.for_config(Config()).rules if code.startswith("IAM")]


INCIDENT = textwrap.dedent(
    """\
    #!/usr/bin/env bash
    # é: the incident: redeploys drop the Pub/Sub invoker binding of the orchestrators
    set -euo pipefail
    REGION=us-central1
    for fn in phase3-to-phase4-orchestrator phase4-to-phase5-orchestrator; do
      gcloud functions deploy "$fn" --gen2 --region="$REGION" --runtime=python311 \\
        --trigger-topic="${fn%-orchestrator}-complete" --no-allow-unauthenticated
    done
    """
)


def test_cli_sarif_with_iam_rules(in_tmp: Path) -> None:
    if not _iam_rules():
        pytest.skip("no IAM rules yet")
    write(in_tmp / "deploy.sh", INCIDENT)
    write(in_tmp / "good.sh", "#!/bin/bash\necho nothing to deploy\n")
    code, log = _cli_sarif(["deploy.sh", "good.sh", "--select", "IAM"])
    run = log["runs"][0]
    ids = {r["id"] for r in run["tool"]["driver"]["rules"]}
    assert ids and all(i.startswith("IAM") for i in ids)
    assert run["results"], "the incident script should be flagged"
    for res in run["results"]:
        assert res["ruleId"].startswith("IAM")
        assert res["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "deploy.sh"
        assert "primaryLocationLineHash" in res["partialFingerprints"]
    assert code == 1


def _walk(value: Any) -> Iterator[Any]:
    yield value
    if isinstance(value, dict):
        for v in value.values():
            yield from _walk(v)
    elif isinstance(value, list):
        for v in value:
            yield from _walk(v)


def test_no_empty_strings_anywhere(in_tmp: Path, registry: Registry) -> None:
    write(in_tmp / "deploy.sh", SCRIPT)
    findings = [finding("SH000", "deploy.sh", 3, 1, fix="do x")]
    log = sarif(make_result(registry, findings, problems=[FileProblem("gone.sh", "no such file")]), registry)
    assert all(v != "" for v in _walk(log))
