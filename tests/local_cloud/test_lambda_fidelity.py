"""The host executor answers as Lambda's Python runtime does, on every prepared runtime: what a
handler returns is marshalled as the runtime marshals it, oversized answers fail as Lambda fails
them, error answers show Lambda's paths, and a function that failed to create can be deleted.
A function sees Lambda's context, environment and folders, logs as Lambda logs, starts through
its exec wrapper and ends (sys.exit, a crash) with Lambda's errors.

Expected answers are AWS's, from the Lambda developer guide and from answers recorded against
AWS (LocalStack's parity snapshots): a handler returning b'"HelloWorld!"' succeeds with exactly
those bytes, a datetime gives Runtime.MarshalError, and so on.
"""

from __future__ import annotations

import io
import json
import os
import re
import socket
import tempfile
import threading
import uuid
import zipfile

import pytest
import requests
from botocore.exceptions import ClientError

from devkit.local_cloud import (
    PROJECT,
    Execution,
    client,
    endpoint,
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


def test_the_context_has_the_runtime_clients_fields_and_types(runtime_function):
    # GIVEN a handler describing its context object
    source = """
    def handler(event, context):
        fields = ("aws_request_id", "function_name", "function_version", "invoked_function_arn",
                  "memory_limit_in_mb", "log_group_name", "log_stream_name", "client_context")
        described = {field: getattr(context, field) for field in fields}
        described["identity"] = vars(context.identity) | {
            "cognito_identity_id": context.identity.cognito_identity_id,
            "cognito_identity_pool_id": context.identity.cognito_identity_pool_id,
        }
        described["remaining"] = type(context.get_remaining_time_in_millis()).__name__
        return described
    """
    name = runtime_function({"app.py": source}, MemorySize=256)

    # WHEN it is invoked
    payload, error = invoke_raw(name)

    # THEN each field has the type and value Lambda's runtime interface client gives it (the
    # memory size as the text of its variable)
    assert error is None
    context = json.loads(payload)
    assert context["memory_limit_in_mb"] == "256"
    assert context["function_name"] == name
    assert context["function_version"] == "$LATEST"
    assert context["invoked_function_arn"].endswith(f":function:{name}")
    assert context["log_group_name"] == f"/aws/lambda/{name}"
    assert isinstance(context["log_stream_name"], str) and context["log_stream_name"]
    assert context["client_context"] is None
    assert context["identity"] == {"cognito_identity_id": None, "cognito_identity_pool_id": None}
    assert context["remaining"] == "int"


# What Lambda sets in a Python function's environment besides the function's own variables
# (recorded on AWS, LocalStack's parity snapshots), and AWS_ENDPOINT_URL, the local cloud's one
# documented addition.
LAMBDA_VARIABLES = {
    "AWS_ACCESS_KEY_ID", "AWS_DEFAULT_REGION", "AWS_EXECUTION_ENV",
    "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_FUNCTION_VERSION",
    "AWS_LAMBDA_INITIALIZATION_TYPE", "AWS_LAMBDA_LOG_GROUP_NAME", "AWS_LAMBDA_LOG_STREAM_NAME",
    "AWS_LAMBDA_RUNTIME_API", "AWS_REGION", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
    "AWS_XRAY_CONTEXT_MISSING", "AWS_XRAY_DAEMON_ADDRESS", "LAMBDA_RUNTIME_DIR",
    "LAMBDA_TASK_ROOT", "LANG", "LC_CTYPE", "LD_LIBRARY_PATH", "PATH", "PWD", "PYTHONPATH",
    "SHLVL", "TZ", "_AWS_XRAY_DAEMON_ADDRESS", "_AWS_XRAY_DAEMON_PORT", "_HANDLER",
    "_X_AMZN_TRACE_ID", "AWS_ENDPOINT_URL",
}  # fmt: skip


def test_the_environment_is_lambdas_and_nothing_of_the_host(runtime_function, runtime):
    # GIVEN a function with a variable of its own, describing its environment
    source = """
    import os
    def handler(event, context):
        return {"environment": dict(os.environ), "cwd": os.getcwd()}
    """
    name = runtime_function({"app.py": source}, Environment={"Variables": {"TEST_KEY": "TEST_VAL"}})

    # WHEN it is invoked
    payload, error = invoke_raw(name)

    # THEN it has exactly Lambda's variables and its own: no host variable (HOME, TMPDIR), no
    # LocalStack one
    assert error is None
    seen = json.loads(payload)
    environment = seen["environment"]
    assert set(environment) == LAMBDA_VARIABLES | {"TEST_KEY"}
    # AND the runtime's own have Lambda's values
    assert environment["TEST_KEY"] == "TEST_VAL"
    assert environment["AWS_EXECUTION_ENV"] == f"AWS_Lambda_{runtime}"
    assert environment["LAMBDA_TASK_ROOT"] == "/var/task"
    assert environment["LAMBDA_RUNTIME_DIR"] == "/var/runtime"
    assert environment["LANG"] == "en_US.UTF-8"
    assert environment["PWD"] == "/var/task" == seen["cwd"]
    assert environment["PYTHONPATH"] == "/var/runtime"
    assert environment["SHLVL"] == "0"
    assert environment["TZ"] == ":UTC"
    assert environment["_HANDLER"] == "app.handler"
    assert environment["PATH"] == "/var/lang/bin:/usr/local/bin:/usr/bin/:/bin:/opt/bin"


def zip_with_modes(files: dict[str, tuple[str, int]]) -> bytes:
    """A zip from {path: (text, mode)}, as a build on a Unix machine makes it."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path, (text, mode) in files.items():
            entry = zipfile.ZipInfo(path)
            entry.external_attr = (0o100000 | mode) << 16
            archive.writestr(entry, text)
    return buffer.getvalue()


def test_the_function_opens_var_task_opt_and_its_own_tmp_by_path(runtime_function, runtime):
    # GIVEN a layer with a settings file, a function with a data file, and a file in the
    # host's /tmp
    layer = client("lambda").publish_layer_version(
        LayerName="settings",
        Content={"ZipFile": zip_sources({"config/limits.json": '{"max": 25}'})},
        CompatibleRuntimes=[runtime],
    )["LayerVersionArn"]
    host_file = tempfile.NamedTemporaryFile(dir="/tmp", prefix="host-only-")  # noqa: SIM115
    written = f"written-{uuid.uuid4().hex}"
    source = """
    import json, os
    def handler(event, context):
        with open("/var/task/data/rates.json") as file:
            rates = json.load(file)
        with open("/opt/config/limits.json") as file:
            limits = json.load(file)
        with open("/tmp/" + event["written"], "w") as file:
            file.write("scratch")
        with open("/tmp/" + event["written"]) as file:
            scratch = file.read()
        try:
            open("/var/task/new.txt", "w")
            code_writable = True
        except OSError:
            code_writable = False
        return {"rates": rates, "limits": limits, "scratch": scratch,
                "code_writable": code_writable,
                "host_tmp_visible": os.path.exists(event["host_file"])}
    """
    name = runtime_function({"app.py": source, "data/rates.json": '{"hourly": 40}'}, Layers=[layer])

    # WHEN it is invoked
    payload, error = invoke_raw(name, {"written": written, "host_file": host_file.name})

    # THEN it read its code's file from /var/task and its layer's from /opt, and wrote and read
    # its own /tmp, while its code stays read-only, as on Lambda
    assert error is None, payload
    assert json.loads(payload) == {
        "rates": {"hourly": 40},
        "limits": {"max": 25},
        "scratch": "scratch",
        "code_writable": False,
        "host_tmp_visible": False,
    }
    # AND the host's folders are as they were: no /var/task, nothing written in its /tmp
    assert not os.path.exists("/var/task")
    assert not os.path.exists(f"/tmp/{written}")
    host_file.close()


def test_the_exec_wrapper_starts_the_runtime_and_a_missing_one_fails_as_on_lambda(
    runtime_function, runtime
):
    # GIVEN a layer with a wrapper script, a function started through it and one naming a
    # wrapper that does not exist
    wrapper = '#!/bin/sh\nexport WRAPPED_BY="layer: $1"\nexec "$@"\n'
    layer = client("lambda").publish_layer_version(
        LayerName="wrapper",
        Content={"ZipFile": zip_with_modes({"wrapper.sh": (wrapper, 0o755)})},
        CompatibleRuntimes=[runtime],
    )["LayerVersionArn"]
    source = """
    import os
    def handler(event, context):
        return os.environ.get("WRAPPED_BY")
    """
    wrapped = runtime_function(
        {"app.py": source},
        Layers=[layer],
        Environment={"Variables": {"AWS_LAMBDA_EXEC_WRAPPER": "/opt/wrapper.sh"}},
    )
    missing = runtime_function(
        {"app.py": source},
        Environment={"Variables": {"AWS_LAMBDA_EXEC_WRAPPER": "/idontexist.sh"}},
    )

    # WHEN both are invoked
    result, error = invoke_raw(wrapped)
    failed, failed_error = invoke_raw(missing)

    # THEN the wrapper ran first and was given the runtime's command line
    assert error is None, result
    assert json.loads(result) == "layer: /var/lang/bin/python"
    # AND the missing wrapper ended the runtime with the shell's 127 (as recorded on AWS)
    assert failed_error == "Unhandled"
    answer = json.loads(failed)
    assert answer["errorType"] == "Runtime.ExitError"
    assert re.fullmatch(
        r"RequestId: [0-9a-f-]{36} Error: Runtime exited with error: exit status 127",
        answer["errorMessage"],
    )


def log_events(name: str, until: str, count: int = 1) -> list[str]:
    """The messages of a function's log events, once `until` is in `count` of them."""
    logs = client("logs")

    def messages():
        try:
            events = logs.filter_log_events(logGroupName=f"/aws/lambda/{name}")["events"]
        except logs.exceptions.ResourceNotFoundException:
            return None
        found = [event["message"] for event in events]
        return found if sum(until in message for message in found) >= count else None

    return wait_until(messages, timeout=20, what=f"{count} log events with {until!r}")


def test_logs_are_written_as_lambda_writes_them(runtime_function):
    # GIVEN a handler that prints, logs through the logging module (a line and two lines in one
    # record) and fails when asked to
    source = """
    import logging
    logging.getLogger().setLevel(logging.INFO)

    def handler(event, context):
        print("printed", event["tag"])
        logging.info("logged %s", event["tag"])
        logging.warning("two\\nlines")
        if event.get("fail"):
            raise ValueError("bad " + event["tag"])
        return context.aws_request_id
    """
    name = runtime_function({"app.py": source})

    # WHEN it is invoked, then invoked to fail
    request_id = json.loads(invoke_raw(name, {"tag": "t-1"})[0])
    invoke_raw(name, {"tag": "t-2", "fail": True})
    events = log_events(name, "REPORT RequestId", count=2)

    # THEN the cold start's INIT_START line comes first, then START, a print as it is, each
    # logging record one event with its level, time and request id, END, and REPORT ending in a
    # tab
    assert re.fullmatch(
        r"INIT_START Runtime Version: python:3\.\d+\.v\d+\tRuntime Version ARN: \S*\n", events[0]
    )
    assert events[1] == f"START RequestId: {request_id} Version: $LATEST\n"
    assert events[2] == "printed t-1\n"
    time = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z"
    assert re.fullmatch(rf"\[INFO\]\t{time}\t{request_id}\tlogged t-1\n", events[3])
    assert re.fullmatch(rf"\[WARNING\]\t{time}\t{request_id}\ttwo\nlines\n", events[4])
    assert events[5] == f"END RequestId: {request_id}\n"
    assert re.fullmatch(
        rf"REPORT RequestId: {request_id}\tDuration: [\d.]+ ms\tBilled Duration: \d+ ms\t"
        r"Memory Size: 128 MB\tMax Memory Used: \d+ MB\tInit Duration: [\d.]+ ms\t\n",
        events[6],
    )
    # AND the error's traceback is one event, indented with no-break spaces
    [error] = [event for event in events if event.startswith("[ERROR]")]
    assert error.startswith(
        "[ERROR] ValueError: bad t-2\nTraceback (most recent call last):\n"
        '\u00a0\u00a0File "/var/task/app.py", line 10, in handler\n'
        '\u00a0\u00a0\u00a0\u00a0raise ValueError("bad " + event["tag"])'
    )


def exit_error(payload: bytes) -> str:
    answer = json.loads(payload)
    assert answer["errorType"] == "Runtime.ExitError", answer
    return re.sub(r"^RequestId: [0-9a-f-]{36} Error: ", "", answer["errorMessage"])


def test_exits_at_init_and_in_the_handler_answer_lambdas_errors(runtime_function):
    # GIVEN a function whose module calls sys.exit, and one whose handler exits as asked
    at_init = runtime_function({"app.py": "import sys\nsys.exit(0)\n"})
    source = """
    import sys
    def handler(event, context):
        sys.exit(event["status"])
    """
    in_handler = runtime_function({"app.py": source})

    # WHEN each is invoked
    init_payload, init_error = invoke_raw(at_init)
    clean_payload, clean_error = invoke_raw(in_handler, {"status": 0})
    failed_payload, _ = invoke_raw(in_handler, {"status": 3})

    # THEN each is a Runtime.ExitError function error with Lambda's words (not a service error)
    assert (init_error, clean_error) == ("Unhandled", "Unhandled")
    assert exit_error(init_payload) == "Runtime exited without providing a reason"
    assert exit_error(clean_payload) == "Runtime exited without providing a reason"
    assert exit_error(failed_payload) == "Runtime exited with error: exit status 3"
    # AND the next invocation starts the runtime again
    again, _ = invoke_raw(in_handler, {"status": 0})
    assert exit_error(again) == "Runtime exited without providing a reason"


def test_an_init_error_belongs_to_no_request(runtime_function):
    # GIVEN a function whose module fails to import
    name = runtime_function({"app.py": "import not_installed_anywhere\n"})

    # WHEN it is invoked
    payload, error = invoke_raw(name)

    # THEN its error has an empty request id, as Lambda leaves it
    assert error == "Unhandled"
    answer = json.loads(payload)
    assert answer["errorType"] == "Runtime.ImportModuleError"
    assert answer["requestId"] == ""


def test_an_invocation_in_flight_during_an_update_finishes_on_its_code(runtime_function):
    # GIVEN an invocation inside its handler, held there until the test lets it go
    source = """
    import socket
    def handler(event, context):
        with socket.create_connection(("127.0.0.1", event["port"]), timeout=20) as connection:
            connection.recv(2)
        return "old code"
    """
    name = runtime_function({"app.py": source})
    held = socket.create_server(("127.0.0.1", 0))
    held.settimeout(20)
    answers: list[tuple[bytes, str | None]] = []
    in_flight = threading.Thread(
        target=lambda: answers.append(invoke_raw(name, {"port": held.getsockname()[1]}))
    )
    in_flight.start()
    connection, _ = held.accept()

    # WHEN the function's code is updated meanwhile, then the invocation is let go
    lam = client("lambda")
    lam.update_function_code(
        FunctionName=name,
        ZipFile=zip_sources({"app.py": "def handler(e, c):\n    return 'new code'\n"}),
    )
    lam.get_waiter("function_updated_v2").wait(
        FunctionName=name, WaiterConfig={"Delay": 0.2, "MaxAttempts": 150}
    )
    with held, connection:
        connection.sendall(b"go")
    in_flight.join(timeout=30)

    # THEN it answered from the code it started on, and the next invocation runs the new code
    assert answers == [(b'"old code"', None)]
    assert invoke_raw(name) == (b'"new code"', None)


def test_a_function_url_is_reachable_on_the_local_clouds_address(lambda_function):
    # GIVEN a function with a URL, answering with what it was asked
    source = """
    import json
    def handler(event, context):
        asked = {"path": event["rawPath"], "query": event["rawQueryString"],
                 "method": event["requestContext"]["http"]["method"], "body": event.get("body")}
        return {"statusCode": 201, "body": json.dumps(asked)}
    """
    name = lambda_function({"app.py": source})
    lam = client("lambda")
    url = lam.create_function_url_config(FunctionName=name, AuthType="NONE")["FunctionUrl"]
    lam.add_permission(
        FunctionName=name,
        StatementId="public-url",
        Action="lambda:InvokeFunctionUrl",
        Principal="*",
        FunctionUrlAuthType="NONE",
    )

    # WHEN a plain HTTP client calls the URL the API handed out
    response = requests.post(f"{url}orders/7?status=open", json={"n": 1}, timeout=30)

    # THEN the URL is on the local cloud's own address (no host name to resolve), and the
    # function saw the path after it, as on AWS
    assert url.startswith(f"{endpoint()}/_aws/lambda-url/")
    assert lam.get_function_url_config(FunctionName=name)["FunctionUrl"] == url
    assert response.status_code == 201
    assert response.json() == {
        "path": "/orders/7",
        "query": "status=open",
        "method": "POST",
        "body": '{"n": 1}',
    }


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
