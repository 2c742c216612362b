"""No output, in any format, on any input, contains a private-use character or an internal label
(issue 11 section 2): every shipped example and every fixture script of the test suite, run through
the real CLI in every format, and generated scripts full of unknowns through every renderer."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st

from shlint_iam.config import Config
from shlint_iam.lint import Linter, run_guarded
from shlint_iam.report import FORMATS, ReportOptions, renderer

ROOT = Path(__file__).resolve().parent.parent
TESTS = ROOT / "tests"
PRIVATE_USE = re.compile("[\ue000-\uf8ff\U000f0000-\U0010ffff]")
# What the sentinel-string values used to leak (labels of atoms, their placeholder) and the
# reprs of the structured ones.
LABELS = ("<unknown>", "env:", "var:", "read:", "arg:", "runUrl:", "projectNumber:", "envdefault:", "prop:",
          "out:", "loop:", "url-region", "url-project", "Value((", "Unknown(", "flags-file:")
EXTRA = ["--extend-select", "IAM009,VAL001"]  # the rules that are off by default print values too


def _leaks(text: str, inputs: str) -> list[str]:
    """The private-use characters and internal labels in ``text`` that the inputs do not hold."""
    found = sorted({m.group(0) for m in PRIVATE_USE.finditer(text)})
    found += [label for label in LABELS if label in text and label not in inputs]
    return found


def _fixture_scripts() -> list[str]:
    """Every script the test suite lints: the case tables, and every string constant in a test
    module that runs gcloud or starts with a shebang (workflows, build configs and Makefiles among
    them: ``_corpus`` files each under a name its front end reads)."""
    scripts: list[str] = []
    sys.path.insert(0, str(TESTS))
    import test_interpreter
    import test_rules_err
    import test_rules_iam
    import test_values

    for table in (test_rules_iam.CASES, test_rules_err.CASES, test_rules_err.SH_CASES, test_interpreter.CASES):
        scripts += [textwrap.dedent(case.script).lstrip("\n") for case in table]
    scripts += [test_values.HEAD + case[1] for case in test_values.RENDERED]
    for path in sorted(TESTS.glob("test_*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and (
                    "gcloud " in node.value or node.value.startswith("#!")):
                scripts.append(textwrap.dedent(node.value).lstrip("\n"))
    return sorted(set(scripts))


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """A directory with every example and every fixture script, and their text joined."""
    root = tmp_path_factory.mktemp("corpus")
    texts = []
    for i, script in enumerate(_fixture_scripts()):
        if "runs-on" in script or "jobs:" in script:
            path = root / ".github" / "workflows" / f"fixture_{i:04d}.yml"
        elif "steps:" in script:
            path = root / f"cloudbuild_{i:04d}.yaml"
        elif "\n\t" in script and ":" in script.split("\n\t", 1)[0]:
            path = root / f"make_{i:04d}" / "Makefile"
        else:
            path = root / f"fixture_{i:04d}.sh"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(script, encoding="utf-8", errors="surrogateescape")
        texts.append(script)
    examples = sorted(p for p in (ROOT / "examples").rglob("*")
                      if p.is_file() and "plugin" not in p.parts and p.suffix not in (".md", ".toml", ".py"))
    assert len(examples) >= 24
    for p in examples:
        target = root / "examples" / p.relative_to(ROOT / "examples")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(p.read_bytes())
        texts.append(p.read_text(encoding="utf-8", errors="replace"))
    assert len(texts) > 250, len(texts)
    return root, "\n".join(texts)


@pytest.mark.parametrize("fmt", FORMATS)
def test_no_leak_in_any_format_over_examples_and_fixtures(corpus: tuple[Path, str], fmt: str) -> None:
    root, inputs = corpus
    proc = subprocess.run(
        [sys.executable, "-m", "shlint_iam", "check", "--no-color", "-f", fmt, *EXTRA, "."],
        cwd=root, capture_output=True, text=True, encoding="utf-8", errors="surrogateescape", check=False,
    )
    assert proc.returncode in (0, 1, 2), proc.stderr
    assert "Traceback" not in proc.stderr and "internal error" not in proc.stdout + proc.stderr
    assert len(proc.stdout) > 10_000  # the corpus has findings in plenty
    assert _leaks(proc.stdout, inputs) == []
    assert _leaks(proc.stderr, inputs) == []


# ----------------------------------------------------------------------------- generated scripts
unknown_word = st.sampled_from([
    '"$NAME"', "$1", '"$2"', '"${FN:-orchestrator}"', '"${ZONE%-*}"', '"$(gcloud config get-value project)"',
    '"$(cat name.txt)"', '"$fn"', '"$name"', '"${TOPICS[$fn]}"', '"${NAME,,}"', '"f-$((N+1))"', "orchestrator",
    '"$PROJECT_ID-doc-ready"', '"$URL"', '"$URL/push"', '"$PN-compute@developer.gserviceaccount.com"',
    '"`hostname`"', '"${!REF}"', '"${#ARR[@]}"', '"$?"', "$RANDOM", '"$PWD"',
])
sa = st.sampled_from([
    '"$SA"', "sa@p.iam.gserviceaccount.com", '"$SA_NAME@$PROJECT_ID.iam.gserviceaccount.com"',
    '"${PN}-compute@developer.gserviceaccount.com"', '"$(terraform output -raw sa)"',
])


@st.composite
def command(draw: st.DrawFn) -> str:
    name, region, project, topic = (draw(unknown_word) for _ in range(4))
    kind = draw(st.integers(0, 10))
    if kind == 0:
        return f"gcloud functions deploy {name} --gen2 --region={region} --trigger-topic={topic} --project={project}"
    if kind == 1:
        return f"gcloud functions deploy {name} --gen2 --region={region} --trigger-topic=t --service-account={draw(sa)}"
    if kind == 2:
        return f"URL=$(gcloud run services describe {name} --region {region} --project {project} --format='value(status.url)')"
    if kind == 3:
        return (f"gcloud pubsub subscriptions create sub --topic={topic} --push-endpoint={draw(unknown_word)} "
                f"--push-auth-service-account={draw(sa)}")
    if kind == 4:
        return (f"gcloud scheduler jobs create http {name} --schedule='* * * * *' --uri={draw(unknown_word)} "
                f"--oidc-service-account-email={draw(sa)}")
    if kind == 5:
        return (f"gcloud run services add-iam-policy-binding {name} --region={region} --project={project} "
                f"--member=serviceAccount:{draw(sa)} --role=roles/run.invoker")
    if kind == 6:
        return f"gcloud functions add-invoker-policy-binding {name} --region={region} --member={draw(unknown_word)}"
    if kind == 7:
        return f"PN=$(gcloud projects describe {project} --format='value(projectNumber)')"
    if kind == 8:
        return draw(st.sampled_from(["read -r name", "read fn", "NAME=$(basename \"$PWD\")", "gcloud config set project p",
                                     f"export CLOUDSDK_RUN_REGION={region}", "x=$x$x", f"source {name}.sh",
                                     f"gcloud projects add-iam-policy-binding {project} --member={draw(unknown_word)} "
                                     "--role=roles/editor"]))
    if kind == 9:
        return (f"gcloud eventarc triggers create tr --destination-run-service={name} --destination-run-region={region} "
                f"--event-filters=type=x --service-account={draw(sa)}")
    return f"gcloud functions add-iam-policy-binding {name} --member={draw(unknown_word)} --role=roles/run.viewer"


def _extend(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.one_of(
        st.tuples(inner, inner).map(lambda t: f"{t[0]}\n{t[1]}"),
        st.tuples(st.sampled_from(['"$@"', "$FUNCS", "a b", '"${FNS[@]}"', "$(ls)"]), inner)
        .map(lambda t: f"for fn in {t[0]}; do\n{t[1]}\ndone"),
        st.tuples(inner, inner).map(lambda t: f'if [ -n "$PROD" ]; then\n{t[0]}\nelse\n{t[1]}\nfi'),
        st.tuples(inner, inner).map(lambda t: f'case "$1" in\n  a) {t[0]} ;;\n  *) {t[1]} ;;\nesac'),
        inner.map(lambda s: f"deploy() {{\n{s}\n}}\ndeploy \"$1\" \"$REGION\""),
        inner.map(lambda s: f"while read -r name; do\n{s}\ndone < names.txt"),
        inner.map(lambda s: f"{s} || echo failed"),
    )


scripts: st.SearchStrategy[str] = st.recursive(command(), _extend, max_leaves=8)

LINTER = Linter(Config(select=["IAM", "ERR", "VAL", "COV", "SH", "SUP"]))
run_guarded(lambda: None, None)


@seed(20261202)
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scripts)
def test_generated_scripts_with_unknowns_never_leak(script: str) -> None:
    text = "#!/bin/bash\nset -euo pipefail\n" + script + "\n"
    result = LINTER.lint_text(text, "gen.sh")
    assert not [p for p in result.problems if "internal error" in p.message], result.problems
    for fmt in FORMATS:
        out = renderer(fmt)(result, LINTER.registry, ReportOptions(show_fixes=True))
        assert _leaks(out, text) == [], (fmt, out)
    for finding in result.findings:
        assert _leaks(finding.message + (finding.fix or ""), text) == []
