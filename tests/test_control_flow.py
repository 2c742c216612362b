"""Control flow as bash runs it: C-style loops, branches on values the analysis cannot know,
dispatch through names it cannot resolve, and read loops over known input (table tests: each
construct through the finding it changes, at an exact place)."""

from __future__ import annotations

import pytest
from ruletest import Case, lint_snippet, triples

SA = "serviceAccount:1-compute@developer.gserviceaccount.com"


def deploy(name: str = "f", region: str = "r") -> str:
    return f"gcloud functions deploy {name} --gen2 --region={region} --trigger-topic=t"


def bind(name: str = "f", region: str = "r") -> str:
    return f"gcloud functions add-invoker-policy-binding {name} --region={region} --member={SA}"


C_LOOP = (
    "set -e\n"
    "FUNCS=(alpha beta)\n"
    "for ((i = 0; i < ${#FUNCS[@]}; i++)); do\n"
    f"  {deploy('${FUNCS[$i]}')}\n"
    "{BIND}"
    "done\n"
)

CASES = [
    # for ((...))
    Case("c-style-loop-over-array", C_LOOP.replace("{BIND}", f"  {bind('${FUNCS[i]}')}\n")),
    Case("c-style-loop-missing-binding", C_LOOP.replace("{BIND}", ""), [("IAM001", 4, 3)],
         "this command deploys 2 event-invoked services"),
    Case("c-style-loop-binds-each-deployed", "set -e\nFUNCS=(alpha beta)\n" + deploy("alpha") + "\n"
         + deploy("beta") + "\nfor ((i = 0; i < ${#FUNCS[@]}; i++)); do\n  " + bind("${FUNCS[$i]}") + "\ndone\n"),
    Case("c-style-loop-count", "set -e\nN=2\nfor ((i=1; i<=N; i+=1)); do\n  " + deploy("f$i") + "\n  "
         + bind("f$i") + "\ndone\n" + bind("f3") + "\n"),
    Case("c-style-loop-arith-index", "set -e\nA=(x f y)\nfor ((i=0; i<1; i++)); do\n  " + deploy("${A[i+1]}")
         + "\ndone\n" + bind() + "\n"),
    Case("c-style-loop-unknown-bound-may-not-run", "set -e\n" + deploy() + "\nfor ((i=0; i<$1; i++)); do\n  "
         + bind() + "\ndone\n", [("IAM008", 4, 3)]),
    Case("arithmetic-expansion", "set -e\nn=1\n(( n += 1 ))\n" + deploy("f$((n * 2))") + "\n" + bind("f4") + "\n"),
    # branches on unknown values never pruned
    Case("elif-after-unknown-pwd", "set -e\nif [[ \"$(pwd)\" == */prod ]]; then\n  echo prod\n"
         "elif [[ \"$(pwd)\" == */staging ]]; then\n  " + deploy() + "\nfi\n", [("IAM001", 5, 3)]),
    Case("else-after-unknown-pwd", "set -e\nif [ \"$PWD\" = /srv/app ]; then\n  echo here\nelse\n  "
         + deploy() + "\nfi\n", [("IAM001", 5, 3)]),
    Case("pwd-after-cd-is-known", "set -e\ncd /srv/app\nif [ \"$(pwd)\" = /srv/app ]; then\n  " + deploy()
         + "\n  " + bind() + "\nfi\n"),
    # dispatch
    Case("dispatch-all-args", "set -e\ndeploy_api() {\n  " + deploy("api") + "\n}\ndeploy_worker() {\n  "
         + deploy("worker") + "\n  " + bind("worker") + "\n}\n\"$@\"\n", [("IAM001", 3, 3)]),
    Case("dispatch-first-arg", "set -e\ndeploy_api() {\n  " + deploy("api") + "\n}\n"
         "usage() { echo \"usage: $0 deploy_api\" >&2; exit 1; }\n\"$1\"\n", [("IAM001", 3, 3)]),
    Case("dispatch-env-function-name", "set -e\nmain() {\n  " + deploy() + "\n}\n\"${MAIN_FUNCTION}\"\n",
         [("IAM001", 3, 3)]),
    Case("dispatch-prefix", "set -e\ndeploy_api() {\n  " + deploy("api") + "\n}\nother() {\n  "
         + deploy("other") + "\n}\ndeploy_\"$1\"\n", [("IAM001", 3, 3), ("SH002", 5, 1)]),
    Case("dispatch-case-unknown-arg", "set -e\ndeploy() {\n  " + deploy() + "\n}\ncase \"$1\" in\n"
         "  deploy) deploy ;;\n  *) echo usage ;;\nesac\n", [("IAM001", 3, 3)]),
    Case("dispatch-task-list-from-input", "set -e\nbind_f() {\n  " + bind() + "\n}\n" + deploy()
         + "\nread -r -a TASKS\nfor t in \"${TASKS[@]}\"; do\n  \"$t\"\ndone\n", [("IAM008", 3, 3)]),
    # what dispatch cannot reach is said (SH002)
    Case("uncalled-function-is-unreached", "set -e\ndeploy_api() {\n  " + deploy("api") + "\n}\ndeploy_web() {\n  "
         + deploy("web") + "\n}\nif [ \"$1\" = api ]; then deploy_api; fi\n",
         [("IAM001", 3, 3), ("SH002", 5, 1)]),
    Case("dispatch-reaches-every-function", "set -e\ndeploy_api() {\n  " + deploy("api") + "\n}\ndeploy_web() {\n  "
         + deploy("web") + "\n}\n\"$@\"\n", [("IAM001", 3, 3), ("IAM001", 6, 3)]),
    Case("dispatch-by-prefix-leaves-the-rest-unreached", "set -e\ndeploy_api() {\n  " + deploy("api")
         + "\n}\nsetup_web() {\n  " + deploy("web") + "\n}\n\"deploy_$1\"\n",
         [("IAM001", 3, 3), ("SH002", 5, 1)]),
    # getopts over known arguments
    Case("getopts-in-function", "set -e\ndeploy_fn() {\n  local name='' region=''\n"
         "  while getopts \"n:r:h\" opt; do\n    case \"$opt\" in\n      n) name=$OPTARG ;;\n"
         "      r) region=$OPTARG ;;\n      *) return 1 ;;\n    esac\n  done\n  shift $((OPTIND - 1))\n  "
         + deploy("$name", "$region") + "\n  " + bind("$name", "$region") + "\n}\ndeploy_fn -n orders -r r\n"
         "deploy_fn -rr -n api\n"),
    Case("getopts-in-function-wrong-region", "set -e\ndeploy_fn() {\n  while getopts \"n:r:\" opt; do\n"
         "    case \"$opt\" in\n      n) name=$OPTARG ;;\n      r) region=$OPTARG ;;\n    esac\n  done\n  "
         + deploy("$name", "$region") + "\n  " + bind("$name", "r") + "\n}\ndeploy_fn -n orders -r other\n",
         [("IAM003", 10, 3)]),
    Case("getopts-over-script-arguments-may-not-run", "set -e\n" + deploy() + "\nwhile getopts \"b\" opt; do\n"
         "  " + bind() + "\ndone\n", [("IAM008", 4, 3)]),
    # while read over known input
    Case("while-read-heredoc", "set -e\nwhile read -r name region; do\n  " + deploy("$name", "$region") + "\n  "
         + bind("$name", "$region") + "\ndone <<EOF\nf r\ng s\nEOF\n"),
    Case("while-read-heredoc-runs-each-line", "set -e\nwhile read -r name; do\n  " + deploy("$name")
         + "\ndone <<'EOF'\nf\ng\nEOF\n" + bind("g") + "\n", [("IAM001", 3, 3)]),
    Case("while-read-heredoc-expands", "set -e\nN=f\nwhile IFS=: read -r name region; do\n  "
         + deploy("$name", "$region") + "\ndone <<EOF\n$N:r\nEOF\n" + bind() + "\n"),
    Case("while-read-herestring", "set -e\nLIST=\"f\ng\"\nwhile read -r name; do\n  " + deploy("$name") + "\n  "
         + bind("$name") + "\ndone <<< \"$LIST\"\n"),
    Case("while-read-pipe-from-printf", "set -e\nprintf '%s\\n' f | while read -r name; do\n  "
         + deploy("$name") + "\n  " + bind("$name") + "\ndone\n"),
    Case("while-read-unknown-input-may-not-run", "set -e\n" + deploy() + "\nwhile read -r x; do\n  " + bind()
         + "\ndone < list.txt\n", [("IAM008", 4, 3)]),
    Case("mapfile-herestring", "set -e\nmapfile -t NAMES <<< \"f\"\nfor n in \"${NAMES[@]}\"; do\n  "
         + deploy("$n") + "\n  " + bind("$n") + "\ndone\n"),
]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_control_flow(case: Case) -> None:
    assert triples(case.script, ("IAM", "ERR", "SH002")) == sorted(case.expected)
    if case.message and case.expected:
        first = next(f for f in lint_snippet(case.script).reported if f.code == case.expected[0][0])
        assert case.message in first.message, first.message
