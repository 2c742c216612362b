"""Cloud Build configs: each build step is a program, in file order; a failing step stops the build.

- ``entrypoint: gcloud`` with ``args: [...]``, or the gcloud builder (``gcr.io/cloud-builders/gcloud``,
  whose image's entrypoint is gcloud) with no entrypoint: one gcloud command, each argument one word.
- The Cloud SDK images (``gcr.io/google.com/cloudsdktool/cloud-sdk``, ``.../google-cloud-cli``,
  ``google/cloud-sdk``) have no gcloud entrypoint: with none given, the first argument is the
  program (``args: [gcloud, run, deploy, ...]``, ``args: [bash, -c, SCRIPT]``).
- ``entrypoint: bash`` (or ``sh``, ``/bin/bash`` ...) with ``args: ['-c', SCRIPT, ...]``: ``bash -c``
  runs SCRIPT, with errexit only when the options before ``-c`` say so (``-ec``); the arguments
  after SCRIPT are ``$0``, ``$1`` ...
- ``script:``: run by the shell its shebang names, ``/bin/sh`` without one (as Cloud Build
  documents); substitutions are not applied to it, only environment variables
  (``options.automapSubstitutions`` maps substitutions to variables).
- Substitutions are applied to ``args``, ``env``, ``entrypoint`` and ``dir`` before the step
  runs: ``$_NAME``/``${_NAME}`` from the file's ``substitutions:`` defaults (known text), built-in
  ones (``$PROJECT_ID``, ``$COMMIT_SHA`` ...) and user ones without a default are unknowns shown as
  written; ``$$`` is a literal ``$``.
- ``options.env`` and step ``env`` (``KEY=VALUE`` lists) are exported variables; gcloud's project
  is the build's project (``$PROJECT_ID``); ``allowFailure: true`` steps do not stop the build.

- A shell entrypoint with a script file (``args: ['deploy.sh', ...]``) is ``bash deploy.sh ...``
  as on a command line (followed as the interpreter follows child scripts).

Not followed: ``waitFor`` (steps are taken in file order), ``secretEnv`` values (unknown).
"""

from __future__ import annotations

import os
import re
from typing import Any

from ..shell.values import Val, is_known, written
from ..source import SourceFile
from . import yamlpos as Y
from .embedded import DocIndex, Document, Program, ScriptBuilder, Unknown, abstract_value

GCLOUD_IMAGES = (  # their image's entrypoint is gcloud: the args are gcloud's
    "gcr.io/cloud-builders/gcloud",
    "gcr.io/cloud-builders/gcloud-slim",
)
SDK_IMAGES = (  # no entrypoint of their own (or one that runs "$@"): the first arg is the program
    "gcr.io/google.com/cloudsdktool/cloud-sdk",
    "gcr.io/google.com/cloudsdktool/google-cloud-cli",
    "google/cloud-sdk",
)
_SHELLS = ("bash", "sh", "dash", "ash")
_SUBST = re.compile(r"\$(\$)|\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)")


def is_build_config(root: Any) -> bool:
    """A mapping whose ``steps:`` is a list of mappings that each have a ``name:``."""
    steps = Y.get(root, "steps")
    elements = Y.elements(steps)
    return bool(elements) and all(Y.is_map(s) and Y.get(s, "name") is not None for s in elements)


class _Subst:
    def __init__(self, defaults: dict[str, str]) -> None:
        self.defaults = defaults

    def pieces(self, value: str, offsets: list[int], depth: int = 0) -> list[tuple[str | Unknown, int]]:
        """``value`` with substitutions applied: (text or unknown, document offset) pieces. A
        default may name other substitutions (followed a few levels deep)."""
        out: list[tuple[str | Unknown, int]] = []
        pos = 0
        for m in _SUBST.finditer(value):
            for i in range(pos, m.start()):
                out.append((value[i], offsets[i]))
            at = offsets[m.start()]
            if m.group(1):
                out.append(("$", at))
            else:
                name = m.group(2) or m.group(3)
                default = self.defaults.get(name)
                if default is not None and depth < 8:
                    out.extend((piece, at) for piece, _ in self.pieces(default, [at] * len(default), depth + 1))
                else:
                    out.append((Unknown("$" + name), at))
            pos = m.end()
        for i in range(pos, len(value)):
            out.append((value[i], offsets[i]))
        return out

    def value(self, value: str) -> Val:
        """An abstract value: ``value`` substituted, unknowns as unknowns."""
        return abstract_value([p for p, _ in self.pieces(value, [0] * len(value))])

    def known(self, value: str) -> str:
        """``value`` substituted where that is known, else "" (an image, an entrypoint, a folder)."""
        result = self.value(value)
        return result if is_known(result) else ""


def _scalar(doc_text: str, node: Any, parent: int) -> tuple[str, list[int]]:
    return str(node.value), Y.value_offsets(doc_text, node, parent)


def _env_list(node: Any, subst: _Subst | None, base: dict[str, Val]) -> dict[str, Val]:
    env = dict(base)
    for item in Y.elements(node):
        raw = Y.text(item)
        if raw is None or "=" not in raw:
            continue
        key, _, value = raw.partition("=")
        env[key] = subst.value(value) if subst is not None else value
    return env


def _image(name: str) -> str:
    name = name.split("@", 1)[0]
    last = name.rsplit("/", 1)[-1]
    if ":" in last:
        name = name[: len(name) - len(last)] + last.split(":", 1)[0]
    return name


def front_end(doc: SourceFile, index: DocIndex, root: Any) -> Document:
    text = doc.text
    out = Document()
    defaults: dict[str, str] = {}
    for key, value in Y.items(Y.get(root, "substitutions")):
        if Y.is_scalar(value):
            defaults[str(key.value)] = Y.text(value) or ""
    subst = _Subst(defaults)
    options = Y.get(root, "options")
    automap = Y.text(Y.get(options, "automapSubstitutions")) in ("true", "True")
    base_env = _env_list(Y.get(options, "env"), subst, {})
    props: dict[str, Val] = {"core/project": abstract_value([Unknown("$PROJECT_ID")])}
    workspace = os.path.dirname(doc.real_path or os.path.abspath(doc.path))
    for number, step in enumerate(Y.elements(Y.get(root, "steps")), start=1):
        if not Y.is_map(step):
            continue
        name_node = Y.get(step, "name")
        image = _image(subst.known(Y.text(name_node) or ""))
        ident = Y.text(Y.get(step, "id"))
        label = f"step {number} ({ident or Y.text(name_node) or ''})"
        step_automap = automap or Y.text(Y.get(Y.get(step, "options"), "automapSubstitutions")) in ("true", "True")
        env = _env_list(Y.get(step, "env"), subst, base_env)
        builder = ScriptBuilder(out.placeholders, written)
        entry_node = Y.get(step, "entrypoint")
        entry_text = Y.text(entry_node) or ""
        # An entrypoint the analysis cannot know ("?") is neither gcloud nor a shell.
        entry = subst.known(entry_text) if not entry_text or is_known(subst.value(entry_text)) else "?"
        args_node = Y.get(step, "args")
        args = [a for a in Y.elements(args_node) if Y.is_scalar(a)]
        if not entry_text and image in SDK_IMAGES and args:
            # `docker run cloud-sdk gcloud ...`: the first argument is the program the step runs.
            entry_node, args = args[0], args[1:]
            entry_text = Y.text(entry_node) or ""
            entry = subst.known(entry_text) if is_known(subst.value(entry_text)) else "?"
        script_key = Y.key_node(step, "script")
        script = Y.get(step, "script")
        program: Program | None = None
        if script is not None and Y.is_scalar(script):
            value, offsets = _scalar(text, script, script_key.start_mark.column)
            first = value.split("\n", 1)[0]
            if first.startswith("#!") and not re.search(r"\b(?:ba|da|k|z)?sh\b", first):
                continue  # a Python (or other) script
            builder.add(value, offsets[: len(value)])
            script_env = dict(env)
            if step_automap:
                for key in defaults:
                    script_env.setdefault(key, subst.value("$" + key))
                script_env.setdefault("PROJECT_ID", abstract_value([Unknown("$PROJECT_ID")]))
            program = Program(builder.build(doc, index, offsets[-1]), label, env=script_env)
        elif entry == "gcloud" or (not entry and image in GCLOUD_IMAGES):
            anchor = (entry_node or name_node).start_mark.index
            builder.add("gcloud", anchor)
            for arg in args:
                value, offsets = _scalar(text, arg, -1)
                builder.add(" '", offsets[0])
                _quoted(builder, subst.pieces(value, offsets))
                builder.add("'", offsets[-1])
            program = Program(builder.build(doc, index), label, env=env)
        elif os.path.basename(entry) in _SHELLS and args:
            found = _dash_c(args)
            if found is None:
                # `bash deploy.sh ARGS`: the shell runs a script file, as on a command line.
                builder.add(os.path.basename(entry), (entry_node or name_node).start_mark.index)
                for arg in args:
                    value, offsets = _scalar(text, arg, -1)
                    builder.add(" '", offsets[0])
                    _quoted(builder, subst.pieces(value, offsets))
                    builder.add("'", offsets[-1])
                program = Program(builder.build(doc, index), label, env=env)
            else:
                i, errexit, pipefail = found
                value, offsets = _scalar(text, args[i], -1)
                for piece, at in subst.pieces(value, offsets):
                    builder.substitute(piece, at)
                positional = [subst.value(Y.text(a) or "") for a in args[i + 1 :]]
                program = Program(builder.build(doc, index, offsets[-1]), label, env=env, errexit=errexit,
                                  pipefail=pipefail, positional=positional[1:])
        if program is None:
            continue
        directory = subst.known(Y.text(Y.get(step, "dir")) or "")
        program.cwd = os.path.normpath(os.path.join(workspace, directory)) if directory else workspace
        program.group = "build"
        program.props = props
        if Y.text(Y.get(step, "allowFailure")) in ("true", "True"):
            program.checked_by_runner = False
        out.programs.append(program)
    return out


def _quoted(builder: ScriptBuilder, pieces: list[tuple[str | Unknown, int]]) -> None:
    for piece, at in pieces:
        if isinstance(piece, str):
            builder.add("'\\''" if piece == "'" else piece, at)
        else:
            builder.substitute(piece, at)


def _dash_c(args: list[Any]) -> tuple[int, bool, bool] | None:
    """(index of the script argument, errexit, pipefail) for ``[-e] [-o pipefail] -c SCRIPT``."""
    errexit = pipefail = False
    i = 0
    while i < len(args):
        word = Y.text(args[i]) or ""
        if word in ("-o", "+o") and i + 1 < len(args):
            opt = Y.text(args[i + 1])
            pipefail = pipefail or (word == "-o" and opt == "pipefail")
            errexit = errexit or (word == "-o" and opt == "errexit")
            i += 2
            continue
        if word.startswith("-") and not word.startswith("--"):
            errexit = errexit or "e" in word[1:]
            if "c" in word[1:]:
                return (i + 1, errexit, pipefail) if i + 1 < len(args) else None
            i += 1
            continue
        return None
    return None
