"""The automatic fixes that write gcloud invoker commands: IAM001/IAM008 insert the missing
binding after the deploy, IAM003 points a binding at the deployed service's region and project.

Both are unsafe (``--fix --unsafe-fixes``): they grant a role, or change which service a grant
goes to. The commands use the script's own words: the binding is inserted right after the
deploy's statement, in the same block (a loop body, a function body, an ``if`` branch), so the
deploy's name, ``--region``, ``--project`` and service-account words -- ``"$svc"``,
``--region="$REGION"`` -- mean there what they meant in the deploy. A value no word of the script
holds is written as :func:`~shlint_iam.shell.values.shell_word` renders it, and only when it is
known text or an environment variable the script never sets; otherwise (the project number of a
default compute account, a value from ``read``) there is no fix, only the suggestion.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .lazyre import lazy
from .model import UNSAFE, Edit, Finding, Fix, Span

if TYPE_CHECKING:
    from .core import FileContext
    from .fixtree import Tree as _Tree
    from .gcloud.argv import Flag
    from .gcloud.facts import Binding, Deploy, Invoker
    from .invokers import Outcome, Requirement
    from .shell.trace import CommandRun
    from .shell.values import Val

# Values whose rendering means the same anywhere in the script: known text, an environment
# variable the script never sets, a gcloud property.
_PORTABLE_KINDS = ("env", "env-default", "property")

# A statement ends where its parent holds statements; a condition is not such a place.
_BODIES = {"program", "compound_statement", "do_group", "subshell", "else_clause", "elif_clause",
           "case_item", "if_statement", "while_statement", "function_definition"}


def fix_binding(ctx: FileContext, finding: Finding, tree: _Tree) -> Fix | None:
    """IAM001 / IAM008: insert the invoker binding right after the deploy's statement."""
    from .frontends.names import is_document
    from .gcloud.facts import Deploy

    if is_document(ctx.source.path):
        return None  # a workflow or Makefile: its words are YAML or make text, not the script's
    outcomes = _by_place(ctx).get((finding.code, finding.span), [])
    if not outcomes:
        return None
    commands = set()
    anchors = set()
    for outcome in outcomes:
        req = outcome.requirement
        deploy = req.anchor
        if not isinstance(deploy, Deploy):
            return None  # no deploy in this script: nowhere to put the binding
        anchors.add(deploy.span)
        command = _binding_command(tree, req, deploy)
        if command is None:
            return None
        commands.add(command)
    if len(commands) != 1 or len(anchors) != 1:
        return None
    (command,) = commands
    edit = _insert_after_statement(tree, outcomes[0].requirement.anchor.span, command)
    if edit is None:
        return None
    return Fix(title=f"add `{command}` after the deploy", edits=(edit,), applicability=UNSAFE)


def _by_place(ctx: FileContext) -> dict[tuple[str, Span], list[Outcome]]:
    """The outcomes IAM001 and IAM008 report, by code and the span they are reported at (once per
    file: a script with 5,000 deploys has 5,000 findings)."""
    from .invokers import invoker_analysis

    def index() -> dict[tuple[str, Span], list[Outcome]]:
        found: dict[tuple[str, Span], list[Outcome]] = {}
        for outcome in invoker_analysis(ctx).outcomes:
            if not outcome.unbound:
                continue
            req = outcome.requirement
            if outcome.bound:
                where = outcome.satisfying[0] if outcome.satisfying else req.anchor
                found.setdefault(("IAM008", where.span), []).append(outcome)
            else:
                found.setdefault(("IAM001", req.anchor.span), []).append(outcome)
        return found

    result: dict[tuple[str, Span], list[Outcome]] = ctx.cached("bindfix:places", index)
    return result


def _binding_command(tree: _Tree, req: Requirement, deploy: Deploy) -> str | None:
    from .invokers import invoker_command

    if req.identity is None or req.resource != "service":
        return None
    run = deploy.run
    cmd = run.gcloud
    if cmd is None or not cmd.positionals or cmd.has("--flags-file"):
        return None
    name = _word_text(tree, run, cmd.positionals[0].span)
    region = _flag_option(tree, run, "--region")
    project = _flag_option(tree, run, "--project")
    member = _member(tree, req, deploy)
    if name is None or region is None or project is None or member is None:
        return None
    return invoker_command(deploy.kind == "function", name, member, region, project)


def _member(tree: _Tree, req: Requirement, deploy: Deploy) -> str | None:
    """The --member word: from the deploy's own service-account flag when that is where the
    identity comes from, else the identity rendered when it means the same anywhere."""
    from .shell.values import is_known

    if req.origin is deploy and deploy.invoker_source.startswith("--"):
        flag = deploy.run.gcloud.last(deploy.invoker_source)
        text = _flag_value_text(tree, deploy.run, flag) if flag is not None else None
        if text is None:
            return None
        if flag is not None and is_known(flag.value) and str(flag.value).startswith("serviceAccount:"):
            return text
        if text[:1] in "\"'":
            return f"{text[0]}serviceAccount:{text[1:]}"
        return f"serviceAccount:{text}"
    return _portable(req.identity)


def _portable(value: Val | None) -> str | None:
    from .shell.values import is_known, iter_unknowns, shell_word

    if value is None:
        return None
    if not is_known(value) and any(u.kind not in _PORTABLE_KINDS for u in iter_unknowns(value)):
        return None
    return shell_word(value)


def _flag_option(tree: _Tree, run: CommandRun, name: str) -> str | None:
    """`` --name=WORD`` as the command writes it; "" when it has no such flag (the binding then
    gets the value from the same place: gcloud's configuration or default); None when the
    flag's word cannot be copied (an array expansion, a flag inside another word)."""
    flag = run.gcloud.last(name)
    if flag is None:
        return ""
    text = _flag_value_text(tree, run, flag)
    return None if text is None else f" {name}={text}"


def _flag_value_text(tree: _Tree, run: CommandRun, flag: Flag) -> str | None:
    """The source text of ``flag``'s value: after the ``=`` of ``--flag=VALUE`` (a quote that
    opens the word stays), or the word after ``--flag``."""
    words = run.words
    if not isinstance(flag.span, Span):
        return None
    index = next((i for i, w in enumerate(words) if w.span == flag.span), None)
    text = _word_text(tree, run, flag.span)
    if index is None or text is None or not isinstance(flag.name, str):
        return None
    word = words[index].text
    if isinstance(word, str) and word.startswith(flag.name + "="):
        quote = text[0] if text[:1] in "\"'" else ""
        body = text[len(quote):]
        if not body.startswith(flag.name + "="):
            return None
        value = quote + body[len(flag.name) + 1 :]
        return value if value not in ("", '""', "''") else None
    if index == 0 or words[index - 1].text != flag.name or words[index - 1].span == flag.span:
        return None
    return text


def _word_text(tree: _Tree, run: CommandRun, span: Span) -> str | None:
    """The source text of one word of ``run``; None when the span holds several words (an
    array or unquoted expansion) or spans lines."""
    if sum(1 for w in run.words if w.span == span) != 1 or span.start_line != span.end_line:
        return None
    start = tree.byte_offset(span.start_line, span.start_col)
    end = tree.byte_offset(span.end_line, span.end_col)
    text = tree.source.data[start:end].decode("utf-8", "surrogatepass")
    return text or None


def _statement(tree: _Tree, span: Span) -> Any:
    """The statement a command belongs to: the node whose parent holds statements (a condition
    of `if`/`while` is not one: the whole `if` is)."""
    node = tree.node_at(span.start_line, span.start_col, span.end_line, span.end_col)
    while node is not None and node.type != "command":
        node = node.parent
    while node is not None and node.parent is not None:
        parent = node.parent
        if parent.type in _BODIES and not _is_condition(parent, node):
            return node
        node = parent
    return None


def _is_condition(parent: Any, node: Any) -> bool:
    if parent.type not in ("if_statement", "elif_clause", "while_statement"):
        return False
    return any(c.id == node.id for c in parent.children_by_field_name("condition"))


def _insert_after_statement(tree: _Tree, span: Span, command: str) -> Edit | None:
    """An edit that puts ``command`` on a line of its own right after the statement of the
    command at ``span``, in that statement's indentation."""
    from .placement import between_statements, can_insert_line_before

    statement = _statement(tree, span)
    if statement is None or _has_heredoc(statement):
        return None
    source = tree.source
    root = tree.root
    first_line = source.line_text(statement.start_point[0] + 1)
    indent = first_line[: len(first_line) - len(first_line.lstrip(" \t"))]
    end_line, end_col = tree.end(statement)
    line = source.line_text(end_line)
    rest = line[end_col - 1 :].rstrip("\r")
    newline = "\r\n" if source.lines[end_line - 1].endswith("\r") else "\n"
    tail = rest.strip()
    if tail.startswith("&") and not tail.startswith("&&"):
        return None  # the deploy runs in the background: a binding right after it would race it
    if rest.rstrip().endswith("\\"):
        return None
    if not tail or tail.startswith("#") or (tail.startswith(";") and tail[1:].strip()[:1] in ("", "#")
                                            and not tail.startswith(";;")):
        # Nothing else on the line: the binding goes on the next line.
        if end_line < len(source.lines):
            if not can_insert_line_before(source, root, end_line + 1):
                return None
            return Edit.insert(end_line + 1, 1, f"{indent}{command}{newline}")
        return Edit.insert(end_line, len(line.rstrip("\r")) + 1, f"{newline}{indent}{command}")
    if not between_statements(source, root, statement.end_byte):
        return None
    if statement.parent is not None and statement.parent.type != "program":
        indent += "  "  # a one-line block (`if ...; then deploy; fi`): the binding goes in its body
    return Edit.insert(end_line, end_col, f"{newline}{indent}{command}")


def _has_heredoc(node: Any) -> bool:
    stack = [node]
    while stack:
        current = stack.pop()
        if current.type == "heredoc_redirect":
            return True
        stack.extend(current.children)
    return False


# -- IAM003: the binding's region and project -----------------------------------------------------


def fix_iam003(ctx: FileContext, finding: Finding, tree: _Tree) -> Fix | None:
    """Set the binding's --region / --project to the deployed service's."""
    from .frontends.names import is_document
    from .gcloud.facts import Binding, Deploy, ServiceRef
    from .invokers import Match, same_service

    if "lower-case" in finding.message or is_document(ctx.source.path):
        return None
    spans: dict[Span, Binding] = ctx.cached(
        "bindfix:spans", lambda: {b.span: b for b in reversed(list(ctx.facts(Binding)))})
    binding = spans.get(finding.span)
    if binding is None or binding.target is None or binding.run.gcloud is None:
        return None
    serving, missed = _binding_roles(ctx)
    if id(binding) in serving:
        return None  # it grants another deploy of the name: moving it would take that grant away
    anchors = missed.get(id(binding), [])
    meant = [d for d in anchors if isinstance(d, Deploy)]
    if len(meant) != len(anchors):
        return None
    if not meant:
        meant = [d for d in ctx.facts(Deploy) if d.service.name == binding.target.name][-1:]
    if len({(d.service.region, d.service.project) for d in meant}) != 1:
        return None  # none, or meant for deploys in different places: which one is for people to say
    deploy = meant[-1]
    target, svc = binding.target, deploy.service
    path = _full_path_edit(tree, binding, deploy)
    if path is not None:
        return path
    if binding.run.gcloud.positionals and "/" in str(binding.run.gcloud.positionals[0].text):
        return None  # a full path that is not plain text: its region and project win over the flags
    edits: list[Edit] = []
    changed: list[str] = []
    for flag, wrong in (
        ("--region", same_service(ServiceRef(svc.name, target.region, svc.project), svc) is Match.NO),
        ("--project", same_service(ServiceRef(svc.name, svc.region, target.project), svc) is Match.NO),
    ):
        if not wrong and not (binding.run.gcloud.last(flag) is None and deploy.run.gcloud is not None
                              and deploy.run.gcloud.last(flag) is not None):
            continue  # right, or left to gcloud's configuration where the deploy names it: made explicit
        value = _deploy_value(tree, deploy, binding, flag)
        edit = _set_flag(tree, binding, flag, value) if value is not None else None
        if edit is None:
            return None
        edits.append(edit)
        changed.append(f"{flag[2:]} ({value})")
    if not edits:
        return None
    return Fix(title=f"use the {' and '.join(changed)} of the service deployed at line {deploy.span.start_line}",
               edits=tuple(edits), applicability=UNSAFE)


_FULL_PATH = lazy(r"^(projects/)([^/]+)(/locations/)([^/]+)(/(?:services|functions)/[^/]+)$")
_PLAIN = lazy(r"[A-Za-z0-9-]+")


def _full_path_edit(tree: _Tree, binding: Binding, deploy: Deploy) -> Fix | None:
    """For a binding that names the service by its full path (``projects/P/locations/R/...``,
    which wins over --region/--project): the path with the deploy's project and region, when the
    path is written as plain text and the deploy's values are known."""
    from .shell.values import is_known

    cmd = binding.run.gcloud
    if not cmd.positionals or not is_known(cmd.positionals[0].text):
        return None
    word = cmd.positionals[0]
    match = _FULL_PATH().match(str(word.text))
    if match is None:
        return None
    source = _word_text(tree, binding.run, word.span)
    region, project = deploy.service.region, deploy.service.project
    if source not in (word.text, f'"{word.text}"', f"'{word.text}'") or not (
            is_known(region) and is_known(project) and _PLAIN().fullmatch(str(region))
            and _PLAIN().fullmatch(str(project))):
        return None
    new = f"{match.group(1)}{project}{match.group(3)}{region}{match.group(5)}"
    if new == word.text:
        return None
    span = word.span
    return Fix(title=f"name the service deployed at line {deploy.span.start_line}: {new}",
               edits=(Edit(span.start_line, span.start_col, span.end_line, span.end_col, new),),
               applicability=UNSAFE)


def _binding_roles(ctx: FileContext) -> tuple[set[int], dict[int, list[Deploy | Invoker]]]:
    """The bindings (by id) that satisfy some requirement, and for each IAM003 near miss the
    anchors of the requirements it was meant for; once per file."""
    from .invokers import invoker_analysis

    def index() -> tuple[set[int], dict[int, list[Deploy | Invoker]]]:
        serving: set[int] = set()
        missed: dict[int, list[Deploy | Invoker]] = {}
        for outcome in invoker_analysis(ctx).outcomes:
            serving.update(id(b) for b in outcome.satisfying)
            for miss in outcome.near_misses:
                if miss.code == "IAM003":
                    missed.setdefault(id(miss.binding), []).append(outcome.requirement.anchor)
        return serving, missed

    result: tuple[set[int], dict[int, list[Deploy | Invoker]]] = ctx.cached("bindfix:bindings", index)
    return result


def _deploy_value(tree: _Tree, deploy: Deploy, binding: Binding, flag: str) -> str | None:
    """The deploy's region or project as a word for the binding: the deploy's own word when both
    commands run in the same function (or both outside one), else the value when it is known."""
    from .shell.values import is_known, shell_word

    own = deploy.run.gcloud.last(flag) if deploy.run.gcloud is not None else None
    if own is not None and deploy.run.function == binding.run.function:
        text = _flag_value_text(tree, deploy.run, own)
        if text is not None:
            return text
    value = deploy.service.region if flag == "--region" else deploy.service.project
    return shell_word(value) if is_known(value) else None


def _set_flag(tree: _Tree, binding: Binding, flag: str, value: str) -> Edit | None:
    run = binding.run
    cmd = run.gcloud
    current = cmd.last(flag)
    if current is None:
        if not cmd.positionals or "/" in str(cmd.positionals[0].text):
            return None
        name = cmd.positionals[0].span
        if _word_text(tree, run, name) is None:
            return None
        return Edit.insert(name.end_line, name.end_col, f" {flag}={value}")
    if _flag_value_text(tree, run, current) is None:
        return None
    span = current.span
    word = next(w for w in run.words if w.span == span).text
    content = f"{flag}={value}" if isinstance(word, str) and word.startswith(flag + "=") else value
    assert isinstance(span, Span)
    return Edit(span.start_line, span.start_col, span.end_line, span.end_col, content)
