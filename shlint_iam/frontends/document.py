"""One workflow, build config or Makefile to the programs its runner executes."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..model import Span
from ..source import SourceFile
from .names import kind_by_name

if TYPE_CHECKING:
    from .embedded import Document


def build(source: SourceFile) -> Document | None:
    """The programs of a workflow, build config or Makefile (None: ``source`` is none of these).
    A YAML file that does not parse is a Document with one syntax error at the parser's error."""
    kind = kind_by_name(source.path)
    if kind is None:
        return None
    # Imported here: a shell script (the common case, and every on-save lint of one) never
    # pays for the YAML parser and the front ends (about 15 ms at start-up).
    from . import cloudbuild, github_actions, makefile
    from . import yamlpos as Y
    from .embedded import DocIndex, Document

    index = DocIndex(source.text)
    if kind == "make":
        return makefile.front_end(source, index)
    try:
        root = Y.compose(source.text)
    except Y.YamlProblem as problem:
        line, col = index.point(problem.offset)
        span = Span(source.path, line, col, line, col + 1)
        return Document(errors=[(span, f"not valid YAML: {problem.message}")])
    workflow = github_actions.is_workflow(source.path, root)
    if workflow or github_actions.is_composite_action(root):
        refused = github_actions.refused(root, "workflow" if workflow else "action")
        if refused is not None:  # GitHub loads none of it, so nothing in it runs
            node, why = refused
            line, col = index.point(node.start_mark.index)
            span = Span(source.path, line, col, line, col + max(1, node.end_mark.index - node.start_mark.index))
            return Document(errors=[(span, why)])
        return github_actions.front_end(source, index, root)
    if cloudbuild.is_build_config(root):
        return cloudbuild.front_end(source, index, root)
    return Document()
