"""The payroll workflow end to end on the local cloud, through its real entry point: a timesheet
uploaded to the raw-data bucket.

Expected figures are computed here from the uploaded rows, independently of the functions' code,
and every paystub PDF, rollup.csv, the report CSV and the report PDF are checked against them.
"""

from __future__ import annotations

import csv
import io
import json
import uuid
from collections import defaultdict
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from functools import partial

import pytest
from pypdf import PdfReader

from devkit import stack as stack_tool
from devkit.local_cloud import client, wait_for_execution, wait_until
from support.payroll import HEADER, timesheet, upload_and_wait
from support.queues import subscribed_queue

pytestmark = pytest.mark.localcloud

# Four employees over two ISO weeks (Mon 2 Nov - Sun 15 Nov 2026); E1 and E3 work overtime.
ROWS = [
    ("E1", "Ada Lovelace", "2026-11-02", "DEV", "24", "50"),
    ("E1", "Ada Lovelace", "2026-11-05", "DEV", "20", "50"),  # week 45: 44 h -> 4 h overtime
    ("E1", "Ada Lovelace", "2026-11-10", "OPS", "20", "40"),
    ("E1", "Ada Lovelace", "2026-11-11", "OPS", "10.5", "40"),
    ("E2", "Alan Turing", "2026-11-03", "OPS", "19", "30"),
    ("E2", "Alan Turing", "2026-11-04", "OPS", "19", "30"),
    ("E2", "Alan Turing", "2026-11-12", "OPS", "20", "30"),
    ("E2", "Alan Turing", "2026-11-13", "OPS", "20", "30"),
    ("E3", "Grace Hopper", "2026-11-09", "QA", "15", "45"),
    ("E3", "Grace Hopper", "2026-11-10", "QA", "15", "45"),
    ("E3", "Grace Hopper", "2026-11-13", "LEAD", "16", "60"),  # week 46: 46 h -> 6 h at 1.5 x 60
    ("E3", "Grace Hopper", "2026-11-04", "QA", "12.5", "45"),
    ("E4", "Edsger Dijkstra", "2026-11-15", "DEV", "7.5", "52"),
]
SOCIAL_SECURITY, MEDICARE, INCOME_TAX = Decimal("0.062"), Decimal("0.0145"), Decimal("0.10")


def cents(amount: Decimal) -> Decimal:
    return amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def expected_paystubs(rows=ROWS) -> dict[str, dict[str, Decimal | str]]:
    """Each employee's figures: hours worked in date order, anything past 40 in a Monday-Sunday
    week paid at 1.5 times the rate of the hours that crossed the line."""
    by_employee = defaultdict(list)
    for row in rows:
        by_employee[row[0]].append(row)
    figures = {}
    for employee, rows in by_employee.items():
        week_hours: dict[int, Decimal] = defaultdict(Decimal)
        regular_hours = overtime_hours = regular_pay = overtime_pay = Decimal(0)
        for _, _, day, _, hours, rate in sorted(rows, key=lambda row: row[2]):
            week = date.fromisoformat(day).isocalendar().week
            hours, rate = Decimal(hours), Decimal(rate)
            regular = max(Decimal(0), min(hours, 40 - week_hours[week]))
            week_hours[week] += hours
            regular_hours += regular
            overtime_hours += hours - regular
            regular_pay += regular * rate
            overtime_pay += (hours - regular) * rate * Decimal("1.5")
        gross = cents(regular_pay) + cents(overtime_pay)
        withheld = [
            cents(gross * SOCIAL_SECURITY),
            cents(gross * MEDICARE),
            cents(gross * INCOME_TAX),
        ]
        figures[employee] = {
            "employee_name": rows[0][1],
            "regular_hours": regular_hours,
            "overtime_hours": overtime_hours,
            "regular_pay": cents(regular_pay),
            "overtime_pay": cents(overtime_pay),
            "gross_pay": gross,
            "social_security": withheld[0],
            "medicare": withheld[1],
            "income_tax": withheld[2],
            "net_pay": gross - sum(withheld),
        }
    return figures


def money(amount: Decimal) -> str:
    return f"${amount:,.2f}"


def read(bucket: str, key: str) -> bytes:
    return client("s3").get_object(Bucket=bucket, Key=key)["Body"].read()


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def listed(bucket: str, prefix: str) -> list[str]:
    pages = client("s3").get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
    return sorted(item["Key"] for page in pages for item in page.get("Contents", []))


@pytest.fixture(scope="module")
def notifications(stack_outputs) -> str:
    """An SQS queue subscribed to the payroll topic; returns its URL."""
    topic = stack_outputs["PayrollNotificationsTopicArn"]
    with subscribed_queue(topic, "payroll-notifications") as url:
        yield url


def notification_about(queue_url: str, text: str, timeout: float = 60) -> dict:
    """The first notification whose message mentions text (others are left for their tests)."""
    sqs = client("sqs")
    seen: list[dict] = []

    def arrived():
        for message in sqs.receive_message(
            QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=1
        ).get("Messages", []):
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
            seen.append(json.loads(message["Body"]))
        return next((body for body in seen if text in body["Message"]), None)

    return wait_until(arrived, timeout, interval=0.2, what=f"a notification about {text}")


def test_an_uploaded_timesheet_becomes_paystubs_a_rollup_and_a_report(stack_outputs, notifications):
    # GIVEN a timesheet of four employees across two weeks
    key = f"e2e/{uuid.uuid4().hex[:10]}/timesheet.csv"
    expected = expected_paystubs()
    paystubs_bucket = stack_outputs["PaystubsBucketName"]

    # WHEN it is uploaded to the raw-data bucket
    runs, execution = upload_and_wait(stack_outputs, key, timesheet(ROWS))

    # THEN one run succeeded through every task
    assert len(runs) == 1
    assert execution.status == "SUCCEEDED", execution.cause
    assert execution.states_entered()[-3:] == ["CollectRollup", "GenerateReport", "NotifySuccess"]
    prefix = execution.output["prefix"]
    assert prefix.startswith(key.removesuffix(".csv") + "/")

    # AND each employee has a processed CSV with just their rows
    processed = listed(stack_outputs["ProcessedDataBucketName"], f"{prefix}/employees/")
    assert processed == [f"{prefix}/employees/{employee}.csv" for employee in sorted(expected)]
    grace = read(stack_outputs["ProcessedDataBucketName"], f"{prefix}/employees/E3.csv").decode()
    assert len(grace.splitlines()) == 1 + 4

    # AND every paystub PDF shows the employee's own figures
    assert listed(paystubs_bucket, f"{prefix}/paystubs/") == [
        f"{prefix}/paystubs/{employee}.pdf" for employee in sorted(expected)
    ]
    for employee, figures in expected.items():
        text = pdf_text(read(paystubs_bucket, f"{prefix}/paystubs/{employee}.pdf"))
        assert f"{figures['employee_name']} ({employee})" in text
        assert "2026-11-02 to 2026-11-15" in text
        for name in ("gross_pay", "regular_pay", "overtime_pay", "net_pay"):
            assert money(figures[name]) in text, (employee, name)
        for name in ("social_security", "medicare", "income_tax"):
            assert "-" + money(figures[name]) in text, (employee, name)

    # AND rollup.csv holds every paystub's figures
    rollup = list(
        csv.DictReader(io.StringIO(read(paystubs_bucket, f"{prefix}/rollup.csv").decode()))
    )
    assert sorted(row["employee_id"] for row in rollup) == sorted(expected)
    for row in rollup:
        for name, value in expected[row["employee_id"]].items():
            if name != "employee_name":
                assert Decimal(row[name]) == value, (row["employee_id"], name)

    # AND the report CSV and PDF carry the totals
    total_gross = sum(figures["gross_pay"] for figures in expected.values())
    total_net = sum(figures["net_pay"] for figures in expected.values())
    report = list(csv.reader(io.StringIO(read(paystubs_bucket, f"{prefix}/report.csv").decode())))
    assert report[-1][0] == "TOTAL"
    assert (Decimal(report[-1][6]), Decimal(report[-1][8])) == (total_gross, total_net)
    report_text = pdf_text(read(paystubs_bucket, f"{prefix}/report.pdf"))
    assert money(total_gross) in report_text
    assert money(total_net) in report_text
    assert "Gross pay by employee" in report_text
    for figures in expected.values():
        assert figures["employee_name"] in report_text

    # AND the success notification arrived, with the run's summary
    message = notification_about(notifications, execution.arn.rsplit(":", 1)[-1])
    assert message["Subject"] == "Payroll run succeeded"
    assert (
        f"{len(expected)} paystubs, gross pay {total_gross}, net pay {total_net}"
        in message["Message"]
    )


def test_a_bad_timesheet_fails_the_run_notifies_the_error_and_writes_nothing(
    stack_outputs, notifications
):
    # GIVEN a timesheet with a bad number on line 4 (hours, column 5)
    key = f"e2e/{uuid.uuid4().hex[:10]}/timesheet.csv"
    rows = [list(row) for row in ROWS]
    rows[2][4] = "thirty"

    # WHEN it is uploaded
    _, execution = upload_and_wait(stack_outputs, key, timesheet(rows))

    # THEN the run fails naming the line and column
    assert execution.status == "FAILED"
    assert "line 4, column 5 (hours): not a number" in execution.cause
    assert "thirty" not in execution.cause
    assert "GeneratePaystubs" not in execution.states_entered()
    # AND the error notification says the same, never the value or a stack trace
    message = notification_about(notifications, key)
    assert message["Subject"] == "[ERROR]: ProcessData failed"
    assert "line 4, column 5 (hours)" in message["Message"]
    assert "thirty" not in message["Message"] and "stackTrace" not in message["Message"]
    # AND no processed file, paystub or report was written
    stem = key.removesuffix(".csv")
    assert listed(stack_outputs["ProcessedDataBucketName"], stem) == []
    assert listed(stack_outputs["PaystubsBucketName"], stem) == []


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"", "line 1, column 1: the file is empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "not a CSV text file"),
        (b"id,name,day,job,hours,rate\nE1,Ada,2026-11-02,DEV,8,50\n", "line 1, column 1"),
    ],
)
def test_a_file_that_is_not_a_timesheet_fails_the_run(stack_outputs, body, message):
    key = f"e2e/{uuid.uuid4().hex[:10]}/upload.csv"
    _, execution = upload_and_wait(stack_outputs, key, body)
    assert execution.status == "FAILED"
    assert message in execution.cause
    assert listed(stack_outputs["ProcessedDataBucketName"], key.removesuffix(".csv")) == []


def test_the_same_object_announced_again_starts_no_second_run(stack_outputs):
    # GIVEN a timesheet uploaded, its run started by the bucket's notification
    key = f"e2e/{uuid.uuid4().hex[:10]}/timesheet.csv"
    s3, sfn = client("s3"), client("stepfunctions")
    put = s3.put_object(Bucket=stack_outputs["RawDataBucketName"], Key=key, Body=timesheet(ROWS))
    token = key.split("/")[1]

    def runs():
        executions = sfn.list_executions(stateMachineArn=stack_outputs["PayrollStateMachineArn"])
        return [e for e in executions["executions"] if token in e["name"]]

    first = wait_until(runs, 30, interval=0.2, what="the first run")

    # WHEN the same object is announced twice more (S3 delivers at least once)
    trigger = stack_tool.physical_id("PayrollStartFunction")
    announcement = {
        "Records": [
            {
                "eventVersion": "2.1",
                "eventSource": "aws:s3",
                "eventName": "ObjectCreated:Put",
                "eventTime": "2026-11-20T10:00:00.000Z",
                "s3": {
                    "bucket": {"name": stack_outputs["RawDataBucketName"]},
                    "object": {
                        "key": key,
                        "eTag": put["ETag"].strip('"'),
                        "versionId": put["VersionId"],
                    },
                },
            }
        ]
    }
    answers = [
        json.loads(
            client("lambda")
            .invoke(FunctionName=trigger, Payload=json.dumps(announcement))["Payload"]
            .read()
        )
        for _ in range(2)
    ]

    # THEN the trigger answered without starting anything new, and one run exists
    assert all(answer["started"] in ([], [first[0]["executionArn"]]) for answer in answers), answers
    assert len(runs()) == 1
    assert wait_for_execution(first[0]["executionArn"], 120).status == "SUCCEEDED"
    assert len(runs()) == 1


# Names the PDF standard fonts cannot draw, and a name a spreadsheet would run as a formula.
NAMES = {
    "E1": "Łukasz Żółć",
    "E2": "Ödön Őry",
    "E3": "Jiří Žák",
    "E4": "Жанна Иванова",
    "E5": "Ωmega Σοφία",
    "E6": '=HYPERLINK("http://x.test","y")',
}


def test_names_in_any_script_read_back_exactly_and_csv_cells_never_run(stack_outputs):
    # GIVEN a timesheet of employees named in Latin, Greek and Cyrillic scripts, and one formula
    rows = [
        (employee, name, "2026-11-02", "DEV", "20", str(600 + 50 * n))
        for n, (employee, name) in enumerate(NAMES.items())
    ]
    body = ("\n".join([HEADER, *(",".join(row) for row in rows[:-1])]) + "\n").encode()
    body += f'E6,"{NAMES["E6"].replace('"', '""')}",2026-11-02,-DEV,20,900\n'.encode()
    key = f"e2e/{uuid.uuid4().hex[:10]}/timesheet.csv"

    # WHEN it is uploaded
    _, execution = upload_and_wait(stack_outputs, key, body)

    # THEN every paystub PDF and the report show each name exactly as written
    assert execution.status == "SUCCEEDED", execution.cause
    prefix, paystubs_bucket = execution.output["prefix"], stack_outputs["PaystubsBucketName"]
    for employee, name in NAMES.items():
        text = pdf_text(read(paystubs_bucket, f"{prefix}/paystubs/{employee}.pdf"))
        assert f"{name} ({employee})" in text
    report_text = pdf_text(read(paystubs_bucket, f"{prefix}/report.pdf"))
    for name in NAMES.values():
        assert name in report_text
    # AND amounts carry thousands separators, charts included ($12,000 = 20 h x $600)
    assert "$12,000.00" in report_text
    assert "$10,000" in report_text  # a value-axis label of the chart

    # AND every CSV output keeps the formula as text and the amounts as numbers
    csv_outputs = {
        "employee": read(stack_outputs["ProcessedDataBucketName"], f"{prefix}/employees/E6.csv"),
        "rollup": read(paystubs_bucket, f"{prefix}/rollup.csv"),
        "report": read(paystubs_bucket, f"{prefix}/report.csv"),
    }
    for output, data in csv_outputs.items():
        lines = list(csv.reader(io.StringIO(data.decode())))
        formula = next(line for line in lines if line[0] == "E6")
        assert formula[1] == "'" + NAMES["E6"], output
        assert all(not cell.startswith(("=", "+", "-", "@")) for line in lines for cell in line)
    rollup = list(csv.DictReader(io.StringIO(csv_outputs["rollup"].decode())))
    assert [row["job_codes"] for row in rollup if row["employee_id"] == "E6"] == ["'-DEV"]
    assert {
        row["employee_id"]: row["employee_name"] for row in rollup if row["employee_id"] != "E6"
    } == {employee: name for employee, name in NAMES.items() if employee != "E6"}


# Each bad row (line 3 of its file, after a good line 2), where the error must point, and the
# value that must never be repeated in any message.
BAD_ROWS = {
    "over-24-hours": (
        "E1,Ada Lovelace,2026-11-02,OPS,16.75,50",
        "line 3, column 5 (hours): more than 24 hours in one day for one employee (with line 2)",
        "16.75",
    ),
    "over-the-ceiling": (
        "E2,Alan Turing,2026-11-02,OPS,8,1000.25",
        "line 3, column 6 (hourly_rate): above the ceiling of 1,000 an hour",
        "1000.25",
    ),
    "repeated-row": (
        "E1,Ada Lovelace,2026-11-02,DEV,8,50",
        "line 3, column 4 (job_code): repeats line 2",
        "Ada Lovelace",
    ),
    "huge-value": (
        "E2,Alan Turing,2026-11-02,OPS,8,9e999999",
        "line 3, column 6 (hourly_rate): too large to compute with",
        "9e999999",
    ),
}


def test_a_bad_row_fails_the_run_naming_line_and_column_with_no_partial_output(
    stack_outputs, notifications
):
    # GIVEN one timesheet per kind of bad row, each with a good first row
    keys = {case: f"e2e/{uuid.uuid4().hex[:10]}/{case}.csv" for case in BAD_ROWS}
    good = ",".join(("E1", "Ada Lovelace", "2026-11-02", "DEV", "8", "50"))
    # WHEN each is uploaded
    for case, (row, _, _) in BAD_ROWS.items():
        client("s3").put_object(
            Bucket=stack_outputs["RawDataBucketName"],
            Key=keys[case],
            Body=f"{HEADER}\n{good}\n{row}\n".encode(),
        )
    sfn = client("stepfunctions")

    def ended(token: str):
        executions = sfn.list_executions(stateMachineArn=stack_outputs["PayrollStateMachineArn"])
        runs = [e for e in executions["executions"] if token in e["name"]]
        return runs if runs and runs[0]["status"] != "RUNNING" else None

    messages: list[dict] = []

    def notified(key: str):
        for message in (
            client("sqs")
            .receive_message(QueueUrl=notifications, MaxNumberOfMessages=10, WaitTimeSeconds=1)
            .get("Messages", [])
        ):
            client("sqs").delete_message(
                QueueUrl=notifications, ReceiptHandle=message["ReceiptHandle"]
            )
            messages.append(json.loads(message["Body"]))
        return next((m for m in messages if key in m["Message"]), None)

    for case, (_, where, value) in BAD_ROWS.items():
        key = keys[case]
        runs = wait_until(partial(ended, key.split("/")[1]), 120, interval=0.5, what=key)
        execution = wait_for_execution(runs[0]["executionArn"], 30)
        # THEN the run failed at validation, naming the line and column, never the value
        assert execution.status == "FAILED", case
        assert where in execution.cause, (case, execution.cause)
        assert value not in execution.cause, case
        assert "GeneratePaystubs" not in execution.states_entered(), case
        # AND the failure notification names the line and column too, never the value
        message = wait_until(partial(notified, key), 60, interval=0.2, what=f"{case} notified")
        assert message["Subject"].startswith("[ERROR]"), case
        assert where in message["Message"], (case, message["Message"])
        assert value not in message["Message"], case
        # AND nothing was written: no processed file, paystub, rollup or report
        stem = key.removesuffix(".csv")
        assert listed(stack_outputs["ProcessedDataBucketName"], stem) == [], case
        assert listed(stack_outputs["PaystubsBucketName"], stem) == [], case
