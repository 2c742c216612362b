"""GitHub Actions workflows: each ``run:`` step is a shell program, as the runner starts it.

- Shell and options as GitHub documents them for Linux runners: no ``shell:`` runs
  ``bash -e {0}`` (errexit, no pipefail); ``shell: bash`` runs
  ``bash --noprofile --norc -eo pipefail {0}``; ``shell: sh`` runs ``sh -e {0}``; a custom
  ``shell: bash -x {0}`` is read for its options; ``defaults.run.shell`` at workflow and job
  level; any other shell (``python``, ``pwsh``), and a job on a Windows runner without a shell,
  is not a shell script and is skipped. ``working-directory`` sets the directory the step
  starts in (relative to the repository root).
- ``env:`` at workflow, job and step level are the program's exported variables.
- ``${{ ... }}`` expressions are substituted into the text before the shell reads it, as the
  runner does: ``${{ env.NAME }}`` of a known ``env:`` value becomes that text, any other
  expression is an unknown shown as the expression.
- The steps of a job run in order in one shell each; gcloud configuration persists between
  the steps of a job (one machine), not between jobs. Jobs run in the order of ``needs:`` (then
  file order). A job or step with ``if:`` runs only on some paths.
- ``google-github-actions/deploy-cloudrun`` and ``google-github-actions/deploy-cloud-functions``
  steps are the gcloud command they amount to (their inputs as in their ``action.yml``);
  ``google-github-actions/setup-gcloud`` with ``project_id`` sets gcloud's project.

- A step output set from a variable, ``echo "url=$URL" >> "$GITHUB_OUTPUT"`` in a ``run:`` step
  with an ``id:``, is that variable's value at the end of the step in the later steps of the job
  that write ``${{ steps.<id>.outputs.url }}`` (not when the step has ``if:``, nor for an output
  written on a path of the script, on several lines, single-quoted, or from a variable set again
  after the write).
- A top-level ``echo "NAME=$VAR" >> "$GITHUB_ENV"`` (or a literal ``NAME=text``) in a ``run:`` step
  makes ``$NAME`` and ``${{ env.NAME }}`` of the later steps of the job that variable's value at
  the end of the step, over the workflow and job ``env:`` and under the reading step's own
  ``env:``, as the runner merges them. A name written any other way (or from a variable set again
  after the write), or by a step with ``if:``, is unknown in the later steps.

A workflow or action that GitHub refuses to load (a key written twice in one mapping, a step id
used twice in one job: :func:`refused`) runs nothing: it is one syntax error, nothing else.

A composite action's ``action.yml`` (``runs: using: composite``) is linted as one job of its
``runs.steps`` (``${{ inputs.x }}`` is the caller's value: an unknown); a workflow step that uses a
local action (``uses: ./...``) does not follow it into that file.

Not followed: reusable workflows (``jobs.<id>.uses``), local actions, matrices (a
``${{ matrix.x }}`` is an unknown), outputs written any other way, ``$GITHUB_ENV`` written
without a name on the line (``cat vars >> "$GITHUB_ENV"``), and outputs passed between jobs
(``needs.<job>.outputs``).
"""

from __future__ import annotations

import os
import re
from typing import Any

from ..shell.values import Val, is_known, written
from ..source import SourceFile
from . import yamlpos as Y
from .embedded import DocIndex, Document, Program, ScriptBuilder, Unknown, abstract_value, node_span

_EXPR = re.compile(r"\$\{\{(.*?)\}\}", re.S)
# a line that writes NAME to `$GITHUB_OUTPUT` or `$GITHUB_ENV` (whatever its value); an output's
# name may hold a dash
_LINE_WRITES = {
    file: re.compile(r"""^[^\n]*\b(?:echo|printf)\s+['"]?\s*(""" + name + r""")=[^\n]*>>\s*"?\$\{?""" + file
                     + r"\b", re.M)
    for file, name in (("GITHUB_OUTPUT", r"[A-Za-z_][\w-]*"), ("GITHUB_ENV", r"[A-Za-z_]\w*"))
}
# `{ echo "A=1"; echo "B=$X"; } >> "$GITHUB_ENV"`: each name in the group
_ENV_GROUP = re.compile(r"""\{([^{}]*)\}\s*>>\s*"?\$\{?GITHUB_ENV\b""")
_ENV_NAME = re.compile(r"""\b(?:echo|printf)\s+['"]?\s*([A-Za-z_]\w*)=""")
_ENV_REF = re.compile(r"\s*env\.([A-Za-z_][A-Za-z0-9_]*)\s*")


class _Scalar:
    """A scalar's value with the document offset of each character."""

    def __init__(self, doc_text: str, node: Any, parent: int = -1) -> None:
        self.value = str(node.value)
        self.offsets = Y.value_offsets(doc_text, node, parent)
        self.start = node.start_mark.index


def _expr_value(expr: str, env: dict[str, Val]) -> str | Unknown:
    ref = _ENV_REF.fullmatch(expr)
    value = env.get(ref.group(1)) if ref else None
    if value is not None and is_known(value):
        return value
    return Unknown("${{ " + " ".join(expr.split()) + " }}")


def _emit(builder: ScriptBuilder, scalar: _Scalar, env: dict[str, Val], quote: bool = False) -> None:
    """Add ``scalar``'s text, expressions substituted; ``quote``: as one single-quoted word."""
    value, offsets = scalar.value, scalar.offsets
    if quote:
        builder.add("'", offsets[0])
    pos = 0
    for m in _EXPR.finditer(value):
        _literal(builder, value[pos : m.start()], offsets[pos : m.start()], quote)
        builder.substitute(_expr_value(m.group(1), env), offsets[m.start()])
        pos = m.end()
    _literal(builder, value[pos:], offsets[pos : len(value)], quote)
    if quote:
        builder.add("'", offsets[-1])


def _literal(builder: ScriptBuilder, text: str, offsets: list[int], quote: bool) -> None:
    if not quote:
        builder.add(text, offsets)
        return
    for ch, at in zip(text, offsets, strict=False):
        builder.add("'\\''" if ch == "'" else ch, at)


def _env_value(scalar: _Scalar, env: dict[str, Val]) -> Val:
    parts: list[str | Unknown] = []
    pos = 0
    for m in _EXPR.finditer(scalar.value):
        parts.append(scalar.value[pos : m.start()])
        parts.append(_expr_value(m.group(1), env))
        pos = m.end()
    parts.append(scalar.value[pos:])
    return abstract_value(parts)


def _env(doc_text: str, node: Any, base: dict[str, Val]) -> dict[str, Val]:
    env = dict(base)
    for key, value in Y.items(node):
        if Y.is_scalar(value):
            text = Y.text(value)
            env[str(key.value)] = _env_value(_Scalar(doc_text, value, key.start_mark.column), env) if text else ""
    return env


def is_workflow(path: str, root: Any) -> bool:
    """A workflow: under ``.github/workflows/``, or a mapping with ``jobs:`` and ``on:``."""
    if not Y.is_map(root):
        return False
    keys = {str(k.value) for k, _ in Y.items(root)}
    return "jobs" in keys and ("on" in keys or "/.github/workflows/" in "/" + path.replace(os.sep, "/"))


def is_composite_action(root: Any) -> bool:
    """A composite action's ``action.yml``: ``runs: {using: composite, steps: [...]}``."""
    runs = Y.get(root, "runs") if Y.is_map(root) else None
    return Y.is_map(runs) and Y.text(Y.get(runs, "using")) == "composite" and Y.get(runs, "steps") is not None


def refused(root: Any, what: str) -> tuple[Any, str] | None:
    """Why GitHub refuses to load a workflow or action, and where (None: it loads): a key written
    twice in one mapping ("'run' is already defined"), or two steps of a job with the same
    ``id`` ("The identifier 'x' may not be used more than once within the same scope"). Nothing
    in such a file runs, whatever its steps say."""
    repeated = Y.repeated_key(root)
    if repeated is not None:
        key, first = repeated
        line = first.start_mark.line + 1
        return key, (f"not valid YAML: '{key.value}' is already defined (line {line}); GitHub rejects the {what} "
                     "and runs none of it")
    jobs = [Y.get(root, "runs")] if what == "action" else [job for _, job in Y.items(Y.get(root, "jobs"))]
    for job in jobs:
        ids: dict[str, Any] = {}
        for step in Y.elements(Y.get(job, "steps")):
            node = Y.get(step, "id")
            name = Y.text(node)
            if name is None:
                continue
            if name in ids:
                line = ids[name].start_mark.line + 1
                return node, (f"not a valid {what}: the step id '{name}' is used twice in one job (line {line}); "
                              f"GitHub rejects the {what} and runs none of it")
            ids[name] = node
    return None


def _shell(spec: str | None, windows: bool) -> tuple[bool, bool] | None:
    """(errexit, pipefail) of a step's shell; None: not a POSIX shell."""
    if spec is None:
        return None if windows else (True, False)
    spec = spec.strip()
    if spec == "bash":
        return (True, True)
    if spec == "sh":
        return (True, False)
    words = spec.split()
    if not words or os.path.basename(words[0]) not in ("bash", "sh", "dash", "ksh", "zsh"):
        return None
    errexit = pipefail = False
    i = 1
    while i < len(words):
        word = words[i]
        if word == "-o" and i + 1 < len(words):
            pipefail = pipefail or words[i + 1] == "pipefail"
            errexit = errexit or words[i + 1] == "errexit"
            i += 2
            continue
        if word.startswith("-") and not word.startswith("--"):
            errexit = errexit or "e" in word
            if "o" in word and i + 1 < len(words):
                pipefail = pipefail or words[i + 1] == "pipefail"
                errexit = errexit or words[i + 1] == "errexit"
                i += 1
        i += 1
    return (errexit, pipefail)


def _job_order(jobs: list[tuple[str, Any]]) -> list[tuple[str, Any]]:
    """Jobs in an order that respects ``needs:`` (file order otherwise)."""
    names = [name for name, _ in jobs]
    needs: dict[str, list[str]] = {}
    for name, job in jobs:
        node = Y.get(job, "needs")
        wanted = [Y.text(n) for n in Y.elements(node)] if Y.is_seq(node) else [Y.text(node)]
        needs[name] = [n for n in wanted if n and n in names]
    done: list[str] = []
    visiting: set[str] = set()

    def visit(name: str) -> None:
        if name in done or name in visiting:
            return
        visiting.add(name)
        for dep in needs.get(name, []):
            visit(dep)
        visiting.discard(name)
        done.append(name)

    for name in names:
        visit(name)
    by_name = dict(jobs)
    return [(name, by_name[name]) for name in done]


def _repo_root(doc: SourceFile) -> str:
    """The workspace the steps start in: the repository root above ``.github/workflows/`` (or
    ``.github/actions/``: a composite action's steps run in the calling job's workspace)."""
    real = doc.real_path or os.path.abspath(doc.path)
    parts = real.replace(os.sep, "/").split("/")
    for i in range(len(parts) - 2, 0, -1):
        if parts[i] == ".github" and parts[i + 1] in ("workflows", "actions"):
            return "/".join(parts[:i]) or "/"
    return os.path.dirname(real)


def _is_true(node: Any) -> bool:
    return Y.text(node) in ("true", "True", "TRUE")


def front_end(doc: SourceFile, index: DocIndex, root: Any) -> Document:
    text = doc.text
    out = Document()
    root_dir = _repo_root(doc)
    wf_env = _env(text, Y.get(root, "env"), {})
    wf_defaults = Y.get(Y.get(Y.get(root, "defaults"), "run"), "shell")
    wf_wd = Y.get(Y.get(Y.get(root, "defaults"), "run"), "working-directory")
    jobs = [(str(k.value), v) for k, v in Y.items(Y.get(root, "jobs"))]
    if is_composite_action(root):
        # its steps run one after the other in the calling job (`${{ inputs.x }}` is the caller's)
        jobs = [("runs", Y.get(root, "runs"))]
    for job_id, job in _job_order(jobs):
        if not Y.is_map(job):
            continue
        called = Y.get(job, "uses")
        if Y.text(called):
            out.not_followed(node_span(doc.path, index, called), "reusable workflows are not followed",
                             Y.text(called) or "", "called workflow")
            continue
        job_env = _env(text, Y.get(job, "env"), wf_env)
        job_if = Y.key_node(job, "if")
        runs_on = Y.get(job, "runs-on")
        runs_on_text = " ".join(Y.text(n) or "" for n in ([runs_on] if Y.is_scalar(runs_on) else Y.elements(runs_on)))
        windows = "windows" in runs_on_text.lower()
        env_written: set[str] = set()  # names earlier steps of the job write to $GITHUB_ENV
        job_run = Y.get(Y.get(job, "defaults"), "run")
        job_shell = Y.get(job_run, "shell") or wf_defaults
        job_wd = Y.get(job_run, "working-directory") or wf_wd
        for number, step in enumerate(Y.elements(Y.get(job, "steps")), start=1):
            if not Y.is_map(step):
                continue
            name = Y.text(Y.get(step, "name")) or Y.text(Y.get(step, "id")) or ""
            label = f"job {job_id}, step {number}" + (f" ({name})" if name else "")
            visible = dict(job_env)
            for written_name in env_written:  # the value an earlier step wrote, if it is known
                visible[written_name] = abstract_value([Unknown("${{ env." + written_name + " }}")])
            own_env = {str(k.value) for k, _ in Y.items(Y.get(step, "env"))}
            step_env = _env(text, Y.get(step, "env"), visible)
            reads = env_written - own_env  # a step's own `env:` wins over $GITHUB_ENV
            step_if = Y.key_node(step, "if")
            condition_node = step_if if step_if is not None else job_if
            condition = None
            if condition_node is not None:
                line, col = index.point(condition_node.start_mark.index)
                end_line, end_col = index.point(condition_node.end_mark.index)
                from ..model import Span

                condition = Span(doc.path, line, col, end_line, end_col)
            wd_node = Y.get(step, "working-directory") or job_wd
            cwd = root_dir
            if Y.text(wd_node):
                cwd = os.path.normpath(os.path.join(root_dir, Y.text(wd_node) or ""))
            builder = ScriptBuilder(out.placeholders, written)
            run_key = Y.key_node(step, "run")
            run = Y.get(step, "run")
            program: Program | None = None
            if run is not None and Y.is_scalar(run):
                shell_node = Y.get(step, "shell") or job_shell
                options = _shell(Y.text(shell_node), windows)
                if options is None:
                    continue
                _emit(builder, _Scalar(text, run, run_key.start_mark.column), step_env)
                program = Program(builder.build(doc, index, run.end_mark.index), label, env=step_env,
                                  errexit=options[0], pipefail=options[1])
                step_id = Y.text(Y.get(step, "id"))
                if step_id:
                    program.step_id = step_id
                    program.output_writes = _line_writes(Y.text(run) or "", "GITHUB_OUTPUT")
                program.env_writes = _env_writes(Y.text(run) or "")
                program.env_reads = reads
                env_written.update(program.env_writes)
            else:
                uses = Y.get(step, "uses")
                if not Y.is_scalar(uses):
                    continue
                program = _action(doc, index, text, builder, Y.text(uses) or "", uses, Y.get(step, "with"),
                                  step_env, label)
                if program is None:
                    _unfollowed_action(out, doc, index, uses, Y.get(step, "with"))
                    continue
                program.env_reads = reads
            program.cwd = cwd
            program.group = job_id
            program.condition = condition
            if _is_true(Y.get(step, "continue-on-error")):
                program.checked_by_runner = False
            out.programs.append(program)
    return out


def _line_writes(script: str, file: str) -> dict[str, int]:
    """The names a ``run:`` step writes to ``$file`` (``echo "NAME=..." >> "$GITHUB_OUTPUT"``),
    whatever their value, each with how many lines write it: a name also written elsewhere
    (another line, a path through an ``if``) is not the one value of one statement."""
    found: dict[str, int] = {}
    for m in _LINE_WRITES[file].finditer(script):
        found[m.group(1)] = found.get(m.group(1), 0) + 1
    return found


def _env_writes(script: str) -> dict[str, int]:
    """The names a ``run:`` step writes to ``$GITHUB_ENV`` (``echo "NAME=..." >> "$GITHUB_ENV"``),
    each with how many lines write it (the names of a ``{ ...; } >> "$GITHUB_ENV"`` group count
    too, so that they are unknown). ``GITHUB_*`` and ``RUNNER_*`` cannot be overwritten."""
    found = _line_writes(script, "GITHUB_ENV")
    for group in _ENV_GROUP.finditer(script):
        for m in _ENV_NAME.finditer(group.group(1)):
            found[m.group(1)] = found.get(m.group(1), 0) + 1
    return {name: count for name, count in found.items() if not name.startswith(("GITHUB_", "RUNNER_"))}


def _unfollowed_action(out: Document, doc: SourceFile, index: DocIndex, uses: Any, with_node: Any) -> None:
    """A local or composite action, or a deploy action whose inputs are not modelled, may run
    deploys: say so (SH001) rather than pass in silence."""
    name = (Y.text(uses) or "").strip()
    if not name:
        return
    action = name.split("@", 1)[0].lower()
    if name.startswith("./"):
        out.not_followed(node_span(doc.path, index, uses), "local actions are not followed", name, "action")
    elif action == _CLOUDRUN and Y.get(with_node, "service") is None:
        what = "`metadata:` service description" if Y.get(with_node, "metadata") is not None else "job"
        out.not_followed(node_span(doc.path, index, uses), f"a deploy from a {what} is not modelled", name,
                         "deploy action")
    elif action == _FUNCTIONS:
        out.not_followed(node_span(doc.path, index, uses), "the action has no `name:` input", name, "deploy action")


# -- deploy actions ---------------------------------------------------------------------------
_CLOUDRUN = "google-github-actions/deploy-cloudrun"
_FUNCTIONS = "google-github-actions/deploy-cloud-functions"
_SETUP = "google-github-actions/setup-gcloud"


def _action(doc: SourceFile, index: DocIndex, text: str, builder: ScriptBuilder, uses: str, uses_node: Any,
            with_node: Any, env: dict[str, Val], label: str) -> Program | None:
    action, _, version = uses.partition("@")
    action = action.strip().lower()
    inputs = {str(k.value): (k, v) for k, v in Y.items(with_node) if Y.is_scalar(v) and Y.text(v) is not None}
    at = uses_node.start_mark.index

    def flag(name: str, key: str) -> None:
        if key not in inputs:
            return
        k, v = inputs[key]
        builder.add(f" {name}=", k.start_mark.index)
        _emit(builder, _Scalar(text, v, k.start_mark.column), env, quote=True)

    if action == _SETUP:
        if "project_id" in inputs:
            k, v = inputs["project_id"]
            builder.add("gcloud config set project ", k.start_mark.index)
            _emit(builder, _Scalar(text, v, k.start_mark.column), env, quote=True)
            return Program(builder.build(doc, index), label, env=env, errexit=True)
        return None
    if action == _CLOUDRUN:
        if "service" not in inputs:
            return None  # `metadata:` (a YAML service description) or a job: not modelled
        builder.add("gcloud run deploy ", at)
        k, v = inputs["service"]
        _emit(builder, _Scalar(text, v, k.start_mark.column), env, quote=True)
        if "region" in inputs:
            flag("--region", "region")
        else:
            builder.add(" --region=us-central1", at)
        flag("--project", "project_id")
        flag("--image", "image")
        flag("--source", "source")
        if "flags" in inputs:
            k, v = inputs["flags"]
            builder.add(" ", k.start_mark.index)
            _emit(builder, _Scalar(text, v, k.start_mark.column), env)
        return Program(builder.build(doc, index), label, env=env, errexit=True)
    if action == _FUNCTIONS:
        if "name" not in inputs:
            return None
        builder.add("gcloud functions deploy ", at)
        k, v = inputs["name"]
        _emit(builder, _Scalar(text, v, k.start_mark.column), env, quote=True)
        environment = Y.text(inputs["environment"][1]) if "environment" in inputs else None
        # v0, v1 and v2 of the action deploy with the Cloud Functions v1 API: 1st gen only, with
        # their own inputs (`service_account_email`, `event_trigger_type` + `event_trigger_resource`)
        v1_api = re.fullmatch(r"v?[012](?:\.[0-9.]*)?", version.strip().lower()) is not None
        if environment == "GEN_1" or (environment is None and v1_api):
            builder.add(" --no-gen2", at)
        else:
            builder.add(" --gen2", at)
        if "region" in inputs:
            flag("--region", "region")
        else:
            builder.add(" --region=us-central1", at)
        flag("--project", "project_id")
        flag("--runtime", "runtime")
        flag("--entry-point", "entry_point")
        flag("--source", "source_dir")
        flag("--service-account", "service_account_email" if v1_api else "service_account")
        flag("--trigger-service-account", "event_trigger_service_account")
        flag("--trigger-location", "event_trigger_location")
        if "event_trigger_pubsub_topic" in inputs:
            flag("--trigger-topic", "event_trigger_pubsub_topic")
        elif v1_api and ("event_trigger_type" in inputs or "event_trigger_resource" in inputs):
            flag("--trigger-event", "event_trigger_type")  # (HTTP when no type is given)
            flag("--trigger-resource", "event_trigger_resource")
        elif "event_trigger_type" in inputs:
            k, v = inputs["event_trigger_type"]
            builder.add(" --trigger-event-filters=type=", k.start_mark.index)
            _emit(builder, _Scalar(text, v, k.start_mark.column), env, quote=True)
        else:
            builder.add(" --trigger-http", at)
        return Program(builder.build(doc, index), label, env=env, errexit=True)
    return None
