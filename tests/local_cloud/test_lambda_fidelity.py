"""The host executor answers as Lambda's Python runtime does, on every prepared runtime: what a
handler returns is marshalled as the runtime marshals it, oversized answers fail as Lambda fails
them, error answers show Lambda's paths, and a function that failed to create can be deleted.

Expected answers are AWS's, from the Lambda developer guide and from answers recorded against
AWS (LocalStack's parity snapshots): a handler returning b'"HelloWorld!"' succeeds with exactly
those bytes, a datetime gives Runtime.MarshalError, and so on.
"""

from __future__ import annotations

import json
import os
import uuid

import pytest
from botocore.exceptions import ClientError

from devkit.local_cloud import (
    PROJECT,
    Execution,
    client,
    wait_for_execution,
    wait_until,
    zip_sources,
)


def invoke_raw(name: str, event: dict | None = None) -> tuple[bytes, str | None]:
    response = client("lambda").invoke(FunctionName=name, Payload=json.dumps(event or {}))
    return response["Payload"].read(), response.get("FunctionError")


def test_bytes_are_returned_as_they_are(runtime_function):
    # GIVEN a handler returning bytes (the runtime passes them on without encoding them)
    source = """
    def handler(event, context):
        return event["text"].encode()
    """
    name = runtime_function({"app.py": source})

    # WHEN it is invoked, with JSON text and with text that is not JSON
    json_text, json_error = invoke_raw(name, {"text": '"HelloWorld!"'})
    plain_text, plain_error = invoke_raw(name, {"text": "plain, not JSON"})

    # THEN the response is those bytes, with no error
    assert (json_text, json_error) == (b'"HelloWorld!"', None)
    assert (plain_text, plain_error) == (b"plain, not JSON", None)


def test_a_result_json_cannot_hold_is_a_marshal_error(runtime_function):
    # GIVEN a handler returning a datetime, which JSON has no type for
    source = """
    import datetime
    def handler(event, context):
        return {"decidedAt": datetime.datetime(2026, 11, 2, 9, 30)}
    """
    name = runtime_function({"app.py": source})

    # WHEN it is invoked
    payload, error = invoke_raw(name)

    # THEN the invocation fails with the runtime's marshal error, which has no stack trace
    assert error == "Unhandled"
    answer = json.loads(payload)
    assert answer["errorType"] == "Runtime.MarshalError"
    assert answer["errorMessage"] == (
        "Unable to marshal response: Object of type datetime is not JSON serializable"
    )
    assert answer["stackTrace"] == []
    assert len(answer["requestId"]) == 36


def test_decimals_and_non_ascii_text_are_written_as_the_runtime_writes_them(
    runtime_function, runtime
):
    # GIVEN a handler returning decimals (as DynamoDB's resource API gives them) and a name
    # with an accent
    source = """
    from decimal import Decimal
    def handler(event, context):
        return {"amount": Decimal("1250.50"), "hours": Decimal("40"), "name": "Zoë"}
    """
    name = runtime_function({"app.py": source})

    # WHEN it is invoked
    payload, error = invoke_raw(name)

    # THEN decimals keep their digits, and the accent is escaped before python3.12 only
    assert error is None
    minor = int(runtime.split(".")[1])
    text = '"Zoë"'.encode() if minor >= 12 else b'"Zo\\u00eb"'
    assert payload == b'{"amount": 1250.50, "hours": 40, "name": ' + text + b"}"


def test_a_response_over_six_mb_fails_as_lambda_fails_it(runtime_function):
    # GIVEN a handler whose answer is larger than Lambda's 6 MB synchronous limit
    source = """
    def handler(event, context):
        return "x" * event["size"]
    """
    name = runtime_function({"app.py": source}, MemorySize=512)

    # WHEN it answers just under and just over the limit
    under, under_error = invoke_raw(name, {"size": 6 * 1024 * 1024 - 2})
    over, over_error = invoke_raw(name, {"size": 6291556})

    # THEN the first passes whole, and the second is Lambda's size error
    assert under_error is None
    assert len(under) == 6 * 1024 * 1024
    assert over_error == "Unhandled"
    assert json.loads(over) == {
        "errorMessage": "Response payload size exceeded maximum allowed payload size "
        "(6291556 bytes).",
        "errorType": "Function.ResponseSizeTooLarge",
    }


def test_error_answers_show_lambdas_paths_not_the_hosts(runtime_function, runtime):
    # GIVEN a function whose handler calls into a layer that raises, and one reading a file
    # its package does not hold
    lam = client("lambda")
    layer = lam.publish_layer_version(
        LayerName="rules",
        Content={
            "ZipFile": zip_sources(
                {"python/rules.py": "def check(amount):\n    raise ValueError('over limit')\n"}
            )
        },
        CompatibleRuntimes=[runtime],
    )
    source = """
    import os
    import rules

    def handler(event, context):
        if event.get("read"):
            with open(os.path.join(os.environ["LAMBDA_TASK_ROOT"], "missing.json")) as file:
                return file.read()
        rules.check(10)
    """
    name = runtime_function({"app.py": source}, Layers=[layer["LayerVersionArn"]])

    # WHEN each fails
    raised, _ = invoke_raw(name)
    missing, _ = invoke_raw(name, {"read": True})

    # THEN the stack trace names /var/task for the code and /opt/python for the layer
    trace = json.loads(raised)["stackTrace"]
    assert trace[0].startswith('  File "/var/task/app.py", line 9, in handler\n')
    assert trace[1].startswith('  File "/opt/python/rules.py", line 2, in check\n')
    assert "raise ValueError('over limit')" in trace[1]
    # AND the error message names the file where Lambda has it
    answer = json.loads(missing)
    assert answer["errorType"] == "FileNotFoundError"
    assert answer["errorMessage"] == (
        "[Errno 2] No such file or directory: '/var/task/missing.json'"
    )
    # AND nothing shows the machine's layout
    for text in (raised.decode(), missing.decode()):
        assert str(PROJECT) not in text
        assert ".local-cloud" not in text
        assert os.path.expanduser("~") not in text


def test_an_error_at_import_shows_lambdas_paths(runtime_function):
    # GIVEN a function whose module fails while it is imported (at the cold start)
    source = """
    import json

    RATES = json.loads("{not json")

    def handler(event, context):
        return RATES
    """
    name = runtime_function({"app.py": source})

    # WHEN it is invoked
    payload, error = invoke_raw(name)

    # THEN the error names the exception, and its trace reaches /var/task/app.py through the
    # runtime's and the interpreter's folders, never the machine's
    assert error == "Unhandled"
    answer = json.loads(payload)
    assert answer["errorType"] == "JSONDecodeError"
    files = [line.split('"')[1] for line in answer["stackTrace"]]
    assert any(
        line.startswith('  File "/var/task/app.py", line 4, in <module>\n')
        for line in answer["stackTrace"]
    )
    assert all(f.startswith(("/var/task/", "/var/runtime/", "/var/lang/", "<")) for f in files)
    assert str(PROJECT) not in payload.decode()


def test_a_function_that_failed_to_create_can_be_deleted(function_role):
    # GIVEN a function the host executor cannot run (not a Python runtime): its creation fails
    lam = client("lambda")
    name = f"t-failed-{uuid.uuid4().hex[:8]}"
    lam.create_function(
        FunctionName=name,
        Runtime="nodejs22.x",
        Role=function_role,
        Handler="index.handler",
        Code={"ZipFile": zip_sources({"index.js": "exports.handler = async () => 1;\n"})},
    )

    def settled():
        config = lam.get_function_configuration(FunctionName=name)
        return config if config["State"] != "Pending" else None

    config = wait_until(settled, 30, what="the function's creation to end")
    assert config["State"] == "Failed"
    assert "Python runtimes only" in config["StateReason"]

    # WHEN it is invoked, then deleted
    with pytest.raises(ClientError) as invoked:
        lam.invoke(FunctionName=name, Payload=b"{}")
    lam.delete_function(FunctionName=name)

    # THEN the invocation is refused as a client error, and the function is gone
    assert invoked.value.response["ResponseMetadata"]["HTTPStatusCode"] < 500
    with pytest.raises(lam.exceptions.ResourceNotFoundException):
        lam.get_function(FunctionName=name)


# --- what Step Functions makes of it ----------------------------------------------------------


@pytest.fixture
def task_machine(machine_role):
    """run(function ARN, input) -> the finished execution of a one-Task state machine."""
    sfn = client("stepfunctions")
    made = []

    def run(function_arn: str, event: dict) -> Execution:
        definition = {
            "StartAt": "Call",
            "States": {"Call": {"Type": "Task", "Resource": function_arn, "End": True}},
        }
        machine = sfn.create_state_machine(
            name=f"fidelity-{uuid.uuid4().hex[:8]}",
            definition=json.dumps(definition),
            roleArn=machine_role,
        )["stateMachineArn"]
        made.append(machine)
        execution = sfn.start_execution(stateMachineArn=machine, input=json.dumps(event))
        return wait_for_execution(execution["executionArn"], timeout=60)

    yield run
    for machine in made:
        sfn.delete_state_machine(stateMachineArn=machine)


def test_step_functions_reads_bytes_as_the_json_they_hold(lambda_function, task_machine):
    # GIVEN a function returning the bytes of a JSON string
    source = """
    def handler(event, context):
        return b'"HelloWorld!"'
    """
    name = lambda_function({"app.py": source})
    arn = client("lambda").get_function(FunctionName=name)["Configuration"]["FunctionArn"]

    # WHEN a state machine's Task calls it
    execution = task_machine(arn, {})

    # THEN the task's result is that string (as recorded on AWS)
    assert execution.status == "SUCCEEDED"
    assert execution.output == "HelloWorld!"


def test_a_task_result_over_256_kb_fails_the_execution(lambda_function, task_machine):
    # GIVEN a function returning bytes of JSON text over Step Functions' 256 KB state limit
    source = """
    def handler(event, context):
        return b'"' + b"x" * event["size"] + b'"'
    """
    name = lambda_function({"app.py": source})
    arn = client("lambda").get_function(FunctionName=name)["Configuration"]["FunctionArn"]

    # WHEN a state machine's Task calls it
    execution = task_machine(arn, {"size": 300 * 1024})

    # THEN the execution fails with States.DataLimitExceeded, as on AWS
    assert execution.status == "FAILED"
    assert execution.error == "States.DataLimitExceeded"
