"""Never crash, never hang, never blow up (issue 12 items 5-7, 9): the tree-sitter-bash scanner
crash, parse time, caps on what is read. Every reproducer is built here; see docs/robustness.md."""

from __future__ import annotations

import ctypes
import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from shlint_iam.api import FileContext, Finding, Rule, Severity
from shlint_iam.config import Config
from shlint_iam.files import MAX_BYTES, MAX_CONFIG_BYTES, MAX_LINE_BYTES
from shlint_iam.lint import Linter, lint_text
from shlint_iam.parse import ParseIncomplete, parse, parse_bytes, parser, scanner_safe
from shlint_iam.registry import Registry, builtin_rules
from shlint_iam.source import SourceFile

DEPLOY = "gcloud functions deploy f --gen2 --region=us-central1 --trigger-topic=t\n"
CRASHER = b"{\xf4\x8f\xbf\xbfi"  # `{`, U+10FFFF, `i`: crashed tree-sitter-bash 0.25 in 1/4 to 2/3 of runs


def run_cli(*args: str, cwd: Path, timeout: float = 120, **kw: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "shlint_iam", "check", "-f", "concise", *args],
        cwd=cwd, capture_output=True, text=True, timeout=timeout, **kw,
    )


def assert_no_traceback(proc: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in proc.stderr, proc.stderr


def shape(tree: Any) -> list[tuple[Any, ...]]:
    out = []
    stack = [tree.root_node]
    while stack:
        node = stack.pop()
        out.append((node.type, node.start_byte, node.end_byte, node.start_point, node.end_point, node.is_missing))
        stack.extend(node.children)
    return out


# -- item 5: the scanner's isdigit() on code points ------------------------------------------


def test_the_crashing_bytes_parse_in_every_process() -> None:
    # Before: SIGSEGV in a quarter to two thirds of fresh processes (it depends on where ASLR
    # puts the pages after the ctype table). Each run is a new address-space layout.
    code = (
        "import sys; from shlint_iam.parse import parse; from shlint_iam.source import SourceFile; "
        f"t = parse(SourceFile.from_bytes('x.sh', {CRASHER!r})); print(t.root_node.type)"
    )
    for _ in range(8):
        proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
        assert (proc.returncode, proc.stdout) == (0, "program\n"), proc.stderr


@pytest.mark.parametrize("char", ["\U0010ffff", "\U000effff", "\U00060000", "\u4e2d", "\u0416", "\u3000", "\U0001f600"])
def test_risky_characters_are_replaced_by_same_length_twins(char: str) -> None:
    for template in ["echo {X}", "echo {1..X}", "echo {12X}", "for i in {X..3}; do :; done", "x.X"]:
        data = template.replace("X", char).encode()
        safe = scanner_safe(data)
        assert len(safe) == len(data) and safe.count(b"\n") == data.count(b"\n")
        # only the character after `{`, a digit or `.` changes, and for a small code point
        replaced = safe.decode("utf-8")
        assert all(ord(c) < 0x2000 for c in replaced)
        assert replaced.replace(char, "") == replaced or char == replaced[len(template.split("X")[0]):][:1]


def test_replacement_keeps_the_tree_outside_the_scanners_undefined_reads() -> None:
    # Same node types, byte ranges and points wherever the scanner does not call isdigit() on
    # the character (there its answer was read from memory past the table, i.e. garbage).
    chars = [chr(c) for c in (0x100, 0x416, 0x7FF, 0x800, 0x4E2D, 0x1680, 0x3000, 0xFEFF, 0x10000, 0x1F600)]
    templates = ["echo {X}", "echo {1X}", "echo a.X", "x={X", "echo ${X}", "{ X; }", "echo {X,y}",
                 "echo x{X}y", "cat <<E\n{X\nE\n", "echo '{X'", "case {X in {X) :;; esac", "echo 1X 2X",
                 "[[ -aX ]] && echo .X", "9X=1 gcloud run deploy {X"]
    for template in templates:
        for char in chars:
            data = template.replace("X", char).encode()
            assert shape(parser().parse(data)) == shape(parse_bytes(scanner_safe(data))), (template, char)


def test_positions_of_findings_after_replaced_characters(tmp_path: Path) -> None:
    script = "#!/bin/bash\necho {\U0010ffff} {1..\u4e2d}\n" + DEPLOY.replace("--gen2", "--gen2 --no-allow-unauthenticated")
    result = lint_text(script.encode(), "x.sh")
    plain = lint_text(("#!/bin/bash\necho {x} {1..y}\n" + DEPLOY).encode(), "x.sh")
    assert not result.problems
    assert [(f.code, f.span.start_line, f.span.start_col) for f in result.reported if f.code != "SH000"] == [
        (f.code, f.span.start_line, f.span.start_col) for f in plain.reported if f.code != "SH000"
    ]


def test_crashing_bytes_through_the_cli_with_other_files(tmp_path: Path) -> None:
    (tmp_path / "crash.sh").write_bytes(CRASHER + b"\n")
    (tmp_path / "deploy.sh").write_text(DEPLOY)
    for jobs in ("1", "2"):
        proc = run_cli("-j", jobs, "crash.sh", "deploy.sh", cwd=tmp_path)
        assert_no_traceback(proc)
        assert proc.returncode == 1 and "deploy.sh:1:1: IAM001" in proc.stdout, proc.stderr


# -- item 6: parse time ----------------------------------------------------------------------


@pytest.mark.parametrize("unit", [")", "|", "<", ">"])
def test_quadratic_parse_inputs_stop_at_the_parse_bound(unit: str, tmp_path: Path) -> None:
    # 40 KB of `)` took 15 s in tree-sitter alone; the bound stops it after a read budget.
    (tmp_path / "slow.sh").write_text(unit * 40_000 + "\n")
    (tmp_path / "deploy.sh").write_text(DEPLOY)
    start = time.monotonic()
    proc = run_cli("slow.sh", "deploy.sh", cwd=tmp_path)
    assert time.monotonic() - start < 20
    assert_no_traceback(proc)
    assert "slow.sh: parsing stopped at its work bound" in proc.stderr
    assert "deploy.sh:1:1: IAM001" in proc.stdout
    assert proc.returncode == 2


def test_parse_bound_is_deterministic_and_leaves_the_parser_usable() -> None:
    source = SourceFile.from_bytes("x.sh", b")" * 20_000)
    for _ in range(3):
        with pytest.raises(ParseIncomplete):
            parse(source)
        # a cancelled parse must not be resumed by the next one
        tree = parse(SourceFile.from_bytes("y.sh", b"echo hi\n"))
        assert (tree.root_node.type, tree.root_node.end_byte, tree.root_node.has_error) == ("program", 8, False)


def test_normal_scripts_stay_far_below_the_parse_bound() -> None:
    examples = Path(__file__).parent.parent / "examples"
    for path in sorted(examples.rglob("*.sh")):
        parse_bytes(path.read_bytes(), read_factor=4, slack=0)  # raises past 4 reads per byte


def test_nul_bytes_are_not_text(tmp_path: Path) -> None:
    (tmp_path / "zeros.sh").write_bytes(b"\0" * 100_000)  # 72 s in tree-sitter before
    (tmp_path / "blob").write_bytes(b"#!/bin/bash\n" + DEPLOY.encode() + b"echo a\x00b\n")
    (tmp_path / "deploy.sh").write_text(DEPLOY)
    start = time.monotonic()
    proc = run_cli("zeros.sh", "blob", "deploy.sh", cwd=tmp_path)
    assert time.monotonic() - start < 20
    assert_no_traceback(proc)
    assert "zeros.sh: not a text file (a NUL byte on line 1); not linted" in proc.stderr
    assert "blob: not a text file (a NUL byte on line 3); not linted" in proc.stderr
    assert "deploy.sh:1:1: IAM001" in proc.stdout
    assert "blob:" not in proc.stdout
    assert proc.returncode == 2


def test_a_line_longer_than_the_cap_is_not_text(tmp_path: Path) -> None:
    (tmp_path / "long.sh").write_text(DEPLOY + "x=" + "a" * MAX_LINE_BYTES + "\n")
    (tmp_path / "fine.sh").write_text(DEPLOY + "x=" + "a" * (MAX_LINE_BYTES - 10) + "\n")
    proc = run_cli("long.sh", "fine.sh", cwd=tmp_path)
    assert_no_traceback(proc)
    assert "long.sh: not a text file (line 2 is longer than 256 KB); not linted" in proc.stderr
    assert "fine.sh:1:1: IAM001" in proc.stdout and "long.sh:" not in proc.stdout
    assert proc.returncode == 2


def test_stdin_with_nul_bytes_is_not_text(tmp_path: Path) -> None:
    proc = subprocess.run([sys.executable, "-m", "shlint_iam", "check", "-"], input=b"echo \0\n",
                          capture_output=True, timeout=60, cwd=tmp_path)
    assert proc.returncode == 2 and b"<stdin>: not a text file (a NUL byte on line 1)" in proc.stderr


# -- item 7: caps fail closed ----------------------------------------------------------------


def test_stdin_from_dev_zero_stops_at_the_cap(tmp_path: Path) -> None:
    with open("/dev/zero", "rb") as zero:
        start = time.monotonic()
        proc = subprocess.run([sys.executable, "-m", "shlint_iam", "check", "-"], stdin=zero,
                              capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert time.monotonic() - start < 30
    assert_no_traceback(proc)
    assert proc.returncode == 2
    assert proc.stderr == "shlint-iam: <stdin>: standard input larger than 16 MB; not linted\n"


def test_a_file_over_the_size_cap_is_not_linted(tmp_path: Path) -> None:
    with open(tmp_path / "huge.sh", "wb") as handle:
        handle.write(DEPLOY.encode())
        handle.truncate(MAX_BYTES + 1)  # sparse: NUL bytes, but the size cap is checked first
    (tmp_path / "deploy.sh").write_text(DEPLOY)
    proc = run_cli("huge.sh", "deploy.sh", cwd=tmp_path)
    assert_no_traceback(proc)
    assert "huge.sh: larger than 16 MB; not linted" in proc.stderr
    assert "deploy.sh:1:1: IAM001" in proc.stdout
    assert proc.returncode == 2


@pytest.mark.parametrize("kind", ["dev-zero", "fifo", "too-large", "directory"])
def test_config_file_must_be_a_small_regular_file(kind: str, tmp_path: Path) -> None:
    (tmp_path / "deploy.sh").write_text(DEPLOY)
    if kind == "dev-zero":
        config, why = "/dev/zero", "/dev/zero: cannot read: not a regular file"
    elif kind == "fifo":
        os.mkfifo(tmp_path / "fifo.toml")  # nobody writes to it: opening it used to hang
        config, why = "fifo.toml", "fifo.toml: cannot read: not a regular file"
    elif kind == "too-large":
        (tmp_path / "big.toml").write_text("# x\n" * (MAX_CONFIG_BYTES // 4 + 1))
        config, why = "big.toml", "big.toml: cannot read: configuration file larger than 1 MB"
    else:
        (tmp_path / "dir.toml").mkdir()
        config, why = "dir.toml", "dir.toml: cannot read: not a regular file"
    proc = run_cli("--config", config, "deploy.sh", cwd=tmp_path, timeout=30)
    assert_no_traceback(proc)
    assert (proc.returncode, proc.stdout, proc.stderr) == (2, "", f"shlint-iam: error: {why}\n")


def test_config_dev_null_is_an_empty_configuration(tmp_path: Path) -> None:
    (tmp_path / "deploy.sh").write_text(DEPLOY)
    proc = run_cli("--config", "/dev/null", "deploy.sh", cwd=tmp_path)
    assert proc.returncode == 1 and "IAM001" in proc.stdout


# -- item 5: a native crash fails only its own file ------------------------------------------


class CrashesNatively(Rule):
    """A plugin rule whose native code dies with SIGSEGV on scripts that mention `boom`."""

    code = "TST901"
    name = "crashes-natively"
    summary = "reads address 0 for scripts that say boom"
    severity = Severity.ERROR

    def check(self, ctx: FileContext) -> Iterator[Finding]:
        if "boom" in ctx.source.text:
            ctypes.string_at(0)  # a real segmentation fault
        return iter(())


def crashing_linter() -> Linter:
    linter = Linter(Config(), Registry([*builtin_rules(), CrashesNatively]))
    linter.isolate = True
    return linter


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_segfault_fails_only_the_file_it_happened_on(jobs: int, tmp_path: Path) -> None:
    names = ["a.sh", "boom1.sh", "c.sh", "boom2.sh", "e.sh"]
    for name in names:
        (tmp_path / name).write_text(DEPLOY + ("echo boom\n" if "boom" in name else ""))
    result = crashing_linter().lint_paths([str(tmp_path / n) for n in names], jobs=jobs)
    assert sorted({os.path.basename(f.path) for f in result.reported if f.code == "IAM001"}) == ["a.sh", "c.sh", "e.sh"]
    crashed = [(os.path.basename(p.path), p.fatal) for p in result.problems]
    assert crashed == [("boom1.sh", True), ("boom2.sh", True)]
    assert all("the linter crashed on this file (killed by signal SIGSEGV)" in p.message for p in result.problems)
    assert result.exit_code() == 2
    # the same answer as a run in which nothing crashes, for the other files
    clean = crashing_linter().lint_paths([str(tmp_path / n) for n in names if "boom" not in n], jobs=jobs)
    assert [f for f in result.findings if "boom" not in f.path] == clean.findings


def test_a_segfault_in_linted_text_is_contained() -> None:
    result = crashing_linter().lint_text(DEPLOY + "echo boom\n", "deploy.sh")
    assert [(p.path, p.fatal) for p in result.problems] == [("deploy.sh", True)]
    assert "killed by signal SIGSEGV" in result.problems[0].message
    assert result.exit_code() == 2


def test_isolated_and_in_process_runs_agree(tmp_path: Path) -> None:
    examples = sorted(str(p) for p in (Path(__file__).parent.parent / "examples").rglob("*.sh"))
    plain = Linter(Config())
    isolated = Linter(Config())
    isolated.isolate = True
    a, b = plain.lint_paths(examples, jobs=1), isolated.lint_paths(examples, jobs=1)
    assert (a.findings, a.problems, a.files) == (b.findings, b.problems, b.files)


# -- item 8: blow-ups in the analysis are bounded by counts of work --------------------------

SET_E = "#!/bin/bash\nset -euo pipefail\n"
TOPIC = "--gen2 --region=us-central1 --trigger-topic=t"


def timed_cli(*args: str, cwd: Path) -> tuple[subprocess.CompletedProcess[str], float]:
    start = time.monotonic()
    proc = run_cli(*args, cwd=cwd, timeout=300)
    assert_no_traceback(proc)
    return proc, time.monotonic() - start


@pytest.mark.parametrize("calls", [60, 100])
def test_recursive_fan_out_is_an_endless_recursion_and_says_so(calls: int, tmp_path: Path) -> None:
    # Each call runs the function `calls` times more: inlining used to stop after 64 inlines of a
    # function and pass silently (exit 0 or 1 on what happened to be analysed), or time out. Every
    # call repeats the first one on every path: bash would recurse until it crashes.
    body = "\n".join(["  f"] * calls)
    script = f"{SET_E}f() {{\n  gcloud functions deploy fn {TOPIC} --allow-unauthenticated\n{body}\n}}\nf\n"
    (tmp_path / "rec.sh").write_text(script)
    first, took = timed_cli("rec.sh", cwd=tmp_path)
    assert took < 60
    assert first.returncode == 2
    assert first.stderr == (
        "shlint-iam: rec.sh: analysis incomplete: endless recursion: function f calls itself with the same "
        "arguments and variables on every path at line 5 of rec.sh: not analysed\n"
        "shlint-iam: 1 file could not be analysed completely: rec.sh (exit 2).\n"
    )
    assert first.stdout.startswith("rec.sh:4:76: IAM006 ")  # the findings of what was analysed
    again, _ = timed_cli("rec.sh", cwd=tmp_path)
    assert (again.returncode, again.stdout, again.stderr) == (first.returncode, first.stdout, first.stderr)


def test_a_function_called_many_times_is_inlined_every_time(tmp_path: Path) -> None:
    calls = "".join(f"deploy fn{i}\n" for i in range(100))
    (tmp_path / "many.sh").write_text(f"{SET_E}deploy() {{\n  gcloud functions deploy \"$1\" {TOPIC}\n}}\n{calls}")
    proc, _ = timed_cli("many.sh", cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr
    # all 100 services are named by IAM001, not the first 64 (the old count cap per function)
    named = set(re.findall(r"\bfn\d+\b", "".join(line for line in proc.stdout.splitlines() if " IAM001 " in line)))
    assert named == {f"fn{i}" for i in range(100)}


def test_two_thousand_conditional_deploys(tmp_path: Path) -> None:
    ifs = "".join(f'if [ "$X{i}" = y ]; then gcloud functions deploy f{i} {TOPIC}; fi\n' for i in range(2000))
    (tmp_path / "ifs.sh").write_text(SET_E + ifs)
    proc, took = timed_cli("ifs.sh", cwd=tmp_path)
    assert took < 30  # 35 s before: every requirement walked the whole trace
    assert proc.returncode == 1
    assert len([line for line in proc.stdout.splitlines() if " IAM001 " in line]) == 2000


def test_a_five_thousand_arm_case(tmp_path: Path) -> None:
    arms = "".join(f"  a{i}) gcloud functions deploy f{i} {TOPIC} ;;\n" for i in range(5000))
    (tmp_path / "case.sh").write_text(f'{SET_E}case "$1" in\n{arms}esac\n')
    proc, took = timed_cli("case.sh", cwd=tmp_path)
    assert took < 30  # the 60 s time limit before (exit 2 only on a loaded machine)
    assert proc.returncode == 1
    assert len([line for line in proc.stdout.splitlines() if " IAM001 " in line]) == 5000


def test_twenty_thousand_required_resources(tmp_path: Path) -> None:
    names = [f"functions/f{i}" for i in range(20_000)]
    (tmp_path / "cfg.toml").write_text("required-resources = [" + ",".join(f'"{n}"' for n in names) + "]\n")
    (tmp_path / "deploy.sh").write_text(SET_E + f"gcloud functions deploy f {TOPIC}\n")
    for fmt in ("text", "json"):
        start = time.monotonic()
        proc = subprocess.run([sys.executable, "-m", "shlint_iam", "check", "-f", fmt, "--config", "cfg.toml",
                               "deploy.sh"], cwd=tmp_path, capture_output=True, text=True, timeout=300)
        assert time.monotonic() - start < 30, fmt  # minutes before (the text output alone was 6 GB)
        assert proc.returncode == 1
    found = [f for f in json.loads(proc.stdout) if f["code"] == "COV001"]
    assert len(found) == 20_000
    last = found[-1]
    column = len('required-resources = [') + sum(len(n) + 3 for n in names[:-1]) + 1
    assert (last["start_line"], last["start_column"]) == (1, column)


def test_a_long_line_shows_a_window_around_the_finding() -> None:
    pad = "x" * 5000
    result = lint_text(f"{SET_E}: {pad}; gcloud functions deploy f {TOPIC}\n", "deploy.sh")
    from shlint_iam.registry import Registry
    from shlint_iam.report import ReportOptions, renderer

    text = renderer("text")(result, Registry.for_config(Config()), ReportOptions(color=False))
    snippet = [line for line in text.splitlines() if " | " in line]
    assert snippet and all(len(line) < 200 for line in snippet)
    source_line, caret_line = snippet[0], snippet[1]
    at = caret_line.index("^")
    assert source_line[at:].startswith("gcloud functions deploy")


def test_sarif_of_a_fifteen_megabyte_file(tmp_path: Path) -> None:
    block = "# padding padding padding padding padding padding padding padding padding padding\n" * 50
    (tmp_path / "big.sh").write_text(f"gcloud functions deploy f {TOPIC}\n" + block * (15 * 1024 * 1024 // len(block)))
    start = time.monotonic()
    proc = subprocess.run([sys.executable, "-m", "shlint_iam", "check", "-f", "sarif", "big.sh"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=300)
    assert time.monotonic() - start < 30
    sarif = json.loads(proc.stdout)
    assert "IAM001" in {r["ruleId"] for r in sarif["runs"][0]["results"]}
    assert all("primaryLocationLineHash" in r["partialFingerprints"] for r in sarif["runs"][0]["results"])


# -- item 9: hangs outside the guard ---------------------------------------------------------


def install_plugin(root: Path, dist: str, module: str, code: str) -> None:
    info = root / f"{dist}-1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(f"[shlint_iam.rules]\n{dist} = {module}\n")
    (root / f"{module}.py").write_text(code)


def test_a_plugin_whose_import_never_ends_is_stopped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib

    from shlint_iam import plugins
    from shlint_iam.config import ConfigError

    site = tmp_path / "site"
    install_plugin(site, "spinner", "spinner_rules", "while True:\n    pass\n")
    monkeypatch.syspath_prepend(str(site))
    importlib.invalidate_caches()
    monkeypatch.setattr(plugins, "PLUGIN_LOAD_TIME_LIMIT", 1.0)
    start = time.monotonic()
    with pytest.raises(ConfigError, match=r"plugin spinner did not finish loading within 1 s"):
        Registry.for_config(Config(plugins=["spinner"]))
    assert time.monotonic() - start < 15


def test_a_plugin_that_exits_while_loading_is_a_config_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib

    from shlint_iam.config import ConfigError

    site = tmp_path / "site"
    install_plugin(site, "quitter", "quitter_rules", "import sys\nsys.exit(3)\n")
    monkeypatch.syspath_prepend(str(site))
    importlib.invalidate_caches()
    with pytest.raises(ConfigError, match=r"plugin quitter failed to load .*called sys.exit\(3\) while loading"):
        Registry.for_config(Config(plugins=["quitter"]))


class SlowProjectRule(Rule):
    """A cross-file plugin rule that never finishes."""

    code = "TST902"
    name = "slow-project-rule"
    summary = "never finishes its project pass"
    severity = Severity.ERROR

    @classmethod
    def wants_project(cls, config: Config) -> bool:
        return True

    def check(self, ctx: FileContext) -> Iterator[Finding]:
        return iter(())

    def check_project(self, ctx: Any) -> Iterator[Finding]:
        while True:
            time.sleep(0.01)


def test_a_cross_file_rule_runs_under_the_time_limit(tmp_path: Path) -> None:
    (tmp_path / "deploy.sh").write_text(DEPLOY)
    linter = Linter(Config(), Registry([*builtin_rules(), SlowProjectRule]))
    linter.time_limit = 1.0
    start = time.monotonic()
    result = linter.lint_paths([str(tmp_path / "deploy.sh")], jobs=1)
    assert time.monotonic() - start < 20
    assert result.exit_code() == 2
    assert any("TST902" in p.message for p in result.problems)


def test_parsing_keeps_no_text_alive() -> None:
    """py-tree-sitter keeps a reference to every chunk a read callback returns; parse_bytes hands
    it views of one shared buffer, so the texts it parsed are freed (memory flat in the number of
    files, issue 15 goal 5)."""
    import gc
    import sys

    texts = [b"#!/bin/bash\necho %d\n" % i * 50 for i in range(20)]
    before = [sys.getrefcount(t) for t in texts]
    for text in texts:
        tree = parse_bytes(text)
        assert tree.root_node.end_byte == len(text) and not tree.root_node.has_error
        del tree
    del text
    gc.collect()
    assert [sys.getrefcount(t) for t in texts] == before


def test_node_text_of_a_parsed_tree_keeps_no_text_alive() -> None:
    """The interpreter reads `node.text`; through a callback-backed tree each read leaked a chunk."""
    import gc
    import sys

    lines = [b"#!/bin/bash\n"] + [b"gcloud run deploy svc --region=us-east1\n"] * 100
    text = b"".join(lines)  # built at run time: a constant would be referenced by the code object
    tree = parse_bytes(text)
    words = [n.text for n in tree.root_node.children]
    assert words[0] == b"#!/bin/bash" and words[1] == b"gcloud run deploy svc --region=us-east1"
    del words, tree
    gc.collect()
    assert sys.getrefcount(text) == 2
