"""Property tests: generated bash-like scripts and random bytes never crash the linter,
findings are deterministic, and a file on disk lints like the same bytes given as text."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shlint_iam.config import Config
from shlint_iam.lint import Linter, lint_text, run_guarded

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

names = st.sampled_from(["f", "orchestrator", "phase3-to-phase4", "svc", "$NAME", "${FN:-x}", '"$1"', "$(echo f)"])
regions = st.sampled_from(["us-central1", "europe-west1", "$REGION", '"${REGION}"'])
members = st.sampled_from([
    "serviceAccount:sa@p.iam.gserviceaccount.com", "allUsers", "user:me@example.com", "sa@p", '"$SA"',
])
roles = st.sampled_from(["roles/run.invoker", "roles/run.viewer", "roles/owner", "roles/cloudfunctions.invoker"])
flags = st.sampled_from([
    "--gen2", "--no-gen2", "--trigger-http", "--allow-unauthenticated", "--quiet", "-q", "--project=p",
    "--trigger-topic=t", "--trigger-topic t", "--trigger-bucket=b", "--service-account=sa@p.iam.gserviceaccount.com",
    "--trigger-event-filters=type=x", "--flags-file=f.yaml", "--format=json", "--source=.", "--runtime=python311",
])


@st.composite
def gcloud(draw: st.DrawFn) -> str:
    kind = draw(st.sampled_from(["deploy", "run-bind", "fn-bind", "invoker", "project-bind", "other", "delete"]))
    name = draw(names)
    extra = " ".join(draw(st.lists(flags, max_size=4)))
    region = f"--region={draw(regions)}" if draw(st.booleans()) else ""
    track = draw(st.sampled_from(["", "beta ", "alpha "]))
    if kind == "deploy":
        return f"gcloud {track}functions deploy {name} {region} {extra}"
    if kind == "run-bind":
        return (f"gcloud run services add-iam-policy-binding {name} {region} "
                f"--member={draw(members)} --role={draw(roles)}")
    if kind == "fn-bind":
        return f"gcloud functions add-iam-policy-binding {name} --member={draw(members)} --role={draw(roles)}"
    if kind == "invoker":
        return f"gcloud functions add-invoker-policy-binding {name} {region} --member={draw(members)}"
    if kind == "project-bind":
        return f"gcloud projects add-iam-policy-binding p --member={draw(members)} --role={draw(roles)}"
    if kind == "delete":
        return f"gcloud functions delete {name} {region} --quiet"
    return draw(st.sampled_from([
        "gcloud config set project p", "gcloud config set functions/region europe-west1",
        f"gcloud run services get-iam-policy {name} --format=json", "gcloud pubsub topics create t",
        f"gcloud eventarc triggers create tr --destination-run-service={name} --service-account=sa@p",
    ]))


simple = st.one_of(
    gcloud(),
    st.sampled_from([
        "echo hello", "set -e", "set +e", "set -euo pipefail", "set -o pipefail", "exit 0", "exit 1", "return",
        "true", "false", ":", 'REGION="us-central1"', "export CLOUDSDK_CORE_PROJECT=p", "NAME=orchestrator",
        "local x=$(date)", "cd \"$(dirname \"$0\")\"", 'source "$(dirname "$0")/lib.sh"', "trap 'echo err' ERR",
        "shift", "break", "continue", 'echo "$(gcloud functions list)"', "# gcloud functions deploy f",
        "readarray -t xs < <(ls)", "declare -A m=([a]=b)", "printf '%s\\n' \"${xs[@]}\"", "f", "deploy_all",
    ]),
)


def _indent(body: str) -> str:
    return "\n".join("  " + line for line in body.split("\n"))


scripts: st.SearchStrategy[str] = st.recursive(
    simple,
    lambda inner: st.one_of(
        st.tuples(inner, inner).map(lambda t: f"{t[0]}\n{t[1]}"),
        st.tuples(inner, inner).map(lambda t: f"{t[0]} && {t[1]}"),
        st.tuples(inner, st.sampled_from(["true", ":", "echo failed", "exit 1", "{ echo x; exit 1; }"]))
        .map(lambda t: f"{t[0]} || {t[1]}"),
        st.tuples(inner, st.sampled_from(["tee log", "grep -q x", "cat"])).map(lambda t: f"{t[0]} | {t[1]}"),
        st.tuples(inner, inner).map(lambda t: f"if {t[0].splitlines()[0]}; then\n{_indent(t[1])}\nfi"),
        st.tuples(inner, inner, inner).map(lambda t: f"if [ -n \"$X\" ]; then\n{t[0]}\nelif true; then\n{t[1]}\nelse\n{t[2]}\nfi"),
        st.tuples(st.sampled_from(["a b c", '"$@"', "$(ls)", "orchestrator svc"]), inner)
        .map(lambda t: f"for f in {t[0]}; do\n{_indent(t[1])}\ndone"),
        st.tuples(inner, inner).map(lambda t: f"case \"$1\" in\n  prod) {t[0]} ;;\n  *)\n{t[1]}\n  ;;\nesac"),
        st.tuples(st.sampled_from(["f", "deploy_all", "bind"]), inner)
        .map(lambda t: f"{t[0]}() {{\n{_indent(t[1])}\n}}"),
        inner.map(lambda s: f"x=$({s.splitlines()[0]})"),
        inner.map(lambda s: f"( {s} )"),
        inner.map(lambda s: f"while read -r line; do\n{s}\ndone < file"),
        inner.map(lambda s: f"cat <<EOF\n{s}\nEOF"),
        inner.map(lambda s: f'echo "{s.splitlines()[0]}"'),
        inner.map(lambda s: f"'{s}'"),
    ),
    max_leaves=12,
)
# Break the grammar sometimes: cut, duplicate or insert odd characters.
mangled = st.tuples(scripts, st.integers(0, 400), st.sampled_from(["", "(", ")", '"', "'", "`", "$(", "{", "\r", "\x00", "\udcff", "\\"])).map(
    lambda t: t[0][: t[1]] + t[2] + t[0][t[1]:]
)

LINTER = Linter(Config())
# The linter raises the recursion limit on its first use; do it now so that hypothesis does
# not see it change during a test.
run_guarded(lambda: None, None)


def _facts(result: object) -> list[tuple[object, ...]]:
    return [(f.code, f.span, f.message, f.suppressed) for f in result.findings]  # type: ignore[attr-defined]


def _no_internal_error(result: object) -> None:
    bad = [p.message for p in result.problems if "internal error" in p.message]  # type: ignore[attr-defined]
    assert not bad, bad


@SETTINGS
@given(st.one_of(scripts, mangled))
def test_generated_scripts_never_crash_and_are_deterministic(text: str) -> None:
    first = LINTER.lint_text(text, "gen.sh")
    _no_internal_error(first)
    second = LINTER.lint_text(text, "gen.sh")
    assert _facts(first) == _facts(second)


@SETTINGS
@given(st.binary(max_size=2000))
def test_random_bytes_never_crash(data: bytes) -> None:
    result = lint_text(data, "bytes.sh")
    _no_internal_error(result)
    # Exit 2 only for input that is not text (a NUL byte): it is not linted (issue 12). A UTF-16
    # or UTF-32 byte-order mark makes the bytes that text, in which a NUL is a NUL character.
    from shlint_iam.source import as_utf8

    assert result.exit_code() in ((2,) if b"\0" in as_utf8(data) else (0, 1))
    for f in result.findings:
        assert f.span.start_line >= 1 and f.span.start_col >= 1


@SETTINGS
@given(st.one_of(scripts.map(lambda s: s.encode("utf-8", "surrogateescape")), st.binary(max_size=500)))
def test_file_on_disk_agrees_with_text(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "deploy.sh"
        path.write_bytes(data)
        on_disk = LINTER.lint_paths([str(path)], jobs=1)
        as_text = LINTER.lint_text(data, str(path))
    _no_internal_error(on_disk)
    assert _facts(on_disk) == _facts(as_text)
    assert [(p.message, p.fatal) for p in on_disk.problems] == [(p.message, p.fatal) for p in as_text.problems]
    from shlint_iam.source import as_utf8

    # Not text (a NUL character, after decoding a UTF-16/32 byte-order mark): not linted either way.
    if b"\0" in as_utf8(data):
        assert on_disk.files == [] and on_disk.exit_code() == as_text.exit_code() == 2
        return
    assert os.path.basename(on_disk.files[0]) == "deploy.sh"
