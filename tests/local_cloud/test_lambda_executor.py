"""The host Lambda executor keeps the Lambda Python runtime's contract, on every prepared
runtime."""

from __future__ import annotations

import datetime
import json
import os
import re
import socket
import threading
import uuid

from devkit.local_cloud import BASIC_EXECUTION, client, service_role, wait_until, zip_sources

INSPECT = """
import os, sys

def handler(event, context):
    try:
        import localstack  # the emulator's own package must not be visible
        emulator_visible = True
    except ImportError:
        emulator_visible = False
    import boto3
    return {
        "event": event,
        "pid": os.getpid(),
        "greeting": os.environ.get("GREETING"),
        "function_name": context.function_name,
        "aws_request_id": context.aws_request_id,
        "invoked_function_arn": context.invoked_function_arn,
        "memory_limit_in_mb": context.memory_limit_in_mb,
        "remaining_ms": context.get_remaining_time_in_millis(),
        "emulator_visible": emulator_visible,
        "boto3_from": boto3.__file__,
        "executable": sys.executable,
        "cwd": os.getcwd(),
        "task_root": os.environ["LAMBDA_TASK_ROOT"],
        "python": "%d.%d" % sys.version_info[:2],
    }
"""


def invoke(name: str, event: dict | None = None) -> tuple[dict, str | None]:
    response = client("lambda").invoke(FunctionName=name, Payload=json.dumps(event or {}))
    return json.loads(response["Payload"].read()), response.get("FunctionError")


def test_handler_gets_its_event_environment_and_context(runtime_function, runtime):
    # GIVEN a function with an environment variable, 256 MB and a 7 s timeout
    name = runtime_function(
        {"app.py": INSPECT},
        MemorySize=256,
        Timeout=7,
        Environment={"Variables": {"GREETING": "hello"}},
    )

    # WHEN it is invoked
    result, error = invoke(name, {"order": 42})

    # THEN the handler saw the event, its variables and a Lambda context
    assert error is None
    assert result["event"] == {"order": 42}
    assert result["greeting"] == "hello"
    assert result["function_name"] == name
    assert result["invoked_function_arn"].endswith(f":function:{name}")
    assert len(result["aws_request_id"]) == 36
    assert result["memory_limit_in_mb"] == "256"
    assert 0 < result["remaining_ms"] <= 7000
    assert result["python"] == runtime.removeprefix("python")
    assert result["cwd"] == result["task_root"]


def test_handler_sees_only_its_artifact_and_the_runtime_boto3(runtime_function, runtime):
    # GIVEN a function whose handler tries to import the emulator's package
    name = runtime_function({"app.py": INSPECT})

    # WHEN it is invoked
    result, _ = invoke(name)

    # THEN LocalStack's packages are not importable, and boto3 comes from the runtime's own
    # interpreter, not from LocalStack's virtual environment
    assert result["emulator_visible"] is False
    assert f"/runtimes/{runtime}/" in result["boto3_from"]
    assert f"/runtimes/{runtime}/" in result["executable"]


def test_layers_are_on_the_import_path_as_opt_python(runtime_function, runtime):
    # GIVEN a layer with a module under python/, and a function using that layer
    lam = client("lambda")
    layer = lam.publish_layer_version(
        LayerName="greetings",
        Content={"ZipFile": zip_sources({"python/greetings.py": "WORD = 'from a layer'\n"})},
        CompatibleRuntimes=[runtime],
    )
    name = runtime_function(
        {"app.py": "import greetings\ndef handler(e, c):\n    return greetings.WORD\n"},
        Layers=[layer["LayerVersionArn"]],
    )

    # WHEN it is invoked
    result, error = invoke(name)

    # THEN the layer's module was imported
    assert error is None
    assert result == "from a layer"


def test_sdk_calls_reach_the_local_cloud_without_code_changes(runtime_function, runtime):
    # GIVEN a handler that creates a bucket with a plain boto3 client
    source = """
    import boto3
    def handler(event, context):
        boto3.client("s3").create_bucket(Bucket=event["bucket"])
        return "made"
    """
    creates_buckets = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "s3:CreateBucket",
                "Resource": "arn:aws:s3:::made-by-a-handler-*",
            }
        ],
    }
    role = service_role(
        client("iam"),
        "made-by-a-handler",
        "lambda.amazonaws.com",
        creates_buckets,
        managed=(BASIC_EXECUTION,),
    )
    name = runtime_function({"app.py": source}, Role=role)

    # WHEN it runs
    bucket = f"made-by-a-handler-{runtime.replace('.', '-')}-{uuid.uuid4().hex[:6]}"
    _, error = invoke(name, {"bucket": bucket})

    # THEN the bucket exists in the local cloud
    assert error is None
    buckets = {b["Name"] for b in client("s3").list_buckets()["Buckets"]}
    assert bucket in buckets


def test_an_exception_returns_lambdas_error_shape(runtime_function):
    # GIVEN a handler raising an exception of its own type
    source = """
    class InsufficientFunds(Exception):
        pass

    def handler(event, context):
        raise InsufficientFunds("balance 10 is below 25")
    """
    name = runtime_function({"app.py": source})

    # WHEN it is invoked
    result, error = invoke(name)

    # THEN the error names the type (what Step Functions' Retry and Catch match on)
    assert error == "Unhandled"
    assert result["errorType"] == "InsufficientFunds"
    assert result["errorMessage"] == "balance 10 is below 25"
    assert any("in handler" in line for line in result["stackTrace"])


def test_timeout_kills_and_reaps_the_process_and_the_next_invoke_starts_fresh(runtime_function):
    # GIVEN a 1 s function that sleeps when asked
    source = """
    import os, time
    def handler(event, context):
        time.sleep(event.get("sleep", 0))
        return os.getpid()
    """
    name = runtime_function({"app.py": source}, Timeout=1)
    first_pid, _ = invoke(name)

    # WHEN an invocation runs past the timeout
    result, error = invoke(name, {"sleep": 30})

    # THEN it fails as Lambda's does, and the next invocation runs in a new process
    assert error == "Unhandled"
    assert result["errorType"] == "Sandbox.Timedout"
    assert "Task timed out after 1.00 seconds" in result["errorMessage"]
    next_pid, error = invoke(name)
    assert error is None
    assert next_pid != first_pid
    # AND the process that ran it is gone (killed and reaped, not left a zombie)
    wait_until(
        lambda: not os.path.exists(f"/proc/{first_pid}"),
        timeout=10,
        what=f"process {first_pid} to be gone",
    )


def test_warm_process_is_reused_between_invocations(runtime_function):
    # GIVEN a function invoked once
    name = runtime_function({"app.py": INSPECT})
    first, _ = invoke(name)

    # WHEN it is invoked again
    second, _ = invoke(name)

    # THEN the same process answered
    assert second["pid"] == first["pid"]


def test_concurrent_invocations_run_in_separate_processes(runtime_function):
    # GIVEN a handler that waits until two invocations are inside it at once: each connects to
    # the test, which answers once both have (a function's /tmp is its own, as on Lambda)
    source = """
    import os, socket
    def handler(event, context):
        with socket.create_connection(("127.0.0.1", event["port"]), timeout=10) as connection:
            together = connection.recv(2) == b"go"
        return {"pid": os.getpid(), "together": together}
    """
    name = runtime_function({"app.py": source}, Timeout=15)
    rendezvous = socket.create_server(("127.0.0.1", 0))
    rendezvous.settimeout(20)
    port = rendezvous.getsockname()[1]
    results: list[dict] = []

    # WHEN two invocations run at the same time
    threads = [
        threading.Thread(target=lambda: results.append(invoke(name, {"port": port})[0]))
        for _ in range(2)
    ]
    for thread in threads:
        thread.start()
    with rendezvous:
        connections = [rendezvous.accept()[0] for _ in range(2)]
        for connection in connections:
            with connection:
                connection.sendall(b"go")
    for thread in threads:
        thread.join(timeout=30)

    # THEN both ran together, each in its own process
    assert len(results) == 2
    assert all(result["together"] for result in results)
    assert results[0]["pid"] != results[1]["pid"]


def test_output_reaches_cloudwatch_logs(runtime_function):
    # GIVEN a handler printing to stdout and stderr
    source = """
    import sys
    def handler(event, context):
        print("to stdout", event["tag"])
        print("to stderr", event["tag"], file=sys.stderr)
        return "ok"
    """
    name = runtime_function({"app.py": source})

    # WHEN it is invoked
    invoke(name, {"tag": "t-8231"})

    # THEN both lines are in the function's log group, between START and END
    logs = client("logs")

    def messages():
        try:
            events = logs.filter_log_events(logGroupName=f"/aws/lambda/{name}")["events"]
        except logs.exceptions.ResourceNotFoundException:
            return None
        text = "".join(event["message"] for event in events)
        return text if "END RequestId" in text else None

    text = wait_until(messages, timeout=20, what="the function's logs")
    assert "to stdout t-8231" in text
    assert "to stderr t-8231" in text
    assert text.index("START RequestId") < text.index("to stdout") < text.index("END RequestId")
    # AND the REPORT line gives the duration, the peak memory and, once, the init duration
    report = re.search(r"REPORT RequestId: \S+\tDuration: [\d.]+ ms.*", text).group(0)
    assert re.search(r"Max Memory Used: [1-9]\d* MB", report)
    assert re.search(r"Init Duration: [\d.]+ ms", report)


def test_import_error_names_the_module_and_a_fixed_deploy_recovers(runtime_function):
    # GIVEN a function whose module imports something that is not there
    broken = "import payroll_rules_missing\ndef handler(e, c):\n    return 'ok'\n"
    name = runtime_function({"app.py": broken})

    # WHEN it is invoked
    result, error = invoke(name)

    # THEN the error says which module could not be imported
    assert error == "Unhandled"
    assert result["errorType"] == "Runtime.ImportModuleError"
    assert "payroll_rules_missing" in result["errorMessage"]

    # AND after the code is fixed and redeployed, the function works again
    lam = client("lambda")
    lam.update_function_code(
        FunctionName=name,
        ZipFile=zip_sources({"app.py": "def handler(e, c):\n    return 'fixed'\n"}),
    )
    lam.get_waiter("function_updated_v2").wait(
        FunctionName=name, WaiterConfig={"Delay": 0.2, "MaxAttempts": 150}
    )
    result, error = invoke(name)
    assert error is None
    assert result == "fixed"


def test_invocations_and_errors_are_counted_in_cloudwatch(runtime_function):
    # GIVEN a function that fails when asked to
    source = """
    def handler(event, context):
        if event.get("fail"):
            raise RuntimeError("asked to fail")
        return "ok"
    """
    name = runtime_function({"app.py": source})

    # WHEN it is invoked three times, once failing
    for event in ({}, {}, {"fail": True}):
        invoke(name, event)

    # THEN CloudWatch counts three invocations and one error for it
    cloudwatch = client("cloudwatch")

    def total(metric: str) -> float:
        now = datetime.datetime.now(datetime.UTC)
        datapoints = cloudwatch.get_metric_statistics(
            Namespace="AWS/Lambda",
            MetricName=metric,
            Dimensions=[{"Name": "FunctionName", "Value": name}],
            StartTime=now - datetime.timedelta(minutes=10),
            EndTime=now + datetime.timedelta(minutes=1),
            Period=60,
            Statistics=["Sum"],
        )["Datapoints"]
        return sum(point["Sum"] for point in datapoints)

    def counted() -> bool:  # Invocations and Errors are published in separate calls
        return total("Invocations") == 3 and total("Errors") >= 1

    wait_until(counted, timeout=20, what="3 invocations and an error counted")
    assert total("Errors") == 1


# Handler processes fork from a zygote that has imported boto3, pydantic and Powertools; what a
# function sees must still be its own: its variables, its modules, its code folder.
ISOLATION = """
import os, sys
import {module}

def handler(event, context):
    parent = open(f"/proc/{{os.getppid()}}/cmdline", "rb").read().decode(errors="replace")
    return {{
        "pid": os.getpid(),
        "forked": "zygote.py" in parent,
        "environment": dict(os.environ),
        "value": {module}.VALUE,
        "module_from": {module}.__file__,
        "modules": sorted(sys.modules),
        "cwd": os.getcwd(),
    }}
"""


def test_forked_handlers_see_only_their_own_variables_modules_and_code(runtime_function):
    # GIVEN two functions with a module of the same name and a variable each
    first = runtime_function(
        {"app.py": ISOLATION.format(module="rules"), "rules.py": "VALUE = 'first'\n"},
        Environment={"Variables": {"FIRST_ONLY": "1"}},
    )
    second = runtime_function(
        {
            "app.py": ISOLATION.format(module="rules"),
            "rules.py": "VALUE = 'second'\n",
            "second_helper.py": "",
        },
        Environment={"Variables": {"SECOND_ONLY": "2"}},
    )

    # WHEN both are invoked
    one, error_one = invoke(first)
    two, error_two = invoke(second)

    # THEN both ran in processes forked from the pre-loaded parent
    assert (error_one, error_two) == (None, None)
    assert one["forked"] and two["forked"]
    # AND each saw its own variables only, its own module and its own code folder
    assert one["environment"]["FIRST_ONLY"] == "1" and "SECOND_ONLY" not in one["environment"]
    assert two["environment"]["SECOND_ONLY"] == "2" and "FIRST_ONLY" not in two["environment"]
    assert not any(name.startswith("_LOCAL_CLOUD") for name in one["environment"])
    assert (one["value"], two["value"]) == ("first", "second")
    # (that the code folder comes first on the import path, the next test shows by behaviour)
    assert one["cwd"] == one["environment"]["LAMBDA_TASK_ROOT"]
    assert two["cwd"] == two["environment"]["LAMBDA_TASK_ROOT"]
    assert one["module_from"].startswith(one["cwd"])
    assert two["module_from"].startswith(two["cwd"])
    assert "second_helper" not in one["modules"]


def test_a_function_bundling_a_preloaded_package_gets_its_own_copy(runtime_function):
    # GIVEN a function whose code bundles its own "jmespath" (the zygote has imported the
    # runtime's, with boto3; on Lambda the function's code comes first on the import path)
    name = runtime_function(
        {
            "app.py": ISOLATION.format(module="jmespath"),
            "jmespath/__init__.py": "VALUE = 'bundled'\n",
        }
    )

    # WHEN it is invoked
    result, error = invoke(name)

    # THEN it imported its own copy, in a fresh interpreter
    assert error is None
    assert result["value"] == "bundled"
    assert result["forked"] is False
