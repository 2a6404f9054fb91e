"""A Distributed Map's ResultWriter `WriterConfig` as AWS documents it
(localcloud/aws_behaviours/sfn_map_results.py): the Transformation shapes the Map's output or
its results files, the OutputType the files' format."""

from __future__ import annotations

import json

import pytest
from local_cloud.test_sfn_distributed_map import distributed_map

from devkit.local_cloud import client, wait_for_execution

# Each child echoes its item: two arrays.
ITEMS = [[1, 2], [3]]


def run_over_items(state_machine, result_writer: dict, role: str | None = None):
    definition = distributed_map({"Mode": "DISTRIBUTED"}, ResultWriter=result_writer)
    arn = state_machine(definition, role) if role else state_machine(definition)
    return wait_for_execution(
        client("stepfunctions").start_execution(
            stateMachineArn=arn, input=json.dumps({"items": ITEMS})
        )["executionArn"]
    )


@pytest.mark.parametrize(
    ("transformation", "output"),
    [("COMPACT", [[1, 2], [3]]), ("FLATTEN", [1, 2, 3])],
)
def test_a_writer_config_alone_shapes_the_maps_output(state_machine, transformation, output):
    # GIVEN a Distributed Map whose ResultWriter is a WriterConfig alone (nothing exported)
    writer = {"WriterConfig": {"Transformation": transformation, "OutputType": "JSON"}}
    # WHEN its children return arrays
    execution = run_over_items(state_machine, writer)
    # THEN its output is their outputs, arrays spread by FLATTEN (LocalStack refused the field)
    assert execution.status == "SUCCEEDED", execution.cause
    assert execution.output == output


def test_transformation_none_gives_each_childs_record(state_machine):
    # GIVEN a WriterConfig asking for no transformation
    writer = {"WriterConfig": {"Transformation": "NONE", "OutputType": "JSON"}}
    # WHEN the Map runs
    execution = run_over_items(state_machine, writer)
    # THEN its output is each child's record, in item order: status, input and output
    assert execution.status == "SUCCEEDED", execution.cause
    assert [json.loads(child["Output"]) for child in execution.output] == ITEMS
    assert [json.loads(child["Input"]) for child in execution.output] == ITEMS
    assert {child["Status"] for child in execution.output} == {"SUCCEEDED"}
    assert all(":execution:" in child["ExecutionArn"] for child in execution.output)


def test_an_exported_result_file_is_compacted_into_json_lines(state_machine, bucket, bucket_role):
    # GIVEN a ResultWriter exporting compacted results as JSON Lines
    writer = {
        "Resource": "arn:aws:states:::s3:putObject",
        "Parameters": {"Bucket": bucket, "Prefix": "runs"},
        "WriterConfig": {"Transformation": "COMPACT", "OutputType": "JSONL"},
    }
    # WHEN the Map runs
    execution = run_over_items(state_machine, writer, bucket_role("s3:PutObject"))
    # THEN the manifest names a results file holding each child's output, a line each
    assert execution.status == "SUCCEEDED", execution.cause
    s3 = client("s3")
    details = execution.output["ResultWriterDetails"]
    manifest = json.loads(s3.get_object(Bucket=bucket, Key=details["Key"])["Body"].read())
    (succeeded,) = manifest["ResultFiles"]["SUCCEEDED"]
    body = s3.get_object(Bucket=bucket, Key=succeeded["Key"])["Body"].read().decode()
    assert sorted(json.loads(line) for line in body.splitlines()) == sorted(ITEMS)
