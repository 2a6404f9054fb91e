"""RedriveExecution (localcloud/aws_behaviours/sfn_redrive.py, sfn_redrive_scopes.py,
sfn_map_run_redrive.py): a failed Standard execution runs again from the state it failed in, the
states before it not rerun, its variables restored, a Parallel's or Map's succeeded branches and
iterations kept, a failed Map Run taken up, its history going on."""

from __future__ import annotations

import json
import re
import uuid
from collections import Counter
from collections.abc import Iterator

import pytest
from botocore.exceptions import ClientError

from devkit.local_cloud import client, service_role, wait_for_execution


def role_on_tables(name: str, action: str) -> str:
    """The role `name` of a state machine allowed `action` on the tests' tables (t-*) alone."""
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": action,
                "Resource": "arn:aws:dynamodb:us-east-1:000000000000:table/t-*",
            }
        ],
    }
    return service_role(client("iam"), name, "states.amazonaws.com", policy)


@pytest.fixture
def reads_tables(local_cloud) -> str:
    """The role of a state machine reading items of the tests' tables (t-*), nothing else."""
    return role_on_tables("local-cloud-test-reads-tables", "dynamodb:GetItem")


@pytest.fixture
def updates_tables(local_cloud) -> str:
    """The role of a state machine updating items of the tests' tables (t-*), nothing else."""
    return role_on_tables("local-cloud-test-updates-tables", "dynamodb:UpdateItem")


def make_table(table: str) -> None:
    client("dynamodb").create_table(
        TableName=table,
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )


@pytest.fixture
def table(local_cloud) -> Iterator[str]:
    """A table of the tests' (t-*), made for the test and dropped after."""
    name = f"t-{uuid.uuid4().hex[:10]}"
    make_table(name)
    yield name
    client("dynamodb").delete_table(TableName=name)


def read_task(table: str, **fields) -> dict:
    """A task reading an item of `table`: it fails until the table is made."""
    return {
        "Type": "Task",
        "Resource": "arn:aws:states:::dynamodb:getItem",
        "Parameters": {"TableName": table, "Key": {"id": {"S": "one"}}},
        "ResultPath": None,
        **fields,
    }


def failed_run(machine: str, execution_input: dict | None = None) -> str:
    """An execution of `machine` started and waited for until it failed; its ARN."""
    sfn = client("stepfunctions")
    arn = sfn.start_execution(stateMachineArn=machine, input=json.dumps(execution_input or {}))[
        "executionArn"
    ]
    ended = wait_for_execution(arn)
    assert ended.status == "FAILED", ended.status
    return arn


def reading(table: str) -> dict:
    return {
        "StartAt": "Prepare",
        "States": {
            "Prepare": {
                "Type": "Pass",
                "Result": {"id": {"S": "one"}},
                "ResultPath": "$.key",
                "Next": "Read",
            },
            "Read": {
                "Type": "Task",
                "Resource": "arn:aws:states:::dynamodb:getItem",
                "Parameters": {"TableName": table, "Key.$": "$.key"},
                "End": True,
            },
        },
    }


def redriven_once_it_exists(table: str, execution_arn: str):
    """The execution redriven (and waited for) once the table it reads is made; the table is
    dropped after."""
    make_table(table)
    try:
        client("stepfunctions").redrive_execution(executionArn=execution_arn)
        return wait_for_execution(execution_arn)
    finally:
        client("dynamodb").delete_table(TableName=table)


def test_a_failed_execution_is_redriven_from_the_state_that_failed(state_machine, reads_tables):
    # GIVEN an execution that failed reading a table that did not exist yet
    table = f"t-{uuid.uuid4().hex[:10]}"
    sfn = client("stepfunctions")
    arn = failed_run(state_machine(reading(table), reads_tables), {"run": 1})
    assert sfn.describe_execution(executionArn=arn)["redriveStatus"] == "REDRIVABLE"
    # WHEN, the table made, the execution is redriven
    redriven = redriven_once_it_exists(table, arn)

    # THEN it succeeds, the same execution, Prepare not rerun and Read run again with its input
    assert redriven.status == "SUCCEEDED", redriven.cause
    assert len(redriven.events("PassStateEntered")) == 1
    first, again = (e["stateEnteredEventDetails"] for e in redriven.events("TaskStateEntered"))
    assert first == again and first["name"] == "Read"
    (event,) = redriven.events("ExecutionRedriven")
    assert event["executionRedrivenEventDetails"]["redriveCount"] == 1
    assert redriven.history[event["id"]]["previousEventId"] == event["id"]  # what follows it
    ids = [e["id"] for e in redriven.history]
    assert ids == list(range(1, len(ids) + 1))
    described = sfn.describe_execution(executionArn=arn)
    assert (described["redriveCount"], described["redriveStatus"]) == (1, "NOT_REDRIVABLE")
    assert described["redriveDate"] >= described["startDate"]
    # AND a succeeded execution cannot be redriven
    with pytest.raises(ClientError) as refused:
        sfn.redrive_execution(executionArn=arn)
    assert refused.value.response["Error"]["Code"] == "ExecutionNotRedrivable"


def standard_distributed_map(start_at: str, states: dict) -> dict:
    """A Distributed Map over the input's `items`, each a STANDARD child running `states`."""
    return {
        "StartAt": "EachItem",
        "States": {
            "EachItem": {
                "Type": "Map",
                "ItemsPath": "$.items",
                "ItemProcessor": {
                    "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                    "StartAt": start_at,
                    "States": states,
                },
                "End": True,
            }
        },
    }


def mapping_items_reading(table: str) -> dict:
    """A Distributed Map whose children read `table` for the items marked `read`."""
    reads = {
        "Type": "Choice",
        "Choices": [{"Variable": "$.read", "BooleanEquals": True, "Next": "Read"}],
        "Default": "Done",
    }
    return standard_distributed_map(
        "Reads",
        {"Reads": reads, "Read": read_task(table, End=True), "Done": {"Type": "Pass", "End": True}},
    )


def one_child_at_a_time(definition: dict) -> dict:
    """The Map run a child at a time, one failure tolerated: the Map Run fails as its second
    failed child ends, every child run (a failing Map Run stops its running children and starts
    no more, as on AWS: which ones that catches would depend on timing)."""
    each_item = definition["States"]["EachItem"]
    each_item["MaxConcurrency"], each_item["ToleratedFailureCount"] = 1, 1
    return definition


def children_of(map_run_arn: str) -> dict[str, dict]:
    """The Map Run's child executions, described, by the `n` of their item."""
    sfn = client("stepfunctions")
    listed = sfn.list_executions(mapRunArn=map_run_arn)["executions"]
    described = [sfn.describe_execution(executionArn=e["executionArn"]) for e in listed]
    for child in described:
        del child["ResponseMetadata"]
    return {json.loads(child["input"])["n"]: child for child in described}


def test_a_failed_map_run_is_redriven_rerunning_only_its_failed_children(
    state_machine, reads_tables
):
    # GIVEN a parent whose Map Run failed: 2 of its 4 children read a table not made yet
    table = f"t-{uuid.uuid4().hex[:10]}"
    sfn = client("stepfunctions")
    items = [{"n": n, "read": n % 2 == 1} for n in range(4)]
    definition = one_child_at_a_time(mapping_items_reading(table))
    arn = failed_run(state_machine(definition, reads_tables), {"items": items})
    (map_run,) = sfn.list_map_runs(executionArn=arn)["mapRuns"]
    before = children_of(map_run["mapRunArn"])
    assert [before[n]["status"] for n in range(4)] == ["SUCCEEDED", "FAILED"] * 2
    # WHEN, the table made, the parent is redriven
    redriven = redriven_once_it_exists(table, arn)

    # THEN it succeeds with every item's result, the Map Run the same one, redriven once
    assert redriven.status == "SUCCEEDED", redriven.cause
    assert redriven.output == items
    listed = sfn.list_map_runs(executionArn=arn)["mapRuns"]
    assert [run["mapRunArn"] for run in listed] == [map_run["mapRunArn"]]
    (event,) = redriven.events("MapRunRedriven")
    details = event["mapRunRedrivenEventDetails"]
    assert details == {"mapRunArn": map_run["mapRunArn"], "redriveCount": 1}
    assert len(redriven.events("MapRunStarted")) == 1
    described = sfn.describe_map_run(mapRunArn=map_run["mapRunArn"])
    assert (described["status"], described["redriveCount"]) == ("SUCCEEDED", 1)
    assert described["redriveDate"] >= described["startDate"]
    for counts in (described["itemCounts"], described["executionCounts"]):
        assert (counts["total"], counts["succeeded"], counts["failed"]) == (4, 4, 0)
        assert (counts["pendingRedrive"], counts["failuresNotRedrivable"]) == (0, 0)
    # AND only the failed children ran again, as the same executions redriven
    after = children_of(map_run["mapRunArn"])
    assert [after[n]["status"] for n in range(4)] == ["SUCCEEDED"] * 4
    assert [after[n]["executionArn"] for n in range(4)] == [
        before[n]["executionArn"] for n in range(4)
    ]
    assert after[0] == before[0] and after[2] == before[2]  # not rerun
    assert [before[n]["redriveStatus"] for n in (1, 3)] == ["REDRIVABLE_BY_MAP_RUN"] * 2
    for n in (1, 3):
        assert after[n]["redriveCount"] == 1 and after[n]["startDate"] == before[n]["startDate"]
        assert after[n]["redriveDate"] >= before[n]["stopDate"]
        events = sfn.get_execution_history(executionArn=after[n]["executionArn"])["events"]
        types = [e["type"] for e in events]
        assert types[0] == "ExecutionStarted" and types[-1] == "ExecutionSucceeded"
        assert types.count("TaskStateEntered") == 2  # its first run's events kept
        at = types.index("ExecutionRedriven")
        assert types[at - 1] == "ExecutionFailed" and at < types.index("TaskStateEntered", at)


def test_a_map_run_redriven_twice_starts_its_failed_express_children_anew(
    state_machine, reads_tables
):
    # GIVEN a Map Run of EXPRESS children, 2 items a batch, whose second batch reads a missing table
    table = f"t-{uuid.uuid4().hex[:10]}"
    sfn = client("stepfunctions")
    definition = mapping_items_reading(table)
    each_item = definition["States"]["EachItem"]
    each_item["ItemBatcher"] = {"MaxItemsPerBatch": 2}
    each_item["MaxConcurrency"] = 1  # the first batch's child ends before the second fails
    each_item["ItemProcessor"]["ProcessorConfig"]["ExecutionType"] = "EXPRESS"
    each_item["ItemProcessor"]["States"]["Reads"]["Choices"][0]["Variable"] = "$.Items[0].read"
    items = [{"n": n, "read": n >= 2} for n in range(4)]
    arn = failed_run(state_machine(definition, reads_tables), {"items": items})
    (map_run,) = sfn.list_map_runs(executionArn=arn)["mapRuns"]
    first = {
        e["executionArn"]: e
        for e in sfn.list_executions(mapRunArn=map_run["mapRunArn"])["executions"]
    }

    # WHEN it is redriven before the table is made, THEN its failed batch fails again
    sfn.redrive_execution(executionArn=arn)
    assert wait_for_execution(arn).status == "FAILED"
    described = sfn.describe_map_run(mapRunArn=map_run["mapRunArn"])
    assert (described["status"], described["redriveCount"]) == ("FAILED", 1)
    items_counted = described["itemCounts"]
    assert (items_counted["total"], items_counted["succeeded"], items_counted["failed"]) == (
        4,
        2,
        2,
    )
    runs = described["executionCounts"]
    assert (runs["total"], runs["succeeded"], runs["failed"]) == (2, 1, 1)
    # WHEN, the table made, it is redriven again
    redriven = redriven_once_it_exists(table, arn)

    # THEN it succeeds, its Map Run redriven twice, the failed batch's child a new execution
    assert redriven.status == "SUCCEEDED", redriven.cause
    assert redriven.output == [{"Items": items[:2]}, {"Items": items[2:]}]
    counts = [
        e["mapRunRedrivenEventDetails"]["redriveCount"] for e in redriven.events("MapRunRedriven")
    ]
    assert counts == [1, 2]
    described = sfn.describe_map_run(mapRunArn=map_run["mapRunArn"])
    assert (described["status"], described["redriveCount"]) == ("SUCCEEDED", 2)
    assert (described["itemCounts"]["total"], described["itemCounts"]["succeeded"]) == (4, 4)
    assert (described["executionCounts"]["total"], described["executionCounts"]["succeeded"]) == (
        2,
        2,
    )
    last = {
        e["executionArn"]: e
        for e in sfn.list_executions(mapRunArn=map_run["mapRunArn"])["executions"]
    }
    (kept,) = set(first) & set(last)
    assert first[kept]["status"] == "SUCCEEDED" and last[kept] == first[kept]
    (started_anew,) = set(last) - set(first)
    assert last[started_anew]["status"] == "SUCCEEDED"
    assert sfn.describe_execution(executionArn=started_anew)["redriveCount"] == 0


@pytest.fixture
def reads_tables_and_buckets(local_cloud) -> str:
    """The role of a state machine reading items of the tests' tables (t-*) and objects of their
    buckets (distributed-map-*), nothing else."""
    on = {
        "dynamodb:GetItem": "arn:aws:dynamodb:us-east-1:000000000000:table/t-*",
        "s3:GetObject": "arn:aws:s3:::distributed-map-*/*",
    }
    statements = [{"Effect": "Allow", "Action": a, "Resource": r} for a, r in on.items()]
    policy = {"Version": "2012-10-17", "Statement": statements}
    name = "local-cloud-test-reads-tables-and-buckets"
    return service_role(client("iam"), name, "states.amazonaws.com", policy)


def test_a_redriven_map_run_maps_the_items_it_read_not_the_object_as_it_is_now(
    state_machine, reads_tables_and_buckets, bucket
):
    # GIVEN a Map Run over the items of an S3 object, the second of which failed reading a table
    # not made yet
    table = f"t-{uuid.uuid4().hex[:10]}"
    s3, sfn = client("s3"), client("stepfunctions")
    items = [{"n": 0, "read": False}, {"n": 1, "read": True}]
    s3.put_object(Bucket=bucket, Key="items.json", Body=json.dumps(items).encode())
    definition = mapping_items_reading(table)
    each_item = definition["States"]["EachItem"]
    del each_item["ItemsPath"]
    each_item["ItemReader"] = {
        "Resource": "arn:aws:states:::s3:getObject",
        "ReaderConfig": {"InputType": "JSON"},
        "Parameters": {"Bucket": bucket, "Key": "items.json"},
    }
    arn = failed_run(state_machine(definition, reads_tables_and_buckets))

    # WHEN the object holds other items, and, the table made, the parent is redriven
    others = [{"n": n, "read": False} for n in (5, 6, 7)]
    s3.put_object(Bucket=bucket, Key="items.json", Body=json.dumps(others).encode())
    redriven = redriven_once_it_exists(table, arn)

    # THEN its Map Run mapped the items it read at first, as AWS does
    assert redriven.status == "SUCCEEDED", redriven.cause
    assert redriven.output == items
    (map_run,) = sfn.list_map_runs(executionArn=arn)["mapRuns"]
    described = sfn.describe_map_run(mapRunArn=map_run["mapRunArn"])
    assert (described["itemCounts"]["total"], described["itemCounts"]["succeeded"]) == (2, 2)


def update_task(table: str, key: dict, **parameters) -> dict:
    """A task updating the item `key` of `table`."""
    return {
        "Type": "Task",
        "Resource": "arn:aws:states:::dynamodb:updateItem",
        "Parameters": {"TableName": table, "Key": {"id": key}, **parameters},
        "ResultPath": None,
    }


def counting_then_gated(table: str) -> dict:
    """A Distributed Map whose STANDARD children count their runs in `table` (item child-<n>)
    and assign a variable, then pass a gate that fails until the item `gate` of `table` is
    opened, then answer with their item and the variable."""
    one = {":one": {"N": "1"}}
    count = update_task(
        table,
        {"S.$": "States.Format('child-{}', $.n)"},
        UpdateExpression="ADD runs :one",
        ExpressionAttributeValues=one,
    )
    gate = update_task(
        table,
        {"S": "gate"},
        UpdateExpression="ADD passes :one",
        ConditionExpression="attribute_exists(opened)",
        ExpressionAttributeValues=one,
    )
    answer = {"Type": "Pass", "Parameters": {"n.$": "$.n", "counted.$": "$counted"}, "End": True}
    return standard_distributed_map(
        "Count",
        {
            "Count": {**count, "Assign": {"counted": True}, "Next": "Gate"},
            "Gate": {**gate, "Next": "Answer"},
            "Answer": answer,
        },
    )


def test_a_redriven_map_runs_standard_children_go_on_from_the_state_they_failed_in(
    state_machine, updates_tables, table
):
    # GIVEN a Map Run whose 2 STANDARD children each counted a run and assigned a variable, then
    # failed at a gate not opened yet
    sfn, ddb = client("stepfunctions"), client("dynamodb")
    items = [{"n": n} for n in range(2)]
    definition = counting_then_gated(table)
    # One failure tolerated: the Map Run fails as the second child fails, not stopping it before.
    definition["States"]["EachItem"]["ToleratedFailureCount"] = 1
    arn = failed_run(state_machine(definition, updates_tables), {"items": items})
    (map_run,) = sfn.list_map_runs(executionArn=arn)["mapRuns"]

    # WHEN it is redriven before the gate is opened, THEN its children fail at the gate again
    sfn.redrive_execution(executionArn=arn)
    assert wait_for_execution(arn).status == "FAILED"
    # WHEN, the gate opened, it is redriven again
    ddb.put_item(TableName=table, Item={"id": {"S": "gate"}, "opened": {"BOOL": True}})
    sfn.redrive_execution(executionArn=arn)
    redriven = wait_for_execution(arn)

    # THEN each child went on from its gate each time, with its input and its variable: it
    # counted once
    assert redriven.status == "SUCCEEDED", redriven.cause
    assert redriven.output == [{"n": n, "counted": True} for n in range(2)]
    for n in range(2):
        counted = ddb.get_item(TableName=table, Key={"id": {"S": f"child-{n}"}})["Item"]
        assert counted["runs"] == {"N": "1"}
    gate = ddb.get_item(TableName=table, Key={"id": {"S": "gate"}})["Item"]
    assert gate["passes"] == {"N": "2"}
    # AND each child's history goes on after each ExecutionRedriven from its gate
    for child in children_of(map_run["mapRunArn"]).values():
        assert child["redriveCount"] == 2
        events = sfn.get_execution_history(executionArn=child["executionArn"])["events"]
        entered = [e["stateEnteredEventDetails"] for e in events if "stateEnteredEventDetails" in e]
        assert [state["name"] for state in entered] == ["Count", "Gate", "Gate", "Gate", "Answer"]
        assert entered[1]["input"] == entered[2]["input"] == entered[3]["input"]
        types = [e["type"] for e in events]
        redrives = [at for at, kind in enumerate(types) if kind == "ExecutionRedriven"]
        assert len(redrives) == 2
        for at in redrives:
            assert (types[at - 1], types[at + 1]) == ("ExecutionFailed", "TaskStateEntered")


def remembering_jsonpath(table: str) -> dict:
    """Variables assigned, then a read that fails until `table` is made, then the variables."""
    return {
        "StartAt": "Remember",
        "States": {
            "Remember": {
                "Type": "Pass",
                "Assign": {"greeting": "hello", "times.$": "$.times"},
                "Next": "Read",
            },
            "Read": read_task(table, Next="Answer"),
            "Answer": {
                "Type": "Pass",
                "Parameters": {"greeting.$": "$greeting", "times.$": "$times"},
                "End": True,
            },
        },
    }


def remembering_jsonata(table: str) -> dict:
    """remembering_jsonpath's states in JSONata."""
    return {
        "QueryLanguage": "JSONata",
        "StartAt": "Remember",
        "States": {
            "Remember": {
                "Type": "Pass",
                "Assign": {"greeting": "hello", "times": "{% $states.input.times %}"},
                "Next": "Read",
            },
            "Read": {
                "Type": "Task",
                "Resource": "arn:aws:states:::dynamodb:getItem",
                "Arguments": {"TableName": table, "Key": {"id": {"S": "one"}}},
                "Output": "{% $states.input %}",
                "Next": "Answer",
            },
            "Answer": {
                "Type": "Pass",
                "Output": {"greeting": "{% $greeting %}", "times": "{% $times %}"},
                "End": True,
            },
        },
    }


@pytest.mark.parametrize("definition", [remembering_jsonpath, remembering_jsonata])
def test_variables_assigned_before_the_failure_are_restored_on_redrive(
    state_machine, reads_tables, definition
):
    # GIVEN an execution that assigned variables, then failed reading a table not made yet
    table = f"t-{uuid.uuid4().hex[:10]}"
    arn = failed_run(state_machine(definition(table), reads_tables), {"times": 2})

    # WHEN, the table made, it is redriven
    redriven = redriven_once_it_exists(table, arn)

    # THEN the states after the failed one read the variables assigned before it
    assert redriven.status == "SUCCEEDED", redriven.cause
    assert redriven.output == {"greeting": "hello", "times": 2}
    assert Counter(redriven.states_entered()) == {"Remember": 1, "Read": 2, "Answer": 1}


def test_a_parallel_reruns_only_its_branches_that_did_not_succeed(state_machine, reads_tables):
    # GIVEN a Parallel whose quick branch succeeded and whose other failed reading a missing
    # table after assigning a variable (a second later, so the quick one had ended by then)
    table = f"t-{uuid.uuid4().hex[:10]}"
    quick = {
        "StartAt": "Quick",
        "States": {"Quick": {"Type": "Pass", "Result": "quick", "End": True}},
    }
    reads = {
        "StartAt": "Remember",
        "States": {
            "Remember": {"Type": "Pass", "Assign": {"key": "one"}, "Next": "Later"},
            "Later": {"Type": "Wait", "Seconds": 1, "Next": "Read"},
            "Read": read_task(table, Next="Answer"),
            "Answer": {"Type": "Pass", "Parameters": {"read.$": "$key"}, "End": True},
        },
    }
    definition = {
        "StartAt": "Both",
        "States": {"Both": {"Type": "Parallel", "Branches": [quick, reads], "End": True}},
    }
    arn = failed_run(state_machine(definition, reads_tables))
    first_run = client("stepfunctions").get_execution_history(executionArn=arn)["events"]
    exited = [
        e["stateExitedEventDetails"]["name"] for e in first_run if "stateExitedEventDetails" in e
    ]
    assert "Quick" in exited, "the quick branch had not ended when the other failed"

    # WHEN it is redriven before the table is made, THEN it fails again
    client("stepfunctions").redrive_execution(executionArn=arn)
    assert wait_for_execution(arn).status == "FAILED"
    # WHEN, the table made, it is redriven again
    redriven = redriven_once_it_exists(table, arn)

    # THEN only the failed branch ran again each time, from its failed state, with its variable
    assert redriven.status == "SUCCEEDED", redriven.cause
    assert redriven.output == ["quick", {"read": "one"}]
    entered = Counter(redriven.states_entered())
    assert entered == {"Both": 3, "Quick": 1, "Remember": 1, "Later": 1, "Read": 3, "Answer": 1}


def test_an_inline_map_reruns_only_its_iterations_that_did_not_succeed(state_machine, reads_tables):
    # GIVEN an inline Map, one item at a time, whose second item failed reading a missing table
    # (after assigning a variable), so that its third never ran
    table = f"t-{uuid.uuid4().hex[:10]}"
    definition = {
        "StartAt": "EachItem",
        "States": {
            "EachItem": {
                "Type": "Map",
                "ItemsPath": "$.items",
                "MaxConcurrency": 1,
                "ItemSelector": {"index.$": "$$.Map.Item.Index", "read.$": "$$.Map.Item.Value"},
                "ItemProcessor": {
                    "ProcessorConfig": {"Mode": "INLINE"},
                    "StartAt": "Note",
                    "States": {
                        "Note": {"Type": "Pass", "Assign": {"index.$": "$.index"}, "Next": "Reads"},
                        "Reads": {
                            "Type": "Choice",
                            "Choices": [
                                {"Variable": "$.read", "BooleanEquals": True, "Next": "Read"}
                            ],
                            "Default": "Done",
                        },
                        "Read": read_task(table, Next="Done"),
                        "Done": {"Type": "Pass", "Parameters": {"index.$": "$index"}, "End": True},
                    },
                },
                "End": True,
            }
        },
    }
    machine = state_machine(definition, reads_tables)
    arn = failed_run(machine, {"items": [False, True, False]})

    # WHEN, the table made, it is redriven
    redriven = redriven_once_it_exists(table, arn)

    # THEN the first item is not rerun, the second goes on from its read with its variable, the
    # third runs, each under its own index
    assert redriven.status == "SUCCEEDED", redriven.cause
    assert redriven.output == [{"index": 0}, {"index": 1}, {"index": 2}]
    entered = Counter(redriven.states_entered())
    assert entered == {"EachItem": 2, "Note": 3, "Reads": 3, "Read": 2, "Done": 3}


def counting(table: str, name: str = "Count") -> dict:
    """States counting a run of the item `n` of their input in `table` (item run-<n>)."""
    count = update_task(
        table,
        {"S.$": "States.Format('run-{}', $.n)"},
        UpdateExpression="ADD runs :one",
        ExpressionAttributeValues={":one": {"N": "1"}},
    )
    return {"StartAt": name, "States": {name: {**count, "End": True}}}


def branch_counting(table: str, n: int) -> dict:
    """A Parallel's branch counting its runs as the item `n`."""
    counted = counting(table, f"Count{n}")
    given = {"Type": "Pass", "Result": {"n": n}, "Next": f"Count{n}"}
    return {"StartAt": f"Item{n}", "States": {f"Item{n}": given, **counted["States"]}}


def parallel_counting(table: str) -> dict:
    branches = [branch_counting(table, n) for n in range(2)]
    return {"StartAt": "Each", "States": {"Each": {"Type": "Parallel", "Branches": branches}}}


def inline_map_counting(table: str) -> dict:
    processor = {"ProcessorConfig": {"Mode": "INLINE"}, **counting(table)}
    each = {"Type": "Map", "ItemsPath": "$.items", "ItemProcessor": processor}
    return {"StartAt": "Each", "States": {"Each": each}}


def distributed_map_counting(table: str) -> dict:
    definition = standard_distributed_map("Count", counting(table)["States"])
    definition["States"]["Each"] = definition["States"].pop("EachItem")
    definition["StartAt"] = "Each"
    return definition


@pytest.mark.parametrize(
    ("definition", "branch_states", "map_runs"),
    [
        (parallel_counting, {"Item0": 1, "Item1": 1, "Count0": 1, "Count1": 1}, 0),
        (inline_map_counting, {"Count": 2}, 0),
        (distributed_map_counting, {}, 1),  # the children's states are in their own histories
    ],
)
def test_a_state_that_failed_after_its_branches_succeeded_reruns_none_of_them(
    state_machine, updates_tables, table, definition, branch_states, map_runs
):
    # GIVEN a Parallel or Map whose 2 branches (iterations, child workflows) each counted a run
    # and succeeded, then whose ResultSelector failed on their results (a field they lack)
    sfn, ddb = client("stepfunctions"), client("dynamodb")
    machine = definition(table)
    machine["States"]["Each"] |= {"ResultSelector": {"first.$": "$[0].missing"}, "End": True}
    arn = failed_run(state_machine(machine, updates_tables), {"items": [{"n": 0}, {"n": 1}]})
    first_failure = sfn.describe_execution(executionArn=arn)

    # WHEN it is redriven
    sfn.redrive_execution(executionArn=arn)
    redriven = wait_for_execution(arn)

    # THEN no branch ran again: the state processed their kept results again, failing alike
    for n in range(2):
        counted = ddb.get_item(TableName=table, Key={"id": {"S": f"run-{n}"}})["Item"]
        assert counted["runs"] == {"N": "1"}
    assert redriven.status == "FAILED"
    assert redriven.error == first_failure["error"] == "States.Runtime"
    again, before = (
        re.sub(r"event id #\d+", "", c) for c in (redriven.cause, first_failure["cause"])
    )
    assert again == before
    assert '[{"n":0},{"n":1}]' in again.replace(" ", "")  # what it read: their results
    entered = Counter(redriven.states_entered())
    assert entered == {"Each": 2, **branch_states}
    # AND a Distributed Map's Map Run is its first one, none started anew
    assert len(sfn.list_map_runs(executionArn=arn)["mapRuns"]) == map_runs
    assert len(redriven.events("MapRunStarted")) == map_runs


def in_a_parallel(inner: dict) -> dict:
    """A machine running `inner`'s states as a Parallel's branch, on the machine's input."""
    return {
        "StartAt": "Around",
        "States": {"Around": {"Type": "Parallel", "Branches": [inner], "End": True}},
    }


def in_an_inline_map(inner: dict) -> dict:
    """A machine running `inner`'s states as an inline Map's iteration, on the one item
    [input]."""
    return {
        "StartAt": "Around",
        "States": {
            "Around": {
                "Type": "Map",
                "ItemsPath": "$$.Execution.Input.groups",
                "ItemProcessor": {"ProcessorConfig": {"Mode": "INLINE"}, **inner},
                "End": True,
            }
        },
    }


@pytest.mark.parametrize("around", [in_a_parallel, in_an_inline_map])
def test_a_nested_distributed_map_takes_up_its_failed_map_run(state_machine, reads_tables, around):
    # GIVEN a parent whose Distributed Map, in a Parallel's branch or an inline Map's iteration,
    # failed: 2 of its 4 children read a table not made yet
    table = f"t-{uuid.uuid4().hex[:10]}"
    sfn = client("stepfunctions")
    definition = around(one_child_at_a_time(mapping_items_reading(table)))
    items = [{"n": n, "read": n % 2 == 1} for n in range(4)]
    execution_input = {"items": items, "groups": [{"items": items}]}
    arn = failed_run(state_machine(definition, reads_tables), execution_input)
    (map_run,) = sfn.list_map_runs(executionArn=arn)["mapRuns"]
    before = children_of(map_run["mapRunArn"])

    # WHEN, the table made, the parent is redriven
    redriven = redriven_once_it_exists(table, arn)

    # THEN its Map Run is taken up, as at top level: the same one, only its failed children rerun
    assert redriven.status == "SUCCEEDED", redriven.cause
    assert redriven.output == [items]
    listed = sfn.list_map_runs(executionArn=arn)["mapRuns"]
    assert [run["mapRunArn"] for run in listed] == [map_run["mapRunArn"]]
    (event,) = redriven.events("MapRunRedriven")
    assert event["mapRunRedrivenEventDetails"]["mapRunArn"] == map_run["mapRunArn"]
    after = children_of(map_run["mapRunArn"])
    assert after[0] == before[0] and after[2] == before[2]  # not rerun
    assert [after[n]["redriveCount"] for n in (1, 3)] == [1, 1]


def test_an_execution_cannot_be_redriven_14_days_after_it_ended(
    state_machine, reads_tables, move_clock
):
    # GIVEN a failed execution
    table = f"t-{uuid.uuid4().hex[:10]}"
    sfn = client("stepfunctions")
    arn = failed_run(state_machine(reading(table), reads_tables))

    # WHEN the local cloud's clock is nearly 14 days on, THEN it can still be redriven
    move_clock("P13DT23H")
    assert sfn.describe_execution(executionArn=arn)["redriveStatus"] == "REDRIVABLE"

    # WHEN it is past 14 days, THEN it is not, with AWS's reason
    move_clock("PT2H")
    described = sfn.describe_execution(executionArn=arn)
    assert described["redriveStatus"] == "NOT_REDRIVABLE"
    assert described["redriveStatusReason"] == "Execution redrivable period exceeded"
    with pytest.raises(ClientError) as refused:
        sfn.redrive_execution(executionArn=arn)
    error = refused.value.response["Error"]
    assert (error["Code"], error["Message"]) == (
        "ExecutionNotRedrivable",
        "Execution redrivable period exceeded",
    )
