"""Who invokes what: every event-invoked deployment as trigger or caller -> identity -> service,
with whether the identity may invoke the service. Read from the invoker analysis (its
requirements and outcomes), never from command strings; ``shlint-iam map`` and the markdown
report show it as a table and a Mermaid flowchart."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from .config import Config
from .gcloud.facts import Binding, Deploy
from .invokers import Outcome, analyse_invokers
from .model import FileProblem, Span
from .shell.values import Val, show

BOUND = "bound"
UNBOUND = "unbound"
SOME_PATHS = "only on some paths"
PUBLIC = "public"


@dataclass
class Edge:
    path: str
    caller: str  # "Pub/Sub topic done", "Eventarc trigger t (...)"
    identity: str  # the calling service account's email, or "no identity"
    service: str  # "orchestrator"
    region: str
    project: str
    status: str  # BOUND, UNBOUND, SOME_PATHS or PUBLIC
    deploy: Span | None  # the last deploy of the service in the file (None: deployed elsewhere)
    origin: Span  # what makes it event-invoked (the deploy with the trigger, or the invoker)
    bindings: list[Span] = field(default_factory=list)  # the bindings that grant the invoke
    lost: list[Span] = field(default_factory=list)  # bindings made before the deploy re-created it

    def as_dict(self) -> dict[str, Any]:
        def where(span: Span | None) -> dict[str, Any] | None:
            return None if span is None else {"path": span.path, "line": span.start_line, "column": span.start_col}

        return {
            "path": self.path,
            "caller": self.caller,
            "identity": self.identity,
            "service": {"name": self.service, "region": self.region, "project": self.project},
            "status": self.status,
            "deploy": where(self.deploy),
            "origin": where(self.origin),
            "bindings": [where(s) for s in self.bindings],
            "lost_bindings": [where(s) for s in self.lost],
        }


def _identity(member: Val | None) -> str:
    if member is None:
        return "no identity"
    text = show(member)
    return text.split(":", 1)[1] if text.startswith("serviceAccount:") else text


def _status(outcome: Outcome) -> str:
    req = outcome.requirement
    if any(d.public_span is not None for d in req.deploys) or any(b.is_public for b in outcome.satisfying):
        return PUBLIC
    if outcome.bound and outcome.unbound:
        return SOME_PATHS
    if outcome.bound:
        return BOUND
    return UNBOUND


def edges_of(path: str, facts: list[object], trace: Any) -> list[Edge]:
    """The edges of one file's analysis."""
    analysis = analyse_invokers(facts, trace)
    edges = []
    for outcome in analysis.outcomes:
        req = outcome.requirement
        origin = req.origin
        caller = origin.trigger_description if isinstance(origin, Deploy) else origin.description
        deploy = req.deploys[-1].span if req.deploys else None
        edges.append(Edge(
            path=path,
            caller=show(caller),
            identity=_identity(req.identity),
            service=show(req.service.name),
            region=show(req.service.region),
            project=show(req.service.project),
            status=_status(outcome),
            deploy=deploy,
            origin=origin.span,
            bindings=[b.span for b in outcome.satisfying if isinstance(b, Binding)] if outcome.bound else [],
            lost=[b.span for b in outcome.lost],
        ))
    return edges


def collect(paths: Sequence[str], config: Config) -> tuple[list[Edge], list[FileProblem], list[str]]:
    """The edges of every file under ``paths`` (as `check` would find them), the files that could
    not be read, and the files looked at."""
    from .files import discover, display_path
    from .lint import Linter

    linter = Linter(config)
    edges: list[Edge] = []
    problems: list[FileProblem] = []
    files: list[str] = []
    for item in discover(paths or ["."], config.exclude, config.root):
        if isinstance(item, tuple):
            problems.append(FileProblem(display_path(item[0]), item[1]))
            continue
        source = linter.read(item, problems)
        if source is None:
            continue
        files.append(source.path)
        ctx = linter.analyse(source)
        edges.extend(edges_of(source.path, ctx.analysis.facts, ctx.analysis.trace))
    edges.sort(key=lambda e: (e.path, (e.deploy or e.origin).start_line))
    return edges, problems, files


# -- rendering ----------------------------------------------------------------------------------
def _at(span: Span | None) -> str:
    return "-" if span is None else f"{span.path}:{span.start_line}"


def _binding_cell(edge: Edge) -> str:
    cells = [_at(s) for s in edge.bindings] + [f"{_at(s)} (before the deploy)" for s in edge.lost]
    return ", ".join(cells) if cells else "-"


def render_text(edges: Iterable[Edge]) -> str:
    rows = [("CALLER", "IDENTITY", "SERVICE", "INVOKE", "DEPLOY", "BINDING")]
    for e in edges:
        rows.append((e.caller, e.identity, f"{e.service} ({e.region})", e.status, _at(e.deploy or e.origin),
                     _binding_cell(e)))
    if len(rows) == 1:
        return "No event-invoked deployments found.\n"
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]) - 1)]
    lines = []
    for row in rows:
        cells = [c.ljust(w) for c, w in zip(row[:-1], widths, strict=True)] + [row[-1]]
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines) + "\n"


def render_json(edges: Iterable[Edge]) -> str:
    return json.dumps({"version": 1, "edges": [e.as_dict() for e in edges]}, indent=2) + "\n"


_MARK = {BOUND: "✅ bound", UNBOUND: "❌ unbound", SOME_PATHS: "⚠️ only on some paths", PUBLIC: "🌐 public"}
_ARROW = {BOUND: "-->", UNBOUND: "-.->", SOME_PATHS: "-.->", PUBLIC: "==>"}
_COLOUR = {BOUND: "#2da44e", UNBOUND: "#cf222e", SOME_PATHS: "#bf8700", PUBLIC: "#8250df"}


def _cell(text: str) -> str:
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def _code(text: str) -> str:
    return "`" + text.replace("`", "'") + "`" if text and text != "no identity" else text


def render_markdown_table(edges: list[Edge]) -> str:
    if not edges:
        return "No event-invoked deployments found.\n"
    lines = [
        "| Trigger or caller | Identity | Service | Invoke permission | Deploy | Binding |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for e in edges:
        lines.append("| " + " | ".join(_cell(c) for c in (
            e.caller, _code(e.identity), f"{e.service} ({e.region})", _MARK[e.status], _at(e.deploy or e.origin),
            _binding_cell(e),
        )) + " |")
    return "\n".join(lines) + "\n"


def _label(text: str) -> str:
    """Text for a quoted Mermaid label: quotes, #, <, > and | as entity codes."""
    out = []
    for ch in text:
        if ch in '"#<>|':
            out.append(f"#{ord(ch)};")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def render_mermaid(edges: list[Edge]) -> str:
    """A left-to-right flowchart, one subgraph per file: caller -> identity -> service, the
    identity's edge to the service marked (and coloured) bound, unbound, some paths or public."""
    lines = ["flowchart LR"]
    links: list[str] = []
    styles: list[str] = []
    by_file: dict[str, list[Edge]] = {}
    for e in edges:
        by_file.setdefault(e.path, []).append(e)
    counter = {"c": 0, "i": 0, "s": 0}
    for number, (path, file_edges) in enumerate(by_file.items(), start=1):
        lines.append(f"  subgraph f{number}[{_label(path)}]")
        ids: dict[tuple[str, str], str] = {}

        def node(kind: str, label: str, shape: tuple[str, str], ids: dict[tuple[str, str], str] = ids) -> str:
            if (kind, label) not in ids:
                counter[kind] += 1
                ids[(kind, label)] = f"{kind}{counter[kind]}"
                lines.append(f"    {ids[(kind, label)]}{shape[0]}{_label(label)}{shape[1]}")
            return ids[(kind, label)]

        seen: set[str] = set()
        for e in file_edges:
            caller = node("c", e.caller, ("[", "]"))
            identity = node("i", e.identity, ("([", "])"))
            service = node("s", f"{e.service} ({e.region})", ("[[", "]]"))
            first = f"  {caller} --> {identity}"
            if first not in seen:
                seen.add(first)
                links.append(first)
                styles.append("")
            second = f"  {identity} {_ARROW[e.status]}|{_label(e.status)}| {service}"
            if second not in seen:
                seen.add(second)
                links.append(second)
                styles.append(_COLOUR[e.status])
        lines.append("  end")
    lines.extend(links)
    for number, colour in enumerate(styles):
        if colour:
            lines.append(f"  linkStyle {number} stroke:{colour},stroke-width:2px")
    return "\n".join(lines) + "\n"


def render_markdown(edges: list[Edge]) -> str:
    """The table and the flowchart, for a GitHub job summary or a pull request comment."""
    out = ["#### Who invokes what", "", render_markdown_table(edges).rstrip("\n")]
    if edges:
        out += ["", "```mermaid", render_mermaid(edges).rstrip("\n"), "```"]
    return "\n".join(out) + "\n"
