"""An inline Map's iterations read the Map state's input in place (localcloud/speed/
sfn_map_item_input.py) and still see what AWS gives them: each iteration's input is what its
ItemSelector (or Parameters) made of the Map state's input, in JSONPath and JSONata; what an
iteration does to its own input reaches neither the Map state's input nor its siblings; nested
Maps and Task states inside an iteration see their own input."""

from __future__ import annotations

import json

import pytest

from devkit.local_cloud import client, wait_for_execution

ECHO = {"app.py": "def handler(event, context):\n    return event\n"}
MAP_INPUT = {"label": "outer", "items": [{"parts": [1, 2]}, {"parts": [3]}]}


def jsonpath_map(function_arn: str, selector: str) -> dict:
    iteration = {
        "StartAt": "Relabel",
        "States": {
            # Changes the iteration's own input: neither the Map's input nor a sibling sees it.
            "Relabel": {
                "Type": "Pass",
                "Result": "changed",
                "ResultPath": "$.label",
                "Next": "Echo",
            },
            "Echo": {
                "Type": "Task",
                "Resource": "arn:aws:states:::lambda:invoke",
                "Parameters": {"FunctionName": function_arn, "Payload.$": "$"},
                "ResultSelector": {"echoed.$": "$.Payload"},
                "ResultPath": "$.task",
                "Next": "Parts",
            },
            "Parts": {
                "Type": "Map",
                "ItemsPath": "$.value.parts",
                "ItemSelector": {"part.$": "$$.Map.Item.Value", "label.$": "$.label"},
                "ItemProcessor": {
                    "StartAt": "Part",
                    "States": {"Part": {"Type": "Pass", "End": True}},
                },
                "ResultPath": "$.parts",
                "End": True,
            },
        },
    }
    each = {
        "Type": "Map",
        "ItemsPath": "$.items",
        selector: {
            "label.$": "$.label",
            "value.$": "$$.Map.Item.Value",
            "index.$": "$$.Map.Item.Index",
        },
        "ResultPath": "$.results",
        "End": True,
    }
    if selector == "Parameters":  # the form before ItemSelector
        each["Iterator"] = iteration
    else:
        each["ItemProcessor"] = {"ProcessorConfig": {"Mode": "INLINE"}, **iteration}
    return {"StartAt": "Each", "States": {"Each": each}}


JSONATA_MAP = {
    "QueryLanguage": "JSONata",
    "StartAt": "Each",
    "States": {
        "Each": {
            "Type": "Map",
            "Items": "{% $states.input.items %}",
            "ItemSelector": {
                "label": "{% $states.input.label %}",
                "value": "{% $states.context.Map.Item.Value %}",
                "index": "{% $states.context.Map.Item.Index %}",
            },
            "ItemProcessor": {
                "ProcessorConfig": {"Mode": "INLINE"},
                "StartAt": "Relabel",
                "States": {
                    "Relabel": {
                        "Type": "Pass",
                        "Output": "{% $merge([$states.input, {'label': 'changed'}]) %}",
                        "End": True,
                    }
                },
            },
            "Output": "{% $merge([$states.input, {'results': $states.result}]) %}",
            "End": True,
        }
    },
}


def expected_iteration(index: int, *, with_task: bool) -> dict:
    value = MAP_INPUT["items"][index]
    iteration = {"label": "changed", "value": value, "index": index}
    if with_task:
        echoed = {"label": "changed", "value": value, "index": index}
        parts = [{"part": part, "label": "changed"} for part in value["parts"]]
        iteration |= {"task": {"echoed": echoed}, "parts": parts}
    return iteration


def output_over_two_items(arn: str) -> dict:
    """The output of an execution of the state machine over MAP_INPUT, which must succeed."""
    started = client("stepfunctions").start_execution(
        stateMachineArn=arn, input=json.dumps(MAP_INPUT)
    )
    execution = wait_for_execution(started["executionArn"], timeout=60)
    assert execution.status == "SUCCEEDED", execution.error
    return execution.output


@pytest.mark.parametrize("selector", ["ItemSelector", "Parameters"])
def test_each_jsonpath_iteration_gets_its_selected_input_and_keeps_its_changes(
    lambda_function, state_machine, selector
):
    # GIVEN a Map whose iterations change their input, call a function and run a Map of their own
    function_arn = client("lambda").get_function(FunctionName=lambda_function(ECHO))[
        "Configuration"
    ]["FunctionArn"]
    arn = state_machine(jsonpath_map(function_arn, selector))
    # WHEN it runs over two items
    output = output_over_two_items(arn)
    # THEN each iteration saw its own selected input, and the Map state's input is unchanged
    assert output == {
        **MAP_INPUT,
        "results": [expected_iteration(i, with_task=True) for i in (0, 1)],
    }


def test_each_jsonata_iteration_gets_its_selected_input_and_keeps_its_changes(state_machine):
    output = output_over_two_items(state_machine(JSONATA_MAP))
    assert output == {
        **MAP_INPUT,
        "results": [expected_iteration(i, with_task=False) for i in (0, 1)],
    }
