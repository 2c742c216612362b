"""The line ends behind the "disable" quick fix (shlint_iam/line_ends.py): each line looked up on
its own, on a tree re-parsed from the previous text's, says exactly what a walk over a fresh
parse of the whole text says, for every line of every example script and of edited versions."""

from __future__ import annotations

from pathlib import Path

import pytest

from shlint_iam import line_ends
from shlint_iam.line_ends import DIRECTIVE, ENDS_QUERY, LineEnd, LineEnds, _edited_range
from shlint_iam.parse import captures, parse
from shlint_iam.source import SourceFile

EXAMPLES = sorted((Path(__file__).parent.parent / "examples").rglob("*.sh"))
TRICKY = """#!/bin/bash
# a comment on its own line
gcloud functions deploy f --gen2 --region=us-west2 --trigger-topic=t  # deploy it
gcloud run deploy s --image=i --description="two
lines # not a comment
end" # shlint-iam disable=IAM001
cat <<EOF
in a here-document # not a comment
EOF
echo 'a#b' $'c\\'#d' "e#f"  # shlint-iam: disable = ERR001, IAM004 -- why
x=1 # \u00e9t\u00e9 😀
"""


def reference(text: str) -> list[LineEnd]:
    """Every line's end from one walk over all the query's nodes of a fresh parse."""
    lines = text.split("\n")
    source = SourceFile.from_bytes("<lsp>", text.encode("utf-8", "surrogatepass"))
    ends = [LineEnd() for _ in lines]
    for node in captures(parse(source), ENDS_QUERY, "node"):
        if node.type == "comment":
            row, col = node.start_point
            column = source.char_col(row, col) - 1
            if DIRECTIVE.match(lines[row][column:].rstrip("\r")):
                ends[row].directive = column
            else:
                ends[row].comment = column
        elif node.end_point[0] > node.start_point[0]:
            for row in range(node.start_point[0], min(node.end_point[0], len(ends))):
                ends[row].unsafe = True
    return ends


def looked_up(text: str) -> list[LineEnd]:
    ends = LineEnds(text)
    return [ends[row] for row in range(len(text.split("\n")))]


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: str(p.relative_to(p.parent.parent.parent)))
def test_each_line_looked_up_is_what_a_walk_over_the_whole_text_says(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert looked_up(text) == reference(text)
    # The same text edited (a line inserted, one removed, a quote opened): re-parsed from the
    # tree of the text before it.
    lines = text.split("\n")
    middle = len(lines) // 2
    for edited in (
        "\n".join([*lines[:middle], "echo 'inserted' # here", *lines[middle:]]),
        "\n".join(lines[:middle] + lines[middle + 1 :]),
        "\n".join([*lines[:middle], 'echo "open', *lines[middle:]]),
        text,
    ):
        assert looked_up(edited) == reference(edited)


def test_tricky_lines() -> None:
    ends = looked_up(TRICKY)
    assert ends == reference(TRICKY)
    assert ends[2].comment is not None and ends[2].directive is None
    assert [e.unsafe for e in ends[3:9]] == [True, True, False, False, True, False]
    assert ends[5].directive == len('end" ')
    assert ends[9].directive is not None
    assert ends[10].comment == len("x=1 ")
    assert LineEnds(TRICKY)[99] == LineEnd()


def test_an_edit_reparses_from_the_previous_tree(monkeypatch: pytest.MonkeyPatch) -> None:
    from shlint_iam import parse as parse_module

    fresh: list[bytes] = []
    original = parse_module.parse_bytes

    def parse_bytes(data: bytes, old_tree: object = None) -> object:
        if old_tree is None:
            fresh.append(data)
        return original(data, old_tree=old_tree)

    monkeypatch.setattr(parse_module, "parse_bytes", parse_bytes)
    monkeypatch.setattr(line_ends, "_PREVIOUS", [])
    first = LineEnds(TRICKY + "echo one\n")
    second = LineEnds(TRICKY + "echo two # 2\n")
    third = LineEnds(TRICKY + "echo two # 2\n")
    assert fresh == [(TRICKY + "echo one\n").encode()]  # only the first text is parsed from scratch
    assert third.tree is second.tree
    assert first[11].comment is None and second[11].comment == len("echo two ")


def test_edited_range() -> None:
    assert _edited_range(b"abcdef", b"abXdef") == (2, 3, 3)
    assert _edited_range(b"abcdef", b"abdef") == (2, 3, 2)
    assert _edited_range(b"aaaa", b"aaaaa") == (4, 4, 5)
    assert _edited_range(b"", b"x") == (0, 0, 1)
    assert _edited_range(b"same", b"same") == (4, 4, 4)


def test_the_reparse_is_bounded_as_any_parse() -> None:
    from shlint_iam.parse import ParseIncomplete, parse_bytes

    old = TRICKY.encode()
    new = old + b"echo more\n"
    tree = parse_bytes(old)
    tree.edit(start_byte=len(old), old_end_byte=len(old), new_end_byte=len(new), start_point=(11, 0),
              old_end_point=(11, 0), new_end_point=(12, 0))
    with pytest.raises(ParseIncomplete):
        parse_bytes(new, read_factor=0, slack=0, old_tree=tree)
    assert str(parse_bytes(new, old_tree=tree).root_node) == str(parse_bytes(new).root_node)
