"""What the local cloud does less of per Step Functions -> Lambda task keeps Lambda's and Step
Functions' behaviour: logs stored in batches (localcloud/speed/lambda_log_batches.py), environments'
timers on one thread (localcloud/speed/lambda_timers.py) and service integrations' operation models
looked up once (localcloud/speed/sfn_operation_model_cache.py)."""

from __future__ import annotations

import json
import re
import time
from concurrent.futures import ThreadPoolExecutor

from devkit.local_cloud import client, wait_for_execution, wait_until

NUMBERED_LINES = """
import os

def handler(event, context):
    for line in range(event["lines"]):
        print(f"call {event['n']} line {line}")
    return {"n": event["n"], "pid": os.getpid()}
"""


def invoke(name: str, event: dict) -> dict:
    answer = client("lambda").invoke(FunctionName=name, Payload=json.dumps(event))
    assert "FunctionError" not in answer
    return json.loads(answer["Payload"].read())


def streams_text(group: str) -> dict[str, str]:
    """Each log stream's text, events in the order the stream holds them."""
    logs = client("logs")
    texts = {}
    for stream in logs.describe_log_streams(logGroupName=group)["logStreams"]:
        name = stream["logStreamName"]
        events, token = [], None
        while True:
            page = logs.get_log_events(
                logGroupName=group,
                logStreamName=name,
                startFromHead=True,
                **({"nextToken": token} if token else {}),
            )
            events += page["events"]
            if not page["events"] or page["nextForwardToken"] == token:
                break
            token = page["nextForwardToken"]
        texts[name] = "".join(event["message"] for event in events)
    return texts


def invocations_in(texts: dict[str, str]) -> dict[int, str]:
    """Each invocation's log text, from its START line to its REPORT line, by its call number."""
    found = {}
    for text in texts.values():
        for block in re.findall(r"START RequestId: .*?\nREPORT RequestId: [^\n]*\n", text, re.S):
            numbers = set(re.findall(r"call (\d+) line", block))
            assert len(numbers) == 1, f"one invocation's lines, or another's among them: {block}"
            found[int(numbers.pop())] = block
    return found


def logged_invocations(group: str) -> dict[int, str]:
    """invocations_in the group's streams; none while the group does not exist yet."""
    try:
        return invocations_in(streams_text(group))
    except client("logs").exceptions.ResourceNotFoundException:
        return {}


def test_logs_of_invocations_at_once_arrive_whole_and_in_order(lambda_function):
    # GIVEN a function that prints numbered lines
    name = lambda_function({"app.py": NUMBERED_LINES})
    calls = 24

    # WHEN many invocations run at once, several per environment
    with ThreadPoolExecutor(6) as pool:
        list(pool.map(lambda n: invoke(name, {"n": n, "lines": 5}), range(calls)))

    # THEN every invocation's logs are in a stream of the function's group, START to REPORT in
    # one piece, its lines in the order printed
    group = f"/aws/lambda/{name}"

    def all_there():
        found = logged_invocations(group)
        return found if len(found) == calls else None

    found = wait_until(all_there, timeout=30, what=f"the logs of {calls} invocations")
    for n, block in found.items():
        lines = re.findall(r"call \d+ line (\d+)", block)
        assert lines == [str(line) for line in range(5)], block
        assert block.index("START") < block.index(f"call {n} line 0") < block.index("END")


def test_an_invocation_printing_more_than_one_batch_keeps_every_line(lambda_function):
    # GIVEN a function that prints more lines than one PutLogEvents call may carry (10,000)
    name = lambda_function({"app.py": NUMBERED_LINES})

    # WHEN it is invoked once
    invoke(name, {"n": 7, "lines": 12_000})

    # THEN all of its lines are stored, in order
    group = f"/aws/lambda/{name}"

    def complete():
        return logged_invocations(group).get(7)

    block = wait_until(complete, timeout=60, what="the invocation's REPORT line")
    lines = re.findall(r"call 7 line (\d+)", block)
    assert lines == [str(line) for line in range(12_000)]


def test_an_environment_stays_warm_between_invocations_spread_over_seconds(lambda_function):
    # GIVEN a function invoked once (its environment's keep-alive timer starts)
    name = lambda_function({"app.py": NUMBERED_LINES})
    first = invoke(name, {"n": 0, "lines": 1})

    # WHEN it is invoked again, one by one, a second apart
    later = []
    for n in range(1, 4):
        time.sleep(1)
        later.append(invoke(name, {"n": n, "lines": 1}))

    # THEN the same environment (process) answered every time: no timer stopped it early
    assert {answer["pid"] for answer in later} == {first["pid"]}
    # AND only the first invocation reports an init duration
    group = f"/aws/lambda/{name}"

    def reports():
        try:
            text = "".join(streams_text(group).values())
        except client("logs").exceptions.ResourceNotFoundException:
            return None
        found = re.findall(r"REPORT RequestId: [^\n]*", text)
        return found if len(found) == 4 else None

    found = wait_until(reports, timeout=30, what="four REPORT lines")
    assert sum("Init Duration" in report for report in found) == 1


def test_integrations_cast_requests_and_answers_as_aws_execution_after_execution(
    lambda_function, state_machine
):
    # GIVEN a state machine calling a function through lambda:invoke (its Payload given as an
    # object, cast to the API's blob) and reading the function's settings through an AWS SDK
    # integration (its answer cast to the state machine's casing)
    name = lambda_function({"app.py": NUMBERED_LINES})
    function_arn = client("lambda").get_function(FunctionName=name)["Configuration"]["FunctionArn"]
    arn = state_machine(
        {
            "StartAt": "Call",
            "States": {
                "Call": {
                    "Type": "Task",
                    "Resource": "arn:aws:states:::lambda:invoke",
                    "Parameters": {
                        "FunctionName": function_arn,
                        "Payload": {"n.$": "$.n", "lines": 1},
                    },
                    "ResultSelector": {"n.$": "$.Payload.n", "status.$": "$.StatusCode"},
                    "ResultPath": "$.call",
                    "Next": "Settings",
                },
                "Settings": {
                    "Type": "Task",
                    "Resource": "arn:aws:states:::aws-sdk:lambda:getFunctionConfiguration",
                    "Parameters": {"FunctionName": function_arn},
                    "ResultSelector": {
                        "name.$": "$.FunctionName",
                        "runtime.$": "$.Runtime",
                        "timeout.$": "$.Timeout",
                    },
                    "ResultPath": "$.settings",
                    "End": True,
                },
            },
        }
    )
    sfn = client("stepfunctions")

    # WHEN it runs once, then three times at once
    def run(n: int):
        started = sfn.start_execution(stateMachineArn=arn, input=json.dumps({"n": n}))
        return wait_for_execution(started["executionArn"], timeout=90)

    executions = [run(0)]
    with ThreadPoolExecutor(3) as pool:
        executions += list(pool.map(run, range(1, 4)))

    # THEN every execution got its own call's answer and the settings, cased as AWS gives them
    for n, execution in enumerate(executions):
        assert execution.status == "SUCCEEDED", execution
        assert execution.output["call"] == {"n": n, "status": 200}
        assert execution.output["settings"] == {
            "name": name,
            "runtime": "python3.13",
            "timeout": 30,
        }
