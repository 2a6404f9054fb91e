"""The payroll workflow as its users drive it: a timesheet uploaded to the raw-data bucket,
and the run it starts."""

from __future__ import annotations

from devkit.local_cloud import Execution, client, wait_for_execution, wait_until

HEADER = "employee_id,employee_name,date,job_code,hours,hourly_rate"


def timesheet(rows) -> bytes:
    return ("\n".join([HEADER, *(",".join(row) for row in rows)]) + "\n").encode()


def upload_and_wait(
    outputs: dict[str, str], key: str, body: bytes, timeout: float = 120
) -> tuple[list[dict], Execution]:
    """Upload to the raw-data bucket; the execution it started, once it has ended."""
    s3, sfn = client("s3"), client("stepfunctions")
    s3.put_object(Bucket=outputs["RawDataBucketName"], Key=key, Body=body)
    token = key.split("/")[1]  # each test's key holds a unique token; so does its run's name

    def started():
        executions = sfn.list_executions(stateMachineArn=outputs["PayrollStateMachineArn"])
        return [e for e in executions["executions"] if token in e["name"]]

    runs = wait_until(started, 30, interval=0.2, what=f"a payroll run for {key}")
    return runs, wait_for_execution(runs[0]["executionArn"], timeout)
