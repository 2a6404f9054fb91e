"""Each payroll function on moto, driven by its sample event in events/: the S3 files it reads
and writes, the state it returns, and what it leaves alone on bad input."""

from __future__ import annotations

import copy
import csv
import io
import json
from decimal import Decimal

import boto3
import pytest
from pypdf import PdfReader

from payroll.dal import files
from payroll.handlers import (
    collect_rollup,
    generate_paystubs,
    generate_report,
    process_data,
    start_payroll,
)
from payroll.logic import layout
from payroll.logic.timesheet import file_faults
from payroll.models import InvalidPayrollFile
from support.events import sample_event
from unit.payroll.payroll_testkit import PAYSTUBS, PROCESSED, RAW, keys

KEY = "timesheets/2026-11-week-45.csv"
PREFIX = "timesheets/2026-11-week-45/20261120T100000000000Z"
TIMESHEET = (
    "employee_id,employee_name,date,job_code,hours,hourly_rate\n"
    "E1,Ada Lovelace,2026-11-02,DEV,21,50\n"
    "E2,Alan Turing,2026-11-03,OPS,10,30\n"
    "E1,Ada Lovelace,2026-11-03,DEV,21,50\n"
    "E1,Ada Lovelace,2026-11-10,DEV,8,50\n"
    "E3,Grace Hopper,2026-11-12,QA,20,40\n"
)


def upload(s3, body: str | bytes) -> dict:
    version = s3.put_object(
        Bucket=RAW, Key=KEY, Body=body.encode() if isinstance(body, str) else body
    )["VersionId"]
    return {**sample_event("payroll-process-data"), "versionId": version}


def test_process_data_writes_a_file_per_employee_and_per_batch(s3, lambda_context):
    # GIVEN a raw file of three employees (batches of two)
    state = upload(s3, TIMESHEET)
    # WHEN ProcessData runs
    result = process_data.handler(state, lambda_context)
    # THEN the state gains the prefix, the pay period and the batch keys, never the data
    assert result["prefix"] == PREFIX
    assert result["completedTask"] == "ProcessData"
    assert result["period"] == {"start": "2026-11-02", "end": "2026-11-12"}
    assert result["processedData"]["employees"] == 3
    assert result["processedData"]["batches"] == [
        f"{PREFIX}/batches/00000.csv",
        f"{PREFIX}/batches/00001.csv",
    ]
    assert result["key"] == KEY  # the input is passed on
    # AND one CSV per employee holds just that employee's rows
    assert keys(s3, PROCESSED, f"{PREFIX}/employees/") == [
        f"{PREFIX}/employees/E1.csv",
        f"{PREFIX}/employees/E2.csv",
        f"{PREFIX}/employees/E3.csv",
    ]
    ada = s3.get_object(Bucket=PROCESSED, Key=f"{PREFIX}/employees/E1.csv")["Body"].read()
    assert ada.decode().splitlines()[1:] == [
        "E1,Ada Lovelace,2026-11-02,DEV,21,50",
        "E1,Ada Lovelace,2026-11-03,DEV,21,50",
        "E1,Ada Lovelace,2026-11-10,DEV,8,50",
    ]


def test_batches_grow_so_the_map_items_stay_few(s3, lambda_context, monkeypatch):
    # GIVEN a cap of one Map item (batches of two employees otherwise)
    monkeypatch.setattr(layout, "MAX_BATCHES", 1)
    # WHEN a file of three employees is processed
    result = process_data.handler(upload(s3, TIMESHEET), lambda_context)
    # THEN one batch file holds all three employees
    assert result["processedData"]["batches"] == [f"{PREFIX}/batches/00000.csv"]
    batch = s3.get_object(Bucket=PROCESSED, Key=f"{PREFIX}/batches/00000.csv")["Body"].read()
    assert {line.split(",")[0] for line in batch.decode().splitlines()[1:]} == {"E1", "E2", "E3"}


def test_process_data_on_a_bad_file_fails_naming_the_line_and_writes_nothing(s3, lambda_context):
    # GIVEN a file with a bad number on line 5
    state = upload(s3, TIMESHEET.replace("2026-11-10,DEV,8,50", "2026-11-10,DEV,eight,50"))
    # WHEN ProcessData runs
    with pytest.raises(InvalidPayrollFile) as raised:
        process_data.handler(state, lambda_context)
    # THEN the error names the file, line and column, and nothing was written
    assert f"s3://{RAW}/{KEY}: line 5, column 5 (hours): not a number" in str(raised.value)
    assert "eight" not in str(raised.value)
    assert keys(s3, PROCESSED) == []


def test_a_refused_file_s_message_withholds_every_quoted_value():
    message = "line 2, column 2 (name): \"O'Brien\" is bad; line 1, column 1: found 'x'"
    assert file_faults(message) == (
        "line 2, column 2 (name): (value withheld) is bad; line 1, column 1: found (value withheld)"
    )


def test_a_paystub_batch_writes_each_pdf_and_its_rollup_part(s3, lambda_context):
    # GIVEN the processed data of a run
    state = process_data.handler(upload(s3, TIMESHEET), lambda_context)
    batch = {
        **sample_event("payroll-generate-paystubs"),
        "batchKey": state["processedData"]["batches"][0],
    }
    # WHEN the first batch (E1, E2) is generated
    result = generate_paystubs.handler(batch, lambda_context)
    # THEN each employee of the batch has a paystub PDF, and the rollup part has their figures
    assert result == {"rollupPartKey": f"{PREFIX}/rollup-parts/00000.csv", "paystubs": 2}
    assert keys(s3, PAYSTUBS, f"{PREFIX}/paystubs/") == [
        f"{PREFIX}/paystubs/E1.pdf",
        f"{PREFIX}/paystubs/E2.pdf",
    ]
    pdf = s3.get_object(Bucket=PAYSTUBS, Key=f"{PREFIX}/paystubs/E1.pdf")["Body"].read()
    text = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    # Ada: week 45 2 x 21 h (2 overtime), week 46 8 h, at $50: 2,400 + 150
    assert "Ada Lovelace (E1)" in text
    assert "2026-11-02 to 2026-11-15" in text
    assert "$2,550.00" in text
    part = s3.get_object(Bucket=PAYSTUBS, Key=result["rollupPartKey"])["Body"].read().decode()
    assert [line.split(",")[0] for line in part.splitlines()] == ["E1", "E2"]


def test_collect_rollup_then_report_cover_every_paystub(s3, lambda_context):
    # GIVEN every batch of a run generated
    state = process_data.handler(upload(s3, TIMESHEET), lambda_context)
    batches = [
        generate_paystubs.handler(
            {"batchKey": key, "prefix": state["prefix"], "period": state["period"]}, lambda_context
        )
        for key in state["processedData"]["batches"]
    ]
    # WHEN the rollup is collected and the report generated
    rolled = collect_rollup.handler({**state, "paystubBatches": batches}, lambda_context)
    reported = generate_report.handler(rolled, lambda_context)
    # THEN rollup.csv has one row per paystub and the Map's results left the state
    assert "paystubBatches" not in rolled
    assert rolled["paystubs"]["count"] == 3
    assert rolled["completedTask"] == "GeneratePaystubs"
    rollup = s3.get_object(Bucket=PAYSTUBS, Key=rolled["paystubs"]["rollupKey"])["Body"].read()
    rows = list(csv.DictReader(io.StringIO(rollup.decode())))
    assert [row["employee_id"] for row in rows] == ["E1", "E2", "E3"]
    gross = {row["employee_id"]: Decimal(row["gross_pay"]) for row in rows}
    assert gross == {"E1": Decimal("2550.00"), "E2": Decimal("300.00"), "E3": Decimal("800.00")}
    # AND the report's figures add up
    assert reported["completedTask"] == "GenerateReport"
    assert reported["report"]["grossPay"] == "3650.00"
    assert keys(s3, PAYSTUBS, f"{PREFIX}/report") == [
        f"{PREFIX}/report.csv",
        f"{PREFIX}/report.pdf",
    ]
    report_pdf = s3.get_object(Bucket=PAYSTUBS, Key=f"{PREFIX}/report.pdf")["Body"].read()
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(report_pdf)).pages)
    assert "$3,650.00" in text
    assert "Grace Hopper" in text


@pytest.fixture
def state_machine(s3):
    sfn = boto3.client("stepfunctions", region_name="us-east-1")
    arn = sfn.create_state_machine(
        name="payroll",
        definition=json.dumps(
            {"StartAt": "Wait", "States": {"Wait": {"Type": "Wait", "Seconds": 60, "End": True}}}
        ),
        roleArn="arn:aws:iam::123456789012:role/payroll",
    )["stateMachineArn"]
    assert arn == start_payroll.settings.state_machine_arn
    return arn


def test_an_upload_starts_one_run_and_a_repeated_event_none(state_machine, lambda_context):
    # GIVEN the S3 event of an uploaded timesheet
    uploaded = sample_event("payroll-start-payroll")
    sfn = boto3.client("stepfunctions", region_name="us-east-1")
    # WHEN it is announced, then announced again
    first = start_payroll.handler(copy.deepcopy(uploaded), lambda_context)
    second = start_payroll.handler(copy.deepcopy(uploaded), lambda_context)
    # THEN one execution runs, with the bucket, key and upload time as its input
    executions = sfn.list_executions(stateMachineArn=state_machine)["executions"]
    assert len(executions) == 1
    assert first["started"] == [executions[0]["executionArn"]]
    assert second["started"] in ([], first["started"])  # same run, never a second one
    started = sfn.describe_execution(executionArn=executions[0]["executionArn"])
    assert json.loads(started["input"]) == {
        "bucket": "raw-data",
        "key": KEY,
        "uploadedAt": "2026-11-20T10:00:00.000Z",
        "versionId": "3HL4kqtJlcpXroDTDmjVBH40Nrjfkd",
    }


def test_a_removed_object_starts_nothing(state_machine, lambda_context):
    removed = sample_event("payroll-start-payroll")
    removed["Records"][0]["eventName"] = "ObjectRemoved:Delete"
    assert start_payroll.handler(removed, lambda_context) == {"started": [], "alreadyStarted": []}
    sfn = boto3.client("stepfunctions", region_name="us-east-1")
    assert sfn.list_executions(stateMachineArn=state_machine)["executions"] == []


def test_the_sample_events_run_in_the_workflow_order(s3, lambda_context):
    # GIVEN the sample timesheet upload (three employees, batches of two)
    s3.put_object(Bucket=RAW, Key=KEY, Body=TIMESHEET.encode())
    # WHEN each function runs on its sample event, in the state machine's order
    state = process_data.handler(sample_event("payroll-process-data"), lambda_context)
    first = sample_event("payroll-generate-paystubs")
    assert first["batchKey"] == state["processedData"]["batches"][0]
    generate_paystubs.handler(first, lambda_context)
    generate_paystubs.handler(
        {**first, "batchKey": state["processedData"]["batches"][1]}, lambda_context
    )
    rolled = collect_rollup.handler(sample_event("payroll-collect-rollup"), lambda_context)
    reported = generate_report.handler(sample_event("payroll-generate-report"), lambda_context)
    # THEN the samples fit together: the rollup and the report cover the three employees
    assert rolled["paystubs"]["count"] == 3
    assert reported["report"]["employees"] == 3


def test_a_file_over_the_size_limit_fails_unread_and_writes_nothing(
    s3, lambda_context, monkeypatch
):
    # GIVEN a size limit of 100 bytes, and a valid timesheet larger than that
    limited = process_data.settings.model_copy(update={"max_file_bytes": 100})
    monkeypatch.setattr(process_data, "settings", limited)
    read = []
    original = files.read
    monkeypatch.setattr(
        files, "read", lambda *args, **kwargs: read.append(original(*args, **kwargs)) or read[-1]
    )
    # WHEN ProcessData runs
    with pytest.raises(InvalidPayrollFile) as raised:
        process_data.handler(upload(s3, TIMESHEET), lambda_context)
    # THEN it names the limit, read no more than one byte past it, and wrote nothing
    assert "larger than the limit of 100 bytes (PAYROLL_MAX_FILE_BYTES)" in str(raised.value)
    assert [len(data) for data in read] == [101]
    assert keys(s3, PROCESSED) == []


def test_the_rate_ceiling_comes_from_the_settings(s3, lambda_context, monkeypatch):
    # GIVEN a ceiling of $45 an hour; Ada is paid $50 on lines 2, 4 and 5
    limited = process_data.settings.model_copy(update={"max_hourly_rate": Decimal(45)})
    monkeypatch.setattr(process_data, "settings", limited)
    with pytest.raises(InvalidPayrollFile) as raised:
        process_data.handler(upload(s3, TIMESHEET), lambda_context)
    assert "line 2, column 6 (hourly_rate): above the ceiling of 45 an hour" in str(raised.value)
    assert "line 5, column 6 (hourly_rate): above the ceiling" in str(raised.value)
    assert "line 3, column 6" not in str(raised.value)  # Alan's $30 is within it
