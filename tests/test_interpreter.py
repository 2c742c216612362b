"""Each interpreter construct, shown through its effect on a finding (a deploy of function `f`
that needs a binding; the binding is what the construct hides or reveals)."""

from __future__ import annotations

import pytest
from ruletest import Case, triples

SA = "serviceAccount:1-compute@developer.gserviceaccount.com"
D = "gcloud functions deploy {name} --gen2 --region={region} --trigger-topic=t"
B = "gcloud functions add-invoker-policy-binding {name} --region={region} --member=" + SA


def deploy(name: str = "f", region: str = "r") -> str:
    return D.format(name=name, region=region)


def bind(name: str = "f", region: str = "r") -> str:
    return B.format(name=name, region=region)


UNBOUND = [("IAM001", 2, 1)]  # the deploy on line 2 (line 1 is `set -e`)

CASES = [
    # variables and expansions
    Case("assignment", f"set -e\n{deploy()}\nN=f\n{bind('$N')}\n"),
    Case("assignment-other-name", f"set -e\n{deploy()}\nN=g\n{bind('$N')}\n", UNBOUND),
    Case("braces", f"set -e\n{deploy()}\nN=f\n{bind('${N}')}\n"),
    Case("export", f"set -e\n{deploy()}\nexport N=f\n{bind('$N')}\n"),
    Case("readonly", f"set -e\n{deploy()}\nreadonly N=f\n{bind('$N')}\n"),
    Case("declare", f"set -e\n{deploy()}\ndeclare -r N=f\n{bind('$N')}\n"),
    Case("default-when-unset", f"set -e\n{deploy()}\n{bind('${N:-f}')}\n"),
    Case("env-switch-with-default-stays-open", f"set -e\n{deploy()}\nif [ \"${{SET_IAM:-false}}\" = true ]; then\n"
         f"  {bind()}\nfi\n", [("IAM008", 4, 3)]),
    Case("env-default-region-is-used-by-commands", f"set -e\nREGION=${{REGION:-r}}\n{deploy('f', '$REGION')}\n"
         f"{bind('f', 'r')}\n"),
    Case("env-default-region-mismatch", f"set -e\nREGION=${{REGION:-r}}\n{deploy('f', '$REGION')}\n"
         f"{bind('f', 'other')}\n", [("IAM003", 4, 1)]),
    Case("default-not-used-when-set", f"set -e\n{deploy()}\nN=g\n{bind('${N:-f}')}\n", UNBOUND),
    Case("assign-default", f"set -e\n{deploy()}\n: \"${{N:=f}}\"\n{bind('$N')}\n"),
    Case("dash-default", f"set -e\n{deploy()}\n{bind('${N-f}')}\n"),
    Case("strip-suffix", f"set -e\n{deploy()}\nN=f.sh\n{bind('${N%.sh}')}\n"),
    Case("strip-prefix", f"set -e\n{deploy()}\nN=dir/f\n{bind('${N#*/}')}\n"),
    Case("concatenation-and-quotes", f"set -e\n{deploy('ab-c')}\nA=a\n{bind(chr(34) + '$A' + chr(34) + 'b' + chr(39) + '-c' + chr(39))}\n"),
    Case("array-element", f"set -e\n{deploy()}\nA=(x f)\n{bind('${A[1]}')}\n"),
    Case("array-all-as-args", f"set -e\n{deploy()}\nARGS=(--region=r --member={SA})\n"
         "gcloud functions add-invoker-policy-binding f \"${ARGS[@]}\"\n"),
    Case("command-substitution-echo", f"set -e\n{deploy()}\nN=$(echo f)\n{bind('$N')}\n"),
    Case("lowercase-expansion", f"set -e\n{deploy('f')}\nN=F\n{bind('${N,,}')}\n"),
    # loops
    Case("for-known-list", "set -e\nfor n in f g; do\n  " + deploy("$n") + "\n  " + bind("$n") + "\ndone\n"),
    Case("for-skips-one", "set -e\nfor n in f g; do\n  " + deploy("$n") + "\ndone\n" + bind("f") + "\n",
         [("IAM001", 3, 3)]),
    Case("while-loop-may-not-run", f"set -e\n{deploy()}\nwhile read -r x; do\n  {bind()}\ndone < list\n",
         [("IAM008", 4, 3)]),
    # functions
    Case("function-args", "set -e\nd() {\n  " + deploy("$1") + "\n  " + bind("$1") + "\n}\nd f\n"),
    Case("function-args-all", "set -e\nrun() { \"$@\"; }\n" + deploy() + "\nrun " + bind() + "\n"),
    Case("function-args-slice", "set -e\nretry() { local n=$1; \"${@:2}\"; }\n" + deploy() + "\nretry 3 " + bind() + "\n"),
    Case("substring", f"set -e\n{deploy()}\nN=xf\n{bind('${N:1}')}\n"),
    Case("function-shift", "set -e\nd() {\n  shift\n  " + deploy("$1") + "\n}\nd x f\n" + bind() + "\n"),
    Case("function-return-before-binding", "set -e\nd() {\n  " + deploy() + "\n  return 0\n  " + bind()
         + "\n}\nd\n", [("IAM001", 3, 3)]),
    Case("function-defined-later-called", "set -e\nb() { " + bind() + "; }\n" + deploy() + "\nb\n"),
    # branches
    Case("if-known-true", f"set -e\n{deploy()}\nX=1\nif [ -n \"$X\" ]; then\n  {bind()}\nfi\n"),
    Case("if-known-false", f"set -e\n{deploy()}\nX=\nif [ -n \"$X\" ]; then\n  {bind()}\nfi\n", UNBOUND),
    Case("elif-else", f"set -e\n{deploy()}\nif [ \"$A\" = 1 ]; then\n  {bind()}\nelif [ \"$A\" = 2 ]; then\n"
         f"  {bind()}\nelse\n  {bind()}\nfi\n"),
    Case("and-list", f"set -e\n{deploy()}\n[ -n \"$X\" ] && {bind()}\n", [("IAM008", 3, 16)]),
    Case("or-list", f"set -e\n{deploy()}\n[ -z \"$X\" ] || {bind()}\n", [("IAM008", 3, 16)]),
    Case("negation", f"set -e\n{deploy()}\nX=1\nif ! [ -n \"$X\" ]; then exit 0; fi\n{bind()}\n"),
    Case("case-pattern-glob", f"set -e\n{deploy()}\nE=prod-eu\ncase $E in prod-*) {bind()} ;; esac\n"),
    # exits
    Case("exit-in-subshell-does-not-exit", f"set -e\n{deploy()}\n( exit 0 )\n{bind()}\n"),
    Case("exit-in-command-substitution", f"set -e\n{deploy()}\nX=$(exit 0)\n{bind()}\n"),
    Case("exit-inside-function", "set -e\ndone_() { exit 0; }\n" + deploy() + "\ndone_\n" + bind() + "\n",
         [("IAM001", 3, 1)]),
    # subshells, pipelines, command substitution
    Case("binding-in-subshell", f"set -e\n{deploy()}\n( {bind()} )\n"),
    Case("binding-in-pipeline", f"set -eo pipefail\n{deploy()}\n{bind()} | cat\n"),
    Case("binding-in-command-substitution", f"set -e\n{deploy()}\nOUT=$({bind()})\n"),
    Case("subshell-variables-do-not-leak", f"set -e\n{deploy()}\nN=f\n( N=g )\n{bind('$N')}\n"),
    Case("subshell-functions-do-not-leak", "set -e\n" + deploy() + "\nb() { " + bind() + "; }\n( b() { :; } )\nb\n"),
    Case("subshell-unset-function-does-not-leak", "set -e\n" + deploy() + "\nb() { " + bind() + "; }\n( unset -f b )\nb\n"),
    # eval and child shells
    Case("eval-runs-the-binding", f"set -e\n{deploy()}\neval \"{bind()}\"\n"),
    Case("eval-of-unknown-text", f"set -e\n{deploy()}\neval \"$CMD\"\n", UNBOUND),
    Case("bash-c-runs-the-binding", f"set -e\n{deploy()}\nbash -c '{bind()}'\n"),
    Case("bash-script-not-found-is-not-followed", f"set -e\n{deploy()}\nbash bind.sh\n", UNBOUND),
    # wrappers
    Case("timeout-wrapper", f"set -e\n{deploy()}\ntimeout 300 {bind()}\n"),
    Case("env-prefix", f"set -e\nCLOUDSDK_FUNCTIONS_REGION=r {deploy().replace(' --region=r', '')}\n{bind()}\n"),
]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_construct(case: Case) -> None:
    assert triples(case.script, ("IAM",)) == sorted(case.expected)


def test_deeply_nested_function_calls_are_bounded() -> None:
    script = "set -e\nf() { f; }\nf\n" + deploy() + "\n" + bind() + "\n"
    assert triples(script, ("IAM",)) == []


def test_huge_loop_is_not_unrolled_forever() -> None:
    items = " ".join(f"x{i}" for i in range(5000))
    script = f"set -e\nfor n in {items}; do\n  echo $n\ndone\n{deploy()}\n"
    assert triples(script, ("IAM",)) == [("IAM001", 5, 1)]


def test_scripts_that_never_reach_gcloud_are_not_interpreted() -> None:
    from shlint_iam.analysis import analyse, runs_gcloud
    from shlint_iam.config import Config
    from shlint_iam.source import SourceFile

    plain = SourceFile("plain.sh", "for f in *; do echo \"$f\"; done\n")
    assert not runs_gcloud(plain.text)
    assert analyse(plain, Config()).commands == []
    assert [r.name for r in analyse(plain, Config(), every_command=True).commands] == ["echo"]
    for text in ("gcloud version\n", ". ./lib.sh\n", "source lib.sh\n", "x; . lib.sh\n"):
        assert runs_gcloud(text), text


def test_a_command_read_once_runs_with_each_calls_values() -> None:
    """Each simple command's, expansion's and body's syntax is read once (``_plans``) and run
    with the values of each run: a function called three times, a loop."""
    from shlint_iam.parse import parse
    from shlint_iam.shell.interpreter import Interpreter
    from shlint_iam.source import SourceFile

    source = SourceFile("t.sh", "d() { gcloud run deploy \"$1\" --region=r \"${@:2}\"; }\nd a --x=1\nd b\n"
                                "for s in c e; do gcloud run deploy $s-x --region=r; done\nd\n")
    machine = Interpreter()
    machine.run(source, parse(source))
    assert [[w.text for w in run.words] for run in machine.commands] == [
        ["gcloud", "run", "deploy", "a", "--region=r", "--x=1"], ["gcloud", "run", "deploy", "b", "--region=r"],
        ["gcloud", "run", "deploy", "c-x", "--region=r"], ["gcloud", "run", "deploy", "e-x", "--region=r"],
        ["gcloud", "run", "deploy", "", "--region=r"],
    ]
    # "$1" and "--x=1" are reported where the call wrote them; the literal where the function wrote it
    assert [(w.span.start_line, w.span.start_col) for w in machine.commands[0].words[3:]] == [(2, 3), (1, 30), (2, 5)]
    assert [(w.span.start_line, w.span.start_col) for w in machine.commands[1].words[3:]] == [(3, 3), (1, 30)]
    read = sorted(node.type for node in machine._plans)  # each once, however often it ran
    assert read == ["command"] * 5 + ["compound_statement", "do_group", "expansion", "simple_expansion",
                                      "simple_expansion"]
