"""Distributed Map states as AWS runs them (localcloud/aws_behaviours/sfn_distributed_map.py):
an ItemBatcher hands each child workflow a batch, EXPRESS child workflows are accepted, and the
Map Run counts items and child executions apart."""

from __future__ import annotations

import copy
import json
import uuid

import pytest
from botocore.exceptions import ClientError

from devkit.local_cloud import client, wait_for_execution, wait_until


def distributed_map(item_processor_config: dict, **map_fields) -> dict:
    """A Map over the input's `items` (or its ItemReader's), each child a Pass."""
    items = {} if "ItemReader" in map_fields else {"ItemsPath": "$.items"}
    return {
        "StartAt": "EachItem",
        "States": {
            "EachItem": {
                "Type": "Map",
                **items,
                "ItemProcessor": {
                    "ProcessorConfig": item_processor_config,
                    "StartAt": "Echo",
                    "States": {"Echo": {"Type": "Pass", "End": True}},
                },
                **map_fields,
                "End": True,
            }
        },
    }


DISTRIBUTED_EXPRESS = {"Mode": "DISTRIBUTED", "ExecutionType": "EXPRESS"}


def test_an_item_batcher_hands_each_child_a_batch_of_selected_items(state_machine):
    # GIVEN a Distributed Map of EXPRESS children batching 2 selected items with a batch input
    arn = state_machine(
        distributed_map(
            DISTRIBUTED_EXPRESS,
            ItemSelector={"id.$": "$$.Map.Item.Value.n", "run.$": "$.run"},
            ItemBatcher={"MaxItemsPerBatch": 2, "BatchInput": {"report.$": "$.run"}},
            Label="batches",
        )
    )
    # WHEN it runs over 5 items
    run = uuid.uuid4().hex[:8]
    execution = wait_for_execution(
        client("stepfunctions").start_execution(
            stateMachineArn=arn,
            input=json.dumps({"run": run, "items": [{"n": n} for n in range(5)]}),
        )["executionArn"]
    )
    # THEN three children each received {"Items": [...], "BatchInput": ...}, in order
    assert execution.status == "SUCCEEDED", execution.cause
    assert execution.output == [
        {"Items": [{"id": 0, "run": run}, {"id": 1, "run": run}], "BatchInput": {"report": run}},
        {"Items": [{"id": 2, "run": run}, {"id": 3, "run": run}], "BatchInput": {"report": run}},
        {"Items": [{"id": 4, "run": run}], "BatchInput": {"report": run}},
    ]
    # AND the Map Run counts 5 items in 3 child executions
    sfn = client("stepfunctions")
    (map_run,) = sfn.list_map_runs(executionArn=execution.arn)["mapRuns"]
    described = sfn.describe_map_run(mapRunArn=map_run["mapRunArn"])
    assert described["status"] == "SUCCEEDED"
    assert (described["itemCounts"]["total"], described["itemCounts"]["succeeded"]) == (5, 5)
    assert described["executionCounts"]["total"] == 3
    assert ":mapRun:" in map_run["mapRunArn"] and "/batches:" in map_run["mapRunArn"]


def test_a_batch_holds_at_most_its_input_bytes(state_machine):
    # GIVEN a batcher allowing 60 bytes of input per child workflow
    arn = state_machine(
        distributed_map({"Mode": "DISTRIBUTED"}, ItemBatcher={"MaxInputBytesPerBatch": 60})
    )
    # WHEN it runs over four items of 20 bytes each
    items = ["x" * 18] * 4
    execution = wait_for_execution(
        client("stepfunctions").start_execution(
            stateMachineArn=arn, input=json.dumps({"items": items})
        )["executionArn"]
    )
    # THEN each batch's input ({"Items":[...]}) stays within 60 bytes: two items each
    assert execution.status == "SUCCEEDED", execution.cause
    assert execution.output == [{"Items": items[:2]}, {"Items": items[2:]}]


def test_an_inline_map_refuses_an_item_batcher_as_aws_does(machine_role):
    # GIVEN an INLINE Map with an ItemBatcher (AWS allows it in DISTRIBUTED mode only)
    definition = distributed_map({"Mode": "INLINE"}, ItemBatcher={"MaxItemsPerBatch": 2})
    # WHEN it is created THEN the definition is refused
    with pytest.raises(ClientError) as refused:
        client("stepfunctions").create_state_machine(
            name=f"t-{uuid.uuid4().hex[:10]}",
            definition=json.dumps(definition),
            roleArn=machine_role,
        )
    assert refused.value.response["Error"]["Code"] == "InvalidDefinition"


# A child workflow failing for the items marked bad.
FAILING_FOR_BAD_ITEMS = {
    "StartAt": "IsBad",
    "States": {
        "IsBad": {
            "Type": "Choice",
            "Choices": [{"Variable": "$.bad", "BooleanEquals": True, "Next": "Reject"}],
            "Default": "Accept",
        },
        "Reject": {"Type": "Fail", "Error": "BadItem", "Cause": "a bad item"},
        "Accept": {"Type": "Pass", "End": True},
    },
}


def map_over_some_bad_items(state_machine, bad: int, **tolerance):
    definition = distributed_map({"Mode": "DISTRIBUTED"}, **tolerance)
    definition["States"]["EachItem"]["ItemProcessor"].update(FAILING_FOR_BAD_ITEMS)
    items = [{"bad": n < bad} for n in range(10)]
    return wait_for_execution(
        client("stepfunctions").start_execution(
            stateMachineArn=state_machine(definition), input=json.dumps({"items": items})
        )["executionArn"]
    )


@pytest.mark.parametrize(
    ("bad", "tolerance", "status"),
    [
        (1, {}, "FAILED"),
        (2, {"ToleratedFailureCount": 2}, "SUCCEEDED"),
        (3, {"ToleratedFailureCount": 2}, "FAILED"),
        (2, {"ToleratedFailurePercentage": 20}, "SUCCEEDED"),
        (3, {"ToleratedFailurePercentage": 20}, "FAILED"),
        (3, {"ToleratedFailureCount": 5, "ToleratedFailurePercentage": 20}, "FAILED"),
    ],
    ids=["none-tolerated", "count-kept", "count-over", "percent-kept", "percent-over", "either"],
)
def test_failed_children_fail_the_map_run_past_what_it_tolerates(
    state_machine, bad, tolerance, status
):
    # GIVEN a Distributed Map over 10 items, `bad` of them failing their child workflow
    # WHEN it runs
    execution = map_over_some_bad_items(state_machine, bad, **tolerance)
    # THEN it fails, as AWS does, once the failures pass its tolerance (none by default)
    assert execution.status == status, execution.cause
    (map_run,) = client("stepfunctions").list_map_runs(executionArn=execution.arn)["mapRuns"]
    described = client("stepfunctions").describe_map_run(mapRunArn=map_run["mapRunArn"])
    assert described["status"] == status
    assert described["itemCounts"]["failed"] == bad
    assert described["executionCounts"]["running"] == 0
    if status == "FAILED":
        assert execution.error == "States.ExceedToleratedFailureThreshold"
        assert "MapRunFailed" in [event["type"] for event in execution.history]


def test_update_map_run_changes_the_tolerances(state_machine):
    # GIVEN a finished Map Run
    execution = map_over_some_bad_items(state_machine, 0)
    sfn = client("stepfunctions")
    (map_run,) = sfn.list_map_runs(executionArn=execution.arn)["mapRuns"]
    # WHEN its tolerances are updated (AWS allows it; LocalStack answered 500)
    sfn.update_map_run(
        mapRunArn=map_run["mapRunArn"], toleratedFailureCount=3, toleratedFailurePercentage=15
    )
    # THEN DescribeMapRun shows them
    described = sfn.describe_map_run(mapRunArn=map_run["mapRunArn"])
    assert (described["toleratedFailureCount"], described["toleratedFailurePercentage"]) == (3, 15)


def test_an_item_reader_reads_json_lines(state_machine, bucket, bucket_role):
    # GIVEN a JSON Lines object in S3 (a blank last line, as writers leave it)
    client("s3").put_object(Bucket=bucket, Key="items.jsonl", Body=b'{"n": 1}\n{"n": 2}\n\n')
    reader = {
        "Resource": "arn:aws:states:::s3:getObject",
        "ReaderConfig": {"InputType": "JSONL"},
        "Parameters": {"Bucket": bucket, "Key": "items.jsonl"},
    }
    arn = state_machine(
        distributed_map({"Mode": "DISTRIBUTED"}, ItemReader=reader), bucket_role("s3:GetObject")
    )
    # WHEN a Distributed Map reads it
    execution = wait_for_execution(
        client("stepfunctions").start_execution(stateMachineArn=arn, input="{}")["executionArn"]
    )
    # THEN each line was an item (LocalStack refused the input type at CreateStateMachine)
    assert execution.status == "SUCCEEDED", execution.cause
    assert execution.output == [{"n": 1}, {"n": 2}]


def test_a_result_writer_writes_each_childs_result_and_a_manifest(
    state_machine, bucket, bucket_role
):
    # GIVEN a Distributed Map tolerating failures, writing its results under a prefix
    definition = distributed_map(
        {"Mode": "DISTRIBUTED"},
        ToleratedFailureCount=1,
        ResultWriter={
            "Resource": "arn:aws:states:::s3:putObject",
            "Parameters": {"Bucket": bucket, "Prefix": "runs"},
        },
    )
    definition["States"]["EachItem"]["ItemProcessor"].update(FAILING_FOR_BAD_ITEMS)
    # WHEN it runs over two good items and a bad one
    items = [{"bad": False, "n": 1}, {"bad": True, "n": 2}, {"bad": False, "n": 3}]
    execution = wait_for_execution(
        client("stepfunctions").start_execution(
            stateMachineArn=state_machine(definition, bucket_role("s3:PutObject")),
            input=json.dumps({"items": items}),
        )["executionArn"]
    )
    # THEN its output names the manifest, which names one file per outcome, as on AWS
    assert execution.status == "SUCCEEDED", execution.cause
    s3 = client("s3")
    details = execution.output["ResultWriterDetails"]
    map_run_id = execution.output["MapRunArn"].split(":")[-1]
    assert details == {"Bucket": bucket, "Key": f"runs/{map_run_id}/manifest.json"}
    manifest = json.loads(s3.get_object(Bucket=bucket, Key=details["Key"])["Body"].read())
    assert manifest["MapRunArn"] == execution.output["MapRunArn"]
    files = manifest["ResultFiles"]
    assert files["PENDING"] == []
    assert [entry["Key"] for entry in files["SUCCEEDED"]] == [f"runs/{map_run_id}/SUCCEEDED_0.json"]
    assert [entry["Key"] for entry in files["FAILED"]] == [f"runs/{map_run_id}/FAILED_0.json"]

    def read(entry: dict) -> list[dict]:
        body = s3.get_object(Bucket=bucket, Key=entry["Key"])["Body"].read()
        assert len(body) == entry["Size"]
        return json.loads(body)

    # AND each file holds its children's records: input, then output or error and cause
    succeeded = read(files["SUCCEEDED"][0])
    assert sorted(json.loads(child["Output"])["n"] for child in succeeded) == [1, 3]
    assert {child["Status"] for child in succeeded} == {"SUCCEEDED"}
    (failed,) = read(files["FAILED"][0])
    assert (failed["Status"], failed["Error"]) == ("FAILED", "BadItem")
    assert failed["Cause"] == "a bad item"
    assert json.loads(failed["Input"]) == items[1]
    assert failed["ExecutionArn"].endswith(f":{failed['Name']}")
    assert ":execution:" in failed["ExecutionArn"]


def test_list_executions_lists_a_map_runs_child_executions(state_machine):
    # GIVEN a finished Map Run of 10 children, 2 of them failed (tolerated)
    execution = map_over_some_bad_items(state_machine, 2, ToleratedFailureCount=2)
    sfn = client("stepfunctions")
    (map_run,) = sfn.list_map_runs(executionArn=execution.arn)["mapRuns"]
    # WHEN its executions are listed by its ARN (LocalStack refused the call)
    children = sfn.list_executions(mapRunArn=map_run["mapRunArn"])["executions"]
    failed = sfn.list_executions(mapRunArn=map_run["mapRunArn"], statusFilter="FAILED")
    # THEN each child is there, under the Map Run's state machine, the failed ones by status
    assert len(children) == 10
    assert {child["stateMachineArn"] for child in children} == {map_run["stateMachineArn"]}
    assert {child["mapRunArn"] for child in children} == {map_run["mapRunArn"]}
    assert sorted(child["status"] for child in children) == ["FAILED"] * 2 + ["SUCCEEDED"] * 8
    assert len(failed["executions"]) == 2


def test_an_item_reader_listing_objects_hands_each_child_an_object(
    state_machine, bucket, bucket_role
):
    # GIVEN two objects, listed by the Map's reader (each item has a LastModified date)
    for key in ("a.txt", "b.txt"):
        client("s3").put_object(Bucket=bucket, Key=key, Body=b"x")
    reader = {"Resource": "arn:aws:states:::s3:listObjectsV2", "Parameters": {"Bucket": bucket}}
    arn = state_machine(
        distributed_map({"Mode": "DISTRIBUTED"}, ItemReader=reader), bucket_role("s3:ListBucket")
    )
    # WHEN it runs THEN each child gets one object and the run ends
    execution = wait_for_execution(
        client("stepfunctions").start_execution(stateMachineArn=arn, input="{}")["executionArn"]
    )
    assert execution.status == "SUCCEEDED", execution.cause
    assert sorted(child["Key"] for child in execution.output) == ["a.txt", "b.txt"]


def test_children_stopped_with_their_parent_are_listed_aborted(state_machine):
    # GIVEN a Distributed Map whose two children wait, both running
    definition = distributed_map({"Mode": "DISTRIBUTED"})
    definition["States"]["EachItem"]["ItemProcessor"]["States"] = {
        "Echo": {"Type": "Wait", "Seconds": 120, "End": True}
    }
    sfn = client("stepfunctions")
    arn = sfn.start_execution(
        stateMachineArn=state_machine(definition), input=json.dumps({"items": [1, 2]})
    )["executionArn"]

    def running_children() -> int:
        runs = sfn.list_map_runs(executionArn=arn)["mapRuns"]
        described = runs and sfn.describe_map_run(mapRunArn=runs[0]["mapRunArn"])
        return described["executionCounts"]["running"] if described else 0

    wait_until(lambda: running_children() == 2, timeout=30, what="both children running")

    # WHEN the parent is stopped
    sfn.stop_execution(executionArn=arn)

    # THEN its Map Run's children are listed ABORTED, as AWS lists them, not SUCCEEDED
    (map_run,) = sfn.list_map_runs(executionArn=arn)["mapRuns"]

    def children() -> list[dict]:
        listed = sfn.list_executions(mapRunArn=map_run["mapRunArn"])["executions"]
        return listed if len(listed) == 2 else []

    listed = wait_until(children, timeout=30, what="both children listed")
    assert [child["status"] for child in listed] == ["ABORTED", "ABORTED"]


def map_over_a_bad_item_and_waiting_ones(state_machine, bad: list[bool], **map_fields) -> str:
    """A Map tolerating no failure over items `bad` or not, a good item's child waiting 120 s."""
    definition = distributed_map({"Mode": "DISTRIBUTED"}, **map_fields)
    processor = definition["States"]["EachItem"]["ItemProcessor"]
    processor.update(copy.deepcopy(FAILING_FOR_BAD_ITEMS))
    processor["States"]["Accept"] = {"Type": "Wait", "Seconds": 120, "End": True}
    items = [{"bad": is_bad} for is_bad in bad]
    return client("stepfunctions").start_execution(
        stateMachineArn=state_machine(definition), input=json.dumps({"items": items})
    )["executionArn"]


def map_run_of(execution_arn: str) -> tuple[dict, list[dict]]:
    """The execution's Map Run as DescribeMapRun shows it, and its children, described."""
    sfn = client("stepfunctions")
    (map_run,) = sfn.list_map_runs(executionArn=execution_arn)["mapRuns"]
    children = sfn.list_executions(mapRunArn=map_run["mapRunArn"])["executions"]
    return sfn.describe_map_run(mapRunArn=map_run["mapRunArn"]), [
        sfn.describe_execution(executionArn=child["executionArn"])
        for child in sorted(children, key=lambda child: child["startDate"])
    ]


def test_a_map_run_past_its_tolerance_fails_at_once_aborting_its_running_children(
    state_machine,
):
    # GIVEN a Map tolerating no failure, over two items whose children wait 120 s, then a bad
    # one (last: the children are handed out in order, so the good ones have started)
    arn = map_over_a_bad_item_and_waiting_ones(state_machine, [False, False, True])
    # WHEN the bad item's child fails THEN the Map fails at once, as on AWS, not after 120 s
    execution = wait_for_execution(arn, timeout=30)
    assert execution.status == "FAILED"
    assert execution.error == "States.ExceedToleratedFailureThreshold"
    # AND the waiting children were stopped: counted and listed ABORTED
    described, children = map_run_of(arn)
    assert described["status"] == "FAILED"
    for counts in (described["itemCounts"], described["executionCounts"]):
        assert (counts["failed"], counts["aborted"], counts["running"]) == (1, 2, 0)
    assert sorted(child["status"] for child in children) == ["ABORTED", "ABORTED", "FAILED"]
    # AND a redrive of the parent would rerun them, as every child that did not succeed
    assert {child["redriveStatus"] for child in children} == {"REDRIVABLE_BY_MAP_RUN"}


def test_a_failed_map_run_starts_no_further_children(state_machine):
    # GIVEN the same Map running one child at a time, its first item bad
    arn = map_over_a_bad_item_and_waiting_ones(
        state_machine, [True, False, False], MaxConcurrency=1
    )
    # WHEN it runs THEN it fails at once, its other items never started
    execution = wait_for_execution(arn, timeout=30)
    assert execution.error == "States.ExceedToleratedFailureThreshold"
    # (AWS counts only the children it started: items never started are in no count)
    described, children = map_run_of(arn)
    for counts in (described["itemCounts"], described["executionCounts"]):
        assert (counts["total"], counts["failed"], counts["aborted"], counts["pending"]) == (
            1,
            1,
            0,
            0,
        )
    assert [child["status"] for child in children] == ["FAILED"]


def test_a_failed_map_run_still_writes_its_results(state_machine, bucket, bucket_role):
    # GIVEN a Map tolerating no failure, writing its results, over two items whose children
    # wait and a bad one
    definition = distributed_map(
        {"Mode": "DISTRIBUTED"},
        ResultWriter={
            "Resource": "arn:aws:states:::s3:putObject",
            "Parameters": {"Bucket": bucket, "Prefix": "runs"},
        },
    )
    processor = definition["States"]["EachItem"]["ItemProcessor"]
    processor.update(copy.deepcopy(FAILING_FOR_BAD_ITEMS))
    processor["States"]["Accept"] = {"Type": "Wait", "Seconds": 120, "End": True}
    items = [{"bad": False}, {"bad": False}, {"bad": True}]
    sfn = client("stepfunctions")
    arn = sfn.start_execution(
        stateMachineArn=state_machine(definition, bucket_role("s3:PutObject")),
        input=json.dumps({"items": items}),
    )["executionArn"]
    # WHEN its Map Run fails
    execution = wait_for_execution(arn, timeout=30)
    assert execution.error == "States.ExceedToleratedFailureThreshold"
    # THEN its results are written all the same, as on AWS: the children that did not succeed,
    # the aborted ones with them, in the FAILED file, each with its status
    (map_run,) = sfn.list_map_runs(executionArn=arn)["mapRuns"]
    folder = f"runs/{map_run['mapRunArn'].split(':')[-1]}/"
    s3 = client("s3")
    manifest = json.loads(s3.get_object(Bucket=bucket, Key=f"{folder}manifest.json")["Body"].read())
    files = manifest["ResultFiles"]
    assert (files["SUCCEEDED"], files["PENDING"]) == ([], [])
    assert [entry["Key"] for entry in files["FAILED"]] == [f"{folder}FAILED_0.json"]
    failed = json.loads(s3.get_object(Bucket=bucket, Key=f"{folder}FAILED_0.json")["Body"].read())
    assert sorted(child["Status"] for child in failed) == ["ABORTED", "ABORTED", "FAILED"]
