"""SARIF 2.1.0 for GitHub code scanning (and any other SARIF consumer).

The log is built from ``sarif_om``'s classes but written by :func:`_to_json_value`, which emits
exactly the fields this module sets, in the order it sets them. ``jschema_to_python`` is not used:
it drops every field equal to its default (``level="warning"``, for one), which silently changes
what a consumer sees. Suppressions and property bags are written as plain dicts, because
``sarif_om.Suppression`` still has the pre-release ``state`` field that the 2.1.0 schema rejects.

``partialFingerprints.primaryLocationLineHash`` is computed exactly as github/codeql-action's
``src/fingerprints.ts`` does (see :func:`line_hashes`), from the file on disk, so ``upload-sarif``
agrees with us and alerts survive edits above a finding. When the file cannot be read, or it no
longer holds the text that was linted (standard input), the hash is computed from the linted line
alone (``result.snippets``): still stable under edits elsewhere in the file, but it may differ
from the value ``upload-sarif`` would compute from the checkout.
"""

from __future__ import annotations

import os
import sys
import urllib.parse
from array import array
from collections.abc import Callable, Iterable, Sequence
from operator import mul
from pathlib import Path, PurePath
from typing import TYPE_CHECKING, Any

from .. import __version__
from ..model import Finding, Severity, Span
from ..source import decode
from .escape import json_dumps

if TYPE_CHECKING:
    from ..core import Rule
    from ..lint import LintResult
    from ..registry import Registry
    from . import ReportOptions

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://github.com/shlint-iam/shlint-iam"
TOOL_NAME = "shlint-iam"
SRCROOT = "%SRCROOT%"

MAX_DESCRIPTION = 1024  # GitHub: shortDescription / fullDescription
MAX_NAME = 255  # GitHub: rule.name
MAX_TAGS = 20  # GitHub: tags per rule

_LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}
_PROBLEM_SEVERITY = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "recommendation"}

# ------------------------------------------------------------------------------------------------
# Serialisation: sarif_om objects -> JSON values, writing only what was set.

_EXPLICIT = "_shlint_explicit"


def _om(cls: Callable[..., Any], **fields: Any) -> Any:
    """Build a sarif_om object and remember which fields were given (and in which order).

    ``None`` values are treated as "not given", so optional fields can be passed unconditionally.
    """
    given = {k: v for k, v in fields.items() if v is not None}
    obj = cls(**given)
    setattr(obj, _EXPLICIT, tuple(given))
    return obj


def _to_json_value(value: Any) -> Any:
    if hasattr(value, _EXPLICIT):
        import attr

        names = {f.name: f.metadata.get("schema_property_name", f.name) for f in attr.fields(type(value))}
        return {names[k]: _to_json_value(getattr(value, k)) for k in getattr(value, _EXPLICIT)}
    if isinstance(value, dict):
        return {str(k): _to_json_value(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_to_json_value(v) for v in value]
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    raise TypeError(f"cannot write {type(value).__name__} to SARIF")


# ------------------------------------------------------------------------------------------------
# github/codeql-action src/fingerprints.ts, ported.

_LF = 0x0A
_EOF = 65535
_BLOCK_SIZE = 100
_MOD = 37
_MASK = (1 << 64) - 1


def line_hashes(text: str) -> dict[int, str]:
    """``primaryLocationLineHash`` of every line of ``text``, keyed by 1-based line number.

    The value of ``hash()`` in github/codeql-action ``src/fingerprints.ts``: a rolling
    polynomial hash (base 37, 64-bit wrap-around like its ``Long``) over the first 100 characters
    from each line start, skipping spaces and tabs, with ``\\r\\n`` and ``\\r`` read as ``\\n``,
    a 65535 "EOF" character after the text and zero padding. Characters are UTF-16 code units
    (JavaScript's ``charCodeAt``); the value is ``<hex>:<n>``, where ``n`` counts earlier lines
    with the same hash. Line numbers are the ones codeql-action counts (a lone ``\\r`` ends a line).

    codeql-action rolls the hash one character at a time; the hash of a window is the polynomial
    ``sum(c[i] * 37 ** (99 - i))`` modulo 2**64 of its 100 characters, so it is computed here for
    each line start directly, with the character loops in C (``str.replace``, ``array``, and
    :func:`_window_hashes`): the same values, about 20x faster than a loop per character in Python.
    """
    # A space or tab is skipped and ends a pending `\r` (so `\r \n` is two line ends).
    normal = text.replace("\r\n", "\n").replace("\r", "\n").replace(" ", "").replace("\t", "")
    units = _utf16_units(normal)
    size = len(units)
    units.append(_EOF)
    units.extend([0] * _BLOCK_SIZE)
    # A line starts at the first character after each line end (the EOF character included).
    starts = [0]
    while True:
        try:
            starts.append(units.index(_LF, starts[-1], size) + 1)
        except ValueError:
            break
    if len(starts) >= _BATCH_LINES:
        values: Iterable[int] = _window_hashes(units, starts)
    else:
        values = (sum(map(mul, units[start : start + _BLOCK_SIZE], _POWERS)) & _MASK for start in starts)
    counts: dict[str, int] = {}
    out: dict[int, str] = {}
    for number, value in enumerate(values, 1):
        key = format(value, "x")
        counts[key] = counts.get(key, 0) + 1
        out[number] = f"{key}:{counts[key]}"
    return out


_POWERS = [pow(_MOD, _BLOCK_SIZE - 1 - i, 1 << 64) for i in range(_BLOCK_SIZE)]
# From this many lines on, the windows are hashed all at once (_window_hashes), whose 100 steps
# cost more than hashing a few windows one by one.
_BATCH_LINES = 64
_SLOT = 8  # 16-bit units per window in _window_hashes: 128 bits, the low 64 the hash


def _window_hashes(units: array[int], starts: list[int]) -> array[int]:
    """``sum(c[i] * _POWERS[i]) mod 2**64`` of the window at every start, computed for all the
    windows at once: one integer holds a 128-bit slot per window, and each of the 100 steps adds
    the i-th character of every window times ``_POWERS[i]`` (one big-integer multiplication, in
    C). A slot's sum is below 100 * 2**16 * 2**64 < 2**87, so no slot carries into the next, and
    its low 64 bits are the hash."""
    count = len(starts)
    rows = array("H")
    for start in starts:
        rows += units[start : start + _BLOCK_SIZE]
    big_endian = sys.byteorder == "big"  # the arrays' bytes are native; the integers little-endian
    column = array("H", bytes(2 * _SLOT * count))
    total = 0
    for i, power in enumerate(_POWERS):
        column[0::_SLOT] = rows[i::_BLOCK_SIZE]
        if big_endian:
            column.byteswap()
        total += int.from_bytes(column.tobytes(), "little") * power
    slots = array("Q", total.to_bytes(2 * _SLOT * count, "little"))
    if big_endian:
        slots.byteswap()
    return slots[0::2]


def _utf16_units(text: str) -> array[int]:
    units = array("H", text.encode("utf-16-le", "surrogatepass"))
    if sys.byteorder == "big":
        units.byteswap()
    return units


def _snippet_hashes(lines: dict[int, str]) -> dict[int, str]:
    """The fallback: hash each linted line as if it were a file of its own (``line_hashes`` of
    the line text and a newline), numbering equal hashes in line order like codeql-action."""
    counts: dict[str, int] = {}
    out: dict[int, str] = {}
    for number in sorted(lines):
        value = line_hashes(lines[number] + "\n")[1].split(":", 1)[0]
        counts[value] = counts.get(value, 0) + 1
        out[number] = f"{value}:{counts[value]}"
    return out


class _Fingerprints:
    """Line hashes per reported path, each file read and hashed once."""

    def __init__(self, snippets: dict[str, dict[int, str]]) -> None:
        self.snippets = snippets
        self.cache: dict[str, dict[int, str]] = {}

    def get(self, path: str, line: int) -> str | None:
        if path not in self.cache:
            self.cache[path] = self._compute(path)
        return self.cache[path].get(line)

    def _compute(self, path: str) -> dict[int, str]:
        linted = self.snippets.get(path, {})
        text = _read_text(path)
        if text is not None:
            # The linted text must be what is on disk (not so for standard input or a file
            # changed since): compare the lines we kept.
            disk_lines = text.split("\n")
            same = all(
                1 <= n <= len(disk_lines) and disk_lines[n - 1].rstrip("\r") == line
                for n, line in linted.items()
            )
            if same:
                return line_hashes(text)
        return _snippet_hashes(linted)


# line_hashes is Python (about 0.3 s per MB): a larger file is fingerprinted from its linted
# lines alone (the fallback above), so SARIF output stays fast whatever the file's size.
HASH_MAX_BYTES = 1024 * 1024


def _read_text(path: str) -> str | None:
    from ..files import read_regular

    if path in ("-", "<stdin>") or not os.path.isfile(path):
        return None
    try:
        raw = read_regular(path, HASH_MAX_BYTES)
    except OSError:  # unreadable, or past HASH_MAX_BYTES
        return None
    # Node's "utf8" stream decoding replaces invalid bytes with U+FFFD, as "replace" does; a
    # UTF-16/32 script is hashed as the text that was linted.
    return decode(raw)


# ------------------------------------------------------------------------------------------------
# Paths and URIs.


class _Locator:
    """Turns reported paths into SARIF artifact locations relative to the project root."""

    def __init__(self, project_root: str | None) -> None:
        self.root = os.path.abspath(project_root or os.getcwd())
        self.real_root = os.path.realpath(self.root)

    def relative(self, path: str) -> str | None:
        """The POSIX path relative to the root, or None when the file lies outside it."""
        if path in ("-", "<stdin>"):
            return path
        absolute = os.path.abspath(path)
        for candidate, root in ((os.path.realpath(absolute), self.real_root), (absolute, self.root)):
            try:
                rel = os.path.relpath(candidate, root)
            except ValueError:  # another drive (Windows)
                continue
            if rel != ".." and not rel.startswith(".." + os.sep) and not os.path.isabs(rel):
                return PurePath(rel).as_posix()
        return None

    def artifact(self, sarif_om: Any, path: str) -> Any:
        rel = self.relative(path)
        if rel is None:
            return _om(sarif_om.ArtifactLocation, uri=Path(os.path.abspath(path)).as_uri())
        return _om(sarif_om.ArtifactLocation, uri=_uri_reference(rel), uri_base_id=SRCROOT)

    def root_uri(self) -> str:
        uri = Path(self.root).as_uri()
        return uri if uri.endswith("/") else uri + "/"


def _uri_reference(relative_posix: str) -> str:
    """Percent-encode a relative POSIX path as a URI reference (``a b.sh`` -> ``a%20b.sh``); the
    bytes of the name on disk are encoded, so a name that is not UTF-8 stays exact (``bad%FF.sh``)."""
    return urllib.parse.quote(os.fsencode(relative_posix), safe="/")


# ------------------------------------------------------------------------------------------------
# Rules.


def _first_paragraph(docs: str) -> str:
    """The first paragraph of prose in a rule's docs (markdown headings skipped)."""
    paragraph: list[str] = []
    for line in docs.splitlines():
        stripped = line.strip()
        if stripped.startswith("#") or stripped.startswith("```"):
            if paragraph:
                break
            continue
        if not stripped:
            if paragraph:
                break
            continue
        paragraph.append(stripped)
    return " ".join(paragraph)


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "\u2026"


def _rule_descriptor(sarif_om: Any, rule: type[Rule]) -> Any:
    docs = rule.docs().strip() or rule.summary or rule.code
    short = rule.summary.strip() or rule.name or rule.code
    full = _first_paragraph(docs) or short
    tags: list[str] = []
    # "security" first, so that clipping to GitHub's 20 tags never drops it.
    for tag in (*(("security",) if rule.security_severity else ()), *rule.tags):
        if tag and tag not in tags:
            tags.append(tag)
    properties: dict[str, Any] = {}
    if tags:
        properties["tags"] = tags[:MAX_TAGS]
    if rule.precision:
        properties["precision"] = rule.precision
    if rule.security_severity:
        properties["security-severity"] = str(rule.security_severity)
    else:
        properties["problem.severity"] = _PROBLEM_SEVERITY[rule.severity]
    return _om(
        sarif_om.ReportingDescriptor,
        id=rule.code,
        name=_clip(rule.name, MAX_NAME) if rule.name else None,
        short_description=_om(sarif_om.MultiformatMessageString, text=_clip(short, MAX_DESCRIPTION)),
        full_description=_om(sarif_om.MultiformatMessageString, text=_clip(full, MAX_DESCRIPTION)),
        help=_om(sarif_om.MultiformatMessageString, text=docs, markdown=docs),
        help_uri=rule.help_uri or None,
        default_configuration=_om(sarif_om.ReportingConfiguration, level=_LEVELS[rule.severity]),
        properties=properties or None,
    )


class _RuleTable:
    """Where each rule code lives: the driver (index) or an extension (component, index)."""

    def __init__(self, rules: Sequence[type[Rule]]) -> None:
        self.driver: list[type[Rule]] = []
        self.extensions: dict[str, list[type[Rule]]] = {}
        for rule in sorted(rules, key=lambda r: r.code):
            if rule.origin == TOOL_NAME:
                self.driver.append(rule)
            else:
                self.extensions.setdefault(rule.origin, []).append(rule)
        self.origins = sorted(self.extensions)
        self.where: dict[str, tuple[int | None, int]] = {r.code: (None, i) for i, r in enumerate(self.driver)}
        for component, origin in enumerate(self.origins):
            for i, rule in enumerate(self.extensions[origin]):
                self.where[rule.code] = (component, i)


def _rules_for(result: LintResult, registry: Registry, findings: Iterable[Finding]) -> list[type[Rule]]:
    """The enabled rules, plus any rule a finding names that is not among them."""
    rules = {r.code: r for r in result.rules}
    for f in findings:
        if f.code not in rules:
            rule = registry.get(f.code)
            if rule is not None:
                rules[f.code] = rule
    return list(rules.values())


def _plugin_version(origin: str) -> str | None:
    try:
        from importlib.metadata import PackageNotFoundError, version
    except ImportError:  # pragma: no cover
        return None
    try:
        return version(origin)
    except (PackageNotFoundError, ValueError):
        return None


# ------------------------------------------------------------------------------------------------
# Results.


def _sentence(text: str) -> str:
    """``text`` ending like a sentence, so that what is appended reads as the next one."""
    text = text.rstrip()
    return text if not text or text.endswith((".", "!", "?", ":")) else text + "."


def message_text(f: Finding, show_fixes: bool = True) -> str:
    """The message, then each note and the fix: ``<message>. Note: <note>. Fix: <fix>``."""
    text = f.message.strip() or f.code
    for note in f.notes:
        text = f"{_sentence(text)} Note: {note}"
    if f.fix and show_fixes:
        text = f"{_sentence(text)} Fix: {f.fix}"
    return text


def _region(sarif_om: Any, span: Span) -> Any:
    start_line = max(1, span.start_line)
    start_col = max(1, span.start_col)
    end_line = max(start_line, span.end_line)
    end_col = max(1, span.end_col)
    if end_line == start_line:
        end_col = max(start_col, end_col)
    return _om(
        sarif_om.Region, start_line=start_line, start_column=start_col, end_line=end_line, end_column=end_col
    )


def _fixes(sarif_om: Any, f: Finding, locator: Any) -> list[Any] | None:
    """The automatic fix as a SARIF ``fix``: one ``artifactChange`` with a ``replacement`` per
    edit (regions in the run's columnKind, unicodeCodePoints; an insertion is an empty region);
    ``properties.applicability`` says safe or unsafe."""
    if f.autofix is None or not f.autofix.edits:
        return None
    replacements = [
        _om(
            sarif_om.Replacement,
            deleted_region=_om(
                sarif_om.Region,
                start_line=e.start_line,
                start_column=e.start_col,
                end_line=e.end_line,
                end_column=e.end_col,
            ),
            inserted_content=_om(sarif_om.ArtifactContent, text=e.content) if e.content else None,
        )
        for e in f.autofix.edits
    ]
    change = _om(
        sarif_om.ArtifactChange,
        artifact_location=locator.artifact(sarif_om, f.span.path),
        replacements=replacements,
    )
    return [
        _om(
            sarif_om.Fix,
            description=_om(sarif_om.Message, text=f.autofix.title),
            artifact_changes=[change],
            properties={"applicability": f.autofix.applicability},
        )
    ]


def _suppression(f: Finding) -> dict[str, str]:
    """An in-source suppression; its justification is the directive's reason (`-- reason`)."""
    suppression = {"kind": "inSource", "status": "accepted"}
    if f.suppression_reason:
        suppression["justification"] = f.suppression_reason
    return suppression


def render(result: LintResult, registry: Registry, options: ReportOptions) -> str:
    return json_dumps(build_log(result, registry, options)) + "\n"


def build_log(result: LintResult, registry: Registry, options: ReportOptions) -> dict[str, Any]:
    """The SARIF log as JSON values (what :func:`render` writes)."""
    import sarif_om

    findings = sorted(
        (f for f in result.findings if options.include_suppressed or not f.suppressed), key=Finding.sort_key
    )
    table = _RuleTable(_rules_for(result, registry, findings))
    locator = _Locator(options.project_root)
    fingerprints = _Fingerprints(result.snippets)

    results = []
    for f in findings:
        component, index = table.where.get(f.code, (None, -1))
        location = _om(
            sarif_om.Location,
            physical_location=_om(
                sarif_om.PhysicalLocation,
                artifact_location=locator.artifact(sarif_om, f.span.path),
                region=_region(sarif_om, f.span),
            ),
        )
        line_hash = fingerprints.get(f.span.path, max(1, f.span.start_line))
        rule_ref = None
        rule_index = None
        if component is not None:
            rule_ref = _om(
                sarif_om.ReportingDescriptorReference,
                id=f.code,
                index=index,
                tool_component=_om(sarif_om.ToolComponentReference, index=component),
            )
        elif index >= 0:
            rule_index = index
        results.append(
            _om(
                sarif_om.Result,
                rule_id=f.code,
                rule_index=rule_index,
                rule=rule_ref,
                level=_LEVELS[f.severity],
                message=_om(sarif_om.Message, text=message_text(f, options.show_fixes)),
                locations=[location],
                related_locations=[
                    _om(
                        sarif_om.Location,
                        id=i,
                        physical_location=_om(
                            sarif_om.PhysicalLocation,
                            artifact_location=locator.artifact(sarif_om, span.path),
                            region=_region(sarif_om, span),
                        ),
                        message=_om(sarif_om.Message, text=what),
                    )
                    for i, (span, what) in enumerate(f.related)
                ] or None,
                partial_fingerprints={"primaryLocationLineHash": line_hash} if line_hash else None,
                suppressions=[_suppression(f)] if f.suppressed else None,
                fixes=_fixes(sarif_om, f, locator),
            )
        )

    driver = _om(
        sarif_om.ToolComponent,
        name=TOOL_NAME,
        version=__version__,
        semantic_version=__version__,
        information_uri=INFORMATION_URI,
        rules=[_rule_descriptor(sarif_om, r) for r in table.driver],
    )
    extensions = [
        _om(
            sarif_om.ToolComponent,
            name=origin,
            version=_plugin_version(origin),
            rules=[_rule_descriptor(sarif_om, r) for r in table.extensions[origin]],
        )
        for origin in table.origins
    ]

    # A path that could not be read and a file whose analysis did not complete are errors (the
    # run failed: exit 2); a notice about a file that was analysed is a warning.
    notifications = []
    for problem in result.problems:
        located = bool(problem.path)
        notifications.append(
            _om(
                sarif_om.Notification,
                level="error" if problem.fatal else "warning",
                message=_om(sarif_om.Message,
                            text=f"{problem.path}: {problem.message}" if located else problem.message),
                locations=[
                    _om(
                        sarif_om.Location,
                        physical_location=_om(
                            sarif_om.PhysicalLocation,
                            artifact_location=locator.artifact(sarif_om, problem.path),
                        ),
                    )
                ] if located else None,
                associated_rule=_om(sarif_om.ReportingDescriptorReference, id=problem.rule)
                if problem.rule else None,
                properties={"kind": problem.kind},
            )
        )
    invocation = _om(
        sarif_om.Invocation,
        execution_successful=not any(p.fatal for p in result.problems),
        tool_execution_notifications=notifications or None,
    )

    category = options.extra.get("sarif_category")
    automation = None
    if isinstance(category, str) and category.strip():
        # As github/codeql-action does for its `category` input: the id ends with "/", so the
        # whole value is the category.
        automation_id = category.strip()
        if not automation_id.endswith("/"):
            automation_id += "/"
        automation = _om(sarif_om.RunAutomationDetails, id=automation_id)

    run = _om(
        sarif_om.Run,
        tool=_om(sarif_om.Tool, driver=driver, extensions=extensions or None),
        automation_details=automation,
        original_uri_base_ids={SRCROOT: {"uri": locator.root_uri()}},
        invocations=[invocation],
        column_kind="unicodeCodePoints",
        results=results,
    )
    log = _om(sarif_om.SarifLog, schema_uri=SCHEMA_URI, version="2.1.0", runs=[run])
    value: dict[str, Any] = _to_json_value(log)
    return value
