"""Issue 15, on save: a command-line lint of one shell script imports only what it needs, and the
automatic worker count follows the amount of work. (Timings are in benchmarks/, never here.)"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from shlint_iam.config import Config
from shlint_iam.lint import PARALLEL_BYTES_PER_WORKER, PARALLEL_MIN_BYTES, Linter, cpu_count, worker_count

REPO = Path(__file__).resolve().parent.parent

DEPLOY = """#!/usr/bin/env bash
set -euo pipefail
REGION=europe-west1
gcloud functions deploy billing-sync --gen2 --region="$REGION" --runtime=python312 \\
  --trigger-topic=billing-events --service-account=sync@acme-prod.iam.gserviceaccount.com
"""

# Runs the real command line in this process (``main``; with ``in-process``, linting in it too
# rather than in a forked child, so the analysis's imports are seen), then prints which of the modules that
# only some formats, plugins or the language server need were imported.
PROBE = r"""
import sys
import shlint_iam.supervise
from shlint_iam.cli import main
if sys.argv[1] == "in-process":  # the analysis's own imports happen in the forked child otherwise
    shlint_iam.supervise.can_fork = lambda: False
    del sys.argv[1]
try:
    main(sys.argv[1:] if sys.argv[1] == "check" else sys.argv[2:])
except SystemExit as exc:
    code = exc.code
heavy = ["importlib.metadata", "tomllib", "yaml", "multiprocessing", "sarif_om", "jsonschema", "pygls", "lsprotocol",
         "shlint_iam.frontends.cloudbuild", "shlint_iam.frontends.github_actions", "shlint_iam.lsp",
         "shlint_iam.parallel"]
print("exit", code, file=sys.stderr)
print("imported:", *[m for m in heavy if m in sys.modules], file=sys.stderr)
parse = sys.modules.get("shlint_iam.parse")
print("query built:", bool(getattr(parse, "_QUERIES", None)), file=sys.stderr)
"""


def probe(*args: str, cwd: Path) -> tuple[list[str], str]:
    proc = subprocess.run(
        [sys.executable, "-c", PROBE, *args], cwd=cwd, capture_output=True, text=True, timeout=120
    )
    assert "Traceback" not in proc.stderr, proc.stderr
    line = next(line for line in proc.stderr.splitlines() if line.startswith("imported:"))
    return line.split()[1:], proc.stderr


@pytest.mark.parametrize("fmt", ["text", "concise", "json", "github"])
def test_one_shell_script_imports_no_yaml_metadata_pool_or_sarif(tmp_path: Path, fmt: str) -> None:
    (tmp_path / "deploy.sh").write_text(DEPLOY)
    for where in ("in-process", "forked"):
        imported, stderr = probe(where, "check", "-f", fmt, "deploy.sh", cwd=tmp_path)
        assert "exit 1" in stderr  # IAM001: the function is deployed with no invoker binding
        assert imported == []
        # Building a tree-sitter query costs more than parsing a short script: a short script's
        # stray keywords are looked up by position, its functions by a walk.
        assert where == "forked" or "query built: False" in stderr


@pytest.mark.parametrize("fmt", ["text", "concise"])
def test_text_formats_import_no_json(tmp_path: Path, fmt: str) -> None:
    # json is imported by the formats that write it, the result cache, --statistics and
    # --show-settings only.
    (tmp_path / "deploy.sh").write_text(DEPLOY)
    probe_json = PROBE.replace('heavy = ["importlib.metadata"', 'heavy = ["json", "importlib.metadata"')
    proc = subprocess.run([sys.executable, "-c", probe_json, "in-process", "check", "--no-cache", "-f", fmt,
                           "deploy.sh"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert "exit 1" in proc.stderr and "imported:\n" in proc.stderr + "\n", proc.stderr


def test_a_config_file_still_imports_the_toml_parser(tmp_path: Path) -> None:
    (tmp_path / "deploy.sh").write_text(DEPLOY)
    (tmp_path / ".shlint-iam.toml").write_text('ignore = ["IAM001"]\n')
    imported, stderr = probe("in-process", "check", "deploy.sh", cwd=tmp_path)
    assert "exit 0" in stderr and imported == ["tomllib"]


# The real command line (entry.main, forking its supervisor), reporting the cyclic collector's
# state as the linter is built (start-up) and as each file is analysed.
GC_PROBE = r"""
import gc, sys
import shlint_iam.analysis as analysis
import shlint_iam.lint as lint
def say(when):
    print(when, "collecting:", gc.isenabled(), "frozen:", gc.get_freeze_count() > 0, file=sys.stderr, flush=True)
built, analyse = lint.Linter.__init__, analysis.analyse
def init(self, *args, **kwargs):
    say("built")
    built(self, *args, **kwargs)
def analysed(*args, **kwargs):
    say("analysed")
    return analyse(*args, **kwargs)
lint.Linter.__init__, analysis.analyse = init, analysed
sys.argv[0] = "shlint-iam"
from shlint_iam.entry import main
main()
"""


@pytest.mark.parametrize("stdin", [False, True])
def test_the_command_line_collects_no_garbage_during_start_up(tmp_path: Path, stdin: bool) -> None:
    # Start-up makes ~20,000 objects that live until the exit; walking them in collections cost
    # 10-20 ms of an on-save lint. The lint resumes collection, start-up's objects frozen.
    (tmp_path / "deploy.sh").write_text(DEPLOY)
    args = ["check", "-", "--stdin-filename", "deploy.sh"] if stdin else ["check", "deploy.sh"]
    proc = subprocess.run([sys.executable, "-c", GC_PROBE, *args], cwd=tmp_path, capture_output=True, text=True,
                          timeout=120, input=DEPLOY)
    assert proc.returncode == 1 and "IAM001" in proc.stdout, proc.stderr
    assert proc.stderr.splitlines() == [
        "built collecting: False frozen: False",
        "analysed collecting: True frozen: True",
    ]
    # The language server (and every other command) collects as usual from the start.
    proc = subprocess.run([sys.executable, "-c", GC_PROBE.replace("main()", "say('other')"), "lsp"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert proc.stderr.splitlines() == ["other collecting: True frozen: False"]


# The real command line (entry.main: the supervisor's fork, the supervised lint in process): which
# of the modules that only some runs need were imported when the process exits.
EXIT_PROBE = r"""
import os, sys
LAZY = ["difflib", "dataclasses", "copy", "inspect_", "pkgutil", "signal", "faulthandler", "json", "importlib.metadata",
        "tomllib", "yaml", "multiprocessing", "sarif_om", "pygls", "shlint_iam.isolate", "shlint_iam.cache",
        "shlint_iam.lsp", "shlint_iam.parallel", "shlint_iam.plugins_", "shlint_iam.frontends.github_actions",
        "shlint_iam.fixes", "shlint_iam.bindfix", "shlint_iam.fixtree", "shlint_iam.gcloud.workflows",
        "shlint_iam.gcloud.manifests", "shlint_iam.gcloud.urls"]
leave = os._exit
def _exit(code):
    print("imported:", *[m for m in LAZY if m in sys.modules], file=sys.stderr, flush=True)
    leave(code)
os._exit = _exit
sys.argv[0] = "shlint-iam"
from shlint_iam.entry import main
main()
"""


@pytest.mark.parametrize("suppressed", [False, True])
def test_the_command_line_imports_only_what_one_script_needs(tmp_path: Path, suppressed: bool) -> None:
    # IAM001 gets an automatic fix, or is suppressed: both replace the finding (records.replace).
    script = DEPLOY.replace("iam.gserviceaccount.com\n", "iam.gserviceaccount.com  # shlint-iam: disable=IAM001\n")
    (tmp_path / "deploy.sh").write_text(script if suppressed else DEPLOY)
    proc = subprocess.run([sys.executable, "-c", EXIT_PROBE, "check", "--no-cache", "-f", "json", "--include-suppressed",
                           "deploy.sh"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert proc.returncode == (0 if suppressed else 1), proc.stdout + proc.stderr
    assert '"code": "IAM001"' in proc.stdout and '"applicability": "unsafe"' in proc.stdout
    assert ('"suppressed": true' in proc.stdout) == suppressed
    # Both the supervisor and the supervised child leave by os._exit.
    fixers = " shlint_iam.fixes shlint_iam.bindfix shlint_iam.fixtree"
    assert proc.stderr.splitlines() == ["imported: json" + fixers, "imported:"]


def test_a_script_without_findings_imports_no_fixer(tmp_path: Path) -> None:
    script = DEPLOY + "gcloud functions add-invoker-policy-binding billing-sync --region=\"$REGION\" \\\n"
    script += "  --member=serviceAccount:sync@acme-prod.iam.gserviceaccount.com\n"
    (tmp_path / "deploy.sh").write_text(script)
    proc = subprocess.run([sys.executable, "-c", EXIT_PROBE, "check", "--no-cache", "-f", "concise", "deploy.sh"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert (proc.returncode, proc.stdout) == (0, ""), proc.stdout + proc.stderr
    assert proc.stderr.splitlines() == ["imported:", "imported:"]


@pytest.mark.parametrize(("args", "error"), [
    (["check", "-x"], "Error: No such option '-x'."),
    (["check", "--formt=json"], "Error: No such option '--formt'. (Did you mean one of: '--format', '--output-format'?)"),
    (["check", "-f=json"], "Error: Invalid value for '-f' / '--format': '=json' is not one of 'text', 'concise', 'gcc', "
                           "'json', 'sarif', 'github', 'markdown'."),
    (["check", "-V"], "Error: No such option '-V'."),
    (["-q"], "Error: No such option '-q'."),
    (["--vers"], "Error: No such option '--vers'. Did you mean '--version'?"),
    (["rules", "-q"], "Error: No such option '-q'."),
])
def test_short_options_skip_the_long_lookup_with_the_same_errors(args: list[str], error: str) -> None:
    # click tries `-f` as a long option first; the failed try no longer ranks every long option
    # (importing difflib), and what click says about a wrong option is as before.
    from click.testing import CliRunner

    from shlint_iam.cli import cli

    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2 and result.output.splitlines()[-1] == error, result.output


def test_the_rule_modules_are_the_ones_pkgutil_finds() -> None:
    import pkgutil

    from shlint_iam import registry

    folders = registry._import_builtin_package().__path__  # type: ignore[attr-defined]
    assert registry._module_names(folders) == [info.name for info in pkgutil.iter_modules(folders)]
    assert len(registry.builtin_rules()) == len(registry._module_names(folders)) == 20


def test_the_library_leaves_the_collector_alone() -> None:
    import gc

    from shlint_iam.lint import lint_text

    assert gc.isenabled() and gc.get_freeze_count() == 0
    assert [f.code for f in lint_text(DEPLOY, "deploy.sh").findings] == ["IAM001"]
    assert gc.isenabled() and gc.get_freeze_count() == 0


def test_stray_keywords_by_position_and_by_query_agree(monkeypatch: pytest.MonkeyPatch) -> None:
    from shlint_iam import parse
    from shlint_iam.source import SourceFile

    script = "if true; then :; fi\nfi\nfor x in a; do echo $x; done\ndone\nx; do\nin a\nf() { esac; }\nelif y\n"
    script += "for file in *; do [ -f \"$file\" ] && echo done; done\n" * 30  # `fi`, `in`, `do` inside words
    source = SourceFile.from_bytes("x.sh", script.encode())
    tree = parse.parse(source)
    found = []
    for limit in (10**6, 0):  # every candidate by position; then the query
        monkeypatch.setattr(parse, "_BY_POSITION", limit)
        found.append(parse._misplaced_keywords(source, tree))
    assert found[0] == found[1]
    assert [(span.start_line, span.start_col, why) for span, why in found[0]] == [
        (2, 1, "unexpected `fi`"), (4, 1, "unexpected `done`"), (5, 4, "unexpected `do`"),
        (6, 1, "unexpected `in`"), (7, 7, "unexpected `esac`"), (8, 1, "unexpected `elif`"),
    ]


def test_sarif_imports_sarif_om_only_for_sarif(tmp_path: Path) -> None:
    (tmp_path / "deploy.sh").write_text(DEPLOY)
    imported, stderr = probe("in-process", "check", "-f", "sarif", "deploy.sh", cwd=tmp_path)
    assert "exit 1" in stderr
    assert "yaml" not in imported and "importlib.metadata" not in imported and "multiprocessing" not in imported


def test_a_workflow_still_imports_its_front_end(tmp_path: Path) -> None:
    workflows = tmp_path / ".github" / "workflows"
    workflows.mkdir(parents=True)
    (workflows / "deploy.yml").write_text(
        "on: push\njobs:\n  deploy:\n    runs-on: ubuntu-latest\n    steps:\n"
        "      - run: gcloud functions deploy billing-sync --gen2 --region=europe-west1 "
        "--trigger-topic=billing-events\n"
    )
    imported, stderr = probe("in-process", "check", ".github/workflows/deploy.yml", cwd=tmp_path)
    assert "exit 1" in stderr
    assert "yaml" in imported and "shlint_iam.frontends.github_actions" in imported


def test_automatic_workers_follow_the_amount_of_work() -> None:
    # Twenty small deploy scripts: one worker (a second one costs more than it saves).
    assert worker_count(None, 20, 20 * 4_000) == 1
    assert worker_count(None, 2, PARALLEL_MIN_BYTES - 1) == 1
    # One file is never split, however large.
    assert worker_count(None, 1, 50 * PARALLEL_MIN_BYTES) == 1
    # Enough bytes: one worker per PARALLEL_BYTES_PER_WORKER, at most one per CPU and per file.
    assert worker_count(None, 3, PARALLEL_MIN_BYTES) == min(cpu_count(), 3, PARALLEL_MIN_BYTES // PARALLEL_BYTES_PER_WORKER)
    assert worker_count(None, 400, 100 * PARALLEL_MIN_BYTES) == cpu_count()
    # An explicit -j is obeyed.
    assert worker_count(2, 20, 100) == 2
    assert worker_count(1, 400, 100 * PARALLEL_MIN_BYTES) == 1


def test_automatic_jobs_give_the_serial_result_on_a_large_set(tmp_path: Path) -> None:
    # Enough bytes for the automatic count to fork several workers when there are several CPUs.
    examples = sorted((REPO / "examples").rglob("*.sh"))
    paths = []
    total = 0
    n = 0
    while total < 2 * PARALLEL_MIN_BYTES:
        for script in examples:
            dest = tmp_path / f"copy{n}" / script.relative_to(REPO / "examples")
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.write_bytes(script.read_bytes())
            total += len(script.read_bytes())
        paths.append(str(tmp_path / f"copy{n}"))
        n += 1
    config = Config(root=tmp_path)
    serial = Linter(config)
    auto = Linter(config)
    auto.isolate = True
    a, b = serial.lint_paths(paths, jobs=1), auto.lint_paths(paths, jobs=None)
    assert a.findings and (a.findings, a.problems, a.files) == (b.findings, b.problems, b.files)


def test_objects_are_frozen_while_children_lint_and_unfrozen_after() -> None:
    import gc
    import os

    from shlint_iam.isolate import map_isolated

    if not hasattr(os, "fork"):
        pytest.skip("no fork")
    assert gc.get_freeze_count() == 0
    seen = []
    for result in map_isolated(lambda n: n * 2, [1, 2]):
        seen.append((result, gc.get_freeze_count() > 0))
    assert seen == [(2, True), (4, True)]
    assert gc.get_freeze_count() == 0  # a long-running language server collects them again


def test_unreached_functions_by_walk_and_by_query_agree(monkeypatch: pytest.MonkeyPatch) -> None:
    from shlint_iam import reach
    from shlint_iam.analysis import analyse
    from shlint_iam.parse import parse
    from shlint_iam.source import SourceFile

    script = """#!/bin/bash
set -euo pipefail
used() { gcloud run deploy a --image=i --region=us-west2; }
outer() {
  inner() { gcloud functions deploy f --gen2 --region=us-west2 --trigger-topic=t; }
  gcloud run deploy b --image=i --region=us-west2
}
if true; then
  later() { gcloud run deploy c --image=i --region=us-west2; }
fi
used
"""
    source = SourceFile.from_bytes("x.sh", script.encode())
    commands = analyse(source, Config()).commands
    found = []
    for size in (10**9, 0):  # a walk in Python; then a query
        monkeypatch.setattr(reach, "QUERY_BYTES", size)
        found.append(reach.unreached_functions(source, parse(source), commands))
    assert found[0] == found[1]
    assert [(u.function, u.span.start_line) for u in found[0]] == [("outer", 4), ("inner", 5), ("later", 9)]


def test_a_pool_takes_the_heaviest_files_first_and_reports_in_order(tmp_path: Path) -> None:
    # With two workers, a long file taken last keeps one worker busy while the other idles: the
    # children take the largest files first (lint.lint_candidates passes the sizes), and the
    # results still come back in the files' order.
    import os

    from shlint_iam.isolate import map_isolated

    if not hasattr(os, "fork"):
        pytest.skip("no fork")
    log = tmp_path / "order"

    def work(item: str) -> str:
        with open(log, "a") as handle:
            handle.write(item + "\n")
        return item.upper()

    items = ["small", "large", "medium", "tiny"]
    weights = [10, 300, 50, 1]
    assert list(map_isolated(work, items, 1, weights)) == ["SMALL", "LARGE", "MEDIUM", "TINY"]
    assert log.read_text().split() == ["large", "medium", "small", "tiny"]
    log.unlink()
    assert list(map_isolated(work, items, 1)) == ["SMALL", "LARGE", "MEDIUM", "TINY"]
    assert log.read_text().split() == items  # without weights: in order, results streaming as they come


def test_the_dataflow_tables_are_the_union_of_each_states_transition() -> None:
    # invokers._TABLES builds an event's table on first use from the two halves of a mask (the
    # service's states, the same granted on the project), each from the mask without its lowest
    # state; by definition each entry is the union of where every state of the mask goes.
    from shlint_iam import invokers

    for event in ("deploy", "public", "bind", "grant", "ungrant", "delete", "revoke"):
        table = invokers._TABLES[event]
        assert len(table) == 1024
        for mask, after in enumerate(table):
            states = [s for s in invokers._STATES if mask & invokers._BIT[s]]
            assert after == sum({invokers._BIT[invokers._transition(s, event)] for s in states})
    assert invokers._TABLES["bind"][invokers._BIT["U"] | invokers._BIT["N"]] == invokers._BIT["B"] | invokers._BIT["P"]
    # a grant keeps the service's own state under it, and dropping the grant gives it back
    assert invokers._TABLES["grant"][invokers._BIT["B"]] == invokers._BIT["b"]
    assert invokers._TABLES["deploy"][invokers._BIT["n"]] == invokers._BIT["u"]
    assert invokers._TABLES["ungrant"][invokers._BIT["u"] | invokers._BIT["b"]] == invokers._BIT["U"] | invokers._BIT["B"]
