"""Safe on an untrusted pull request (issue 12, security items): the repository under analysis
cannot run its own code in the linter, read files outside itself into the analysis, leak the
linter's environment, or inject GitHub workflow commands into the log.

Every test runs the real command line in a subprocess on a small repository it builds itself.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

PYTHON = sys.executable
BIN = Path(sys.executable).parent


def run(
    cwd: Path, *args: str, env: dict[str, str] | None = None, stdin: bytes | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[bytes]:
    full = {k: v for k, v in os.environ.items() if not k.startswith(("SHLINT", "PYTHON"))}
    full["NO_COLOR"] = "1"
    full.update(env or {})
    return subprocess.run(
        [PYTHON, "-m", "shlint_iam", *args], cwd=cwd, capture_output=True, env=full, input=stdin, timeout=timeout
    )


def no_traceback(proc: subprocess.CompletedProcess[bytes]) -> None:
    assert b"Traceback" not in proc.stderr, proc.stderr.decode("utf-8", "replace")


# ------------------------------------------------------------------------------------------------
# 2. Plugins load only from installed distributions, never from the checkout.


def evil_repo(root: Path, marker: Path) -> Path:
    """A repository that names a plugin and ships it itself: a dist-info declaring the entry
    point and the module, which writes ``marker`` if it is ever imported."""
    info = root / "evil-1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: evil\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text("[shlint_iam.rules]\nevil = evil\n")
    (root / "evil.py").write_text(f"open({str(marker)!r}, 'w').write('imported')\n")
    (root / "pyproject.toml").write_text('[tool.shlint-iam]\nplugins = ["evil"]\n')
    (root / "deploy.sh").write_text("#!/bin/bash\nset -euo pipefail\necho deploying\n")
    return root


NOT_INSTALLED = b"plugin evil is not installed"


def test_python_m_does_not_import_a_plugin_from_the_working_directory(tmp_path: Path) -> None:
    marker = tmp_path / "MARKER"
    repo = evil_repo(tmp_path / "repo", marker)
    proc = run(repo, "check", "deploy.sh")
    assert not marker.exists()
    assert proc.returncode == 2
    assert NOT_INSTALLED in proc.stderr
    no_traceback(proc)


def test_relative_pythonpath_entries_and_the_linted_tree_are_not_searched(tmp_path: Path) -> None:
    marker = tmp_path / "MARKER"
    repo = evil_repo(tmp_path / "repo", marker)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    # PYTHONPATH names the checkout (relatively and absolutely); the linter runs from elsewhere.
    for pythonpath in (".", "repo", str(repo)):
        cwd = repo if pythonpath == "." else tmp_path
        proc = run(cwd, "check", "--config", str(repo / "pyproject.toml"), str(repo),
                   env={"PYTHONPATH": pythonpath})
        assert not marker.exists(), pythonpath
        assert proc.returncode == 2, (pythonpath, proc.stderr)
        assert NOT_INSTALLED in proc.stderr
        no_traceback(proc)


def test_console_script_does_not_import_a_plugin_from_the_working_directory(tmp_path: Path) -> None:
    script = BIN / "shlint-iam"
    if not script.exists():
        pytest.skip("no console script next to this interpreter")
    marker = tmp_path / "MARKER"
    repo = evil_repo(tmp_path / "repo", marker)
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHLINT")}
    env["PYTHONPATH"] = ""  # an empty entry is the working directory too
    proc = subprocess.run([str(script), "check", "deploy.sh"], cwd=repo, capture_output=True, env=env, timeout=120)
    assert not marker.exists()
    assert proc.returncode == 2 and NOT_INSTALLED in proc.stderr
    no_traceback(proc)


@pytest.mark.parametrize("entry", ["library", "lsp"])
def test_library_api_and_language_server_do_not_import_from_the_checkout(tmp_path: Path, entry: str) -> None:
    marker = tmp_path / "MARKER"
    repo = evil_repo(tmp_path / "repo", marker)
    # `python -c` puts '' (the working directory) first on sys.path, as an embedding tool might.
    code = {
        "library": "from shlint_iam.config_file import load_config\n"
        "from shlint_iam.lint import Linter\n"
        "Linter(load_config()).lint_paths(['deploy.sh'])\n",
        "lsp": "from shlint_iam.lsp import check_text\n"
        "import pathlib\n"
        "checked = check_text(pathlib.Path('deploy.sh').read_text(), pathlib.Path('deploy.sh').resolve().as_uri())\n"
        "raise SystemExit(checked.config_error)\n",
    }[entry]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SHLINT", "PYTHON"))}
    proc = subprocess.run([PYTHON, "-c", code], cwd=repo, capture_output=True, env=env, timeout=120)
    assert not marker.exists()
    assert NOT_INSTALLED in proc.stderr, proc.stderr.decode()


def test_an_installed_plugin_still_loads_from_a_directory_outside_the_checkout(tmp_path: Path) -> None:
    """The confinement is not a blanket ban: a distribution on the import path outside the
    repository (here through PYTHONPATH) is installed code and loads."""
    site = tmp_path / "site"
    info = site / "goodrules-1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: goodrules\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text("[shlint_iam.rules]\ngood = goodrules\n")
    (site / "goodrules.py").write_text(textwrap.dedent('''
        from shlint_iam.api import Rule, Severity

        class Good(Rule):
            """## What it does"""
            code = "GOOD001"
            name = "good"
            summary = "nothing"
            severity = Severity.INFO
    '''))
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "deploy.sh").write_text("#!/bin/bash\necho hi\n")
    proc = run(repo, "rules", "--plugin", "good", env={"PYTHONPATH": str(site)})
    assert proc.returncode == 0, proc.stderr
    assert b"GOOD001" in proc.stdout


# ------------------------------------------------------------------------------------------------
# 3. `bash -n` is the system's bash, never ./bash from the checkout.

FAKE_BASH = "#!/bin/sh\necho ran > {marker}\nexit 0\n"
# tree-sitter reports the missing `fi`; real bash agrees; a fake bash that accepts everything
# would hide it.
UNCLOSED_IF = "#!/bin/bash\nset -euo pipefail\nif [ -n \"$1\" ]; then\n  echo one\n"


@pytest.mark.parametrize("path", [":/usr/bin:/bin", ".:/usr/bin:/bin", "bin-in-repo:/usr/bin:/bin", "/usr/bin:/bin:"])
def test_bash_n_never_runs_a_bash_from_the_checkout(tmp_path: Path, path: str) -> None:
    if not (Path("/usr/bin/bash").exists() or Path("/bin/bash").exists()):
        pytest.skip("no system bash")
    repo = tmp_path / "repo"
    (repo / "bin-in-repo").mkdir(parents=True)
    marker = tmp_path / "MARKER"
    for fake in (repo / "bash", repo / "bin-in-repo" / "bash"):
        fake.write_text(FAKE_BASH.format(marker=marker))
        fake.chmod(0o755)
    (repo / "deploy.sh").write_text(UNCLOSED_IF)
    proc = run(repo, "check", "-f", "concise", "deploy.sh", env={"PATH": path})
    assert not marker.exists(), path
    no_traceback(proc)
    assert proc.returncode == 1, proc.stderr
    assert proc.stdout.startswith(b"deploy.sh:"), proc.stdout
    assert b" SH000 " in proc.stdout


def test_system_bash_skips_relative_and_empty_entries(tmp_path: Path) -> None:
    from shlint_iam.parse import system_bash

    good = tmp_path / "abs"
    good.mkdir()
    (good / "bash").write_text("#!/bin/sh\n")
    (good / "bash").chmod(0o755)
    assert system_bash(f":.:bin:{good}") == str(good / "bash")
    assert system_bash(":.:bin") is None


# ------------------------------------------------------------------------------------------------
# 1. Files named by a script are followed only inside the project root; the linter's
#    environment never enters the analysis.

SECRET = "Sup3r_Secret-Token-9f2c"
FORMATS = ("text", "concise", "json", "sarif", "github")
# The deploy names the function after a variable the sourced file would set: once followed,
# the secret would be the function's name in every message (and lower-cased in some).
DEPLOY_FN = 'gcloud functions deploy "$FN" --gen2 --region=us-west2 --trigger-topic=t\n'


def secrets_file(folder: Path, name: str = "secrets.sh") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(f"export FN={SECRET}\n")
    return path


def repo_with_git(root: Path) -> Path:
    (root / ".git").mkdir(parents=True)
    return root


def deploy_script(folder: Path, *sourcing: str, name: str = "deploy.sh") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text("#!/bin/bash\nset -euo pipefail\n" + "".join(f"{line}\n" for line in sourcing) + DEPLOY_FN)
    return path


def assert_no_secret(cwd: Path, *args: str, env: dict[str, str] | None = None, stdin: bytes | None = None) -> None:
    """The secret appears in no output format, verbatim or lower-cased; the deploy is still
    reported (with the name unknown), so the file was analysed."""
    for fmt in FORMATS:
        proc = run(cwd, "check", "-f", fmt, *args, env=env, stdin=stdin)
        no_traceback(proc)
        out = proc.stdout + proc.stderr
        for form in (SECRET, SECRET.lower(), SECRET.upper()):
            assert form.encode() not in out, (fmt, out.decode())
        assert b"IAM001" in proc.stdout, (fmt, proc.stdout.decode(), proc.stderr.decode())
        assert proc.returncode == 1, (fmt, proc.stderr.decode())


def notes_of(script: Path, config: object = None) -> list[str]:
    """What the interpreter recorded as not followed (the SH001 notices)."""
    from shlint_iam.config import Config
    from shlint_iam.lint import Linter
    from shlint_iam.source import SourceFile

    source = SourceFile.from_bytes(script.name, script.read_bytes(), real_path=str(script))
    ctx = Linter(config if isinstance(config, Config) else Config()).analyse(source)
    return [note.message.split(" (looked in ")[0] for note in ctx.analysis.notes]


def test_an_absolute_path_outside_the_repository_is_not_followed(tmp_path: Path) -> None:
    outside = secrets_file(tmp_path / "home")
    repo = repo_with_git(tmp_path / "repo")
    script = deploy_script(repo / "scripts", f"source {outside}")
    assert_no_secret(repo, "scripts/deploy.sh")
    assert notes_of(script) == [f"`source {outside}` not followed: {outside}: outside the project root"]


def test_a_relative_path_that_climbs_out_of_the_repository_is_not_followed(tmp_path: Path) -> None:
    secrets_file(tmp_path, "env.sh")
    repo = repo_with_git(tmp_path / "repo")
    script = deploy_script(repo, ". ../env.sh")
    assert_no_secret(repo, "deploy.sh")
    (note,) = notes_of(script)
    assert note.startswith("`. ../env.sh` not followed: ") and note.endswith("env.sh: outside the project root")


def test_a_symbolic_link_in_the_repository_to_a_file_outside_is_not_followed(tmp_path: Path) -> None:
    outside = secrets_file(tmp_path / "home", ".secretrc")
    repo = repo_with_git(tmp_path / "repo")
    (repo / "lib").mkdir()
    (repo / "lib" / "env.sh").symlink_to(outside)
    (repo / "lib2").symlink_to(outside.parent, target_is_directory=True)
    script = deploy_script(repo, "source ./lib/env.sh", "source lib2/.secretrc")
    assert_no_secret(repo, "deploy.sh")
    notes = notes_of(script)
    assert [n.split(": ")[-1] for n in notes] == ["outside the project root"] * 2, notes


def test_proc_and_dev_are_never_read(tmp_path: Path) -> None:
    repo = repo_with_git(tmp_path / "repo")
    script = deploy_script(repo, "source /proc/self/environ", ". /dev/stdin", "source /sys/kernel/notes")
    assert_no_secret(repo, "deploy.sh", env={"FN": SECRET})
    assert notes_of(script) == [
        "`source /proc/self/environ` not followed: /proc/self/environ: /proc is never read",
        "`. /dev/stdin` not followed: /dev/stdin: /dev is never read",
        "`source /sys/kernel/notes` not followed: /sys/kernel/notes: /sys is never read",
    ]


def test_even_with_the_repository_at_the_file_system_root_proc_is_not_read(tmp_path: Path) -> None:
    from shlint_iam.roots import Roots

    everything = Roots(("/",))
    assert everything.may_follow("/proc/self/environ") == (False, "/proc is never read")
    assert everything.may_follow("/dev/zero") == (False, "/dev is never read")
    assert everything.read(str(secrets_file(tmp_path))) == f"export FN={SECRET}\n".encode()


def test_fifo_socket_directory_and_oversized_files_are_not_followed(tmp_path: Path) -> None:
    import socket

    from shlint_iam.roots import MAX_FOLLOWED_BYTES

    repo = repo_with_git(tmp_path / "repo")
    os.mkfifo(repo / "fifo.sh")  # nobody writes to it: opening it would hang a blocking reader
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(repo / "sock.sh"))
    (repo / "dir.sh").mkdir()
    with open(repo / "big.sh", "wb") as handle:  # sparse: costs no disk
        handle.truncate(MAX_FOLLOWED_BYTES + 1)
    script = deploy_script(repo, "source ./fifo.sh", "source ./sock.sh", "source ./dir.sh", "source ./big.sh",
                           "source ./missing.sh")
    try:
        proc = run(repo, "check", "-f", "concise", "deploy.sh", timeout=60)
        assert proc.returncode == 1, proc.stderr
        no_traceback(proc)
        reasons = [n.split(": ", 2)[-1] for n in notes_of(script)]
    finally:
        sock.close()
    assert reasons == [
        "not a regular file (a FIFO)",
        "not a regular file (a socket)",
        "not a regular file (a directory)",
        f"larger than {MAX_FOLLOWED_BYTES // (1024 * 1024)} MB",
        "not found",
    ]


def test_files_inside_the_git_top_level_are_followed_from_any_subfolder(tmp_path: Path) -> None:
    repo = repo_with_git(tmp_path / "repo")
    (repo / "config").mkdir()
    (repo / "config" / "names.sh").write_text("FN=orders-api\n")
    script = deploy_script(repo / "deploy" / "prod", "source ../../config/names.sh")
    proc = run(repo, "check", "-f", "concise", "deploy/prod/deploy.sh")
    assert proc.returncode == 1, proc.stderr
    assert b"gen2 function orders-api " in proc.stdout, proc.stdout
    assert notes_of(script) == []


def test_a_git_file_marks_the_top_level_too(tmp_path: Path) -> None:
    """Worktrees and submodules have a `.git` file, not a folder."""
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / ".git").write_text("gitdir: /elsewhere/.git/worktrees/repo\n")
    (repo / "names.sh").write_text("FN=orders-api\n")
    script = deploy_script(repo / "ci", "source ../names.sh")
    assert notes_of(script) == []


def test_without_git_the_configuration_folder_is_the_root(tmp_path: Path) -> None:
    from shlint_iam.config_file import load_config

    project = tmp_path / "project"
    project.mkdir()
    (project / ".shlint-iam.toml").write_text("")
    (project / "names.sh").write_text("FN=orders-api\n")
    secrets_file(tmp_path)
    script = deploy_script(project / "ci", "source ../names.sh", "source ../../secrets.sh")
    config = load_config(None, start=script.parent)
    notes = notes_of(script, config)
    assert len(notes) == 1 and notes[0].endswith("secrets.sh: outside the project root"), notes
    assert_no_secret(project, "ci/deploy.sh")


def test_without_git_or_configuration_the_script_folder_is_the_root(tmp_path: Path) -> None:
    (tmp_path / "names.sh").write_text("FN=orders-api\n")
    (tmp_path / "ci").mkdir()
    (tmp_path / "ci" / "same.sh").write_text("REGION=us-west2\n")
    script = deploy_script(tmp_path / "ci", "source ./same.sh", "source ../names.sh")
    notes = notes_of(script)
    assert len(notes) == 1 and notes[0].endswith("names.sh: outside the project root"), notes


def test_source_path_adds_a_root_on_the_command_line_and_in_the_configuration(tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    (shared / "names.sh").write_text("FN=orders-api\n")
    repo = repo_with_git(tmp_path / "repo")
    deploy_script(repo, f"source {shared}/names.sh")
    without = run(repo, "check", "-f", "concise", "deploy.sh")
    assert b"gen2 function $FN " in without.stdout, without.stdout
    with_option = run(repo, "check", "-f", "concise", "--source-path", "../shared", "deploy.sh")
    assert b"gen2 function orders-api " in with_option.stdout, with_option.stdout + with_option.stderr
    (repo / ".shlint-iam.toml").write_text('source-path = ["../shared"]\n')
    with_config = run(repo, "check", "-f", "concise", "deploy.sh")
    assert b"gen2 function orders-api " in with_config.stdout, with_config.stdout + with_config.stderr


def test_stdin_follows_the_same_roots(tmp_path: Path) -> None:
    outside = secrets_file(tmp_path / "home")
    repo = repo_with_git(tmp_path / "repo")
    (repo / "names.sh").write_text("REGION=us-west2\n")
    text = f"#!/bin/bash\nset -euo pipefail\nsource {outside}\nsource ./names.sh\n{DEPLOY_FN}".encode()
    assert_no_secret(repo, "-", "--stdin-filename", "deploy.sh", stdin=text)
    # Without a file name, standard input starts from the working directory.
    assert_no_secret(repo, "-", stdin=text)


def test_the_language_server_follows_the_same_roots(tmp_path: Path) -> None:
    pytest.importorskip("pygls")
    from test_lsp import Client

    outside = secrets_file(tmp_path / "home")
    repo = repo_with_git(tmp_path / "repo")
    text = f"#!/bin/bash\nset -euo pipefail\nsource {outside}\n{DEPLOY_FN}"
    client = Client(repo)
    try:
        client.initialize(repo)
        uri = client.open(repo / "deploy.sh", text)
        params = client.diagnostics(uri)
        assert "IAM001" in [d["code"] for d in params["diagnostics"]]
        dumped = json.dumps(params)
        assert SECRET not in dumped and SECRET.lower() not in dumped, dumped
        assert client.close() == 0
    finally:
        if client.proc.poll() is None:
            client.proc.kill()


def test_the_linters_environment_never_enters_the_analysis(tmp_path: Path) -> None:
    repo = repo_with_git(tmp_path / "repo")
    deploy_script(repo, 'FN="${FN}"', 'export TOKEN="$SECRET_TOKEN"')
    (repo / "deploy.sh").write_text(
        (repo / "deploy.sh").read_text()
        + 'gcloud functions deploy "$SECRET_TOKEN-$HOME" --gen2 --region=us-west2 --trigger-topic=t\n'
    )
    assert_no_secret(repo, "deploy.sh", env={"FN": SECRET, "SECRET_TOKEN": SECRET, "HOME": f"/home/{SECRET}"})


def test_no_module_reads_the_environment_into_values() -> None:
    """The environment is read for the linter's own settings only (NO_COLOR, PATH for bash -n,
    SHLINT_IAM_* switches), never into what a script's variables hold."""
    import re

    package = Path(__file__).resolve().parent.parent / "shlint_iam"
    allowed = {"NO_COLOR", "FORCE_COLOR", "PATH", "SHLINT_IAM_NO_BASH", "SHLINT_IAM_LSP_LOG",
               "SHLINT_IAM_NO_CACHE", "SHLINT_IAM_CACHE_DIR"}  # check_argv.py: left to click when set
    for path in [*package.rglob("*.py"), *(package.parent / "rules").rglob("*.py")]:
        text = path.read_text()
        assert "expanduser" not in text and "expandvars" not in text and "getenv(" not in text, path
        for match in re.finditer(r"os\.environ\b(.{0,40})", text):
            rest = match.group(1)
            name = re.match(r"""(?:\.get\(|\[)\s*["']([A-Z_]+)["']""", rest)
            assert name and name.group(1) in allowed or rest.startswith(".items()") and "tests" in str(path), \
                (path, match.group(0))


# ------------------------------------------------------------------------------------------------
# 4. No workflow-command injection: control characters are escaped in every human format.

# A value with a newline (single quotes keep it), CR, %, ::, an escape sequence, C1 and U+2028.
INJECTING = (
    "#!/bin/bash\n"
    "set -euo pipefail\n"
    "FN='x\n::error::pwned'\n"
    "TOPIC='t\r::add-mask::y%0A\x1b[2J\x85\u2028::warning::z'\n"
    'gcloud functions deploy "$FN" --gen2 --region=us-west2 --trigger-topic="$TOPIC"\n'
)
EVIL_NAMES = ["a\n::warning::b.sh", "c\r::add-mask::d%0A.sh", "e::error::f%25.sh"]
GITHUB_LINE = (
    rb"::(error|warning|notice) file=[^\r\n:,]*,"
    rb"(line=\d+,(col=\d+,)?endLine=\d+,(endColumn=\d+,)?title=[A-Z]+\d+|title=shlint-iam)::"
)


def injecting_repo(root: Path) -> Path:
    repo = repo_with_git(root)
    for name in EVIL_NAMES:
        (repo / name).write_bytes(INJECTING.encode())
    # Not text (a NUL byte): named in the problem lines and the summary instead of findings.
    (repo / "g\n::error::h.sh").write_bytes(b"#!/bin/bash\n\0\n")
    return repo


def assert_no_command_lines(fmt: str, output: bytes) -> None:
    """No line of ``output`` is a workflow command, except -f github's own well-formed ones."""
    import re

    for line in output.split(b"\n"):
        for piece in line.split(b"\r"):  # a CR would start a new line on a terminal
            if piece.lstrip().startswith(b"::"):
                assert fmt == "github" and re.match(GITHUB_LINE, piece), (fmt, piece)


@pytest.mark.parametrize("fmt", FORMATS)
def test_names_and_values_never_start_a_workflow_command(tmp_path: Path, fmt: str) -> None:
    repo = injecting_repo(tmp_path / "repo")
    proc = run(repo, "check", "-f", fmt, ".")
    no_traceback(proc)
    assert proc.returncode == 2, proc.stderr  # the file that is not text
    assert_no_command_lines(fmt, proc.stdout)
    assert_no_command_lines("stderr", proc.stderr)
    for forbidden in ("\x1b", "\x85", "\u2028", "\r"):
        assert forbidden.encode() not in proc.stdout, (fmt, forbidden)
    if fmt in ("json", "sarif"):
        json.loads(proc.stdout)  # JSON escapes the controls itself: still one document


def test_concise_and_text_show_the_escapes(tmp_path: Path) -> None:
    repo = injecting_repo(tmp_path / "repo")
    concise = run(repo, "check", "-f", "concise", "a\n::warning::b.sh").stdout.decode()
    (line,) = concise.splitlines()
    assert line.startswith(
        "a\\n::warning::b.sh:6:1: IAM001 gen2 function x\\n::error::pwned (Pub/Sub topic "
        "t\\r::add-mask::y%0A\\x1b[2J\\x85\\u2028::warning::z) is invoked as "
    ), line
    assert line.endswith("which gets no roles/run.invoker on service x\\n::error::pwned after this deploy"), line
    text = run(repo, "check", "-f", "text", "c\r::add-mask::d%0A.sh").stdout.decode()
    assert text.splitlines()[0] == "c\\r::add-mask::d%0A.sh"


def test_github_keeps_its_own_escaping(tmp_path: Path) -> None:
    repo = injecting_repo(tmp_path / "repo")
    out = run(repo, "check", "-f", "github", "e::error::f%25.sh").stdout.decode()
    (line,) = out.splitlines()
    assert line.startswith("::error file=e%3A%3Aerror%3A%3Af%2525.sh,line=6,col=1,endLine=6,"), line
    assert "gen2 function x%0A::error::pwned (Pub/Sub topic t%0D::add-mask::y%250A\\x1b[2J\\x85\\u2028::warning::z)" \
        in line, line


def test_a_source_line_with_control_characters_keeps_its_caret_under_the_span(tmp_path: Path) -> None:
    repo = repo_with_git(tmp_path / "repo")
    (repo / "deploy.sh").write_bytes(
        b"#!/bin/bash\nset -euo pipefail\n"
        b"echo '\x1b[31m' ; gcloud functions deploy fn --gen2 --region=us-west2 --trigger-topic=t\n"
    )
    out = run(repo, "check", "-f", "text", "deploy.sh").stdout.decode()
    lines = out.splitlines()
    source = next(line for line in lines if line.lstrip().startswith("3 |"))
    caret = lines[lines.index(source) + 1]
    assert source.endswith("| echo '\\x1b[31m' ; gcloud functions deploy fn --gen2 --region=us-west2 --trigger-topic=t")
    assert caret.index("^") == source.index("gcloud")
    assert caret.rstrip().endswith("^") and len(caret.rstrip()) == len(source)


def test_printable_escapes() -> None:
    from shlint_iam.report.escape import json_safe, printable

    assert printable("a\nb\rc\td") == "a\\nb\\rc\\td"
    assert printable("\x00\x1b\x7f\x85\x9f") == "\\x00\\x1b\\x7f\\x85\\x9f"
    assert printable("\u2028\u2029") == "\\u2028\\u2029"
    assert printable("bad\udcff.sh") == "bad\\xff.sh"
    assert printable("caf\u00e9 \u00a0ok") == "caf\u00e9 \u00a0ok"  # printable non-ASCII stays
    assert printable("a\nb%", keep="\n") == "a\nb%"
    assert json_safe({"p\udcfe": ["x\udcff", 1, None]}) == {"p\\xfe": ["x\\xff", 1, None]}


# ------------------------------------------------------------------------------------------------
# 10. File names that are not UTF-8.

BAD = b"bad\xff.sh"



def bad_name_repo(root: Path) -> Path:
    repo = repo_with_git(root)
    (repo / os.fsdecode(BAD)).write_bytes(f"#!/bin/bash\nset -euo pipefail\n{DEPLOY_FN.replace('$FN', 'orders')}".encode())
    return repo


def run_bytes(cwd: Path, *args: str | bytes) -> subprocess.CompletedProcess[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SHLINT", "PYTHON"))}
    env["NO_COLOR"] = "1"
    return subprocess.run([PYTHON, "-m", "shlint_iam", *args], cwd=cwd, capture_output=True, env=env, timeout=120)


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("how", ["named", "walked", "output-file"])
def test_a_file_name_that_is_not_utf8(tmp_path: Path, fmt: str, how: str) -> None:
    from test_sarif import validate

    repo = bad_name_repo(tmp_path / "repo")
    target: bytes = BAD if how != "walked" else b"."
    extra: list[str] = ["-o", "report.out"] if how == "output-file" else []
    proc = run_bytes(repo, "check", "-f", fmt, *extra, target)
    no_traceback(proc)
    assert proc.returncode == 1, proc.stderr
    data = (repo / "report.out").read_bytes() if how == "output-file" else proc.stdout
    text = data.decode("utf-8")  # strict: the report is valid UTF-8
    if fmt == "json":
        (item,) = json.loads(text)
        assert item["path"] == "bad\\xff.sh" and item["code"] == "IAM001"
    elif fmt == "sarif":
        log = json.loads(text)
        validate(log)
        (result,) = log["runs"][0]["results"]
        assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "bad%FF.sh"
    elif fmt == "github":
        assert text.startswith("::error file=bad\\xff.sh,line=3,"), text
    elif fmt == "concise":
        assert text.startswith("bad\\xff.sh:3:1: IAM001 "), text
    else:
        assert text.startswith("bad\\xff.sh\n  3:1  error  IAM001 "), text


def test_a_missing_file_whose_name_is_not_utf8(tmp_path: Path) -> None:
    proc = run_bytes(tmp_path, "check", b"gone\xfe.sh")
    no_traceback(proc)
    assert proc.returncode == 2
    assert proc.stderr.decode("utf-8") == "shlint-iam: gone\\xfe.sh: no such file or directory\n"


# ------------------------------------------------------------------------------------------------
# 11. No traceback reaches the user; every failure has its exit code.

CLEAN = "#!/bin/bash\nset -euo pipefail\necho nothing to deploy\n"
FINDING = f"#!/bin/bash\nset -euo pipefail\n{DEPLOY_FN.replace('$FN', 'orders')}"


def shell(cwd: Path, command: str, timeout: float = 120) -> subprocess.CompletedProcess[bytes]:
    """``python -m shlint_iam`` with shell redirections (closed descriptors, /dev/full)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SHLINT", "PYTHON"))}
    return subprocess.run(["/bin/sh", "-c", f"'{PYTHON}' -m shlint_iam {command}"], cwd=cwd, capture_output=True,
                          env=env, timeout=timeout)


@pytest.mark.parametrize(
    ("command", "stderr"),
    [
        ("check - <&-", b"shlint-iam: <stdin>: could not read standard input: closed\n"),
        ("check - --stdin-filename deploy.sh <&-", b"shlint-iam: deploy.sh: could not read standard input: closed\n"),
        ("check --stdin-filename deploy.sh <&-", b"shlint-iam: deploy.sh: could not read standard input: closed\n"),
        ("check deploy.sh >&-",
         b"shlint-iam: error: cannot write the report to standard output: standard output is closed\n"),
        ("check deploy.sh >/dev/full",
         b"shlint-iam: error: cannot write the report to standard output: No space left on device\n"),
        ("check -f sarif deploy.sh >/dev/full",
         b"shlint-iam: error: cannot write the report to standard output: No space left on device\n"),
        ("check deploy.sh -o /dev/full", b"shlint-iam: error: cannot write /dev/full: No space left on device\n"),
        ("rules >/dev/full", b"shlint-iam: error: cannot write the report to standard output: No space left on device\n"),
    ],
)
def test_closed_or_full_standard_streams(tmp_path: Path, command: str, stderr: bytes) -> None:
    if command.count("/dev/full") and not Path("/dev/full").exists():
        pytest.skip("no /dev/full")
    (tmp_path / "deploy.sh").write_text(FINDING)
    proc = shell(tmp_path, command)
    no_traceback(proc)
    assert proc.returncode == 2
    assert proc.stderr == stderr


def test_a_closed_stdout_with_a_clean_file_still_fails(tmp_path: Path) -> None:
    """Even an empty report cannot be written to a closed stdout (the run cannot say it passed)."""
    (tmp_path / "deploy.sh").write_text(CLEAN)
    proc = shell(tmp_path, "check -f json deploy.sh >&-")
    no_traceback(proc)
    assert proc.returncode == 2


def test_a_closed_stderr_does_not_hide_the_exit_code(tmp_path: Path) -> None:
    (tmp_path / "deploy.sh").write_text(FINDING)
    assert shell(tmp_path, "check -f concise deploy.sh 2>&-").returncode == 1
    assert shell(tmp_path, "check missing.sh 2>&-").returncode == 2


def test_a_configuration_nested_500_deep(tmp_path: Path) -> None:
    (tmp_path / "deploy.sh").write_text(FINDING)
    (tmp_path / ".shlint-iam.toml").write_text("select = " + "[" * 500 + "]" * 500 + "\n")
    proc = run(tmp_path, "check", "deploy.sh")
    no_traceback(proc)
    assert proc.returncode == 2
    assert proc.stderr == b"shlint-iam: error: .shlint-iam.toml: invalid TOML: arrays or tables nested too deeply\n"


SLOW_PLUGIN = '''
import os, time
from shlint_iam.api import Rule, Severity

class Slow(Rule):
    """## What it does
    Takes its time."""
    code = "SLOW001"
    name = "slow"
    summary = "takes its time"
    severity = Severity.INFO

    def check(self, ctx):
        open(os.environ["SLOW_MARKER"], "a").write("started\\n")
        time.sleep(120)
        return []
'''


def plugin_site(root: Path, name: str, module: str) -> Path:
    """A folder outside the linted repository holding one installed-looking plugin."""
    site = root / f"site-{name}"
    info = site / f"{name}-1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(f"[shlint_iam.rules]\n{name} = {name}\n")
    (site / f"{name}.py").write_text(textwrap.dedent(module))
    return site


def default_sigint() -> None:
    """In the linter's process, Ctrl-C as a terminal delivers it: a test run started in the
    background by a shell without job control has SIGINT ignored, and a child inherits that."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _ppid(stat: Path) -> int | None:
    try:
        return int(stat.read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return None


def interrupt_when(proc: subprocess.Popen[bytes], ready: object, timeout: float = 60) -> None:
    import signal
    import time

    deadline = time.monotonic() + timeout
    while not ready() and time.monotonic() < deadline:  # type: ignore[operator]
        assert proc.poll() is None, proc.communicate()
        time.sleep(0.05)
    assert ready(), "the linter never got to the slow part"  # type: ignore[operator]
    proc.send_signal(signal.SIGINT)


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_ctrl_c_during_analysis_exits_130(tmp_path: Path, jobs: str) -> None:
    site = plugin_site(tmp_path, "slowrules", SLOW_PLUGIN)
    repo = repo_with_git(tmp_path / "repo")
    for name in ("a.sh", "b.sh", "c.sh"):
        (repo / name).write_text(FINDING)
    marker = tmp_path / "started"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SHLINT", "PYTHON"))}
    env.update(PYTHONPATH=str(site), SLOW_MARKER=str(marker))
    proc = subprocess.Popen([PYTHON, "-m", "shlint_iam", "check", "--plugin", "slowrules", "-j", jobs, "."],
                            cwd=repo, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            preexec_fn=default_sigint)
    interrupt_when(proc, marker.exists)
    out, err = proc.communicate(timeout=30)
    assert b"Traceback" not in err, err.decode()
    assert proc.returncode == 130, (proc.returncode, err)
    assert err.strip() == b"shlint-iam: interrupted"  # after the blank line that ends the terminal's ^C


def test_ctrl_c_while_reading_standard_input_exits_130(tmp_path: Path) -> None:
    wchan = Path("/proc/self/wchan")
    if not wchan.exists():
        pytest.skip("needs /proc/PID/wchan to see the linter blocked on its input")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SHLINT", "PYTHON"))}
    proc = subprocess.Popen([PYTHON, "-m", "shlint_iam", "check", "-", "--stdin-filename", "deploy.sh"],
                            cwd=tmp_path, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, preexec_fn=default_sigint)
    assert proc.stdin is not None
    proc.stdin.write(FINDING.encode())  # and the pipe stays open: a slow producer
    proc.stdin.flush()

    def reading() -> bool:
        # The command's supervisor (shlint_iam/supervise.py) waits on a pipe of its own: the
        # reader of standard input is its child, once the child has started.
        children = [stat.parent.name for stat in Path("/proc").glob("[0-9]*/stat")
                    if _ppid(stat) == proc.pid]
        try:
            return bool(children) and "pipe" in Path(f"/proc/{children[0]}/wchan").read_text()
        except OSError:
            return False

    interrupt_when(proc, reading)
    out, err = proc.communicate(timeout=30)
    assert b"Traceback" not in err, err.decode()
    assert proc.returncode == 130


# ------------------------------------------------------------------------------------------------
# 13. UTF-16 and UTF-32 scripts (byte-order mark) are decoded and linted, positions in characters.

UNICODE_SCRIPT = (
    "#!/bin/bash\n"
    "set -euo pipefail\n"
    'echo "d\u00e9ploiement \u2192 prod"; gcloud functions deploy orders --gen2 --region=us-west2 --trigger-topic=t\n'
)
COLUMN = UNICODE_SCRIPT.split("\n")[2].index("gcloud") + 1  # 30: characters, not bytes or code units
BOMS = {
    "utf-16-le": b"\xff\xfe",
    "utf-16-be": b"\xfe\xff",
    "utf-32-le": b"\xff\xfe\x00\x00",
    "utf-32-be": b"\x00\x00\xfe\xff",
}


@pytest.mark.parametrize("encoding", list(BOMS))
def test_a_script_with_a_byte_order_mark_is_decoded_and_linted(tmp_path: Path, encoding: str) -> None:
    from test_sarif import validate

    data = BOMS[encoding] + UNICODE_SCRIPT.encode(encoding)
    (tmp_path / "deploy.sh").write_bytes(data)
    (tmp_path / "noext").write_bytes(BOMS[encoding] + UNICODE_SCRIPT.encode(encoding))  # found by its shebang
    concise = run(tmp_path, "check", "-f", "concise", ".")
    no_traceback(concise)
    assert concise.returncode == 1, concise.stderr
    lines = concise.stdout.decode().splitlines()
    assert [line.split(" IAM001 ")[0] for line in lines] == [f"deploy.sh:3:{COLUMN}:", f"noext:3:{COLUMN}:"]
    text = run(tmp_path, "check", "deploy.sh").stdout.decode()
    assert '    3 | echo "d\u00e9ploiement \u2192 prod"; gcloud functions deploy' in text
    sarif = json.loads(run(tmp_path, "check", "-f", "sarif", "deploy.sh").stdout)
    validate(sarif)
    (result,) = sarif["runs"][0]["results"]
    region = result["locations"][0]["physicalLocation"]["region"]
    assert (region["startLine"], region["startColumn"]) == (3, COLUMN)
    piped = run(tmp_path, "check", "-f", "concise", "-", "--stdin-filename", "deploy.sh", stdin=data)
    assert piped.stdout.decode().startswith(f"deploy.sh:3:{COLUMN}: IAM001 "), piped.stdout + piped.stderr


def test_a_sourced_utf16_file_is_followed(tmp_path: Path) -> None:
    repo = repo_with_git(tmp_path / "repo")
    (repo / "names.sh").write_bytes(b"\xff\xfe" + "FN=orders-api\n".encode("utf-16-le"))
    deploy_script(repo, "source ./names.sh")
    proc = run(repo, "check", "-f", "concise", "deploy.sh")
    assert b"gen2 function orders-api " in proc.stdout, proc.stdout + proc.stderr


def test_broken_utf16_is_replaced_not_a_crash(tmp_path: Path) -> None:
    # An odd number of bytes and a lone surrogate: U+FFFD each, the rest still linted.
    data = b"\xff\xfe" + UNICODE_SCRIPT.encode("utf-16-le") + b"\x00\xd8" + b"x"
    (tmp_path / "deploy.sh").write_bytes(data)
    proc = run(tmp_path, "check", "-f", "concise", "deploy.sh")
    no_traceback(proc)
    assert proc.stdout.decode().startswith(f"deploy.sh:3:{COLUMN}: IAM001 "), proc.stdout + proc.stderr


EXITING_PLUGIN = '''
import sys
from shlint_iam.api import Rule, Severity

if {at_import}:
    sys.exit(0)


class Exits(Rule):
    """## What it does
    Leaves."""
    code = "EXIT001"
    name = "exits"
    summary = "leaves"
    severity = Severity.INFO

    def check(self, ctx):
        {action}
        return []
'''


@pytest.mark.parametrize(
    ("at_import", "action"),
    [
        (True, "pass"),
        (False, "sys.exit(0)"),
        (False, "raise SystemExit('done')"),
        (False, "raise KeyboardInterrupt"),
        (False, "bytearray(1 << 60)"),  # MemoryError
        (False, "raise RecursionError('deep')"),
    ],
    ids=["sys.exit at import", "sys.exit(0)", "SystemExit", "KeyboardInterrupt", "MemoryError", "RecursionError"],
)
def test_a_plugin_cannot_end_the_run_or_pass_it(tmp_path: Path, at_import: bool, action: str) -> None:
    """A plugin that exits, or fails in any way, leaves its file incomplete: exit 2, the file named."""
    site = plugin_site(tmp_path, "exiting", EXITING_PLUGIN.format(at_import=at_import, action=action))
    repo = repo_with_git(tmp_path / "repo")
    (repo / "deploy.sh").write_text(CLEAN)
    (repo / "other.sh").write_text(FINDING)
    proc = run(repo, "check", "-f", "concise", "--plugin", "exiting", "deploy.sh", "other.sh",
               env={"PYTHONPATH": str(site)})
    no_traceback(proc)
    assert proc.returncode == 2, (proc.returncode, proc.stderr)
    if at_import:
        assert proc.stderr.startswith(b"shlint-iam: error: plugin exiting failed to load "), proc.stderr
        assert b"SystemExit" in proc.stderr
    elif "bytearray" in action:
        # Out of memory: the whole file is incomplete (its other findings may be too).
        assert proc.stderr.startswith(b"shlint-iam: deploy.sh: analysis incomplete: internal error (MemoryError)")
    else:
        assert proc.stderr.startswith(b"shlint-iam: deploy.sh: analysis incomplete: the check of rule EXIT001 "
                                      b"from plugin exiting raised "), proc.stderr
        # The other rules' findings are still reported.
        assert proc.stdout.startswith(b"other.sh:3:1: IAM001 "), proc.stdout


def test_a_directory_walk_does_not_follow_a_symbolic_link_out_of_the_repository(tmp_path: Path) -> None:
    outside = tmp_path / "home" / ".ssh"
    outside.mkdir(parents=True)
    (outside / "config").write_text(f"#!/bin/bash\nHost {SECRET} (\n")  # a syntax error would quote it
    repo = repo_with_git(tmp_path / "repo")
    (repo / "leak.sh").symlink_to(outside / "config")
    (repo / "lib").mkdir()
    (repo / "lib" / "real.sh").write_text(FINDING)
    (repo / "inside.sh").symlink_to(repo / "lib" / "real.sh")  # inside the repository: linted (once)
    for fmt in FORMATS:
        proc = run(repo, "check", "-f", fmt, ".")
        assert SECRET.encode() not in proc.stdout + proc.stderr, fmt
        assert proc.returncode == 1, proc.stderr
    concise = run(repo, "check", "-f", "concise", ".").stdout.decode().splitlines()
    assert [line.split(":")[0] for line in concise] == ["inside.sh"]
    # Named explicitly, it is what the user asked for: linted.
    named = run(repo, "check", "-f", "concise", "leak.sh")
    assert named.returncode == 1 and b"SH000" in named.stdout
