"""The YAML (or JSON: a subset) documents gcloud commands read from files (a service manifest, an
IAM policy), loaded as gcloud loads them: one document, or why it does not parse.

A file the script writes itself (``cat > policy.json <<EOF``) may hold values the analysis does not
know (``"serviceAccount:${PROJECT_NUMBER}-compute@..."``): :func:`load_placed` parses such a text with
each unknown part as a placeholder that no YAML or JSON syntax contains, and gives back each string
that holds placeholders as the value (:class:`~shlint_iam.shell.values.Value`) with those unknown
parts, the same value a command-line ``--member="serviceAccount:${SA}"`` is. A placeholder that stands
where the document needs structure -- in a key, an anchor or tag, or as a whole item of a flow list
(``"members": [${MEMBERS}]`` may be several items) -- leaves the document unknown; one that stands
for a whole list, mapping or number elsewhere (``members: ${MEMBERS}``) is a string where its
reader expects structure, which the reader rejects.
"""

from __future__ import annotations

import re
from typing import Any

from ..shell.values import Unknown, Val, Value, concat

# Unicode private-use characters: text in a YAML or JSON document, never syntax, and not in real files
_OPEN, _CLOSE = "\ue000", "\ue001"
_PLACEHOLDER = re.compile("\ue000([0-9]+)\ue001")
NOT_KNOWN = "the script writes it, with text not known here"


def load_document(data: bytes, what: str = "YAML") -> tuple[Any, str]:
    """(the document, "") or (None, why it is not valid): ``not valid YAML (the parser's first line)``."""
    import yaml

    try:
        return yaml.safe_load(data), ""
    except yaml.YAMLError as exc:
        return None, f"not valid {what} ({str(exc).splitlines()[0]})"
    except RecursionError:
        return None, f"not valid {what} (nested too deeply)"


def load_placed(text: Value) -> tuple[Any, str]:
    """(the document, "") for a text with unknown parts, its strings that hold unknown parts as
    values; (None, :data:`NOT_KNOWN`) when it does not parse with placeholders, or one stands where
    the document needs structure (a key, a flow list's whole item) or for the whole document."""
    import yaml

    holes: list[Unknown] = []
    pieces: list[str] = []
    for part in text.parts:
        if isinstance(part, str):
            if _OPEN in part or _CLOSE in part:
                return None, NOT_KNOWN
            pieces.append(part)
        else:
            pieces.append(f"{_OPEN}{len(holes)}{_CLOSE}")
            holes.append(part)
    loader = _placed_loader()("".join(pieces))
    loader.holes = holes
    try:
        document = loader.get_single_data()
    except (yaml.YAMLError, _Structure, RecursionError):
        return None, NOT_KNOWN
    finally:
        loader.dispose()
    if not isinstance(document, (dict, list)):
        return None, NOT_KNOWN
    return document, ""


class _Structure(Exception):
    """A placeholder where the document needs structure."""


_LOADER: Any = None


def _placed_loader() -> Any:
    """The safe loader that maps placeholders back (built once, when a text with unknown parts is met)."""
    global _LOADER
    if _LOADER is not None:
        return _LOADER
    import yaml

    class PlacedLoader(yaml.SafeLoader):
        holes: list[Unknown]

        def construct_mapping(self, node: Any, deep: bool = False) -> Any:
            for key, _ in node.value:
                if not isinstance(key, yaml.ScalarNode) or _OPEN in key.value:
                    raise _Structure
            return super().construct_mapping(node, deep=deep)

        def construct_placed_str(self, node: Any) -> Val:
            value = self.construct_scalar(node)
            if _OPEN not in value:
                return value
            return _value_of(value, self.holes)

        def construct_placed_seq(self, node: Any) -> Any:
            if node.flow_style:
                for item in node.value:
                    if isinstance(item, yaml.ScalarNode) and item.style is None and _OPEN in item.value:
                        raise _Structure
            return (yield from self.construct_yaml_seq(node))

    PlacedLoader.add_constructor("tag:yaml.org,2002:str", PlacedLoader.construct_placed_str)
    PlacedLoader.add_constructor("tag:yaml.org,2002:seq", PlacedLoader.construct_placed_seq)
    _LOADER = PlacedLoader
    return _LOADER


def _value_of(text: str, holes: list[Unknown]) -> Val:
    """``text`` with each placeholder replaced by the unknown part it stands for."""
    out: list[Val] = []
    at = 0
    for match in _PLACEHOLDER.finditer(text):
        out.append(text[at : match.start()])
        index = int(match.group(1))
        if index >= len(holes):
            raise _Structure
        hole = holes[index]
        out.append(Value((hole,), hole.size))
        at = match.end()
    out.append(text[at:])
    if _OPEN in text[at:] or any(_OPEN in p or _CLOSE in p for p in out if isinstance(p, str)):
        raise _Structure  # a placeholder the scanner broke up (folded, escaped): not the value
    return concat(*out)
