"""Payroll workflow: upload a two-week timesheet to the raw-data bucket, wait for the run, and
print where its paystub PDFs and report are; then a timesheet with a bad line, and its error."""

from __future__ import annotations

import json
import time
import uuid

import boto3

from devkit import PROJECT

# The timesheet the README uploads too.
SAMPLE = (PROJECT / "samples" / "timesheet.csv").read_text()


def _run_of(sfn, machine: str, token: str, deadline_s: float = 120) -> dict:
    """The execution started for the upload (its name holds the key's token), once ended."""
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        for execution in sfn.list_executions(stateMachineArn=machine)["executions"]:
            if token in execution["name"]:
                described = sfn.describe_execution(executionArn=execution["executionArn"])
                if described["status"] != "RUNNING":
                    return described
        time.sleep(0.5)
    raise TimeoutError(f"no finished payroll run for {token} after {deadline_s} s")


def _upload_and_wait(outputs: dict[str, str], name: str, body: str) -> tuple[str, dict]:
    s3, sfn = boto3.client("s3"), boto3.client("stepfunctions")
    token = uuid.uuid4().hex[:8]
    key = f"demo/{token}/{name}"
    s3.put_object(Bucket=outputs["RawDataBucketName"], Key=key, Body=body.encode())
    print(f"uploaded s3://{outputs['RawDataBucketName']}/{key}")
    return key, _run_of(sfn, outputs["PayrollStateMachineArn"], token)


def run(outputs: dict[str, str]) -> None:
    s3 = boto3.client("s3")
    _, run = _upload_and_wait(outputs, "timesheet-2026-11.csv", SAMPLE)
    print(f"run {run['name']}: {run['status']}")
    if run["status"] != "SUCCEEDED":
        raise RuntimeError(f"the payroll run failed: {run.get('cause')}")
    output = json.loads(run["output"])
    bucket, prefix = output["paystubs"]["bucket"], output["paystubs"]["prefix"]
    listed = s3.list_objects_v2(Bucket=bucket, Prefix=prefix).get("Contents", [])
    print(f"{len(listed)} paystub PDFs in s3://{bucket}/{prefix}")
    for item in listed:
        print(f"  s3://{bucket}/{item['Key']}  ({item['Size']} bytes)")
    report = output["report"]
    print(f"report: s3://{bucket}/{report['pdfKey']} and s3://{bucket}/{report['csvKey']}")
    print(f"rollup: s3://{bucket}/{output['paystubs']['rollupKey']}")
    print(f"gross pay {report['grossPay']}, net pay {report['netPay']}")

    bad = SAMPLE.replace(
        "E200,Alan Turing,2026-11-12,OPS,20,30", "E200,Alan Turing,2026-11-12,OPS,twenty,30"
    )
    _, failed = _upload_and_wait(outputs, "timesheet-with-a-typo.csv", bad)
    print(f"run {failed['name']}: {failed['status']} - {_reason(failed.get('cause', ''))}")
    if failed["status"] != "FAILED":
        raise RuntimeError("the timesheet with a typo was not rejected")


def _reason(cause: str) -> str:
    """A failed run's cause: a Lambda error's message, or the run's own words."""
    try:
        return json.loads(cause).get("errorMessage", cause)
    except (ValueError, AttributeError):
        return cause
