"""A state machine as a graph: states as nodes, transitions as edges, branches as nested groups.

Built from the ASL definition alone, for any state machine (JSONPath or JSONata). Parallel and
Map states become a group holding the state's own node, one group per branch (or the Map's
item processor) and a join node the state's `Next` leaves from, so a layout engine draws the
branches inside the state that runs them. State names are unique in a whole state machine (AWS
rejects a definition that repeats one), so a node's id is its state's name, as in the history.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

START = "__start__"
END = "__end__"


@dataclass(frozen=True)
class Node:
    id: str
    name: str
    type: str  # the ASL Type, or "Start", "End", "Join"
    group: str | None  # id of the innermost group holding it
    detail: str = ""  # what it does, in a few words (a task's resource, a Wait's time, ...)


@dataclass(frozen=True)
class Edge:
    source: str
    target: str
    # next | choice | default | catch | branch | join | start | end
    kind: str
    label: str = ""


@dataclass(frozen=True)
class Group:
    id: str
    label: str
    kind: str  # parallel | branch | map | iterations
    parent: str | None
    state: str  # the Parallel or Map state this group belongs to


@dataclass
class Graph:
    nodes: dict[str, Node] = field(default_factory=dict)
    edges: list[Edge] = field(default_factory=list)
    groups: dict[str, Group] = field(default_factory=dict)
    # Each state's definition, by name, for the detail panel.
    definitions: dict[str, dict] = field(default_factory=dict)

    def edges_from(self, source: str, kind: str | None = None) -> list[Edge]:
        return [e for e in self.edges if e.source == source and (kind is None or e.kind == kind)]

    def states(self) -> list[Node]:
        return [n for n in self.nodes.values() if n.type not in ("Start", "End", "Join")]


class DefinitionError(ValueError):
    """The definition is not a state machine this console can draw."""


def build(definition: str | dict) -> Graph:
    """The graph of a state machine definition (a JSON string or its parsed form)."""
    if isinstance(definition, str):
        try:
            definition = json.loads(definition)
        except json.JSONDecodeError as error:
            raise DefinitionError(f"the definition is not JSON: {error}") from error
    if not isinstance(definition, dict) or "States" not in definition:
        raise DefinitionError("the definition has no States")
    graph = Graph()
    graph.nodes[START] = Node(START, "Start", "Start", None)
    graph.nodes[END] = Node(END, "End", "End", None)
    query_language = definition.get("QueryLanguage", "JSONPath")
    first = _add_states(graph, definition, None, END, query_language)
    graph.edges.insert(0, Edge(START, first, "start"))
    return graph


def _add_states(graph: Graph, machine: dict, group: str | None, exit_to: str, language: str) -> str:
    """Add a (sub-)state machine's states; its End states lead to `exit_to`. Returns StartAt."""
    states = machine.get("States") or {}
    start = machine.get("StartAt")
    if start not in states:
        raise DefinitionError(f"StartAt {start!r} names no state")
    for name, state in states.items():
        state_language = state.get("QueryLanguage", language)
        kind = state.get("Type", "?")
        graph.definitions[name] = state
        if kind in ("Parallel", "Map"):
            _add_container(graph, name, state, group, exit_to, state_language)
        else:
            graph.nodes[name] = Node(name, name, kind, group, _detail(state))
            _add_exits(graph, name, name, state, exit_to, state_language)
    return start


def _add_container(
    graph: Graph, name: str, state: dict, parent: str | None, exit_to: str, language: str
) -> None:
    kind = state["Type"]
    container = f"{name}/group"
    join = f"{name}/join"
    processor = state.get("ItemProcessor") or state.get("Iterator")
    distributed = (
        kind == "Map" and (processor or {}).get("ProcessorConfig", {}).get("Mode") == "DISTRIBUTED"
    )
    label = f"{name} · {'Distributed Map' if distributed else kind}"
    graph.groups[container] = Group(container, label, kind.lower(), parent, name)
    graph.nodes[name] = Node(name, name, kind, container, _detail(state))
    graph.nodes[join] = Node(join, "", "Join", container)
    if kind == "Parallel":
        for index, branch in enumerate(state.get("Branches") or []):
            branch_group = f"{name}/branch/{index}"
            graph.groups[branch_group] = Group(
                branch_group, f"branch {index + 1}", "branch", container, name
            )
            first = _add_states(graph, branch, branch_group, join, language)
            graph.edges.append(Edge(name, first, "branch"))
    else:
        if not processor:
            raise DefinitionError(f"Map state {name!r} has no ItemProcessor")
        iterations = f"{name}/iterations"
        graph.groups[iterations] = Group(
            iterations,
            "each item" + (" (child executions)" if distributed else ""),
            "iterations",
            container,
            name,
        )
        first = _add_states(graph, processor, iterations, join, language)
        graph.edges.append(Edge(name, first, "branch"))
    _add_exits(graph, name, join, state, exit_to, language)


def _add_exits(
    graph: Graph, name: str, leaves_from: str, state: dict, exit_to: str, language: str
) -> None:
    """Edges out of a state: Next/End, Choice rules and Default, Catchers."""
    kind = state.get("Type")
    if kind == "Choice":
        for rule in state.get("Choices") or []:
            graph.edges.append(Edge(name, rule.get("Next", "?"), "choice", condition(rule)))
        if "Default" in state:
            graph.edges.append(Edge(name, state["Default"], "default", "Default"))
    elif "Next" in state:
        graph.edges.append(Edge(leaves_from, state["Next"], "next"))
    elif state.get("End") or kind in ("Succeed", "Fail"):
        graph.edges.append(Edge(leaves_from, exit_to, "end" if exit_to == END else "join"))
    for catcher in state.get("Catch") or []:
        errors = ", ".join(catcher.get("ErrorEquals") or [])
        graph.edges.append(Edge(name, catcher.get("Next", "?"), "catch", errors))


def _detail(state: dict) -> str:
    kind = state.get("Type")
    if kind == "Task":
        return _short_resource(state.get("Resource", ""))
    if kind == "Wait":
        for key in ("Seconds", "Timestamp", "SecondsPath", "TimestampPath"):
            if key in state:
                return f"{key} {state[key]}"
    if kind == "Fail":
        return str(state.get("Error", ""))
    if kind == "Map":
        reader = state.get("ItemReader", {}).get("Resource")
        return f"items from {_short_resource(reader)}" if reader else ""
    return ""


def _short_resource(resource: str) -> str:
    """arn:aws:states:::lambda:invoke -> lambda:invoke; a function ARN -> lambda: its name."""
    if resource.startswith("arn:aws:states:::"):
        return resource.removeprefix("arn:aws:states:::")
    parts = resource.split(":")
    if len(parts) >= 7 and parts[2] == "lambda":
        return f"lambda: {parts[6]}"
    if len(parts) >= 6 and parts[2] == "states" and parts[5] == "activity":
        return f"activity: {parts[6] if len(parts) > 6 else ''}"
    return resource


_OPERATORS = {
    "Equals": "==",
    "LessThan": "<",
    "GreaterThan": ">",
    "LessThanEquals": "<=",
    "GreaterThanEquals": ">=",
    "Matches": "matches",
}
_TESTS = ("IsPresent", "IsNull", "IsNumeric", "IsString", "IsBoolean", "IsTimestamp")


def condition(rule: dict) -> str:
    """A Choice rule as a short readable condition (JSONPath rules or a JSONata Condition)."""
    if "Condition" in rule:
        text = str(rule["Condition"]).strip()
        if text.startswith("{%") and text.endswith("%}"):
            text = text[2:-2].strip()
        return text
    if "And" in rule:
        return " and ".join(f"({condition(r)})" for r in rule["And"])
    if "Or" in rule:
        return " or ".join(f"({condition(r)})" for r in rule["Or"])
    if "Not" in rule:
        return f"not ({condition(rule['Not'])})"
    variable = rule.get("Variable", "")
    for key, value in rule.items():
        if key in ("Variable", "Next", "Comment", "Assign", "Output"):
            continue
        if key in _TESTS:
            return f"{variable} {key[2:].lower()} is {str(value).lower()}"
        for suffix, symbol in _OPERATORS.items():
            operator = key.removesuffix("Path")
            if operator.endswith(suffix) and not (
                suffix in ("LessThan", "GreaterThan") and operator.endswith(suffix + "Equals")
            ):
                shown = value if key.endswith("Path") else json.dumps(value)
                return f"{variable} {symbol} {shown}"
    return json.dumps({k: v for k, v in rule.items() if k != "Next"})


def integration(resource: str) -> tuple[str, str, str]:
    """(service, action, pattern) of a Task resource: pattern is '', 'sync' or 'waitForTaskToken'.

    A Lambda function ARN is ('lambda', 'invoke', ''); an activity is ('activity', '', '').
    """
    if resource.startswith("arn:aws:states:::"):
        rest = resource.removeprefix("arn:aws:states:::")
        pattern = ""
        for suffix in (".waitForTaskToken", ".sync:2", ".sync"):
            if rest.endswith(suffix):
                pattern = "waitForTaskToken" if "wait" in suffix else "sync"
                rest = rest.removesuffix(suffix)
                break
        if rest.startswith("aws-sdk:"):
            rest = rest.removeprefix("aws-sdk:")
        service, _, action = rest.partition(":")
        return service, action, pattern
    parts = resource.split(":")
    if len(parts) >= 6 and parts[2] == "lambda":
        return "lambda", "invoke", ""
    if len(parts) >= 6 and parts[2] == "states" and parts[5] == "activity":
        return "activity", "", ""
    return "unknown", resource, ""
