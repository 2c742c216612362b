"""Abstract string values: what a shell word holds when the script runs, as far as it can be known.

A value (``Val``) is either a plain ``str`` -- fully known, the common case, kept cheap -- or a
:class:`Value`: an immutable, hashable sequence of literal text and :class:`Unknown` parts, with
at least one unknown part. Each unknown says

- where it came from (``kind``): an environment variable the script never sets, a positional
  parameter, ``read``, a command's output, a gcloud property, a variable whose value differs
  between the paths that reach a point (a loop variable, a join of branches), arithmetic, a
  parameter expansion the analysis does not evaluate, the number of a project or the URL of a
  Cloud Run service -- whose own fields are values that may be partly unknown (nesting);
- its identity (``kind`` and ``key``): the same unknown compares equal to itself, so ``$A`` and
  ``$A`` name the same string even though nobody knows which;
- how the script wrote it (``text``): ``$PROJECT_ID``, ``${ZONE%-*}``, ``$2``,
  ``$(gcloud config get-value project)``. ``text`` is not part of the identity.

:func:`show` is the one renderer that turns a value into what the script wrote, for messages;
:func:`shell_word` is the same text quoted as a shell word, for fixes a user pastes into the
script. :func:`compare` is the three-valued comparison (:class:`Tri`). Nothing else formats a
value for people.

A value whose text or structure grows past :data:`MAX_VALUE_CHARS` / :data:`MAX_VALUE_PARTS`
becomes an unknown of kind ``too-large`` (the interpreter labels it with the word that built it),
so ``x=$x$x`` repeated cannot exhaust memory.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterable, Iterator
from enum import Enum
from typing import TypeGuard, Union

from ..lazyre import lazy

# The cap on one abstract value: literal characters (counting nested values) and parts. Past it
# the value is replaced by an unknown (``too-large``). docs/robustness.md states these numbers.
MAX_VALUE_CHARS = 64 * 1024
MAX_VALUE_PARTS = 1000


class Tri(Enum):
    """The outcome of comparing two abstract values.

    ``YES``: surely equal (on every run); ``NO``: surely different (on every run); ``MAYBE``:
    it depends on what the unknown parts turn out to be. A ``Tri`` is not a bool: test it with
    ``is Tri.YES`` / ``is not Tri.NO`` so that every caller decides what "unknown" means to it.
    """

    NO = 0
    MAYBE = 1
    YES = 2

    def __bool__(self) -> bool:
        raise TypeError("a Tri is not a bool: compare it with Tri.YES, Tri.NO or Tri.MAYBE")

    @staticmethod
    def all(values: Iterable[Tri]) -> Tri:
        """YES when every one is YES, NO when any is NO, else MAYBE (an empty set is YES)."""
        result = Tri.YES
        for value in values:
            if value is Tri.NO:
                return Tri.NO
            if value is Tri.MAYBE:
                result = Tri.MAYBE
        return result


# Kinds of unknown: where the value comes from.
ENV = "env"  # an environment variable the script never sets: key (name,)
ENV_DEFAULT = "env-default"  # ${NAME:-default} of an unset NAME: key (name, default)
ARG = "arg"  # a positional parameter of the script: key (n,) ("@", "#" for $@ and $#)
READ = "read"  # set by `read`: key (name, where)
OUTPUT = "output"  # what a command prints: key (where, argv)
PROPERTY = "property"  # a gcloud config property the script never sets: key (name,)
JOIN = "join"  # a variable that differs between paths that meet: key (name, where)
LOOP = "loop"  # a loop variable over a list the analysis cannot know: key (name, where)
ARITH = "arith"  # $(( ... )): key (where,)
EXPANSION = "expansion"  # ${V%pat}, ${V,,}, ${!V}, ${V/a/b}...: key (operation, operands...)
PROJECT_NUMBER = "project-number"  # the number of a project: key (project,), project a Val
SERVICE_URL = "service-url"  # the URL of a Cloud Run service: key (service, region, project)
URL_PART = "url-part"  # the region or project of a literal *.run.app URL: key (what, url)
TOO_LARGE = "too-large"  # a value past the size cap: key (serial,)
RUNNER = "runner"  # substituted by a CI runner before the shell runs (``${{ secrets.SA }}``): key (text,)
OTHER = "other"  # anything else (special parameters, $PWD after `cd $X`...): key (what, where)

# Placeholders for unknowns the script has no expression for (a fix names them clearly).
_PLACEHOLDERS = {PROJECT_NUMBER: "PROJECT_NUMBER", TOO_LARGE: "VALUE"}


class Unknown:
    """One unknown part of a value (see the module docstring). Immutable and hashable; equality
    is identity: ``kind`` and ``key``, never ``text``."""

    __slots__ = ("kind", "key", "text", "size", "_hash")

    kind: str
    key: tuple[object, ...]
    text: str
    size: int
    _hash: int

    def __init__(self, kind: str, key: tuple[object, ...], text: str = "") -> None:
        object.__setattr__(self, "kind", kind)
        object.__setattr__(self, "key", key)
        object.__setattr__(self, "text", text)
        size = 1
        for item in key:
            if isinstance(item, Value):
                size += item.size
            elif isinstance(item, str):
                size += len(item)
        object.__setattr__(self, "size", size)
        object.__setattr__(self, "_hash", hash((kind, key)))

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("Unknown is immutable")

    def __eq__(self, other: object) -> bool:
        if self is other:
            return True
        if not isinstance(other, Unknown):
            return NotImplemented
        return self._hash == other._hash and self.kind == other.kind and self.key == other.key

    def __hash__(self) -> int:
        return self._hash

    def __repr__(self) -> str:
        return f"Unknown({self.kind!r}, {self.key!r}, text={self.text!r})"

    def __reduce__(self) -> tuple[object, ...]:
        return (Unknown, (self.kind, self.key, self.text))

    def with_text(self, text: str) -> Unknown:
        if text == self.text:
            return self
        other = object.__new__(Unknown)  # same kind and key: size and hash carry over
        for name, value in (("kind", self.kind), ("key", self.key), ("text", text), ("size", self.size),
                            ("_hash", self._hash)):
            object.__setattr__(other, name, value)
        return other

    def nested(self) -> tuple[Val, ...]:
        """The values inside (a project number's project; a service URL's service, region, project)."""
        return tuple(k for k in self.key if isinstance(k, (str, Value))) if self.kind in (
            PROJECT_NUMBER, SERVICE_URL) else ()


Part = Union[str, Unknown]  # noqa: UP007 - a runtime alias (Python 3.10)


class Value:
    """A partly unknown string: literal text and :class:`Unknown` parts, at least one unknown.

    Construct values with :func:`unknown`, :func:`concat` and :func:`join` (which return a plain
    ``str`` when nothing is unknown). The ``str``-like methods answer for *every* run: ``startswith``
    is True only when the known prefix surely starts with it, ``x in value`` only when a literal
    part contains ``x``.
    """

    __slots__ = ("parts", "size", "_hash")

    parts: tuple[Part, ...]
    size: int
    _hash: int  # set when first asked for: most values are never hashed (1 in 10 on the deploy set)

    def __init__(self, parts: tuple[Part, ...], size: int) -> None:
        object.__setattr__(self, "parts", parts)
        object.__setattr__(self, "size", size)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("Value is immutable")

    def __eq__(self, other: object) -> bool:
        if self is other:
            return True
        if not isinstance(other, Value):
            return NotImplemented if not isinstance(other, str) else False
        return self.parts == other.parts

    def __hash__(self) -> int:
        try:
            return self._hash
        except AttributeError:
            found = hash(self.parts)
            object.__setattr__(self, "_hash", found)
            return found

    def __repr__(self) -> str:
        return f"Value({self.parts!r})"

    def __reduce__(self) -> tuple[object, ...]:
        return (Value, (self.parts, self.size))

    def __str__(self) -> str:
        # Only for safety: code that formats values for people calls show() explicitly.
        return show(self)

    def __format__(self, spec: str) -> str:
        return format(show(self), spec)

    def __add__(self, other: Val) -> Val:
        return concat(self, other)

    def __radd__(self, other: str) -> Val:
        return concat(other, self)

    def __contains__(self, sub: str) -> bool:
        return any(isinstance(p, str) and sub in p for p in self.parts)

    def startswith(self, prefix: str | tuple[str, ...]) -> bool:
        head = self.parts[0]
        return isinstance(head, str) and head.startswith(prefix)

    def endswith(self, suffix: str | tuple[str, ...]) -> bool:
        tail = self.parts[-1]
        return isinstance(tail, str) and tail.endswith(suffix)

    def partition(self, sep: str) -> tuple[Val, str, Val]:
        """Split at ``sep`` in the known text before the first unknown part; (self, "", "") when
        it does not occur there (an unknown part might hold it)."""
        head = self.parts[0]
        if isinstance(head, str) and sep in head:
            before, _, after = head.partition(sep)
            # What _make((after, *rest)) gives, built directly (this runs for every flag of every
            # gcloud command): the parts of a value are already normalised, so after the literal
            # head comes an unknown and nothing merges.
            rest = self.parts[1:]
            size = len(after)
            for part in rest:
                size += len(part) if type(part) is str else part.size  # type: ignore[union-attr]
            if size > MAX_VALUE_CHARS or len(rest) >= MAX_VALUE_PARTS:
                return before, sep, _make((after, *rest))
            return before, sep, Value((after, *rest) if after else rest, size)
        return self, "", ""

    def lower(self) -> Value:
        """The known parts lower-cased (unknown parts stay: their case is not known)."""
        return Value(tuple(p.lower() if isinstance(p, str) else p for p in self.parts), self.size)

    def rstrip(self, chars: str | None = None) -> Val:
        tail = self.parts[-1]
        if not isinstance(tail, str):
            return self
        return _make((*self.parts[:-1], tail.rstrip(chars)))

    def strip(self) -> Val:
        head, tail = self.parts[0], self.parts[-1]
        parts = list(self.parts)
        if isinstance(head, str):
            parts[0] = head.lstrip()
        if isinstance(tail, str):
            parts[-1] = tail.rstrip()
        return _make(tuple(parts))


Val = Union[str, Value]  # noqa: UP007 - a runtime alias (Python 3.10)

_serial = itertools.count(1)


def _make(parts: Iterable[Part | Value]) -> Val:
    """Normalise: flatten values, merge adjacent literals, drop empty ones; a plain ``str`` when
    nothing is unknown; a ``too-large`` unknown past the cap."""
    out: list[Part] = []
    literal: list[str] = []
    size = 0
    for part in parts:
        if type(part) is str:  # type() rather than isinstance(): this runs for every word part
            if part:
                literal.append(part)
                size += len(part)
            continue
        items: tuple[Part, ...] = part.parts if type(part) is Value else (part,)  # type: ignore[assignment]
        for item in items:
            if type(item) is str:
                literal.append(item)
                size += len(item)
            else:
                if literal:
                    out.append("".join(literal))
                    literal = []
                out.append(item)
                size += item.size  # type: ignore[union-attr]
    if not out:
        return "".join(literal)
    if literal:
        out.append("".join(literal))
    if size > MAX_VALUE_CHARS or len(out) > MAX_VALUE_PARTS:
        return too_large()
    return Value(tuple(out), size)


# ----------------------------------------------------------------------------- construction
def unknown(kind: str, *key: object, text: str = "") -> Value:
    """A value that is one unknown of ``kind`` identified by ``key``, written as ``text``."""
    part = Unknown(kind, tuple(key), text)
    return Value((part,), part.size)


def written(text: str) -> Value:
    """An unknown that a runner substitutes into the script (``${{ secrets.SA }}`` in a workflow,
    ``$PROJECT_ID`` in a build config, ``$(REGION)`` in a Makefile), shown as it was written; the
    same text is the same unknown."""
    return unknown(RUNNER, text, text=text)


def too_large(text: str = "") -> Value:
    """The unknown that replaces a value past the size cap (each one is distinct)."""
    return unknown(TOO_LARGE, next(_serial), text=text)


def concat(*values: Val) -> Val:
    """The values one after the other (a plain ``str`` when all are)."""
    for v in values:  # a loop, not all(): this runs for every word part
        if type(v) is not str:
            return _make(values)
    text = "".join(values)  # type: ignore[arg-type]
    return text if len(text) <= MAX_VALUE_CHARS else too_large()


def join(sep: str, values: Iterable[Val]) -> Val:
    """``sep.join(values)`` for abstract values."""
    items = list(values)
    if not [v for v in items if type(v) is not str]:
        text = sep.join(items)  # type: ignore[arg-type]
        return text if len(text) <= MAX_VALUE_CHARS else too_large()
    parts: list[Val] = []
    for i, value in enumerate(items):
        if i:
            parts.append(sep)
        parts.append(value)
    return _make(parts)


def map_literals(value: Val, fn: Callable[[str], str]) -> Val:
    """``value`` with ``fn`` applied to each literal part (unknown parts stay)."""
    if isinstance(value, str):
        return fn(value)
    return _make(fn(p) if isinstance(p, str) else p for p in value.parts)


def relabel(value: Val, text: str) -> Val:
    """``value`` as written ``text`` (``$URL`` for the output of ``URL=$(...)``), when the whole
    value is one unknown; other values are returned as they are."""
    if isinstance(value, Value) and len(value.parts) == 1:
        part = value.parts[0]
        assert isinstance(part, Unknown)
        if part.text != text:
            return Value((part.with_text(text),), value.size)
    return value


def label_unlabelled(value: Val, text: str) -> Val:
    """Give unknown parts that have no text of their own (a command's output, a project number or
    URL that a gcloud command prints) the text ``text`` (the ``$(...)`` that captured them)."""
    if not isinstance(value, Value) or all(isinstance(p, str) or p.text for p in value.parts):
        return value
    if len(value.parts) == 1:
        return relabel(value, text)
    return unknown(OUTPUT, text, *value.parts, text=text)


# ----------------------------------------------------------------------------- questions
def is_known(value: Val) -> TypeGuard[str]:
    """Whether ``value`` holds no unknown part (it is then a plain ``str``)."""
    return isinstance(value, str)


def unknowns(value: Val) -> tuple[Unknown, ...]:
    if isinstance(value, str):
        return ()
    return tuple(p for p in value.parts if isinstance(p, Unknown))


def parts(value: Val) -> tuple[Part, ...]:
    if isinstance(value, str):
        return (value,) if value else ()
    return value.parts


def names_gcloud(value: Val) -> bool:
    """Whether a command name is gcloud: ``gcloud``, or a path to it whose end is known
    (``/usr/bin/gcloud``, ``~/google-cloud-sdk/bin/gcloud``, ``"$HOME/google-cloud-sdk/bin/gcloud"``)."""
    if isinstance(value, str):
        return value == "gcloud" or value.endswith("/gcloud")
    last = value.parts[-1]
    return isinstance(last, str) and last.endswith("/gcloud")


def literal_prefix(value: Val) -> str:
    """The text every run of ``value`` starts with (all of it when known)."""
    if isinstance(value, str):
        return value
    head = value.parts[0]
    return head if isinstance(head, str) else ""


def is_resolved(value: Val) -> bool:
    """Known, or unknown only in ways the analysis resolved symbolically (the number of a known
    project, the URL of a known service): such values still compare reliably."""
    if isinstance(value, str):
        return True
    return all(
        isinstance(p, str) or (p.kind in (PROJECT_NUMBER, SERVICE_URL) and all(is_resolved(n) for n in p.nested()))
        for p in value.parts
    )


def resolve_defaults(value: Val) -> Val:
    """``value`` with each ``${NAME:-default}`` of an unset NAME replaced by its default: what a
    command sees when the environment does not set NAME."""
    if isinstance(value, str) or not any(isinstance(p, Unknown) and p.kind == ENV_DEFAULT for p in value.parts):
        return value
    return _make(str(p.key[1]) if isinstance(p, Unknown) and p.kind == ENV_DEFAULT else p for p in value.parts)


# ----------------------------------------------------------------------------- project numbers, URLs
def project_number(project: Val) -> Value:
    """The number of ``project`` as gcloud prints it (``projects describe``): never known
    statically; two numbers are equal exactly when their projects are."""
    return unknown(PROJECT_NUMBER, project)


def project_of_number(value: Val) -> Val | None:
    """``P`` if ``value`` is exactly the number of project P, else None."""
    if isinstance(value, Value) and len(value.parts) == 1:
        part = value.parts[0]
        if isinstance(part, Unknown) and part.kind == PROJECT_NUMBER:
            return part.nested()[0]
    return None


# The JSON (or YAML) a `gcloud run services describe S --format=json` prints: key (service, region,
# project); `jq -r .status.url` of it is the service's URL (builtins.py).
DESCRIBED = "described"


def described(service: Val, region: Val, project: Val) -> Value:
    """What ``gcloud run services describe``/``functions describe`` print with ``--format=json``."""
    return unknown(DESCRIBED, service, region, project, text="$(gcloud ... describe --format=json)")


def described_url(value: Val) -> Value | None:
    """The URL of the service whose description ``value`` is (None: it is not one)."""
    if isinstance(value, Value) and len(value.parts) == 1:
        part = value.parts[0]
        if isinstance(part, Unknown) and part.kind == DESCRIBED:
            service, region, project = part.key
            return service_url(service, region, project)  # type: ignore[arg-type]
    return None


def service_url(service: Val, region: Val, project: Val) -> Value:
    """The URL of Cloud Run service ``service`` in ``region`` of ``project`` (``status.url``)."""
    return unknown(SERVICE_URL, service, region, project)


def service_url_target(value: Val) -> tuple[Val, Val, Val] | None:
    """(service, region, project) if ``value`` starts with the URL of a Cloud Run service."""
    if isinstance(value, Value):
        head = value.parts[0]
        if isinstance(head, Unknown) and head.kind == SERVICE_URL:
            service, region, project = head.nested()
            return service, region, project
    return None


def url_part(what: str, url: Val) -> Value:
    """The region or project (``what``) of a ``*.run.app`` URL: not in the URL's text."""
    return unknown(URL_PART, what, url, text={"region": "REGION", "project": "PROJECT_ID"}.get(what, what.upper()))


# ----------------------------------------------------------------------------- comparison
def compare(a: Val, b: Val) -> Tri:
    """Three-valued equality of two abstract values (see :class:`Tri`).

    The same unknown is equal to itself; known text that cannot line up makes values surely
    different (``$P-a`` vs ``$P-b``; ``sa@x.iam...`` vs ``PROJECT_NUMBER-compute@...``); the
    numbers and URLs of resources compare through their fields; anything else is MAYBE.
    """
    if a is b or a == b:
        return Tri.YES
    if isinstance(a, str) and isinstance(b, str):
        return Tri.NO
    pa, pb = _trim(list(parts(a)), list(parts(b)))
    if pa is None or pb is None:
        return Tri.NO
    if not pa and not pb:
        return Tri.YES
    a_known = all(isinstance(p, str) for p in pa)
    b_known = all(isinstance(p, str) for p in pb)
    if a_known and b_known:
        return Tri.YES if "".join(pa) == "".join(pb) else Tri.NO  # type: ignore[arg-type]
    if a_known or b_known:
        pattern, text = (pb, "".join(pa)) if a_known else (pa, "".join(pb))  # type: ignore[arg-type]
        return _may_match(pattern, text)
    if len(pa) == 1 and len(pb) == 1:
        ua, ub = pa[0], pb[0]
        assert isinstance(ua, Unknown) and isinstance(ub, Unknown)
        if ua.kind == ub.kind and ua.kind in (PROJECT_NUMBER, SERVICE_URL):
            inner = Tri.all(compare(x, y) for x, y in zip(ua.nested(), ub.nested(), strict=True))
            return Tri.NO if inner is Tri.NO else Tri.MAYBE  # YES: they would be equal already
        if {ua.kind, ub.kind} == {PROJECT_NUMBER, SERVICE_URL}:
            return Tri.NO  # a number is never a URL
    return Tri.MAYBE


def may_equal(a: Val, b: Val) -> bool:
    """False only when ``a`` and ``b`` are surely different."""
    return compare(a, b) is not Tri.NO


def _trim(pa: list[Part], pb: list[Part]) -> tuple[list[Part] | None, list[Part] | None]:
    """Drop what both start and end with (equal literal text, the same unknown). None when two
    known characters at the same end differ: the values are surely different."""
    for end in (0, -1):
        while pa and pb:
            x, y = pa[end], pb[end]
            if isinstance(x, str) and isinstance(y, str):
                n = _common(x, y, end)
                if n == 0:
                    return None, None
                if end == 0:
                    x, y = x[n:], y[n:]
                else:
                    x, y = x[: len(x) - n], y[: len(y) - n]
                _set(pa, end, x)
                _set(pb, end, y)
                if x and y:
                    return None, None  # they differ right after the common text
                continue
            if x == y:
                pa.pop(end)
                pb.pop(end)
                continue
            break
    return pa, pb


def _common(x: str, y: str, end: int) -> int:
    n = 0
    limit = min(len(x), len(y))
    if end == 0:
        while n < limit and x[n] == y[n]:
            n += 1
    else:
        while n < limit and x[-1 - n] == y[-1 - n]:
            n += 1
    return n


def _set(items: list[Part], end: int, text: str) -> None:
    if text:
        items[end] = text
    else:
        items.pop(end)


_MATCH_LIMIT = 4096  # past this much text or 16 unknowns, matching is not attempted (MAYBE)


def _may_match(pattern: list[Part], text: str) -> Tri:
    """MAYBE when ``text`` could be what ``pattern`` (literal text and unknowns) expands to, else NO."""
    unknown_parts = [p for p in pattern if isinstance(p, Unknown)]
    if len(text) > _MATCH_LIMIT or len(unknown_parts) > 16:
        return Tri.MAYBE
    regex = "".join(re.escape(p) if isinstance(p, str) else _UNKNOWN_PATTERN.get(p.kind, "(?s:.*)") for p in pattern)
    return Tri.MAYBE if re.fullmatch(regex, text) else Tri.NO


_UNKNOWN_PATTERN = {PROJECT_NUMBER: "[0-9]+", SERVICE_URL: "https://(?s:.*)"}


# ----------------------------------------------------------------------------- rendering
def show(value: Val) -> str:
    """The value as the script wrote it, for messages: ``$PROJECT_ID-doc-ready``, ``${ZONE%-*}``,
    ``$2``, ``$(gcloud config get-value project)``, ``PROJECT_NUMBER`` for a project number the
    script never looks up. The one place that renders values for people."""
    if isinstance(value, str):
        return value
    out: list[str] = []
    for p in value.parts:
        text = p if isinstance(p, str) else _render(p, short=True)
        if out and text and (text[0].isalnum() or text[0] == "_"):
            # `"$DEPLOYMENT_NAME""_""$CF_NAME"` reads back as `${DEPLOYMENT_NAME}_${CF_NAME}`, not as
            # `$DEPLOYMENT_NAME_$CF_NAME`, which names other variables
            bare = _BARE_TAIL().search(out[-1])
            if bare is not None:
                out[-1] = f"{out[-1][:bare.start()]}${{{bare.group(1)}}}"
        out.append(text)
    return "".join(out)


_BARE_TAIL = lazy(r"\$([A-Za-z_][A-Za-z0-9_]*)$")



def show_name(value: Val) -> str:
    """:func:`show` for a resource's name in a sentence: an empty name (``deploy "$1"`` called
    with no argument) is written ``""``, as the command receives it, instead of leaving a hole
    in the message ("binding does not reach  deployed at line 70")."""
    return show(value) or '""'


def _render(part: Unknown, short: bool = False) -> str:
    """The unknown as the script wrote it; ``short`` (for messages, not for fixes): a long command
    substitution as its command's name (:func:`_short_substitution`)."""
    if part.text:
        return _short_substitution(part.text) if short and part.kind == OUTPUT else part.text
    if part.kind == PROPERTY:
        name = str(part.key[0])
        return f"$(gcloud config get-value {name[5:] if name.startswith('core/') else name})"
    if part.kind == SERVICE_URL:
        service, region, project = part.nested()
        flags = f" --region={shell_word(region)}" if not _from_config(region) else ""
        flags += f" --project={shell_word(project)}" if not _from_config(project) else ""
        return (f"$(gcloud run services describe {shell_word(service)}{flags} "
                "--format='value(status.url)')")
    return _PLACEHOLDERS.get(part.kind, "VALUE")


_LONG_SUBSTITUTION = 40  # characters of `$(...)` shown in full; past them, its command's name only


def _short_substitution(text: str) -> str:
    """A long command substitution that is not gcloud's, as its command's name: `$(awk …)` for
    `$(awk '/variable "function_name"/{f=1} f==1&&/default/{print $3; exit}' ./infra/variables.tf | tr -d '",')`,
    the name a terraform-fed script computes, which would fill the message. A gcloud command stays
    whole (`$(gcloud run services describe api --region=r --format='value(status.url)')` says what
    the value is)."""
    if len(text) <= _LONG_SUBSTITUTION or not text.startswith(("$(", "`")) or "gcloud" in text.split(None, 1)[0]:
        return text
    opener = "$(" if text.startswith("$(") else "`"
    closer = ")" if opener == "$(" else "`"
    words = text[len(opener):].split(None, 1)
    return f"{opener}{words[0]} …{closer}" if words else text


def _from_config(value: Val) -> bool:
    """Whether ``value`` is a gcloud property the script never sets: a command that names no such
    flag gets the same value from the same configuration."""
    return isinstance(value, Value) and len(value.parts) == 1 and \
        isinstance(value.parts[0], Unknown) and value.parts[0].kind == PROPERTY


def from_config(value: Val) -> bool:
    """Whether ``value`` is exactly a gcloud configuration property the script never sets (a
    command without the flag gets the same value from the same configuration)."""
    return _from_config(value)


_SAFE = lazy(r"[A-Za-z0-9_@%+=:,./-]+")


def shell_word(value: Val) -> str:
    """The value as one shell word to paste into the script where it was written: known text is
    quoted only where it needs it; text with expansions (``$SA``, ``$(...)``) goes in double
    quotes; placeholders (``PROJECT_NUMBER``) stay bare words the user replaces."""
    if isinstance(value, str):
        if _SAFE().fullmatch(value):
            return value
        return "'" + value.replace("'", "'\\''") + "'"
    segments: list[tuple[str, str]] = []  # (kind, text): "lit", "exp" or "ph"
    for p in value.parts:
        if isinstance(p, str):
            segments.append(("lit", p))
        else:
            text = _render(p)
            segments.append(("exp" if text.startswith(("$", "`")) else "ph", text))
    if not any(k == "exp" for k, _ in segments) and all(_SAFE().fullmatch(t) for _, t in segments):
        return "".join(t for _, t in segments)
    out = []
    for kind, text in segments:
        if kind == "exp":
            out.append(text)
        else:
            out.append(re.sub(r'([\\"$`])', r"\\\1", text))
    return '"' + "".join(out) + '"'


def iter_unknowns(value: Val) -> Iterator[Unknown]:
    """Every unknown in ``value``, nested ones (a URL's region) included."""
    for part in unknowns(value):
        yield part
        for inner in part.nested():
            yield from iter_unknowns(inner)
