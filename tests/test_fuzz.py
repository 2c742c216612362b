"""Fuzzing the whole command line (issue 12): generated scripts that mix loops, recursion, value
growth (`x=$x$x`), sourcing of files written beside them, deploys and odd bytes. For each: no
traceback, exit 0, 1 or 2, bounded time and memory, schema-valid SARIF, and the same output
with `-j 1` and `-j 2`.

Bounded and deterministic (a fixed seed, a few examples) by default; set
SHLINT_IAM_FUZZ_EXAMPLES=200 (say) for a longer run.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import jsonschema
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st

EXAMPLES = int(os.environ.get("SHLINT_IAM_FUZZ_EXAMPLES", "3"))
TIME_LIMIT = 120.0  # seconds per run of the command line (the analysis' own bounds are far below)
MEMORY_LIMIT = 3 * 1024 * 1024 * 1024  # address space per run
SCHEMA = Path(__file__).resolve().parent.parent.parent / "shared" / "schemas" / "sarif-schema-2.1.0.json"
LOCAL_SCHEMA = Path(__file__).resolve().parent / "data" / "sarif-schema-2.1.0.json"

names = st.sampled_from(["f", "g", "deploy", "x", "svc", "orchestrator"])
words = st.sampled_from(["alpha", "beta", "$x", "${x}", "$1", "\"$@\"", "${A[@]}", "$(f)", "{1..3}", "'q'"])
odd = st.sampled_from(["\udcff", "\U0010ffff", "\u4e2d", "{\U000effff", "\r", "\t", "\\", "`", "\x7f", "\u3000",
                       ")" * 50, "|" * 30, "<<<", "$((", "${"])


@st.composite
def statement(draw: st.DrawFn, depth: int = 0) -> str:
    name, word = draw(names), draw(words)
    simple = [
        f"gcloud functions deploy {name} --gen2 --region=us-central1 --trigger-topic=t",
        f"gcloud run deploy {name} --region=us-central1 --no-allow-unauthenticated",
        f"gcloud run services add-iam-policy-binding {name} --region=us-central1 "
        "--member=serviceAccount:sa@p.iam.gserviceaccount.com --role=roles/run.invoker",
        "x=$x$x",  # growth
        f"x={word}",
        f"A=({word} {word})",
        f"source ./lib{draw(st.integers(0, 2))}.sh",
        f". ./lib{draw(st.integers(0, 2))}.sh",
        f"{name} {word}",  # a call (maybe recursive)
        f"eval \"{name} {word}\"",
        f"bash -c '{name}'",
        "echo " + draw(odd),
    ]
    if depth >= 3:
        return draw(st.sampled_from(simple))
    inner = draw(st.lists(statement(depth + 1), min_size=1, max_size=3))
    body = "\n".join(inner)
    compound = [
        f"for i in {word} {word}; do\n{body}\ndone",
        f"while [ \"$x\" != y ]; do\n{body}\ndone",
        f"if [ \"{word}\" = y ]; then\n{body}\nelse\n{body}\nfi",
        f"case \"{word}\" in\n  a) {inner[0]} ;;\n  *) {inner[-1]} ;;\nesac",
        f"{name}() {{\n{body}\n{name} {word}\n}}",  # recursion
        f"( {body.replace(chr(10), '; ')} )",
    ]
    return draw(st.sampled_from(simple + compound))


scripts = st.lists(statement(), min_size=1, max_size=8).map(lambda lines: "#!/bin/bash\nset -e\n" + "\n".join(lines))


def run(args: list[str], cwd: Path) -> tuple[subprocess.CompletedProcess[bytes], float]:
    def limits() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))

    start = time.monotonic()
    proc = subprocess.run([sys.executable, "-m", "shlint_iam", "check", *args], cwd=cwd, capture_output=True,
                          timeout=TIME_LIMIT, preexec_fn=limits)
    return proc, time.monotonic() - start


_VALIDATOR: jsonschema.Draft4Validator | None = None


def validator() -> jsonschema.Draft4Validator:
    global _VALIDATOR
    if _VALIDATOR is None:
        path = LOCAL_SCHEMA if LOCAL_SCHEMA.is_file() else SCHEMA
        _VALIDATOR = jsonschema.Draft4Validator(json.loads(path.read_text(encoding="utf-8")))
    return _VALIDATOR


@seed(20261202)
@settings(max_examples=EXAMPLES, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(main=scripts, second=scripts, libs=st.lists(scripts, min_size=3, max_size=3), raw=st.binary(max_size=64))
def test_generated_projects_get_an_answer(main: str, second: str, libs: list[str], raw: bytes) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "deploy.sh").write_bytes(main.encode("utf-8", "surrogateescape"))
        (root / "other.sh").write_bytes(second.encode("utf-8", "surrogateescape") + b"\n" + raw)
        for i, lib in enumerate(libs):
            (root / f"lib{i}.sh").write_bytes(lib.encode("utf-8", "surrogateescape"))
        outputs = {}
        for jobs in ("1", "2"):
            for fmt in ("concise", "sarif"):
                proc, took = run(["-j", jobs, "-f", fmt, "deploy.sh", "other.sh"], root)
                stderr = proc.stderr.decode("utf-8", "replace")
                assert "Traceback" not in stderr, stderr
                assert proc.returncode in (0, 1, 2), (proc.returncode, stderr)
                assert took < TIME_LIMIT
                outputs[jobs, fmt] = (proc.returncode, proc.stdout, proc.stderr)
                if fmt == "sarif":
                    log = json.loads(proc.stdout)
                    errors = sorted(validator().iter_errors(log), key=lambda e: list(e.path))
                    assert not errors, errors[0].message
        for fmt in ("concise", "sarif"):
            assert outputs["1", fmt] == outputs["2", fmt], fmt
