"""records.record gives the classes a lint imports what @dataclass gave them (issue 15, on save:
without compiling methods at import): the same equality, hash, order, repr, frozen-ness, match
arguments, pickling, and the dataclasses functions rules and plugins may call on them."""

from __future__ import annotations

import dataclasses
import pickle
from typing import Any

import pytest

from shlint_iam.model import Edit, FileProblem, Finding, Fix, Severity, Span
from shlint_iam.records import record


@dataclasses.dataclass(frozen=True, order=True)
class _DataSpan:
    path: str
    start_line: int
    start_col: int
    end_line: int
    end_col: int


@record(frozen=True, order=True)
class _RecordSpan:
    path: str
    start_line: int
    start_col: int
    end_line: int
    end_col: int

    def __init__(self, path: str, start_line: int, start_col: int, end_line: int, end_col: int) -> None:
        self.__dict__.update(path=path, start_line=start_line, start_col=start_col, end_line=end_line, end_col=end_col)


@dataclasses.dataclass
class _DataBox:
    name: str
    items: list[Any] = dataclasses.field(default_factory=list)
    hidden: int = dataclasses.field(default=0, repr=False)
    loose: int = dataclasses.field(default=0, compare=False)


@record(hidden=("hidden",), uncompared=("loose",))
class _RecordBox:
    name: str
    items: list[Any]
    hidden: int
    loose: int

    def __init__(self, name: str, items: list[Any] | None = None, hidden: int = 0, loose: int = 0) -> None:
        self.name = name
        self.items = [] if items is None else items
        self.hidden = hidden
        self.loose = loose


@dataclasses.dataclass(eq=False)
class _DataBase:
    run: int


@dataclasses.dataclass(eq=False)
class _DataChild(_DataBase):
    kind: str
    extra: str = ""


@record(eq=False)
class _RecordBase:
    run: int

    def __init__(self, run: int) -> None:
        self.run = run


@record(eq=False)
class _RecordChild(_RecordBase):
    kind: str
    extra: str = ""

    def __init__(self, run: int, kind: str, extra: str = "") -> None:
        self.run = run
        self.kind = kind
        self.extra = extra


def _pairs() -> list[tuple[Any, Any]]:
    return [
        (_DataSpan("a.sh", 1, 2, 3, 4), _RecordSpan("a.sh", 1, 2, 3, 4)),
        (_DataSpan("a.sh", 1, 2, 3, 5), _RecordSpan("a.sh", 1, 2, 3, 5)),
        (_DataSpan("b.sh", 0, 2, 3, 4), _RecordSpan("b.sh", 0, 2, 3, 4)),
    ]


def test_frozen_ordered_record_compares_hashes_and_shows_as_the_dataclass() -> None:
    pairs = _pairs()
    for data, rec in pairs:
        assert repr(rec) == repr(data).replace("_DataSpan", "_RecordSpan")
        assert hash(rec) == hash(data)
        assert rec.__match_args__ == data.__match_args__  # type: ignore[attr-defined]
        for other_data, other_rec in pairs:
            assert (rec == other_rec) == (data == other_data)
            assert (rec != other_rec) == (data != other_data)
            assert (rec < other_rec) == (data < other_data)
            assert (rec <= other_rec) == (data <= other_data)
            assert (rec > other_rec) == (data > other_data)
            assert (rec >= other_rec) == (data >= other_data)
        assert rec != data and rec.__eq__(data) is NotImplemented and rec.__lt__(data) is NotImplemented
        with pytest.raises(dataclasses.FrozenInstanceError, match="cannot assign to field 'path'"):
            rec.path = "x"  # type: ignore[misc]
        with pytest.raises(dataclasses.FrozenInstanceError, match="cannot delete field 'path'"):
            del rec.path  # type: ignore[misc]
        assert pickle.loads(pickle.dumps(rec)) == rec


def test_mutable_record_is_unhashable_and_leaves_out_hidden_and_uncompared_fields() -> None:
    data, rec = _DataBox("x", [1], hidden=3, loose=4), _RecordBox("x", [1], hidden=3, loose=4)
    assert repr(rec) == repr(data).replace("_DataBox", "_RecordBox")
    assert rec == _RecordBox("x", [1], hidden=3, loose=5) and data == _DataBox("x", [1], hidden=3, loose=5)
    assert rec != _RecordBox("x", [1], hidden=2) and data != _DataBox("x", [1], hidden=2)
    assert _RecordBox.__hash__ is None and _DataBox.__hash__ is None  # type: ignore[comparison-overlap]
    rec.name = "y"
    assert rec.name == "y" and _RecordBox("z").items == [] and _RecordBox("z").items is not _RecordBox("z").items


def test_record_without_eq_keeps_identity_and_inherits_fields() -> None:
    data, rec = _DataChild(1, "k"), _RecordChild(1, "k")
    assert repr(rec) == repr(data).replace("_DataChild", "_RecordChild")
    assert rec != _RecordChild(1, "k") and rec == rec and hash(rec) == object.__hash__(rec)
    assert _RecordChild.__match_args__ == _DataChild.__match_args__  # type: ignore[attr-defined]


def test_dataclasses_functions_work_on_records() -> None:
    rec = _RecordChild(1, "k", "e")
    assert dataclasses.is_dataclass(rec) and dataclasses.is_dataclass(_RecordChild)
    assert [f.name for f in dataclasses.fields(rec)] == [f.name for f in dataclasses.fields(_DataChild)]
    assert [f.default for f in dataclasses.fields(rec)] == [f.default for f in dataclasses.fields(_DataChild)]
    changed = dataclasses.replace(rec, extra="f")
    assert type(changed) is _RecordChild and (changed.run, changed.kind, changed.extra) == (1, "k", "f")
    assert dataclasses.asdict(rec) == dataclasses.asdict(_DataChild(1, "k", "e"))
    box = _RecordBox("x", [1], hidden=3)
    assert [(f.name, f.repr, f.compare) for f in dataclasses.fields(box)] == [
        (f.name, f.repr, f.compare) for f in dataclasses.fields(_DataBox)
    ]


def test_findings_keep_their_dataclass_behaviour() -> None:
    span = Span("deploy.sh", 3, 1, 3, 20)
    finding = Finding("IAM001", "m", Severity.ERROR, span, autofix=Fix("t", (Edit.insert(1, 1, "x"),)))
    assert dataclasses.replace(finding, suppressed=True) == Finding(
        "IAM001", "m", Severity.ERROR, span, suppressed=True, autofix=Fix("t", (Edit.insert(1, 1, "x"),))
    )
    assert dataclasses.asdict(finding)["span"] == {
        "path": "deploy.sh", "start_line": 3, "start_col": 1, "end_line": 3, "end_col": 20,
    }
    assert hash(finding) == hash(tuple(getattr(finding, f.name) for f in dataclasses.fields(finding)))
    assert finding.notes == () and finding.related == ()
    assert repr(FileProblem("a", "b")) == "FileProblem(path='a', message='b', kind='unreadable', rule=None)"
    assert sorted([Span("x", 1, 1, 1, 1), span]) == [span, Span("x", 1, 1, 1, 1)]
    match finding:
        case Finding("IAM001", _, Severity.ERROR, Span(path="deploy.sh")):
            pass
        case _:
            pytest.fail("no match")


def test_a_record_that_holds_itself_shows_dots() -> None:
    box = _RecordBox("loop")
    box.items.append(box)
    assert repr(box) == "_RecordBox(name='loop', items=[...], loose=0)"


@record(computed=("size",))
class _Sized:
    name: str
    size: int

    def __init__(self, name: str) -> None:
        self.name = name
        self.size = len(name)


def test_records_replace_is_dataclasses_replace() -> None:
    # records.replace is what fixes and suppressions use (no dataclasses import at start-up).
    from shlint_iam.records import replace

    span = Span("deploy.sh", 3, 1, 3, 20)
    finding = Finding("IAM001", "m", Severity.ERROR, span, notes=("n",), autofix=Fix("t", (Edit.insert(1, 1, "x"),)))
    for obj, changes in [
        (finding, {"suppressed": True, "suppression_reason": "r"}), (finding, {}), (finding, {"autofix": None}),
        (_RecordChild(1, "k", "e"), {"extra": "f"}), (_RecordChild(1, "k"), {"run": 2}),
        (_RecordBox("x", [1], hidden=3), {"loose": 4}), (_Sized("abc"), {"name": "de"}),
    ]:
        ours, theirs = replace(obj, **changes), dataclasses.replace(obj, **changes)
        assert type(ours) is type(theirs) is type(obj)
        assert vars(ours) == vars(theirs) and ours is not obj
    assert replace(_Sized("abc"), name="de").size == 2
    for bad in ({"size": 1}, {"nope": 1}):
        with pytest.raises((ValueError, TypeError)) as ours_error:
            replace(_Sized("abc"), **bad)
        with pytest.raises((ValueError, TypeError)) as theirs_error:
            dataclasses.replace(_Sized("abc"), **bad)
        assert (type(ours_error.value), str(ours_error.value)) == (type(theirs_error.value), str(theirs_error.value))
