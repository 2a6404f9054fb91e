"""The graph laid out by graphviz's `dot` as SVG, the path taken coloured.

Every node gets an SVG id (`n<i>`) the page's script finds it by, and a class naming its status
(`st-failed`, ...) so the page can recolour a Map's inner states for one iteration.
"""

from __future__ import annotations

import html
import re
import shutil
import subprocess

from localcloud.console.graph import Graph

COLOURS = {
    "succeeded": ("#d7f5dd", "#1e7b34"),
    "retried": ("#fff1c2", "#a66a00"),
    "caught": ("#ffe0c2", "#b84d00"),
    "failed": ("#ffd6d6", "#b3261e"),
    "running": ("#d6e8ff", "#1b5fbf"),
    "aborted": ("#e6e6e6", "#555555"),
    "not reached": ("#ffffff", "#9a9a9a"),
}
_SHAPES = {"Choice": "diamond", "Start": "circle", "End": "doublecircle", "Join": "point"}
DOT_TIMEOUT_S = 30


class LayoutError(RuntimeError):
    """graphviz is missing or could not lay the graph out."""


def node_ids(graph: Graph) -> dict[str, str]:
    """The SVG id of every node, by node id."""
    return {node_id: f"n{index}" for index, node_id in enumerate(graph.nodes)}


def to_dot(
    graph: Graph,
    statuses: dict[str, str],
    taken: set[tuple[str, str]] | None = None,
    denied: dict[str, int] | None = None,
) -> str:
    """DOT source for the graph; `statuses` gives each state's status (absent: not reached);
    `taken`, the (from, to) transitions the run made, marks the edges it followed; `denied`,
    how many calls IAM denied each state, marks those states."""
    ids = node_ids(graph)
    lines = [
        "digraph G {",
        '  graph [rankdir=TB, nodesep=0.35, ranksep=0.45, fontname="Helvetica", fontsize=11,'
        ' bgcolor="transparent"];',
        '  node [fontname="Helvetica", fontsize=11, style="rounded,filled", shape=box,'
        " penwidth=1.4];",
        '  edge [fontname="Helvetica", fontsize=9, color="#8a8a8a", arrowsize=0.7];',
    ]
    children: dict[str | None, list[str]] = {}
    for group in graph.groups.values():
        children.setdefault(group.parent, []).append(group.id)
    members: dict[str | None, list[str]] = {}
    for node in graph.nodes.values():
        members.setdefault(node.group, []).append(node.id)

    def emit(group_id: str | None, indent: str) -> None:
        for node_id in members.get(group_id, []):
            lines.append(indent + _node(graph, node_id, ids[node_id], statuses, denied or {}))
        for child in children.get(group_id, []):
            group = graph.groups[child]
            status = statuses.get(group.state, "not reached")
            style = "rounded,dashed" if group.kind in ("parallel", "map") else "rounded"
            colour = COLOURS[status][1] if group.kind in ("parallel", "map") else "#b0b0b0"
            lines.append(f"{indent}subgraph cluster_{ids_for_group(graph, child)} {{")
            lines.append(
                f'{indent}  label="{_esc(group.label)}"; style="{style}"; color="{colour}";'
                " fontsize=10; labeljust=l;"
            )
            emit(child, indent + "  ")
            lines.append(f"{indent}}}")

    emit(None, "  ")
    for edge in graph.edges:
        if edge.source not in ids or edge.target not in ids:
            continue  # a Next naming no state: the definition is broken there; draw the rest
        attrs = _edge_attrs(graph, edge, statuses, taken)
        lines.append(f"  {ids[edge.source]} -> {ids[edge.target]} [{attrs}];")
    lines.append("}")
    return "\n".join(lines)


def ids_for_group(graph: Graph, group_id: str) -> str:
    return str(list(graph.groups).index(group_id))


def _node(
    graph: Graph, node_id: str, svg_id: str, statuses: dict[str, str], denied: dict[str, int]
) -> str:
    node = graph.nodes[node_id]
    shape = _SHAPES.get(node.type, "box")
    if node.type in ("Start", "End"):
        return (
            f'{svg_id} [id="{svg_id}", label="", shape={shape}, width=0.22, '
            'style=filled, fillcolor="#555555", color="#555555"];'
        )
    if node.type == "Join":
        return f'{svg_id} [id="{svg_id}", label="", shape=point, width=0.08, color="#8a8a8a"];'
    status = statuses.get(node.name, "not reached")
    fill, line = COLOURS[status]
    subtitle = node.type + (f" · {node.detail}" if node.detail else "")
    if len(subtitle) > 48:
        subtitle = subtitle[:47] + "…"
    mark = ""
    css = f"state st-{status.replace(' ', '-')}"
    if denied.get(node.name):
        calls = denied[node.name]
        words = f"⛔ {calls} call{'s' * (calls > 1)} denied"
        mark = f'<br/><font point-size="9" color="#b3261e">{words}</font>'
        css += " denied"
    label = f'<<b>{_html(node.name)}</b><br/><font point-size="9">{_html(subtitle)}</font>{mark}>'
    extra = ", peripheries=2" if node.type in ("Succeed", "Fail") else ""
    dashed = ",dashed" if status == "not reached" else ""
    return (
        f'{svg_id} [id="{svg_id}", class="{css}", label={label}, shape={shape}, '
        f'fillcolor="{fill}", color="{line}", style="rounded,filled{dashed}"{extra}, '
        f'tooltip="{_esc(node.name)}"];'
    )


def _edge_attrs(
    graph: Graph, edge, statuses: dict[str, str], transitions: set[tuple[str, str]] | None
) -> str:
    reached = {name for name, status in statuses.items() if status != "not reached"}
    source = graph.nodes[edge.source]
    target = graph.nodes[edge.target]
    source_state = source.name if source.type != "Join" else edge.source.removesuffix("/join")
    taken = False
    if edge.kind == "start":
        taken = target.name in reached
    elif edge.kind == "catch" and transitions is not None:
        taken = (source.name, target.name) in transitions
    elif edge.kind == "catch":
        taken = statuses.get(source.name) == "caught" and target.name in reached
    elif edge.kind in ("end", "join"):
        taken = statuses.get(source_state) in ("succeeded", "retried")
    elif target.type == "Join":
        taken = source_state in reached
    elif transitions is not None and edge.kind != "branch":
        taken = (source_state, target.name) in transitions
    else:
        taken = source_state in reached and target.name in reached
    attrs = []
    if edge.label:
        label = edge.label if len(edge.label) <= 40 else edge.label[:39] + "…"
        attrs.append(f'label="{_esc(label)}"')
    if edge.kind == "catch":
        attrs.append('style=dashed, color="#c0392b", fontcolor="#c0392b", arrowhead=empty')
    elif edge.kind == "default":
        attrs.append("style=solid")
    if taken:
        attrs.append("penwidth=2.2" + ("" if edge.kind == "catch" else ', color="#333333"'))
    attrs.append(f'class="edge-{edge.kind}{" taken" if taken else ""}"')
    return ", ".join(attrs)


def _esc(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ")


def _html(text: str) -> str:
    return html.escape(text, quote=True)


def render_svg(dot_source: str) -> str:
    """Lay the graph out with graphviz and return the <svg> element alone."""
    binary = shutil.which("dot")
    if binary is None:
        raise LayoutError(
            "graphviz's 'dot' is not installed (make setup installs it: apt-get install graphviz)"
        )
    try:
        done = subprocess.run(
            [binary, "-Tsvg"],
            input=dot_source.encode(),
            capture_output=True,
            timeout=DOT_TIMEOUT_S,
            check=False,
        )
    except subprocess.TimeoutExpired as error:
        raise LayoutError(f"graphviz took over {DOT_TIMEOUT_S} s") from error
    if done.returncode != 0:
        raise LayoutError(f"graphviz failed: {done.stderr.decode(errors='replace')[:500]}")
    svg = done.stdout.decode()
    start = svg.find("<svg")
    return re.sub(r"<!--.*?-->", "", svg[start:], flags=re.S) if start >= 0 else svg
