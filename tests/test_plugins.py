"""Plugin rules (entry-point group ``shlint_iam.rules``), end to end.

Two ways in:

- the example plugin (``examples/plugin``) pip-installed into a fresh virtual environment, and
  that environment's ``shlint-iam`` run as a subprocess: text, JSON and SARIF output, ignore,
  suppression, the config file, ``rules`` / ``rule``, and the plugin's own tests;
- small throwaway plugins registered for this process (a ``.dist-info`` with an
  ``entry_points.txt`` in a folder on ``sys.path``, which is all ``importlib.metadata`` reads):
  clashes, broken plugins, entry-point forms, config codes, suppression codes, every format,
  and that nothing is scanned when no plugin is configured.
"""

from __future__ import annotations

import base64
import hashlib
import importlib
import importlib.metadata
import json
import os
import re
import shutil
import site
import subprocess
import sys
import textwrap
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from test_sarif import validate

import shlint_iam
from shlint_iam.cli import cli
from shlint_iam.config import Config, ConfigError
from shlint_iam.lint import Linter
from shlint_iam.registry import Registry

REPO = Path(__file__).resolve().parent.parent
PLUGIN = REPO / "examples" / "plugin"

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

# A deploy that only ACME001 reports (errexit on, an HTTP function: no built-in finding).
SCRIPT = """\
#!/usr/bin/env bash
set -euo pipefail
gcloud functions deploy api --gen2 --region=us-west2 --trigger-http --runtime=python312
"""
SUPPRESSED = """\
#!/usr/bin/env bash
set -euo pipefail
# shlint-iam disable=ACME001 -- the api function is a throwaway demo
gcloud functions deploy api --gen2 --region=us-west2 --trigger-http --runtime=python312
"""


# ------------------------------------------------------------------------------------------------
# The example plugin, pip-installed into a virtual environment.


def _venv_python(venv: Path) -> Path:
    return venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def _outer_site_dirs() -> list[str]:
    """Where this process finds shlint-iam and its dependencies. A venv made with
    ``--system-site-packages`` sees the *base* interpreter's packages, not those of the
    environment running the tests, so the test venv is pointed at these as well."""
    dirs = [p for p in site.getsitepackages() if os.path.isdir(p)]
    user = site.getusersitepackages() if site.ENABLE_USER_SITE else None
    if user and user in sys.path and os.path.isdir(user):
        dirs.append(user)
    return dirs


def _missing_build_tools(output: str) -> bool:
    """Whether pip failed only because this offline environment cannot build a wheel with
    setuptools (setuptools < 70.1 needs the separate ``wheel`` package for bdist_wheel)."""
    return any(
        text in output
        for text in (
            "invalid command 'bdist_wheel'",
            "No module named 'setuptools'",
            "Cannot import 'setuptools.build_meta'",
            "No module named 'wheel'",
        )
    )


def _record_hash(data: bytes) -> str:
    return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


def _assemble_wheel(src: Path, out: Path) -> Path:
    """A wheel of the plugin made from its pyproject.toml exactly as setuptools would lay it out
    (package files, METADATA, WHEEL, entry_points.txt, RECORD), for when no build backend can
    run offline. pip then installs it like any wheel."""
    project = tomllib.loads((src / "pyproject.toml").read_text(encoding="utf-8"))
    meta = project["project"]
    name, version = meta["name"], meta["version"]
    stem = f"{re.sub(r'[-_.]+', '_', name)}-{version}"
    files: dict[str, bytes] = {}
    for package in project["tool"]["setuptools"]["packages"]:
        folder = src / package.replace(".", "/")
        for path in sorted(folder.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                files[path.relative_to(src).as_posix()] = path.read_bytes()
    info = f"{stem}.dist-info"
    files[f"{info}/METADATA"] = (
        f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\nSummary: {meta.get('description', '')}\n"
    ).encode()
    files[f"{info}/WHEEL"] = b"Wheel-Version: 1.0\nGenerator: shlint-iam tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
    groups = meta.get("entry-points", {})
    files[f"{info}/entry_points.txt"] = "".join(
        f"[{group}]\n" + "".join(f"{k} = {v}\n" for k, v in eps.items()) + "\n" for group, eps in groups.items()
    ).encode()
    record = "".join(f"{path},{_record_hash(data)},{len(data)}\n" for path, data in files.items())
    record += f"{info}/RECORD,,\n"
    files[f"{info}/RECORD"] = record.encode()
    wheel = out / f"{stem}-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w", zipfile.ZIP_DEFLATED) as archive:
        for path, data in files.items():
            archive.writestr(path, data)
    return wheel


class PluginVenv:
    def __init__(self, python: Path, how: str, project: Path) -> None:
        self.python = python
        self.how = how  # "pip install examples/plugin" or "pip install <wheel>"
        self.project = project

    def run(self, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "SHLINT"))}
        env["NO_COLOR"] = "1"
        return subprocess.run(
            [str(self.python), *args], cwd=cwd or self.project, capture_output=True, text=True, env=env, timeout=300
        )

    def shlint(self, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
        return self.run("-m", "shlint_iam", *args, cwd=cwd)


@pytest.fixture(scope="module")
def plugin_venv(tmp_path_factory: pytest.TempPathFactory) -> PluginVenv:
    root = tmp_path_factory.mktemp("plugin-venv")
    # Build from a copy: setuptools writes build/ and *.egg-info/ next to the sources.
    src = root / "src"
    shutil.copytree(PLUGIN, src, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info", "build", ".pytest_cache"))
    venv = root / "venv"
    # Without its own pip and setuptools: pip and the build backend come from this environment
    # (through the .pth below), so whatever setuptools the test run has builds the plugin.
    subprocess.run(
        [sys.executable, "-m", "venv", "--system-site-packages", "--without-pip", str(venv)], check=True, timeout=300
    )
    python = _venv_python(venv)
    purelib = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()
    parent = os.path.dirname(os.path.dirname(os.path.abspath(shlint_iam.__file__)))
    lines = [f"import site; site.addsitedir({d!r})" for d in _outer_site_dirs()]
    lines.append(f"import sys; sys.path.append({parent!r})")
    Path(purelib, "_shlint_iam_tests_outer.pth").write_text("\n".join(lines) + "\n", encoding="utf-8")

    pip = [str(python), "-m", "pip", "install", "--no-deps", "--no-index", "--disable-pip-version-check", "-q"]
    proc = subprocess.run([*pip, "--no-build-isolation", str(src)], capture_output=True, text=True, timeout=300)
    how = "pip install examples/plugin"
    if proc.returncode != 0:
        output = proc.stdout + proc.stderr
        if not _missing_build_tools(output):
            pytest.fail(f"pip could not install the example plugin:\n{output}")
        wheel = _assemble_wheel(src, root)
        proc = subprocess.run([*pip, str(wheel)], capture_output=True, text=True, timeout=300)
        assert proc.returncode == 0, proc.stdout + proc.stderr
        how = "pip install <wheel>"
    project = root / "project"
    project.mkdir()
    (project / "deploy.sh").write_text(SCRIPT, encoding="utf-8")
    (project / "suppressed.sh").write_text(SUPPRESSED, encoding="utf-8")
    return PluginVenv(python, how, project)


def test_installed_plugin_declares_its_entry_point(plugin_venv: PluginVenv) -> None:
    proc = plugin_venv.run(
        "-c",
        "import importlib.metadata as m, json; print(json.dumps("
        "[[e.name, e.value, e.dist.name] for e in m.entry_points(group='shlint_iam.rules')]))",
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout) == [["acme", "acme_shlint_rules", "acme-shlint-rules"]], plugin_venv.how
    # shlint-iam itself comes from this test run's environment (not from the plugin install).
    where = plugin_venv.run("-c", "import shlint_iam, acme_shlint_rules; print(acme_shlint_rules.__file__)")
    assert where.returncode == 0, where.stderr
    assert "site-packages" in where.stdout


def test_installed_plugin_text_output(plugin_venv: PluginVenv) -> None:
    proc = plugin_venv.shlint("check", "--plugin", "acme", "deploy.sh")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "deploy.sh" in proc.stdout and "3:1" in proc.stdout
    assert "ACME001" in proc.stdout
    assert "function api runs as the default compute service account" in proc.stdout
    # In worker processes too.
    pooled = plugin_venv.shlint("check", "--plugin", "acme", "-j", "2", "--format", "json", "deploy.sh", "suppressed.sh")
    assert pooled.returncode == 1, pooled.stdout + pooled.stderr
    assert [(f["path"], f["code"]) for f in json.loads(pooled.stdout)] == [("deploy.sh", "ACME001")]
    # Without the plugin, the script is clean.
    plain = plugin_venv.shlint("check", "deploy.sh")
    assert plain.returncode == 0, plain.stdout + plain.stderr


def test_installed_plugin_json_output(plugin_venv: PluginVenv) -> None:
    proc = plugin_venv.shlint("check", "--plugin", "acme-shlint-rules", "--format", "json", "deploy.sh")
    assert proc.returncode == 1, proc.stderr
    text = json.dumps(json.loads(proc.stdout))
    assert '"ACME001"' in text
    assert "function api runs as the default compute service account" in text


def test_installed_plugin_sarif_output(plugin_venv: PluginVenv) -> None:
    proc = plugin_venv.shlint("check", "--plugin", "acme", "--format", "sarif", "deploy.sh")
    assert proc.returncode == 1, proc.stderr
    log = json.loads(proc.stdout)
    validate(log)
    run = log["runs"][0]
    (extension,) = run["tool"]["extensions"]
    assert extension["name"] == "acme-shlint-rules"
    assert extension["version"] == "1.0.0"
    assert [r["id"] for r in extension["rules"]] == ["ACME001"]
    assert extension["rules"][0]["helpUri"] == "https://example.com/acme/shlint-rules/ACME001"
    assert "ACME001" not in [r["id"] for r in run["tool"]["driver"]["rules"]]
    (result,) = run["results"]
    assert result["ruleId"] == "ACME001"
    assert result["rule"] == {"id": "ACME001", "index": 0, "toolComponent": {"index": 0}}
    assert "ruleIndex" not in result
    assert result["level"] == "warning"


def test_installed_plugin_ignore_and_suppress(plugin_venv: PluginVenv) -> None:
    ignored = plugin_venv.shlint("check", "--plugin", "acme", "--ignore", "ACME001", "deploy.sh")
    assert ignored.returncode == 0, ignored.stdout + ignored.stderr
    assert ignored.stdout.strip() in ("", "All checks passed!") or "ACME001" not in ignored.stdout
    suppressed = plugin_venv.shlint("check", "--plugin", "acme", "--format", "json", "suppressed.sh")
    assert suppressed.returncode == 0, suppressed.stdout + suppressed.stderr
    assert "ACME001" not in suppressed.stdout and "SUP00" not in suppressed.stdout


def test_installed_plugin_from_the_config_file(plugin_venv: PluginVenv, tmp_path: Path) -> None:
    project = tmp_path / "configured"
    project.mkdir()
    (project / "deploy.sh").write_text(SCRIPT, encoding="utf-8")
    (project / "pyproject.toml").write_text(
        textwrap.dedent(
            """\
            [tool.shlint-iam]
            plugins = ["acme"]
            select = ["IAM", "ERR", "ACME"]

            [tool.shlint-iam.severity]
            ACME001 = "error"
            """
        ),
        encoding="utf-8",
    )
    proc = plugin_venv.shlint("check", "--format", "json", "deploy.sh", cwd=project)
    assert proc.returncode == 1, proc.stderr
    assert '"ACME001"' in proc.stdout and '"error"' in proc.stdout

    listing = plugin_venv.shlint("rules", cwd=project)
    assert listing.returncode == 0, listing.stderr
    (row,) = [line for line in listing.stdout.splitlines() if line.startswith("ACME001")]
    assert "default-compute-runtime-account" in row and " on " in row and "error" in row

    page = plugin_venv.shlint("rule", "ACME001", cwd=project)
    assert page.returncode == 0, page.stderr
    assert "# ACME001 default-compute-runtime-account" in page.stdout
    assert "## Why it matters" in page.stdout


def test_installed_plugin_in_the_language_server(plugin_venv: PluginVenv, tmp_path: Path) -> None:
    """The language server reads the same config: a plugin named there reports in the editor."""
    from test_lsp import Client

    project = tmp_path / "editor"
    project.mkdir()
    (project / "pyproject.toml").write_text('[tool.shlint-iam]\nplugins = ["acme"]\n', encoding="utf-8")
    script = project / "deploy.sh"
    script.write_text(SCRIPT, encoding="utf-8")
    client = Client(project, python=plugin_venv.python)
    try:
        client.initialize(project)
        uri = script.as_uri()
        client.notify("textDocument/didOpen", {
            "textDocument": {"uri": uri, "languageId": "shellscript", "version": 1, "text": SCRIPT}})
        params = client.diagnostics(uri)
        assert [d["code"] for d in params["diagnostics"]] == ["ACME001"]
        assert client.close() == 0
    finally:
        if client.proc.poll() is None:
            client.proc.kill()


def test_example_plugin_tests_pass_against_the_installed_plugin(plugin_venv: PluginVenv, tmp_path: Path) -> None:
    tests = tmp_path / "plugin-tests"
    shutil.copytree(PLUGIN / "tests", tests, ignore=shutil.ignore_patterns("__pycache__"))
    proc = plugin_venv.run("-m", "pytest", "-q", "-p", "no:cacheprovider", str(tests), cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr


# ------------------------------------------------------------------------------------------------
# Throwaway plugins registered for this process.


class Site:
    """A folder on ``sys.path`` in which tests install fake distributions."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.modules: list[str] = []

    def install(self, dist: str, entry_points: dict[str, str], files: dict[str, str], version: str = "1.0") -> None:
        info = self.root / f"{re.sub(r'[-_.]+', '_', dist)}-{version}.dist-info"
        info.mkdir()
        (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: {version}\n", encoding="utf-8")
        lines = "".join(f"{name} = {value}\n" for name, value in entry_points.items())
        (info / "entry_points.txt").write_text(f"[shlint_iam.rules]\n{lines}", encoding="utf-8")
        for path, text in files.items():
            target = self.root / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(textwrap.dedent(text), encoding="utf-8")
            self.modules.append(path.removesuffix(".py").removesuffix("/__init__").replace("/", "."))
        importlib.invalidate_caches()


@pytest.fixture
def fake_site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Site]:
    root = tmp_path / "site"
    root.mkdir()
    monkeypatch.syspath_prepend(str(root))
    importlib.invalidate_caches()
    fake = Site(root)
    yield fake
    for name in list(sys.modules):
        if any(name == m or name.startswith(m + ".") for m in fake.modules):
            del sys.modules[name]


RULE_MODULE = '''
from shlint_iam.api import Deploy, FileContext, Rule, Severity

class {cls}(Rule):
    """## What it does
    Reports every deploy.

    ## Why it matters
    Tests.

    ## Example
    ```bash
    gcloud run deploy api --region=us-west2
    ```

    ## Fix
    None.
    """

    code = "{code}"
    name = "{name}"
    summary = "every deploy"
    severity = Severity.WARNING

    def check(self, ctx: FileContext):
        for deploy in ctx.facts(Deploy):
            yield ctx.report(self, deploy.span, "a deploy", scope=deploy.lines)
'''


def rule_module(code: str, cls: str = "EveryDeploy", name: str = "every-deploy") -> str:
    return RULE_MODULE.format(code=code, cls=cls, name=name)


def invoke(*args: str) -> Result:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=True)
    # Any uncaught exception (a traceback) is a failure: problems must be ConfigErrors.
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exc_info
    return result


@pytest.fixture
def in_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    project = tmp_path / "project"
    project.mkdir()
    (project / "deploy.sh").write_text(SCRIPT, encoding="utf-8")
    (project / "suppressed.sh").write_text(SUPPRESSED, encoding="utf-8")
    # An empty config file, so no configuration above the temporary folder is discovered.
    (project / ".shlint-iam.toml").write_text("", encoding="utf-8")
    monkeypatch.chdir(project)
    return project


def test_no_plugins_configured_means_no_entry_point_scan(
    in_project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def forbidden(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("entry points scanned although no plugin is configured")

    monkeypatch.setattr(importlib.metadata, "entry_points", forbidden)
    registry = Registry.for_config(Config())
    assert all(rule.origin == "shlint-iam" for rule in registry.rules.values())
    for fmt in ("text", "json", "sarif"):
        result = invoke("check", "--format", fmt, "deploy.sh")
        assert result.exit_code == 0, result.output
    assert invoke("rules").exit_code == 0
    assert invoke("rule", "IAM001").exit_code == 0


def test_plugin_findings_in_every_format(in_project: Path, fake_site: Site) -> None:
    fake_site.install("acme-one", {"one": "acme_one"}, {"acme_one/__init__.py": rule_module("ONE001")})
    for fmt, needle in [("text", "ONE001"), ("concise", "ONE001"), ("json", '"ONE001"'),
                        ("sarif", '"ONE001"'), ("github", "ONE001")]:
        result = invoke("check", "--plugin", "one", "--format", fmt, "deploy.sh")
        assert result.exit_code == 1, (fmt, result.output)
        assert needle in result.output, fmt
        if fmt == "sarif":
            log = json.loads(result.output)
            validate(log)
            (extension,) = log["runs"][0]["tool"]["extensions"]
            assert extension["name"] == "acme-one" and extension["version"] == "1.0"
            assert log["runs"][0]["results"][0]["rule"]["toolComponent"] == {"index": 0}


def test_plugin_rules_listed_and_explained(in_project: Path, fake_site: Site) -> None:
    fake_site.install("acme-one", {"one": "acme_one"}, {"acme_one/__init__.py": rule_module("ONE001")})
    listing = invoke("rules", "--plugin", "one")
    assert listing.exit_code == 0
    assert any(line.startswith("ONE001") and "every-deploy" in line for line in listing.output.splitlines())
    page = invoke("rule", "--plugin", "one", "ONE001")
    assert page.exit_code == 0 and "## What it does" in page.output
    by_name = invoke("rule", "--plugin", "one", "every-deploy")
    assert by_name.exit_code == 0 and "# ONE001" in by_name.output


def test_select_ignore_and_prefixes(in_project: Path, fake_site: Site) -> None:
    fake_site.install("acme-one", {"one": "acme_one"}, {"acme_one/__init__.py": rule_module("ONE001")})
    assert invoke("check", "--plugin", "one", "--ignore", "ONE001", "deploy.sh").exit_code == 0
    assert invoke("check", "--plugin", "one", "--ignore", "ONE", "deploy.sh").exit_code == 0
    selected = invoke("check", "--plugin", "one", "--select", "ONE", "--format", "json", "deploy.sh")
    assert selected.exit_code == 1 and '"ONE001"' in selected.output
    # Without the plugin, its code is unknown on the command line.
    unknown = invoke("check", "--ignore", "ONE001", "deploy.sh")
    assert unknown.exit_code == 2 and "ONE001" in unknown.output


def test_suppression_knows_plugin_codes(in_project: Path, fake_site: Site) -> None:
    fake_site.install("acme-one", {"one": "acme_one"}, {"acme_one/__init__.py": rule_module("ONE001")})
    (in_project / "suppressed.sh").write_text(SUPPRESSED.replace("ACME001", "ONE001"), encoding="utf-8")
    config = Config(plugins=["one"], select=["ONE", "SUP"])
    result = Linter(config).lint_paths(["suppressed.sh"])
    assert [(f.code, f.suppressed) for f in result.findings] == [("ONE001", True)]
    # Not loaded, the same directive names an unknown code (SUP001).
    plain = Linter(Config(select=["SUP"])).lint_paths(["suppressed.sh"])
    assert [f.code for f in plain.reported] == ["SUP001"]


def test_config_file_codes_wait_for_plugins(in_project: Path, fake_site: Site) -> None:
    fake_site.install("acme-one", {"one": "acme_one"}, {"acme_one/__init__.py": rule_module("ONE001")})
    (in_project / ".shlint-iam.toml").write_text(
        textwrap.dedent(
            """\
            plugins = ["one"]
            extend-select = ["ONE"]

            [severity]
            ONE001 = "error"

            [per-file-ignores]
            "other/*.sh" = ["ONE001"]
            """
        ),
        encoding="utf-8",
    )
    result = invoke("check", "--format", "json", "deploy.sh")
    assert result.exit_code == 1, result.output
    assert [(f["code"], f["severity"]) for f in json.loads(result.output)] == [("ONE001", "error")]

    (in_project / ".shlint-iam.toml").write_text('plugins = ["one"]\n\n[severity]\nONE002 = "error"\n', encoding="utf-8")
    bad = invoke("check", "deploy.sh")
    assert bad.exit_code == 2
    assert ".shlint-iam.toml:4: unknown rule code 'ONE002' in 'severity'" in bad.output
    assert "Traceback" not in bad.output


def test_clash_with_a_builtin_rule(in_project: Path, fake_site: Site) -> None:
    fake_site.install("acme-clash", {"acme_rules": "acme_clash"}, {"acme_clash.py": rule_module("IAM001")})
    result = invoke("check", "--plugin", "acme_rules", "deploy.sh")
    assert result.exit_code == 2
    assert "rule code IAM001 of plugin acme_rules" in result.output
    assert "clashes with built-in rule IAM001 (shlint-iam)" in result.output
    assert "Traceback" not in result.output
    with pytest.raises(ConfigError, match="clashes with built-in rule IAM001"):
        Registry.for_config(Config(plugins=["acme-clash"]))


def test_clash_between_plugins(in_project: Path, fake_site: Site) -> None:
    fake_site.install("acme-a", {"a": "acme_a"}, {"acme_a.py": rule_module("DUP001")})
    fake_site.install("acme-b", {"b": "acme_b"}, {"acme_b.py": rule_module("DUP001")})
    result = invoke("check", "--plugin", "a", "--plugin", "b", "deploy.sh")
    assert result.exit_code == 2
    assert "rule code DUP001 of plugin b" in result.output
    assert "of plugin a" in result.output and "acme_a.EveryDeploy" in result.output


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("raise ImportError('acme needs the foo package')\n", "ImportError: acme needs the foo package"),
        ("import acme_does_not_exist_anywhere\n", "ModuleNotFoundError: No module named 'acme_does_not_exist_anywhere'"),
        ("raise RuntimeError('boom')\n", "RuntimeError: boom"),
        ("def broken(:\n", "SyntaxError"),
    ],
    ids=["import-error", "missing-dependency", "runtime-error", "syntax-error"],
)
def test_broken_plugin(in_project: Path, fake_site: Site, source: str, expected: str) -> None:
    fake_site.install("acme-broken", {"broken": "acme_broken"}, {"acme_broken.py": source})
    result = invoke("check", "--plugin", "broken", "deploy.sh")
    assert result.exit_code == 2
    assert "plugin broken failed to load (entry point broken = acme_broken)" in result.output
    assert expected in result.output
    assert "Traceback" not in result.output


def test_plugin_not_installed(in_project: Path, fake_site: Site) -> None:
    fake_site.install("acme-one", {"one": "acme_one"}, {"acme_one/__init__.py": rule_module("ONE001")})
    result = invoke("check", "--plugin", "nope", "deploy.sh")
    assert result.exit_code == 2
    assert "plugin nope is not installed" in result.output
    assert "installed: acme-one, one" in result.output
    assert "Traceback" not in result.output


def test_bad_rule_code(in_project: Path, fake_site: Site) -> None:
    fake_site.install("acme-bad", {"bad": "acme_bad"}, {"acme_bad.py": rule_module("acme1")})
    result = invoke("check", "--plugin", "bad", "deploy.sh")
    assert result.exit_code == 2
    assert "rule acme_bad.EveryDeploy has code 'acme1'" in result.output


def test_entry_point_that_is_not_a_rule(in_project: Path, fake_site: Site) -> None:
    fake_site.install("acme-odd", {"odd": "acme_odd:VALUE"}, {"acme_odd.py": "VALUE = 42\n"})
    result = invoke("check", "--plugin", "odd", "deploy.sh")
    assert result.exit_code == 2
    assert "plugin odd (entry point odd = acme_odd:VALUE) refers to int 42" in result.output


def test_module_without_rules(in_project: Path, fake_site: Site) -> None:
    fake_site.install("acme-empty", {"empty": "acme_empty"}, {"acme_empty.py": "from shlint_iam.api import Rule\n"})
    result = invoke("check", "--plugin", "empty", "deploy.sh")
    assert result.exit_code == 2
    assert "provides no rules" in result.output


def test_entry_point_forms_and_names(fake_site: Site) -> None:
    two = rule_module("TWO001", "First", "first") + rule_module("TWO002", "Second", "second").split("\n", 2)[2]
    fake_site.install(
        "Acme.Forms",
        {"cls": "acme_forms.one:EveryDeploy", "lst": "acme_forms.two:RULES"},
        {
            "acme_forms/__init__.py": "",
            "acme_forms/one.py": rule_module("CLS001"),
            "acme_forms/two.py": two + "\nRULES = [First, Second]\n",
        },
    )
    fake_site.install(
        "acme-mod", {"mod": "acme_mod"},
        {
            # A package whose rules live in a submodule; the built-in rule it imports is not its own.
            "acme_mod/__init__.py": "from .rules import Mine\nfrom shlint_iam.api import Rule\n"
            "from shlint_iam.rules.iam001_missing_invoker_binding import MissingInvokerBinding\n",
            "acme_mod/rules.py": rule_module("MOD001", "Mine", "mine"),
        },
    )
    from shlint_iam.plugins import load_plugins

    by_entry_point = load_plugins(["cls", "lst"], {})
    assert [r.code for r in by_entry_point] == ["CLS001", "TWO001", "TWO002"]
    # The distribution name, however it is spelt, loads every entry point of the distribution.
    by_dist = load_plugins(["acme_forms"], {})
    assert [r.code for r in by_dist] == ["CLS001", "TWO001", "TWO002"]
    assert {r.origin for r in by_dist} == {"Acme.Forms"}
    # Named twice (by entry point and distribution): loaded once.
    assert [r.code for r in load_plugins(["cls", "ACME-FORMS", " cls "], {})] == ["CLS001", "TWO001", "TWO002"]
    module_rules = load_plugins(["mod"], {})
    assert [(r.code, r.origin) for r in module_rules] == [("MOD001", "acme-mod")]


def test_plugin_rules_in_sarif_extensions(fake_site: Site, tmp_path: Path) -> None:
    from shlint_iam.report import ReportOptions, renderer

    fake_site.install("acme-one", {"one": "acme_one"}, {"acme_one/__init__.py": rule_module("ONE001")})
    config = Config(plugins=["one"], extend_select=["ONE"])
    script = tmp_path / "deploy.sh"
    script.write_text(SCRIPT + "gcloud functions deploy ev --gen2 --region=us-west2 --trigger-topic=t\n")
    registry = Registry.for_config(config)
    result = Linter(config, registry).lint_paths([str(script)])
    log = json.loads(renderer("sarif")(result, registry, ReportOptions(project_root=str(tmp_path))))
    validate(log)
    run = log["runs"][0]
    assert [e["name"] for e in run["tool"]["extensions"]] == ["acme-one"]
    plugin_results = [r for r in run["results"] if r["ruleId"] == "ONE001"]
    builtin_results = [r for r in run["results"] if r["ruleId"] != "ONE001"]
    assert len(plugin_results) == 2 and builtin_results
    assert all(r["rule"]["toolComponent"] == {"index": 0} and "ruleIndex" not in r for r in plugin_results)
    assert all("toolComponent" not in r.get("rule", {}) for r in builtin_results)
