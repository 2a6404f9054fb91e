"""The console's graph model: every state type, nested groups, Catch edges, Choice labels."""

from __future__ import annotations

import html
import json

import pytest

from localcloud.console import dot, graph
from localcloud.console.graph import END, START

EVERY_TYPE = {
    "Comment": "Every state type once, Parallel and Map nested, with Catchers.",
    "StartAt": "Prepare",
    "States": {
        "Prepare": {"Type": "Pass", "Next": "Route"},
        "Route": {
            "Type": "Choice",
            "Choices": [
                {"Variable": "$.kind", "StringEquals": "batch", "Next": "Fan"},
                {
                    "And": [
                        {"Variable": "$.n", "NumericGreaterThan": 3},
                        {"Not": {"Variable": "$.skip", "IsPresent": True}},
                    ],
                    "Next": "Pause",
                },
            ],
            "Default": "Work",
        },
        "Pause": {"Type": "Wait", "Seconds": 5, "Next": "Work"},
        "Work": {
            "Type": "Task",
            "Resource": "arn:aws:states:::lambda:invoke",
            "Parameters": {"FunctionName": "arn:aws:lambda:us-east-1:1:function:work"},
            "Retry": [{"ErrorEquals": ["States.ALL"], "MaxAttempts": 2}],
            "Catch": [{"ErrorEquals": ["Oops", "States.Timeout"], "Next": "Broken"}],
            "Next": "Done",
        },
        "Fan": {
            "Type": "Parallel",
            "Branches": [
                {"StartAt": "Left", "States": {"Left": {"Type": "Pass", "End": True}}},
                {
                    "StartAt": "Items",
                    "States": {
                        "Items": {
                            "Type": "Map",
                            "ItemProcessor": {
                                "ProcessorConfig": {"Mode": "INLINE"},
                                "StartAt": "Each",
                                "States": {
                                    "Each": {
                                        "Type": "Task",
                                        "Resource": "arn:aws:lambda:us-east-1:1:function:each",
                                        "End": True,
                                    }
                                },
                            },
                            "End": True,
                        }
                    },
                },
            ],
            "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Broken"}],
            "Next": "Files",
        },
        "Files": {
            "Type": "Map",
            "ItemReader": {"Resource": "arn:aws:states:::s3:listObjectsV2", "Parameters": {}},
            "ItemProcessor": {
                "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "EXPRESS"},
                "StartAt": "Read",
                "States": {"Read": {"Type": "Pass", "End": True}},
            },
            "Next": "Done",
        },
        "Done": {"Type": "Succeed"},
        "Broken": {"Type": "Fail", "Error": "Broken", "Cause": "it broke"},
    },
}


def edge(g: graph.Graph, source: str, target: str) -> graph.Edge:
    [found] = [e for e in g.edges if e.source == source and e.target == target]
    return found


def test_every_state_is_a_node_of_its_type():
    # WHEN the graph is built from a definition holding every state type
    g = graph.build(EVERY_TYPE)
    # THEN each state is a node with its ASL type, plus start and end
    types = {n.name: n.type for n in g.states()}
    assert types == {
        "Prepare": "Pass", "Route": "Choice", "Pause": "Wait", "Work": "Task", "Fan": "Parallel",
        "Left": "Pass", "Items": "Map", "Each": "Task", "Files": "Map", "Done": "Succeed",
        "Broken": "Fail", "Read": "Pass",
    }  # fmt: skip
    assert edge(g, START, "Prepare").kind == "start"
    assert edge(g, "Done", END).kind == "end"
    assert edge(g, "Broken", END).kind == "end"
    assert g.nodes["Pause"].detail == "Seconds 5"
    assert g.nodes["Each"].detail == "lambda: each"
    assert g.nodes["Work"].detail == "lambda:invoke"


def test_choice_rules_are_labelled_with_their_conditions_and_default():
    g = graph.build(EVERY_TYPE)
    assert edge(g, "Route", "Fan").label == '$.kind == "batch"'
    assert edge(g, "Route", "Pause").label == "($.n > 3) and (not ($.skip present is true))"
    default = edge(g, "Route", "Work")
    assert (default.kind, default.label) == ("default", "Default")


def test_catchers_are_their_own_kind_of_edge_naming_the_errors():
    g = graph.build(EVERY_TYPE)
    catch = edge(g, "Work", "Broken")
    assert (catch.kind, catch.label) == ("catch", "Oops, States.Timeout")
    assert edge(g, "Fan", "Broken").kind == "catch"
    assert edge(g, "Work", "Done").kind == "next"


def test_parallel_branches_and_map_iterations_are_nested_groups():
    g = graph.build(EVERY_TYPE)
    # THEN the Parallel holds one group per branch; the Map inside the second branch holds its
    # iterations; the states sit in the innermost group
    fan = g.groups[g.nodes["Fan"].group]
    assert (fan.kind, fan.parent) == ("parallel", None)
    branches = [x for x in g.groups.values() if x.parent == fan.id]
    assert [b.kind for b in branches] == ["branch", "branch"]
    each_group = g.groups[g.nodes["Each"].group]
    assert each_group.kind == "iterations" and each_group.state == "Items"
    items_group = g.groups[g.nodes["Items"].group]
    assert g.groups[items_group.parent] == branches[1]
    # branches start from the state and end at its join, which leads on to Next
    assert edge(g, "Fan", "Left").kind == "branch"
    assert edge(g, "Fan", "Items").kind == "branch"
    assert edge(g, "Left", "Fan/join").kind == "join"
    assert edge(g, "Items/join", "Fan/join").kind == "join"
    assert edge(g, "Fan/join", "Files").kind == "next"


def test_a_distributed_map_is_labelled_as_one_with_its_reader():
    g = graph.build(EVERY_TYPE)
    group = g.groups[g.nodes["Files"].group]
    assert group.label == "Files · Distributed Map"
    assert g.nodes["Files"].detail == "items from s3:listObjectsV2"
    assert g.nodes["Read"].type == "Pass"


def test_jsonata_conditions_are_shown_without_their_delimiters():
    definition = {
        "QueryLanguage": "JSONata",
        "StartAt": "Check",
        "States": {
            "Check": {
                "Type": "Choice",
                "Choices": [{"Condition": "{% $states.input.total > 100 %}", "Next": "Big"}],
                "Default": "Small",
            },
            "Big": {"Type": "Succeed"},
            "Small": {"Type": "Succeed"},
        },
    }
    g = graph.build(json.dumps(definition))
    assert edge(g, "Check", "Big").label == "$states.input.total > 100"


@pytest.mark.parametrize(
    "definition, message",
    [("{", "not JSON"), ("{}", "no States"), ('{"StartAt": "X", "States": {}}', "names no state")],
)
def test_a_definition_that_is_not_a_state_machine_gets_a_clear_error(definition, message):
    with pytest.raises(graph.DefinitionError, match=message):
        graph.build(definition)


def test_the_task_integration_is_read_from_its_resource():
    assert graph.integration("arn:aws:states:::lambda:invoke") == ("lambda", "invoke", "")
    assert graph.integration("arn:aws:states:::lambda:invoke.waitForTaskToken") == (
        "lambda", "invoke", "waitForTaskToken",
    )  # fmt: skip
    assert graph.integration("arn:aws:states:::states:startExecution.sync:2") == (
        "states", "startExecution", "sync",
    )  # fmt: skip
    assert graph.integration("arn:aws:states:::aws-sdk:s3:getObject") == ("s3", "getObject", "")
    assert graph.integration("arn:aws:lambda:us-east-1:1:function:f") == ("lambda", "invoke", "")


def test_graphviz_lays_it_out_with_each_state_findable_and_coloured():
    # GIVEN the path statuses of a few states
    g = graph.build(EVERY_TYPE)
    statuses = {"Prepare": "succeeded", "Route": "succeeded", "Work": "caught", "Broken": "failed"}
    # WHEN graphviz lays it out
    svg = html.unescape(dot.render_svg(dot.to_dot(g, statuses)))
    ids = dot.node_ids(g)
    # THEN every state is an SVG group with its id and its status's class, clusters for groups
    assert svg.startswith("<svg")
    for name in ("Prepare", "Each", "Read", "Broken"):
        assert f'id="{ids[name]}"' in svg
    assert f'<g id="{ids["Broken"]}" class="node state st-failed"' in svg
    assert f'<g id="{ids["Work"]}" class="node state st-caught"' in svg
    assert f'<g id="{ids["Left"]}" class="node state st-not-reached"' in svg
    assert svg.count('class="cluster') >= 5
    assert "Fan · Parallel" in svg


def test_only_the_transitions_the_run_made_are_drawn_as_taken():
    # GIVEN a run that went Route -> Pause -> Work: Work is reached, but not by Route's Default
    g = graph.build(EVERY_TYPE)
    statuses = dict.fromkeys(["Prepare", "Route", "Pause", "Work", "Done"], "succeeded")
    taken = {("Prepare", "Route"), ("Route", "Pause"), ("Pause", "Work"), ("Work", "Done")}
    source = dot.to_dot(g, statuses, taken)
    ids = dot.node_ids(g)

    def edge_line(a: str, b: str) -> str:
        [line] = [x for x in source.splitlines() if f"{ids[a]} -> {ids[b]} " in x]
        return line

    assert "taken" in edge_line("Route", "Pause")
    assert "taken" not in edge_line("Route", "Work")
    assert "taken" in edge_line("Pause", "Work")
    assert "taken" not in edge_line("Work", "Broken")
