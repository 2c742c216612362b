"""Expansions and shell options whose results are subtle, checked against real bash.

Each snippet ends in ``printf '%s\\n' ...`` on a known line; the interpreter's arguments to that
printf (at that exact line and column) must be known and print what bash prints for the same
snippet. ``${!prefix@}``, ``${V@Q}`` and the other ``@`` operators, ``shopt -s lastpipe``.
"""

from __future__ import annotations

import shutil
import subprocess
import textwrap

import pytest

from shlint_iam.analysis import analyse
from shlint_iam.config import Config
from shlint_iam.shell.values import is_known
from shlint_iam.source import SourceFile

CASES = {
    "prefix-names": """
        SERVICE_ORDERS=orders
        SERVICE_BILLING=billing
        SERVICES=all
        OTHER_X=x
        declare -A SERVICE_MAP=([k]=v)
        printf '%s\\n' ${!SERVICE_@}
        """,
    "prefix-names-star-quoted-is-one-word": """
        SERVICE_B=b
        SERVICE_A=a
        printf '%s\\n' "${!SERVICE_*}"
        """,
    "prefix-names-at-quoted-one-word-each": """
        SERVICE_B=b
        SERVICE_A=a
        printf '%s\\n' "${!SERVICE_@}"
        """,
    "prefix-names-then-indirect": """
        SERVICE_ORDERS=orders-svc
        SERVICE_BILLING=billing-svc
        for v in "${!SERVICE_@}"; do
          printf '%s\\n' "$v=${!v}"
        done
        """,
    "prefix-none": """
        printf '%s\\n' start ${!NOSUCHPREFIX_@} end
        """,
    "quote": """
        A="it's here"
        B=plain
        C=""
        printf '%s\\n' "${A@Q}" "${B@Q}" "${C@Q}" ${B@Q}
        """,
    "case": """
        ENV=prod
        MIXED=hello-World
        printf '%s\\n' "${ENV@U}" "${MIXED@u}" "${MIXED@L}"
        """,
    "escapes": """
        SEP='\\x2d'
        TAB='a\\tb\\101\\q'
        printf '%s\\n' "fn${SEP@E}v2" "${TAB@E}"
        """,
    "prompt-without-escapes": """
        P='deploy> '
        printf '%s\\n' "${P@P}"
        """,
    "assignment-and-attributes": """
        NAME=orders
        export REGION=us-west2
        readonly PROJECT=p1
        declare -i COUNT=3
        LIST=(a b)
        declare -A MAP=([k]=v)
        printf '%s\\n' "${NAME@A}" "${REGION@A}" "${PROJECT@A}" "${COUNT@A}" "${NAME@a}" "${REGION@a}" \\
          "${PROJECT@a}" "${LIST@a}" "${MAP@a}"
        """,
    "array-elements": """
        FNS=(orders "billing v2")
        printf '%s\\n' "${FNS[@]@Q}" "${FNS[@]@U}"
        """,
    "lastpipe-keeps-assignments": """
        shopt -s lastpipe
        LAST=none
        printf 'orders\\nbilling\\n' | while read -r svc; do
          LAST=$svc
        done
        printf '%s\\n' "$LAST"
        """,
    "no-lastpipe-loses-assignments": """
        LAST=none
        printf 'orders\\nbilling\\n' | while read -r svc; do
          LAST=$svc
        done
        printf '%s\\n' "$LAST"
        """,
    "lastpipe-group-in-last-part": """
        shopt -s lastpipe
        echo x | { LAST=in-pipe; }
        printf '%s\\n' "$LAST"
        """,
    "tr-name-to-service-name": """
        APP=Order_Processor
        NAME=$(echo "$APP" | tr '[:upper:]_' '[:lower:]-')
        SHOUT=$(printf '%s' "$NAME" | tr 'a-z' 'A-Z')
        printf '%s\\n' "$NAME" "$SHOUT" "$(echo "a b  c" | tr -d ' ')" "$(echo "x y" | tr ' ' '\\n' | tr -d '\\n')"
        """,
    "xargs-per-item": """
        FUNCS="ingest enrich"
        LIST=$(echo "$FUNCS" | tr ' ' '\\n' | xargs -I{} echo "fn-{}" "{}-topic")
        printf '%s\\n' "$LIST"
        """,
    "xargs-n1-and-all": """
        A=$(printf 'a b\\nc\\n' | xargs -n 1 echo)
        B=$(printf 'a b\\nc\\n' | xargs echo)
        C=$(printf 'a b\\nc d\\n' | xargs -L 1 echo)
        printf '%s\\n' "$A" "$B" "$C"
        """,
    "read-array-from-csv": """
        FUNCTIONS="ingest,transform,publish"
        IFS=',' read -r -a FNS <<< "$FUNCTIONS"
        printf '%s\\n' "${#FNS[@]}" "${FNS[@]}"
        """,
    "read-names-last-takes-the-rest": """
        read -r NAME REGION REST <<< "  orders   us-central1 extra words  "
        printf '%s\\n' "[$NAME]" "[$REGION]" "[$REST]"
        """,
    "read-one-field-left-drops-its-delimiter": """
        IFS=, read -r A B <<< "a,b,"
        IFS=, read -r C <<< "a,b,"
        printf '%s\\n' "[$A]" "[$B]" "[$C]"
        """,
    "read-from-here-document-and-set-ifs": """
        OLD_IFS=$IFS
        IFS=:
        read -r SVC PORT <<EOF
        billing:8080
        EOF
        IFS=$OLD_IFS
        printf '%s\\n' "$SVC" "$PORT"
        """,
    "double-quoted-blanks-around-expansions": """
        A=api
        B=v2
        L=""
        for s in orders billing; do L="$L $s"; done
        printf '%s\\n' "$A $B" " " "$A  " "  $A" "[$L]" "$(echo x) $A" "${#A} $B"
        """,
}


def script(key: str) -> str:
    return textwrap.dedent(CASES[key]).lstrip("\n")


def interpreted(text: str) -> list[str]:
    """What the snippet's last printf line prints, by the interpreter (every run of it, in order;
    its arguments must be known)."""
    line = max(i + 1 for i, written in enumerate(text.splitlines()) if written.lstrip().startswith("printf '%s"))
    column = text.splitlines()[line - 1].index("printf") + 1
    source = SourceFile("snippet.sh", text)
    runs = [r for r in analyse(source, Config(), every_command=True).commands
            if r.name == "printf" and (r.span.start_line, r.span.start_col) == (line, column)]
    assert runs
    args = [a for r in runs for a in r.argv[2:]]
    assert all(is_known(a) for a in args), args
    return [a for a in args if isinstance(a, str)]


@pytest.mark.skipif(shutil.which("bash") is None, reason="bash is not installed")
@pytest.mark.parametrize("key", list(CASES))
def test_agrees_with_bash(key: str) -> None:
    text = script(key)
    bash = shutil.which("bash")
    assert bash is not None
    out = subprocess.run([bash, "-c", text], env={"PATH": "/usr/bin:/bin"}, capture_output=True, text=True,
                         timeout=30, check=True).stdout
    assert "\n".join(interpreted(text)) + "\n" == out


EXPECTED = {  # what bash prints, pinned (so that a bash on the machine that differs shows up too)
    "prefix-names": ["SERVICE_BILLING", "SERVICE_MAP", "SERVICE_ORDERS"],
    "prefix-names-star-quoted-is-one-word": ["SERVICE_A SERVICE_B"],
    "quote": ["'it'\\''s here'", "'plain'", "''", "'plain'"],
    "escapes": ["fn-v2", "a\tbA\\q"],
    "assignment-and-attributes": ["NAME='orders'", "declare -x REGION='us-west2'", "declare -r PROJECT='p1'",
                                  "declare -i COUNT='3'", "", "x", "r", "a", "A"],
    "lastpipe-keeps-assignments": ["billing"],
    "no-lastpipe-loses-assignments": ["none"],
}


@pytest.mark.parametrize("key", list(EXPECTED))
def test_interpreted_values(key: str) -> None:
    assert interpreted(script(key)) == EXPECTED[key]


# `read` from known input, against bash over many inputs, IFS values and shapes (one bash run).
READ_INPUTS = ["alpha,beta,gamma", "a, b ,c", "  lead  trail  ", "a,,b", "a,b,", ",a", "one two three four",
               "x:y:z", "a , , b", "single", "", "a\tb c"]
READ_IFS = [None, ",", ", ", ":", "", ",\t"]
READ_SHAPES = ["-a ARR", "A", "A B", "A B C D"]


def read_script() -> str:
    lines = []
    for text in READ_INPUTS:
        for ifs in READ_IFS:
            for shape in READ_SHAPES:
                prefix = "" if ifs is None else "IFS=$'" + ifs.replace("\t", "\\t") + "' "
                literal = "$'" + text.replace("\t", "\\t") + "'"
                lines.append(f"unset ARR A B C D; {prefix}read -r {shape} <<< {literal}")
                shown = '"n=${#ARR[@]}" "${ARR[@]}"' if shape.startswith("-a") else \
                    " ".join(f'"[${name}]"' for name in shape.split())
                lines.append(f"printf '%s\\n' {shown}")
    return "\n".join(lines) + "\n"


@pytest.mark.skipif(shutil.which("bash") is None, reason="bash is not installed")
def test_read_splits_as_bash_does() -> None:
    text = read_script()
    bash = shutil.which("bash")
    assert bash is not None
    out = subprocess.run([bash, "-c", text], env={"PATH": "/usr/bin:/bin"}, capture_output=True, text=True,
                         timeout=60, check=True).stdout
    runs = [r for r in analyse(SourceFile("snippet.sh", text), Config(), every_command=True).commands
            if r.name == "printf"]
    assert len(runs) == len(READ_INPUTS) * len(READ_IFS) * len(READ_SHAPES)
    args = [a for r in runs for a in r.argv[2:]]
    assert all(is_known(a) for a in args)
    assert "".join(f"{a}\n" for a in args if isinstance(a, str)) == out


def test_read_without_known_input_or_raw_mode_is_unknown() -> None:
    text = textwrap.dedent("""
        read -r FROM_TERMINAL
        read NO_RAW <<< 'a\\b'
        read -n 3 SOME <<< 'abcdef'
        printf '%s\\n' "$FROM_TERMINAL" "$NO_RAW" "$SOME"
        """).lstrip("\n")
    [run] = [r for r in analyse(SourceFile("snippet.sh", text), Config(), every_command=True).commands
             if r.name == "printf"]
    assert [is_known(a) for a in run.argv[2:]] == [False, False, False]
