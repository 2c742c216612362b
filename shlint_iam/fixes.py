"""Automatic fixes of the built-in rules, Ruff style, and applying fixes to a text.

A fixer looks at a finding and the file it is in and returns a :class:`~shlint_iam.model.Fix`
(edits in the finding's file, each safe or unsafe), or None when it cannot fix that case. The
linter attaches the fix to the finding (``Finding.autofix``) after the rules ran, so rules stay
free of editing code; a plugin rule may set ``autofix`` itself.

Applying (:func:`apply_fixes`) takes the fixes in order of position and skips one whose edits
overlap an edit already taken (identical edits, such as the one `set -euo pipefail` for several
ERR001 findings, are applied once); `check --fix` then lints again and repeats until nothing is
left to fix (:data:`MAX_PASSES`).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, cast

from .bindfix import fix_binding, fix_iam003
from .fixtree import Tree as _Tree
from .lazyre import lazy
from .model import SAFE, UNSAFE, Edit, Finding, Fix
from .records import replace

if TYPE_CHECKING:
    from .core import FileContext

MAX_PASSES = 10
FIX_MAX_BYTES = 1024 * 1024  # larger scripts get no automatic fixes (the suggestion text stays)

Fixer = Callable[["FileContext", Finding, "_Tree"], "Fix | None"]

# What each fixable built-in rule's fix does and when it is safe: `shlint-iam rule CODE` shows it.
FIX_DOCS: dict[str, tuple[str, str]] = {
    "ERR001": (
        "sometimes",
        "inserts `set -euo pipefail` after the shebang (or after the comment block that starts the script), "
        "once per file. Safe when nothing in the script relies on failing silently; unsafe (only with "
        "`--unsafe-fixes`) when the script reads `$?`, has pipelines (`pipefail` changes their status), "
        "expands variables it never sets without a default (`-u` stops there), or lets a delete fail before "
        "creating the same resource again (`-e` stops at \"not found\" on a first run).",
    ),
    "ERR002": (
        "safe",
        "splits `local x=$(cmd)` (also `declare`, `typeset`, `export`) into `local x` and `x=$(cmd)` on the "
        "next line, so that `set -e` sees `cmd` fail (`readonly x=$(cmd)` becomes `x=$(cmd)` and "
        "`readonly x`).",
    ),
    "IAM001": (
        "unsafe",
        "inserts the missing invoker binding (`gcloud functions add-invoker-policy-binding NAME`, or `gcloud run "
        "services add-iam-policy-binding NAME --role=roles/run.invoker` for a Cloud Run service) on a line of its "
        "own right after the deploy's statement, in the same block and indentation: inside the loop body or "
        "function that deploys, so that it uses the same words as the deploy for name, `--region`, `--project` "
        "and the service account (`\"$svc\"`, `--region=\"$REGION\"`). Unsafe: it grants a role. Not offered "
        "when a value has no word in the script that means the same there (the project number of the default "
        "compute account, a flag from an array), nor for a deploy that runs in the background (`&`) or has a "
        "here-document.",
    ),
    "IAM003": (
        "unsafe",
        "sets the binding's `--region` / `--project` to the deployed service's: the deploy's own word when both "
        "commands run in the same function (or both outside one), else the value when it is known; it replaces "
        "the flag's value or adds the flag after the service name. A binding that names the service by its full "
        "path (`projects/P/locations/R/functions/NAME`, which wins over the flags) gets the deploy's project and "
        "region in the path, when the path is plain text and those values are known. Not offered for a name "
        "that differs only in case, for a binding that already serves another deploy of the name, or one meant "
        "for deploys in different places. Unsafe: it changes which service the grant goes to.",
    ),
    "IAM004": (
        "safe",
        "rewrites `gcloud functions add-iam-policy-binding NAME --role=roles/cloudfunctions.invoker` for a "
        "gen2 function into `gcloud functions add-invoker-policy-binding NAME` with the same name, region, "
        "project and member.",
    ),
    "IAM008": (
        "unsafe",
        "inserts the invoker binding unconditionally right after the deploy, as IAM001's fix does (the conditional "
        "one stays; a binding is idempotent). Unsafe: it grants a role on every path.",
    ),
}


def fix_doc(code: str) -> str | None:
    """One paragraph for `shlint-iam rule CODE`: the fix and its applicability."""
    doc = FIX_DOCS.get(code)
    if doc is None:
        return None
    applicability, text = doc
    return f"Fix ({applicability}): {text}"


# -- attaching fixes -----------------------------------------------------------------------------


def attach_fixes(ctx: FileContext, findings: list[Finding]) -> list[Finding]:
    """``findings`` with the built-in fixes attached where a fixer can fix them."""
    if not any(f.code in FIXERS and f.autofix is None for f in findings):
        return findings
    if len(ctx.source.data) > FIX_MAX_BYTES:
        return findings  # no automatic fixes for generated giants: their analysis budget is for the rules
    tree = _Tree(ctx.source)
    out = []
    for f in findings:
        fixer = FIXERS.get(f.code)
        if fixer is not None and f.autofix is None and f.path == ctx.source.path:
            try:
                fix = fixer(ctx, f, tree)
            except (IndexError, ValueError, AttributeError):  # a fixer never breaks linting
                fix = None
            if fix is not None:
                f = replace(f, autofix=fix)
        out.append(f)
    return out


# -- ERR001: set -euo pipefail -------------------------------------------------------------------

_SET_PLUS_E = lazy(r"(?m)^\s*set\s+(?:[-+][a-zA-Z]*\s+)*(?:\+[a-zA-Z]*e|\+o\s+errexit)")
_SPECIAL = set("@*#?$!-_0123456789") | {
    "HOME", "PATH", "USER", "PWD", "OLDPWD", "SHELL", "IFS", "RANDOM", "SECONDS", "LINENO", "BASH_SOURCE",
    "BASH_LINENO", "FUNCNAME", "BASH_VERSION", "HOSTNAME", "UID", "EUID", "PPID", "BASHPID", "TERM",
}
_ASSIGNED = lazy(r"(?m)(?:^|[\s;&|(])(?:(?:local|declare|typeset|export|readonly)\s+(?:-\w+\s+)*)?"
                       r"([A-Za-z_][A-Za-z0-9_]*)(?:\[[^]]*\])?\+?=")
_READ_TARGETS = lazy(r"(?m)\b(?:read|mapfile|readarray)\b([^;&|\n]*)")
_FOR_VAR = lazy(r"\bfor\s+([A-Za-z_][A-Za-z0-9_]*)\s+in\b|\bfor\s+([A-Za-z_][A-Za-z0-9_]*)\s*;")
_EXPANSION = lazy(
    r"\$(?:\{([#!]?)([A-Za-z_][A-Za-z0-9_]*|[0-9]+|[@*#?$!-])([^}]*)\}|([A-Za-z_][A-Za-z0-9_]*|[0-9@*#?$!-]))"
)


def _insertion_line(lines: list[str]) -> int:
    """The line before which `set -euo pipefail` goes: after the shebang and the comment block
    that follows it (or that starts a script without a shebang)."""
    index = 0
    if lines and lines[0].startswith("#!"):
        index = 1
    while index < len(lines) and lines[index].lstrip().startswith("#"):
        index += 1
    return index + 1


def _unset_expansions(text: str, code: str) -> bool:
    """Whether the script expands a variable it never sets, without a default (`set -u` would stop)."""
    assigned = {m.group(1) for m in _ASSIGNED().finditer(text)}
    for m in _READ_TARGETS().finditer(text):
        assigned.update(w for w in re.findall(r"[A-Za-z_][A-Za-z0-9_]*", m.group(1)) if not w.startswith("-"))
    for m in _FOR_VAR().finditer(text):
        assigned.add(m.group(1) or m.group(2))
    assigned.update(re.findall(r"(?m)^\s*(?:function\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*\(\)", text))
    for m in _EXPANSION().finditer(code):
        prefix, braced, rest, plain = m.group(1), m.group(2), m.group(3), m.group(4)
        name = braced or plain
        if name in ("@", "*", "#", "?", "$", "!", "-", "0") or (name in _SPECIAL and not name.isdigit()):
            continue
        if braced and (prefix == "#" and name in ("@", "*")):
            continue
        if braced and re.match(r"(?::?[-=+?])", rest or ""):
            continue  # ${X:-default}, ${X-}, ${X:=...}, ${X:+...}, ${X:?...}
        if name.isdigit() or name not in assigned:
            return True
    return False


def _scan(tree: _Tree) -> tuple[str, bool]:
    """The script without its comments (expansions in comments do not run), and whether it has
    a pipeline: one walk of the tree, cached on it (a large script has many comments)."""
    cached = getattr(tree, "_scan", None)
    if cached is not None:
        return cast("tuple[str, bool]", cached)
    data = tree.source.data
    kept: list[bytes] = []
    last = 0
    pipeline = False
    cuts: list[tuple[int, int]] = []
    stack = [tree.root]
    while stack:
        node = stack.pop()
        kind = node.type
        if kind == "comment":
            cuts.append((node.start_byte, node.end_byte))
            continue
        if kind == "pipeline":
            pipeline = True
        if node.child_count:
            stack.extend(node.children)
    for start, end in sorted(cuts):
        kept.append(data[last:start])
        last = max(last, end)
    kept.append(data[last:])
    result = (b"".join(kept).decode("utf-8", "surrogatepass"), pipeline)
    tree._scan = result  # type: ignore[attr-defined]
    return result


def fix_err001(ctx: FileContext, finding: Finding, tree: _Tree) -> Fix | None:
    span = finding.span
    node = tree.node_at(span.start_line, span.start_col, span.start_line, span.start_col)
    while node is not None:
        if node.type in ("heredoc_body", "heredoc_redirect"):
            return None  # a script in a here-document: the top of this file is not its top
        node = node.parent
    text = ctx.source.text
    code, pipeline = _scan(tree)
    if _SET_PLUS_E().search(code):
        return None  # errexit is turned off on purpose somewhere: inserting it at the top is not the fix
    if "ignores `set -e`" in finding.message or "which bash ignores there anyway" in finding.message:
        return None  # bash ignores errexit where this step runs (left of `&&`...): inserting it is no fix
    relies = re.search(r"\$\{?\?", code) is not None or pipeline or _unset_expansions(text, code) \
        or _deletes_before_recreating(ctx)
    line = _insertion_line(ctx.source.lines)
    newline = "\r\n" if ctx.source.text.split("\n", 1)[0].endswith("\r") else "\n"
    return Fix(
        title="add `set -euo pipefail` at the top of the script",
        edits=(Edit.insert(line, 1, "set -euo pipefail" + newline),),
        applicability=UNSAFE if relies else SAFE,
    )


def _deletes_before_recreating(ctx: FileContext) -> bool:
    """Whether the script lets a delete fail on purpose before creating the same resource again
    (`gcloud run jobs delete "$JOB" --quiet`, then `... create "$JOB"`): under `set -e` its first
    run would stop at "not found"."""
    from .steps import deployment_steps, recreated

    steps = list(deployment_steps(ctx))
    return any(run.status == "propagates" and run.errexit == "off" and recreated(run, steps) for run in steps)


# -- ERR002: local x=$(cmd) ----------------------------------------------------------------------

_DECLARERS = ("local", "declare", "typeset", "export", "readonly")


def fix_err002(ctx: FileContext, finding: Finding, tree: _Tree) -> Fix | None:
    span = finding.span
    node = tree.node_at(span.start_line, span.start_col, span.end_line, span.end_col)
    while node is not None and node.type != "declaration_command":
        node = node.parent
    if node is None:
        return None
    words = [c for c in node.children if c.type != "comment"]
    if len(words) != 2 or words[1].type != "variable_assignment":
        return None  # flags (`local -r`) or several names: not split automatically
    keyword = tree.text(words[0])
    if keyword not in _DECLARERS:
        return None
    assignment = words[1]
    name_node = assignment.child_by_field_name("name")
    if name_node is None or name_node.type != "variable_name":
        return None
    name = tree.text(name_node)
    value = tree.text(assignment)
    if "$(" not in value and "`" not in value:
        return None
    line_start = ctx.source.line_text(node.start_point[0] + 1)
    indent = line_start[: len(line_start) - len(line_start.lstrip())]
    if keyword == "readonly":
        replacement = f"{value}\n{indent}readonly {name}"
    else:
        replacement = f"{keyword} {name}\n{indent}{value}"
    (sl, sc), (el, ec) = tree.start(node), tree.end(node)
    return Fix(
        title=f"split `{keyword} {name}=...` so that `set -e` sees the command fail",
        edits=(Edit(sl, sc, el, ec, replacement),),
        applicability=SAFE,
    )


# -- IAM004: add-iam-policy-binding --role=roles/cloudfunctions.invoker on gen2 ----------------

_ROLE = "roles/cloudfunctions.invoker"


def _public_member(texts: list[str]) -> bool:
    """Whether the command's ``--member`` is allUsers or allAuthenticatedUsers."""
    for i, t in enumerate(texts):
        value = t[len("--member="):] if t.startswith("--member=") else \
            texts[i + 1] if t == "--member" and i + 1 < len(texts) else None
        if value in ("allUsers", "allAuthenticatedUsers"):
            return True
    return False


def fix_iam004(ctx: FileContext, finding: Finding, tree: _Tree) -> Fix | None:
    if "gen2" not in finding.message or _ROLE not in finding.message:
        return None
    span = finding.span
    node = tree.node_at(span.start_line, span.start_col, span.end_line, span.end_col)
    while node is not None and node.type != "command":
        node = node.parent
    if node is None:
        return None
    words = [c for c in node.children if c.type not in ("comment", "file_redirect", "heredoc_redirect")]
    texts = [_unquote(tree.text(w)) for w in words]
    if len(texts) < 3 or texts[0] != "gcloud":
        return None
    try:
        sub = texts.index("add-iam-policy-binding")
    except ValueError:
        return None
    if "functions" not in texts[:sub]:
        return None
    if "still cannot call it" in finding.message and _public_member(texts):
        return None  # an event-invoked function: keeping allUsers would make it public (the fix names its invoker)
    role_words: list[int] = []
    for i, t in enumerate(texts):
        if t == f"--role={_ROLE}":
            role_words = [i]
        elif t == "--role" and i + 1 < len(texts) and texts[i + 1] == _ROLE:
            role_words = [i, i + 1]
    if not role_words:
        return None
    edits = [Edit(*tree.start(words[sub]), *tree.end(words[sub]), "add-invoker-policy-binding")]
    first, last = words[role_words[0]], words[role_words[-1]]
    before = words[role_words[0] - 1]
    # Delete from the end of the word before the role to the end of the role: its line
    # continuation and indentation go with it, the next word keeps its own.
    edits.append(Edit(*tree.end(before), *tree.end(last), ""))
    del first
    return Fix(
        title="use `gcloud functions add-invoker-policy-binding` (it grants roles/run.invoker on a gen2 function)",
        edits=tuple(edits),
        applicability=SAFE,
    )


def _unquote(word: str) -> str:
    if len(word) >= 2 and word[0] == word[-1] and word[0] in "\"'":
        return word[1:-1]
    return re.sub(r"""(=)(["'])(.*)\2$""", r"\1\3", word)


FIXERS: dict[str, Fixer] = {
    "ERR001": fix_err001,
    "ERR002": fix_err002,
    "IAM001": fix_binding,
    "IAM003": fix_iam003,
    "IAM004": fix_iam004,
    "IAM008": fix_binding,
}


# -- applying ------------------------------------------------------------------------------------


def _offsets(text: str) -> list[int]:
    starts = [0]
    for index, char in enumerate(text):
        if char == "\n":
            starts.append(index + 1)
    return starts


def _offset(starts: list[int], text: str, line: int, col: int) -> int:
    if line - 1 >= len(starts):
        return len(text)
    return min(starts[line - 1] + col - 1, len(text))


def apply_fixes(text: str, fixes: Iterable[Fix]) -> tuple[str, int]:
    """``text`` with ``fixes`` applied (in position order; a fix that overlaps one already taken
    is left for the next pass; identical edits count once), and the number of fixes applied."""
    starts = _offsets(text)
    taken: list[tuple[int, int, str]] = []
    applied = 0

    def overlaps(a: tuple[int, int, str], b: tuple[int, int, str]) -> bool:
        if a == b:
            return False
        if a[0] == a[1] and b[0] == b[1]:
            return a[0] == b[0]  # two different insertions at one place: order unclear
        return a[0] < b[1] and b[0] < a[1] or (a[0] == a[1] and b[0] < a[0] < b[1]) or (
            b[0] == b[1] and a[0] < b[0] < a[1])

    ordered = sorted(fixes, key=lambda fx: min((e.start_line, e.start_col) for e in fx.edits) if fx.edits else (0, 0))
    for fix in ordered:
        edits = [(_offset(starts, text, e.start_line, e.start_col), _offset(starts, text, e.end_line, e.end_col),
                  e.content) for e in fix.edits]
        if not edits or any(overlaps(e, t) for e in edits for t in taken):
            continue
        new = [e for e in edits if e not in taken]
        if not new and all(e in taken for e in edits):
            applied += 1  # the same edit as another fix's: applied once, counts as fixed
            continue
        taken.extend(new)
        applied += 1
    out = text
    for start, end, content in sorted(taken, key=lambda e: (e[0], e[1]), reverse=True):
        out = out[:start] + content + out[end:]
    return out, applied


# -- fixing a file -------------------------------------------------------------------------------


def fix_text(lint: Callable[[str], list[Finding]], text: str, unsafe: bool) -> tuple[str, int]:
    """``text`` fixed until nothing is left to fix (at most MAX_PASSES lint-and-fix passes), and
    the number of fixes applied. ``lint`` gives the reported findings of a text (in this file).

    Each pass is checked by linting again: a pass that would turn a parsing script into one with
    a syntax error is not applied. A fix is known by its rule and title; when a pass leaves a
    fixed finding in place or makes a finding of another rule appear, its fixes are tried one at
    a time and only those that remove their finding and add nothing are kept. No fix is applied
    twice, so two fixes that undo each other (a binding inserted for one deploy, then pointed at
    another deploy of the same name) cannot take turns until the passes run out."""
    total = 0
    done: set[tuple[str, str]] = set()
    findings = lint(text)
    syntax_ok = not any(f.code == "SH000" for f in findings)
    for _ in range(MAX_PASSES):
        chosen = [f for f in findings if f.autofix is not None and (unsafe or f.autofix.safe)
                  and _key(f) not in done]
        if not chosen:
            break
        done |= {_key(f) for f in chosen}
        new, count = apply_fixes(text, [f.autofix for f in chosen if f.autofix is not None])
        if new == text:
            break
        after = lint(new)
        if not _worked(chosen, findings, after, syntax_ok):
            new, count, after = _one_at_a_time(lint, text, findings, chosen, syntax_ok)
            if not count:
                break
        text, findings = new, after
        total += count
    return text, total


def _key(f: Finding) -> tuple[str, str]:
    return (f.code, f.autofix.title if f.autofix is not None else "")


def _said(findings: list[Finding]) -> Counter[tuple[str, str]]:
    """What the findings say, without line numbers (lines move when lines are inserted)."""
    return Counter((f.code, re.sub(r"\blines? \d+", "line N", f.message)) for f in findings)


def _worked(chosen: list[Finding], before: list[Finding], after: list[Finding], syntax_ok: bool) -> bool:
    """Whether fixing ``chosen`` removed them and made no finding of another rule appear."""
    if syntax_ok and any(f.code == "SH000" for f in after):
        return False
    fixed = {_key(f) for f in chosen}
    if any(f.autofix is not None and _key(f) in fixed for f in after):
        return False
    # A finding of another rule must not appear; one of the fixed rule may (ERR001's message
    # changes once `set -e` is on) when that rule has fewer findings than before.
    codes = {f.code for f in chosen}
    appeared = {code for code, _ in _said(after) - _said(before)}
    fewer = {code for code in codes
             if sum(f.code == code for f in after) < sum(f.code == code for f in before)}
    return appeared <= fewer


def _one_at_a_time(lint: Callable[[str], list[Finding]], text: str, findings: list[Finding],
                   chosen: list[Finding], syntax_ok: bool) -> tuple[str, int, list[Finding]]:
    count = 0
    for f in chosen:
        current = next((g for g in findings if _key(g) == _key(f) and g.autofix is not None), None)
        if current is None or current.autofix is None:
            continue  # fixed along with another one
        new, applied = apply_fixes(text, [current.autofix])
        if not applied or new == text:
            continue
        after = lint(new)
        if _worked([current], findings, after, syntax_ok):
            text, findings, count = new, after, count + applied
    return text, count, findings
