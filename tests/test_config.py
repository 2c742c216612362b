"""The configuration file: discovery, every key, precedence and the errors (exit 2, file:line)."""

from __future__ import annotations

import json
import re
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from shlint_iam.cli import cli
from shlint_iam.config import Config, ConfigError
from shlint_iam.config_file import find_config_file, load_config
from shlint_iam.model import Severity
from shlint_iam.registry import builtin_rules

BROKEN = "#!/bin/bash\nif\n"  # one SH000 finding at line 2
CLEAN = "#!/bin/bash\necho ok\n"


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


def run(*args: str, input: str | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), input=input)
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


def codes(stdout: str) -> list[str]:
    return [f["code"] for f in json.loads(stdout)]


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "deploy.sh", BROKEN)
    return tmp_path


# -- discovery ----------------------------------------------------------------------------------


def test_no_config_gives_defaults(project: Path) -> None:
    config = load_config()
    assert config == Config(root=config.root)
    assert config.path is None
    code, out, _ = run("check", "-f", "json", "deploy.sh")
    assert (code, codes(out)) == (1, ["SH000"])


def test_pyproject_table_is_found_walking_up(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(project / "pyproject.toml", '[tool.shlint-iam]\nignore = ["SH000"]\n')
    sub = project / "a" / "b"
    sub.mkdir(parents=True)
    monkeypatch.chdir(sub)
    config = load_config()
    assert config.path == project / "pyproject.toml"
    assert config.root == project
    assert config.ignore == ["SH000"]
    code, out, _ = run("check", "-f", "json", str(project / "deploy.sh"))
    assert (code, codes(out)) == (0, [])


def test_pyproject_without_table_is_skipped(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(project / "pyproject.toml", '[tool.shlint-iam]\nignore = ["SH000"]\n')
    write(project / "pkg" / "pyproject.toml", '[project]\nname = "pkg"\n')
    # Mentions shlint-iam but has no table: still skipped.
    write(project / "pkg" / "inner" / "pyproject.toml", '[project]\ndependencies = ["shlint-iam"]\n')
    assert find_config_file(project / "pkg" / "inner") == project / "pyproject.toml"


# Every TOML spelling of the table: found (and so parsed), wherever the pre-check could miss it.
@pytest.mark.parametrize(
    "text",
    [
        '[tool.shlint-iam]\nignore = ["SH000"]\n',
        '[tool."shlint-iam"]\nignore = ["SH000"]\n',
        "[ tool . 'shlint-iam' ]\nignore = ['SH000']\n",
        '[project]\nname = "x"\n\n[tool]\nshlint-iam = { ignore = ["SH000"] }\n',
        '[tool]\n"shlint-iam".ignore = ["SH000"]\n',
        'tool.shlint-iam.ignore = ["SH000"]\n[project]\nname = "x"\n',
        'tool = { shlint-iam = { ignore = ["SH000"] } }\n',
        '[tool.shlint-iam.severity]\nSH000 = "warning"\n',
    ],
)
def test_pyproject_table_in_any_toml_spelling_is_found(project: Path, text: str) -> None:
    write(project / "pyproject.toml", text)
    assert find_config_file(project) == project / "pyproject.toml"


def test_pyproject_naming_the_tool_elsewhere_is_not_parsed(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The project's own name, a console script and a dependency say "shlint-iam", and the file is not
    # even valid TOML: without a table's spelling it is skipped unparsed (no TOML parse at start-up).
    import shlint_iam.config_file as config_file

    def no_parse(path: Path, text: str) -> dict[str, object]:
        raise AssertionError(f"parsed {path}")

    monkeypatch.setattr(config_file, "_parse_toml", no_parse)
    write(
        project / "pyproject.toml",
        """
        [project]
        name = "shlint-iam"
        dependencies = ["shlint-iam>=0.2", "click"
        [project.scripts]
        shlint-iam = "shlint_iam.entry:main"
        [tool.ruff]
        line-length = 120
        """,
    )
    assert find_config_file(project) is None
    code, out, _ = run("check", "-f", "json", "deploy.sh")
    assert (code, codes(out)) == (1, ["SH000"])


def test_discovered_pyproject_is_parsed_once(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import shlint_iam.config_file as config_file

    parsed: list[Path] = []
    real = config_file._parse_toml

    def counted(path: Path, text: str) -> dict[str, object]:
        parsed.append(path)
        return real(path, text)

    monkeypatch.setattr(config_file, "_parse_toml", counted)
    write(project / "pyproject.toml", '[tool.shlint-iam]\nignore = ["SH000"]\n')
    assert load_config().ignore == ["SH000"]
    assert parsed == [project / "pyproject.toml"]
    # Changed on disk: read and parsed again, not the old data.
    write(project / "pyproject.toml", '[tool.shlint-iam]\nignore = ["SH001"]\n')
    assert load_config().ignore == ["SH001"]
    assert len(parsed) == 2


def test_nearest_file_wins_without_merging(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(project / "pyproject.toml", '[tool.shlint-iam]\nignore = ["SH000"]\ndefault-region = "eu-west1"\n')
    write(project / "svc" / ".shlint-iam.toml", 'default-region = "us-east1"\n')
    write(project / "svc" / "deploy.sh", BROKEN)
    monkeypatch.chdir(project / "svc")
    config = load_config()
    assert config.path == project / "svc" / ".shlint-iam.toml"
    assert config.default_region == "us-east1"
    assert config.ignore == []  # the parent's table is not merged in
    code, out, _ = run("check", "-f", "json", "deploy.sh")
    assert (code, codes(out)) == (1, ["SH000"])


def test_dotfile_beats_pyproject_in_the_same_directory(project: Path) -> None:
    write(project / "pyproject.toml", '[tool.shlint-iam]\nignore = ["SH000"]\n')
    write(project / ".shlint-iam.toml", 'default-region = "asia-east1"\n')
    config = load_config()
    assert config.path == project / ".shlint-iam.toml"
    assert config.ignore == []
    code, out, _ = run("check", "-f", "json", "deploy.sh")
    assert (code, codes(out)) == (1, ["SH000"])


def test_explicit_config_overrides_discovery(project: Path) -> None:
    write(project / ".shlint-iam.toml", 'ignore = ["SH000"]\n')
    write(project / "ci" / "strict.toml", 'default-region = "us-central1"\n')
    code, out, _ = run("check", "-f", "json", "--config", "ci/strict.toml", "deploy.sh")
    assert (code, codes(out)) == (1, ["SH000"])
    config = load_config(Path("ci/strict.toml"))
    assert config.root == (project / "ci").resolve()


def test_explicit_pyproject_uses_its_table(project: Path) -> None:
    write(project / "other" / "pyproject.toml", '[project]\nname = "x"\n[tool.shlint-iam]\nignore = ["SH"]\n')
    code, out, _ = run("check", "-f", "json", "--config", "other/pyproject.toml", "deploy.sh")
    assert (code, codes(out)) == (0, [])
    # Any other name uses top-level keys, so a [tool.shlint-iam] table there is an unknown key.
    write(project / "other" / "conf.toml", '[tool.shlint-iam]\nignore = ["SH"]\n')
    code, _, err = run("check", "--config", "other/conf.toml", "deploy.sh")
    assert code == 2
    assert "other/conf.toml:1: unknown key 'tool'" in err


def test_explicit_config_that_does_not_exist(project: Path) -> None:
    code, _, err = run("check", "--config", "nope.toml", "deploy.sh")
    assert code == 2
    assert err == "shlint-iam: error: nope.toml: configuration file not found\n"


def test_stdin_uses_the_config_next_to_stdin_filename(project: Path) -> None:
    write(project / "svc" / ".shlint-iam.toml", 'ignore = ["SH000"]\n')
    code, out, _ = run("check", "-f", "json", "-", "--stdin-filename", "svc/deploy.sh", input=BROKEN)
    assert (code, codes(out)) == (0, [])
    code, out, _ = run("check", "-f", "json", "-", "--stdin-filename", "deploy.sh", input=BROKEN)
    assert (code, codes(out)) == (1, ["SH000"])


# -- each key -----------------------------------------------------------------------------------


def test_select(project: Path) -> None:
    write(project / ".shlint-iam.toml", 'select = ["SUP"]\n')
    code, out, _ = run("check", "-f", "json", "deploy.sh")
    assert (code, codes(out)) == (0, [])
    assert load_config().select == ["SUP"]


def test_ignore(project: Path) -> None:
    write(project / ".shlint-iam.toml", 'ignore = ["SH000"]\n')
    code, out, _ = run("check", "-f", "json", "deploy.sh")
    assert (code, codes(out)) == (0, [])


def test_extend_select_turns_on_an_opt_in_rule(project: Path) -> None:
    write(project / "unused.sh", "echo ok  # shlint-iam disable=SH000\n")
    assert run("check", "-f", "json", "unused.sh")[0] == 0
    write(project / ".shlint-iam.toml", 'extend-select = ["SUP002"]\n')
    code, out, _ = run("check", "-f", "json", "unused.sh")
    assert (code, codes(out)) == (1, ["SUP002"])


def test_severity(project: Path) -> None:
    write(project / ".shlint-iam.toml", '[severity]\nSH000 = "warning"\n')
    code, out, _ = run("check", "-f", "json", "deploy.sh")
    assert code == 1
    assert [f["severity"] for f in json.loads(out)] == ["warning"]
    # ...so `--severity error` no longer reports it.
    code, out, _ = run("check", "-f", "json", "--severity", "error", "deploy.sh")
    assert (code, codes(out)) == (0, [])
    assert load_config().severity == {"SH000": Severity.WARNING}
    _, out, _ = run("rules")
    assert [line.split()[3] for line in out.splitlines() if line.startswith("SH000")] == ["warning"]


def test_per_file_ignores_are_relative_to_the_config_file(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(project / "pyproject.toml", '[tool.shlint-iam]\nper-file-ignores = { "legacy/*.sh" = ["SH"] }\n')
    write(project / "legacy" / "old.sh", BROKEN)
    write(project / "new" / "old.sh", BROKEN)
    monkeypatch.chdir(project / "new")  # globs do not depend on the working directory
    code, out, _ = run("check", "-f", "json", str(project))
    assert code == 1
    paths = sorted(Path(f["path"]).resolve().relative_to(project).as_posix() for f in json.loads(out))
    assert paths == ["deploy.sh", "new/old.sh"]


def test_exclude(project: Path) -> None:
    write(project / ".shlint-iam.toml", 'exclude = ["vendor/"]\n')
    write(project / "vendor" / "lib.sh", BROKEN)
    code, out, _ = run("check", "-f", "json", ".")
    assert code == 1
    assert [f["path"] for f in json.loads(out)] == ["deploy.sh"]


def test_values_for_the_iam_rules(project: Path) -> None:
    write(
        project / "pyproject.toml",
        """
        [tool.shlint-iam]
        invoker-service-accounts = ["756957797294-compute@developer.gserviceaccount.com"]
        required-resources = [
            "phase3-to-phase4-orchestrator",
            'phase4-to-phase5-orchestrator',
        ]
        default-region = "us-central1"
        """,
    )
    config = load_config()
    assert config.invoker_service_accounts == ["756957797294-compute@developer.gserviceaccount.com"]
    assert config.required_resources == ["phase3-to-phase4-orchestrator", "phase4-to-phase5-orchestrator"]
    assert config.required_resource_lines == {
        "phase3-to-phase4-orchestrator": 4,
        "phase4-to-phase5-orchestrator": 5,
    }
    assert config.default_region == "us-central1"
    assert config.path == project / "pyproject.toml"


def test_plugin_codes_are_not_checked_until_plugins_load(project: Path) -> None:
    write(project / ".shlint-iam.toml", 'plugins = ["acme_rules"]\nextend-select = ["ACME001"]\n')
    config = load_config()
    assert config.plugins == ["acme_rules"]
    assert config.extend_select == ["ACME001"]
    assert config.unverified_codes == [("extend-select", "ACME001", 2)]


# -- the command line over the file -------------------------------------------------------------


def test_cli_select_replaces_the_file_selection(project: Path) -> None:
    write(project / ".shlint-iam.toml", 'select = ["SUP"]\nignore = ["SH000"]\n')
    code, out, _ = run("check", "-f", "json", "--select", "SH", "deploy.sh")
    assert (code, codes(out)) == (1, ["SH000"])


def test_cli_extend_select_wins_over_file_ignore(project: Path) -> None:
    write(project / ".shlint-iam.toml", 'ignore = ["SH"]\n')
    assert run("check", "-f", "json", "deploy.sh")[0] == 0
    code, out, _ = run("check", "-f", "json", "--extend-select", "SH000", "deploy.sh")
    assert (code, codes(out)) == (1, ["SH000"])


def test_cli_ignore_adds_to_the_file(project: Path) -> None:
    write(project / ".shlint-iam.toml", 'extend-select = ["SUP002"]\n')
    write(project / "both.sh", "echo ok  # shlint-iam disable=SH000\nif\n")
    code, out, _ = run("check", "-f", "json", "both.sh")
    assert sorted(codes(out)) == ["SH000", "SUP002"]
    code, out, _ = run("check", "-f", "json", "--ignore", "SH000", "both.sh")
    assert (code, codes(out)) == (1, ["SUP002"])


def test_rules_command_shows_state_under_the_config(project: Path) -> None:
    write(project / ".shlint-iam.toml", 'extend-select = ["SUP002"]\nignore = ["SH000"]\n')
    _, out, _ = run("rules")
    states = {line.split()[0]: line.split()[2] for line in out.splitlines()[1:]}
    assert states["SUP002"] == "on"
    assert states["SH000"] == "off"
    assert states["SUP001"] == "on"


def test_bad_cli_selector_is_exit_2(project: Path) -> None:
    code, _, err = run("check", "--select", "NOPE1", "deploy.sh")
    assert code == 2
    assert "--select: unknown rule code or prefix 'NOPE1'" in err


# -- errors: exit 2 with file:line ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            '[project]\nname = "x"\n\n[tool.shlint-iam]\nselect = ["SH"]\nselec = ["SH"]\n',
            "pyproject.toml:6: unknown key 'selec' in [tool.shlint-iam] (did you mean 'select'?)",
        ),
        (
            '[tool.shlint-iam]\nignore = "SH000"\n',
            "pyproject.toml:2: 'ignore' must be a list of strings",
        ),
        (
            '[tool.shlint-iam]\nselect = [\n  "SH",\n  "XYZ",\n]\n',
            "pyproject.toml:4: unknown rule code or prefix 'XYZ' in 'select'",
        ),
        (
            '[tool.shlint-iam]\ndefault-region = 5\n',
            "pyproject.toml:2: 'default-region' must be a non-empty string",
        ),
        (
            '[tool.shlint-iam]\n\n[tool.shlint-iam.severity]\nSUP001 = "warning"\nSH000 = "fatal"\n',
            "pyproject.toml:5: unknown severity 'fatal' for SH000 (expected error, warning or info)",
        ),
        (
            '[tool.shlint-iam]\nseverity = { SH000 = "info", SH999 = "info" }\n',
            "pyproject.toml:2: unknown rule code 'SH999' in 'severity'",
        ),
        (
            '[tool.shlint-iam.per-file-ignores]\n"a/*.sh" = ["SH000"]\n"b/*.sh" = ["ERRR"]\n',
            "pyproject.toml:3: unknown rule code or prefix 'ERRR' in 'per-file-ignores'",
        ),
        (
            '[tool.shlint-iam]\nper-file-ignores = { "a/*.sh" = "SH000" }\n',
            "pyproject.toml:2: per-file-ignores 'a/*.sh' must be a list of rule codes",
        ),
        (
            '[tool.shlint-iam]\nselect = ["SH"\nignore = []\n',
            "pyproject.toml:3: invalid TOML: Unclosed array (column 1)",
        ),
    ],
)
def test_bad_pyproject_is_exit_2_with_file_and_line(project: Path, text: str, message: str) -> None:
    write(project / "pyproject.toml", text)
    code, out, err = run("check", "deploy.sh")
    assert (code, out) == (2, "")
    assert err == f"shlint-iam: error: {message}\n"
    with pytest.raises(ConfigError, match=re.escape(message)):
        load_config()


def test_bad_dotfile_names_the_key_without_table(project: Path) -> None:
    write(project / ".shlint-iam.toml", '# settings\n\nexclude = ["vendor/"]\nplugin = ["x"]\n')
    code, _, err = run("check", "deploy.sh")
    assert code == 2
    assert err == "shlint-iam: error: .shlint-iam.toml:4: unknown key 'plugin' (did you mean 'plugins'?)\n"


def test_bad_config_is_exit_2_for_rules_too(project: Path) -> None:
    write(project / ".shlint-iam.toml", "select = [\n")
    code, _, err = run("rules")
    assert code == 2
    assert err.startswith("shlint-iam: error: .shlint-iam.toml:")
    assert "invalid TOML" in err


def test_unrelated_broken_pyproject_is_not_read(project: Path) -> None:
    write(project / "pyproject.toml", "this is [ not toml\n")
    assert load_config().path is None


@pytest.mark.skipif(
    not any(r.code == "IAM001" for r in builtin_rules()),
    reason="IAM001 is not written yet",
)
def test_config_keys_with_the_real_iam001(project: Path) -> None:
    write(
        project / "svc" / "deploy.sh",
        """
        #!/bin/bash
        set -euo pipefail
        gcloud functions deploy orchestrator --gen2 --region=us-central1 --project=p --trigger-topic=t
        """,
    )
    code, out, _ = run("check", "-f", "json", "svc/deploy.sh")
    assert (code, [(f["code"], f["severity"]) for f in json.loads(out)]) == (1, [("IAM001", "error")])
    write(project / ".shlint-iam.toml", 'severity = { IAM001 = "warning" }\n')
    code, out, _ = run("check", "-f", "json", "svc/deploy.sh")
    assert (code, [(f["code"], f["severity"]) for f in json.loads(out)]) == (1, [("IAM001", "warning")])
    write(project / ".shlint-iam.toml", 'per-file-ignores = { "svc/*.sh" = ["IAM"] }\n')
    assert run("check", "-f", "json", "svc/deploy.sh")[:2] == (0, "[]\n")
    write(project / ".shlint-iam.toml", 'select = ["ERR", "SH"]\n')
    assert run("check", "-f", "json", "svc/deploy.sh")[:2] == (0, "[]\n")
