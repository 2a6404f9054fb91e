"""The console on the local cloud, for state machines the project did not define: built here,
run, then read back through /_console/ as a person's browser or a script would."""

from __future__ import annotations

import html
import json
import re
import subprocess
import sys
import urllib.parse
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import requests

from devkit import console_client
from devkit.local_cloud import PROJECT, client, clock_time, endpoint, wait_for_execution

FLAKY_WORKER = """
import json

attempts = {}


class Flaky(Exception):
    pass


def handler(event, context):
    item = event["item"]
    print(json.dumps({"message": "working on item", "item": item}))
    attempts[item] = attempts.get(item, 0) + 1
    if item == 2 and attempts[item] == 1:
        raise Flaky("the first try at item 2 fails")
    if item == 3:
        raise ValueError("item 3 is bad")
    return {"done": item}
"""


def console(path: str, **params) -> requests.Response:
    url = f"{endpoint()}/_console/{path}"
    if params:
        url += "?" + urllib.parse.urlencode(params)
    return requests.get(url, timeout=30)


@pytest.fixture
def machine(machine_role: str) -> Callable[..., str]:
    """create(definition, kind) -> the ARN of a new state machine."""

    def create(definition: dict, kind: str = "STANDARD") -> str:
        return client("stepfunctions").create_state_machine(
            name=f"console-{uuid.uuid4().hex[:8]}",
            definition=json.dumps(definition),
            roleArn=machine_role,
            type=kind,
        )["stateMachineArn"]

    return create


def start(machine_arn: str, payload: dict | None = None) -> str:
    return client("stepfunctions").start_execution(
        stateMachineArn=machine_arn, input=json.dumps(payload or {})
    )["executionArn"]


def status_class(page: str, svg_ids: dict[str, str], state: str) -> str:
    [svg_id] = [i for i, name in svg_ids.items() if name == state]
    tag = re.search(rf'<g id="{svg_id}" class="([^"]+)"', html.unescape(page))
    assert tag, f"{state} is not drawn"
    return next(c for c in tag[1].split() if c.startswith("st-"))


@pytest.fixture
def worker(lambda_function) -> str:
    name = lambda_function({"app.py": FLAKY_WORKER})
    return client("lambda").get_function(FunctionName=name)["Configuration"]["FunctionArn"]


def test_a_state_machine_built_here_is_drawn_with_its_path_iterations_and_logs(worker, machine):
    # GIVEN a state machine nobody in the project wrote: a Map whose items succeed, are retried
    # and are caught, then a task that fails the run
    definition = {
        "StartAt": "Items",
        "States": {
            "Items": {"Type": "Pass", "Result": {"items": [1, 2, 3]}, "Next": "EachItem"},
            "EachItem": {
                "Type": "Map",
                "ItemsPath": "$.items",
                "MaxConcurrency": 1,
                "ItemProcessor": {
                    "ProcessorConfig": {"Mode": "INLINE"},
                    "StartAt": "Work",
                    "States": {
                        "Work": {
                            "Type": "Task",
                            "Resource": "arn:aws:states:::lambda:invoke",
                            "Parameters": {"FunctionName": worker, "Payload": {"item.$": "$"}},
                            "Retry": [
                                {"ErrorEquals": ["Flaky"], "IntervalSeconds": 1, "MaxAttempts": 2}
                            ],
                            "Catch": [{"ErrorEquals": ["ValueError"], "Next": "SkipItem"}],
                            "End": True,
                        },
                        "SkipItem": {"Type": "Pass", "End": True},
                    },
                },
                "Next": "Finally",
            },
            "Finally": {"Type": "Task", "Resource": worker, "Parameters": {"item": 3}, "End": True},
            "NeverReached": {"Type": "Succeed"},
        },
    }
    arn = start(machine(definition))
    assert wait_for_execution(arn).status == "FAILED"

    # WHEN the console is asked for the execution
    data = console("api/execution", arn=arn).json()
    page = console("execution", arn=arn).text

    # THEN each state has the status of its path, and is drawn with it
    statuses = {name: state["status"] for name, state in data["states"].items()}
    assert statuses == {
        "Items": "succeeded", "EachItem": "succeeded", "Work": "caught", "SkipItem": "succeeded",
        "Finally": "failed", "NeverReached": "not reached",
    }  # fmt: skip
    assert status_class(page, data["svgIds"], "Finally") == "st-failed"
    assert status_class(page, data["svgIds"], "NeverReached") == "st-not-reached"
    assert "<svg" in page and "EachItem · Map" in html.unescape(page)
    # AND the Map's three iterations are each there: ran, retried, caught
    assert [(i["index"], i["status"]) for i in data["iterations"]] == [
        (0, "succeeded"), (1, "succeeded"), (2, "succeeded"),
    ]  # fmt: skip
    work = {v["scope"][0][1]: v for v in data["visits"] if v["state"] == "Work"}
    assert [work[i]["status"] for i in (0, 1, 2)] == ["succeeded", "retried", "caught"]
    retried = work[1]["attempts"]
    assert [(a["number"], a["status"], a["error"]) for a in retried] == [
        (1, "failed", "Flaky"), (2, "succeeded", None),
    ]  # fmt: skip
    # AND each Lambda attempt carries its own invocation's log lines, matched by request id
    for attempt in retried:
        assert attempt["requestId"]
        assert attempt["logs"][0] == f"START RequestId: {attempt['requestId']} Version: $LATEST"
        assert any('"item": 2' in line for line in attempt["logs"])
        assert attempt["logs"][-1].startswith(f"REPORT RequestId: {attempt['requestId']}")
    assert any("Flaky: the first try at item 2 fails" in line for line in retried[0]["logs"])
    [finally_] = [v for v in data["visits"] if v["state"] == "Finally"]
    assert finally_["error"] == "ValueError"
    assert any("item 3 is bad" in line for line in finally_["attempts"][0]["logs"])
    # AND its cost: 7 states entered (Work once an item) + 1 retry; 5 Lambda requests
    priced = data["cost"]
    assert (priced["stateTransitions"], priced["lambdaRequests"]) == (8, 5)
    assert priced["lambdaUnreported"] == 0 and float(priced["lambdaGbSeconds"]) > 0
    assert priced["expressPerMillionUsd"] is not None
    assert "What this execution would cost on AWS" in page


SENDER = """
import boto3


def handler(event, context):
    try:
        boto3.client("sqs").send_message(QueueUrl=event["queueUrl"], MessageBody="hello")
    except Exception as error:
        return {"refused": type(error).__name__}
    return {"refused": None}
"""


@pytest.fixture
def queue() -> Iterator[dict[str, str]]:
    sqs = client("sqs")
    url = sqs.create_queue(QueueName=f"console-{uuid.uuid4().hex[:8]}")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]
    yield {"url": url, "arn": arn["QueueArn"]}
    sqs.delete_queue(QueueUrl=url)


def test_a_states_denied_calls_are_shown_beside_it(lambda_function, machine, queue):
    # GIVEN a function whose role may not send to the queue, one that sends nothing, and a
    # state that sends to the queue itself, as the machine's role, which may not either
    sender = lambda_function({"app.py": SENDER})
    quiet = lambda_function({"app.py": "def handler(event, context):\n    return {}\n"})
    invoke = "arn:aws:states:::lambda:invoke"
    definition = {
        "StartAt": "Send",
        "States": {
            "Send": {
                "Type": "Task",
                "Resource": invoke,
                "Parameters": {"FunctionName": sender, "Payload": {"queueUrl": queue["url"]}},
                "Next": "Quiet",
            },
            "Quiet": {
                "Type": "Task",
                "Resource": invoke,
                "Parameters": {"FunctionName": quiet},
                "Next": "SendItself",
            },
            "SendItself": {
                "Type": "Task",
                "Resource": "arn:aws:states:::sqs:sendMessage",
                "Parameters": {"QueueUrl": queue["url"], "MessageBody": "hello"},
                "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Done"}],
                "End": True,
            },
            "Done": {"Type": "Succeed"},
        },
    }
    arn = start(machine(definition))
    assert wait_for_execution(arn).status == "SUCCEEDED"

    # WHEN the console is asked for the execution
    data = console("api/execution", arn=arn).json()
    page = html.unescape(console("execution", arn=arn).text)

    # THEN the function's denied call is on its state: action, resource, who, AWS's message
    visits = {v["state"]: v for v in data["visits"]}
    [denial] = visits["Send"]["denials"]
    session = f"arn:aws:sts::000000000000:assumed-role/local-cloud-test-function/{sender}"
    assert denial == {
        "action": "sqs:SendMessage",
        "resource": queue["arn"],
        "principal": session,
        "message": f"User: {session} is not authorized to perform: sqs:SendMessage on "
        f"resource: {queue['arn']} because no identity-based policy allows the "
        "sqs:SendMessage action",
        "enforced": True,
        "requestId": visits["Send"]["attempts"][0]["requestId"],
    }
    # AND the state's own call, made as the machine's role, on its state
    [own] = visits["SendItself"]["denials"]
    assert own["action"] == "sqs:SendMessage" and own["resource"] == queue["arn"]
    assert own["principal"].startswith(
        "arn:aws:sts::000000000000:assumed-role/local-cloud-test-machine/"
    )
    assert own["requestId"] is None
    # AND the states that were allowed list none
    assert visits["Quiet"]["denials"] == [] and visits["Done"]["denials"] == []
    denied = {name: state["denied"] for name, state in data["states"].items()}
    assert denied == {"Send": 1, "Quiet": 0, "SendItself": 1, "Done": 0}
    # AND the drawing marks the states that were denied a call
    for state, count in denied.items():
        [svg_id] = [i for i, name in data["svgIds"].items() if name == state]
        node = re.search(rf'<g id="{svg_id}" class="([^"]+)".*?</g>', page, re.S)
        assert ("denied" in node[1].split()) == bool(count), state
        assert ("1 call denied" in node[0]) == bool(count), state


def test_home_and_state_machine_pages_count_filter_and_page_executions(machine):
    # GIVEN a state machine with 27 succeeded executions and one failed
    arn = machine(
        {
            "StartAt": "Check",
            "States": {
                "Check": {
                    "Type": "Choice",
                    "Choices": [{"Variable": "$.ok", "BooleanEquals": True, "Next": "Fine"}],
                    "Default": "Broken",
                },
                "Fine": {"Type": "Succeed"},
                "Broken": {"Type": "Fail", "Error": "NotOk", "Cause": "ok was false"},
            },
        }
    )
    runs = [start(arn, {"ok": True}) for _ in range(27)] + [start(arn, {"ok": False})]
    for run in runs:
        wait_for_execution(run)
    name = arn.rsplit(":", 1)[1]

    # THEN home lists it with its counts by status
    home = console("").text
    row = re.search(rf"<tr><td><a [^>]*>{name}</a>.*?</tr>", home)
    assert row, "the state machine is not on the home page"
    counts = re.findall(r"<td class=num>(?:<a [^>]*>)?(\d+)", row[0])
    assert counts[:4] == ["28", "0", "27", "1"]  # executions, running, succeeded, failed

    # AND its page lists 25 executions a page, newest first, and filters by status
    first = console("state-machine", arn=arn).text
    assert first.count("/_console/execution?") == 25
    second = console("state-machine", arn=arn, page=2).text
    assert second.count("/_console/execution?") == 3
    failed = console("state-machine", arn=arn, status="FAILED").text
    assert failed.count("/_console/execution?") == 1
    assert urllib.parse.quote(runs[-1], safe="") in failed

    # AND the failed run shows the Fail state failed with its error, the Choice's label drawn
    data = console("api/execution", arn=runs[-1]).json()
    assert data["states"]["Broken"]["status"] == "failed"
    [broken] = [v for v in data["visits"] if v["state"] == "Broken"]
    assert (broken["error"], broken["cause"]) == ("NotOk", "ok was false")
    assert "$.ok == true" in console("execution", arn=runs[-1]).text


def test_jsonata_timed_out_aborted_and_running_executions_are_drawn(machine):
    # GIVEN a JSONata state machine that waits as long as its input says, with a 2 s timeout
    arn = machine(
        {
            "QueryLanguage": "JSONata",
            "TimeoutSeconds": 2,
            "StartAt": "Prepare",
            "States": {
                "Prepare": {"Type": "Pass", "Output": "{% $states.input %}", "Next": "Pause"},
                "Pause": {"Type": "Wait", "Seconds": "{% $states.input.wait %}", "Next": "Decide"},
                "Decide": {
                    "Type": "Choice",
                    "Choices": [{"Condition": "{% $states.input.wait > 1 %}", "Next": "Slow"}],
                    "Default": "Quick",
                },
                "Slow": {"Type": "Succeed"},
                "Quick": {"Type": "Succeed"},
            },
        }
    )
    quick, timed_out, aborted = (start(arn, {"wait": w}) for w in (0, 30, 30))

    # WHEN one is still running, the page refreshes itself and shows where it is
    running = console("execution", arn=aborted).text
    assert "data-refresh=1" in running
    data = console("api/execution", arn=aborted).json()
    assert data["states"]["Pause"]["status"] in ("running", "not reached")
    client("stepfunctions").stop_execution(executionArn=aborted, error="Stopped", cause="test")

    # THEN each ending is drawn with its path
    assert wait_for_execution(quick).status == "SUCCEEDED"
    quick_states = console("api/execution", arn=quick).json()["states"]
    assert quick_states["Quick"]["status"] == "succeeded"
    assert quick_states["Slow"]["status"] == "not reached"
    assert wait_for_execution(timed_out, timeout=30).status == "TIMED_OUT"
    timed = console("api/execution", arn=timed_out).json()
    assert timed["states"]["Pause"]["status"] == "failed"
    assert wait_for_execution(aborted).status == "ABORTED"
    stopped = console("api/execution", arn=aborted).json()
    assert stopped["states"]["Pause"]["status"] == "aborted"
    for run in (quick, timed_out, aborted):
        page = console("execution", arn=run)
        assert page.status_code == 200 and "<svg" in page.text
        assert "data-refresh=0" in page.text
    assert "$states.input.wait &gt; 1" in console("execution", arn=quick).text


def test_a_saved_execution_page_needs_nothing_from_elsewhere(machine):
    arn = start(machine({"StartAt": "Only", "States": {"Only": {"Type": "Pass", "End": True}}}))
    wait_for_execution(arn)
    page = console("execution", arn=arn, standalone="1").text
    assert "data-refresh=0" in page
    # no script, style sheet or image is loaded from anywhere: all of it is inline
    assert not re.search(r"<(script|img|link)[^>]+(src|href)=", page)
    # no links back into a console that may not be running
    assert 'href="/_console/' not in page and "data-standalone=1" in page


def test_unknown_executions_and_bad_arns_get_clear_errors():
    missing = "arn:aws:states:us-east-1:000000000000:execution:nothing:here"
    answer = console("execution", arn=missing)
    assert answer.status_code == 404 and "ExecutionDoesNotExist" in answer.text
    assert console("execution", arn="not-an-arn").status_code == 400
    assert console("execution").status_code == 400


def test_a_page_that_rebound_its_name_to_this_machine_is_refused():
    # GIVEN a browser on this machine sends another site's host name to 127.0.0.1 (DNS rebinding)
    rebound = {"Host": "rebind.example.com"}

    # WHEN it asks for the console, THEN it is refused; the same request by this machine's name
    # is answered
    assert requests.get(f"{endpoint()}/_console/", headers=rebound, timeout=30).status_code == 403
    assert console("").status_code == 200


def test_costs_api_lists_executions_started_since_a_moment(machine):
    since = clock_time()  # executions are dated on the local cloud's clock
    arn = start(machine({"StartAt": "Only", "States": {"Only": {"Type": "Pass", "End": True}}}))
    wait_for_execution(arn)
    rows = console("api/costs", since=str(since - 1)).json()["executions"]
    [row] = [r for r in rows if r["executionArn"] == arn]
    assert row["cost"]["stateTransitions"] == 1
    assert row["cost"]["standardUsd"] == "0.00002500"


def test_make_inspect_saves_execution_pages_and_prints_their_paths(machine):
    arn = start(machine({"StartAt": "Only", "States": {"Only": {"Type": "Pass", "End": True}}}))
    wait_for_execution(arn)
    script = [sys.executable, "-m", "devkit", "inspect"]
    # WHEN asked for one execution
    one = subprocess.run([*script, arn], capture_output=True, text=True, check=True, timeout=120)
    [saved] = one.stdout.split()
    page = Path(saved).read_text()
    # THEN its page is saved whole, drawing included, with nothing to fetch
    assert Path(saved).parent == PROJECT / "out" / "inspect"
    assert "<svg" in page and "execution-data" in page
    assert not re.search(r"<(script|img|link)[^>]+(src|href)=", page)
    # AND with no argument, the latest execution of every state machine is saved
    every = subprocess.run(script, capture_output=True, text=True, check=True, timeout=300)
    assert saved in every.stdout.split()
    # AND an ARN that is not one is refused clearly
    bad = subprocess.run([*script, "nonsense"], capture_output=True, text=True, timeout=60)
    assert bad.returncode != 0 and "not an execution ARN" in bad.stderr


def test_the_demo_cost_table_prices_each_run(capsys, machine):
    since = clock_time()  # executions are dated on the local cloud's clock
    arn = start(machine({"StartAt": "Only", "States": {"Only": {"Type": "Pass", "End": True}}}))
    wait_for_execution(arn)
    console_client.print_cost_table(since - 1)
    table = capsys.readouterr().out
    assert "list prices read" in table
    [row] = [line for line in table.splitlines() if arn.rsplit(":", 1)[1][:28] in line]
    # one transition at $0.000025: $25 a million as Standard; Express: a request and 100 ms
    assert "0.00002500" in row and "25.00" in row


def test_an_express_workflow_is_listed_and_says_why_it_has_no_executions_to_draw(machine):
    # GIVEN an Express workflow, run once (Step Functions lists no Express executions, as on AWS)
    arn = machine({"StartAt": "Only", "States": {"Only": {"Type": "Pass", "End": True}}}, "EXPRESS")
    client("stepfunctions").start_execution(stateMachineArn=arn)
    # THEN home and its own page still answer, saying so
    home = console("")
    assert home.status_code == 200 and arn.rsplit(":", 1)[1] in home.text
    assert "Express workflow" in home.text
    page = console("state-machine", arn=arn)
    assert page.status_code == 200 and "keeps no list or history" in page.text


def test_a_distributed_map_says_how_many_items_ran_and_failed(machine):
    # GIVEN a Distributed Map over four items, one of which reaches a Fail state
    arn = machine(
        {
            "StartAt": "EachFile",
            "States": {
                "EachFile": {
                    "Type": "Map",
                    "ItemsPath": "$.items",
                    "ItemProcessor": {
                        "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                        "StartAt": "Check",
                        "States": {
                            "Check": {
                                "Type": "Choice",
                                "Choices": [{"Variable": "$", "NumericEquals": 2, "Next": "Bad"}],
                                "Default": "Fine",
                            },
                            "Fine": {"Type": "Pass", "End": True},
                            "Bad": {"Type": "Fail", "Error": "Two"},
                        },
                    },
                    "End": True,
                }
            },
        }
    )
    run = start(arn, {"items": [1, 2, 3, 4]})
    wait_for_execution(run)
    # WHEN the console draws it
    data = console("api/execution", arn=run).json()
    page = html.unescape(console("execution", arn=run).text)
    # THEN it is drawn as a Distributed Map with its item processor inside, and its Map Run's
    # counts are there for the Map's panel
    assert "EachFile · Distributed Map" in page
    assert {"Check", "Fine", "Bad"} <= set(data["states"])
    (map_run,) = data["mapRuns"]["EachFile"]
    assert (map_run["itemCounts"]["total"], map_run["itemCounts"]["failed"]) == (4, 1)


@pytest.mark.parametrize("child_type", ["STANDARD", "EXPRESS"])
def test_a_map_run_is_drawn_and_opens_its_child_executions(machine, child_type):
    # GIVEN a Distributed Map of three items, one failing, that tolerates one failure
    arn = machine(
        {
            "StartAt": "EachFile",
            "States": {
                "EachFile": {
                    "Type": "Map",
                    "ItemsPath": "$.items",
                    "ToleratedFailureCount": 1,
                    "ItemProcessor": {
                        "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": child_type},
                        "StartAt": "Check",
                        "States": {
                            "Check": {
                                "Type": "Choice",
                                "Choices": [{"Variable": "$", "NumericEquals": 2, "Next": "Bad"}],
                                "Default": "Fine",
                            },
                            "Fine": {"Type": "Pass", "End": True},
                            "Bad": {"Type": "Fail", "Error": "Two"},
                        },
                    },
                    "End": True,
                }
            },
        }
    )
    run = start(arn, {"items": [1, 2, 3]})
    assert wait_for_execution(run).status == "SUCCEEDED"
    # WHEN the console draws the execution
    data = console("api/execution", arn=run).json()
    page = html.unescape(console("execution", arn=run).text)
    # THEN the Map state has its Map Run: status, item counts and what it tolerates, linked
    (map_run,) = data["mapRuns"]["EachFile"]
    assert map_run["status"] == "SUCCEEDED"
    counts = map_run["itemCounts"]
    assert (counts["succeeded"], counts["failed"], counts["running"], counts["pending"]) == (
        2, 1, 0, 0,
    )  # fmt: skip
    assert map_run["toleratedFailureCount"] == 1
    link = "/_console/map-run?" + urllib.parse.urlencode({"arn": map_run["mapRunArn"]})
    assert link in page
    # AND the Map Run's page lists its three child executions, of their type, each opening
    # its own execution page
    map_run_page = console("map-run", arn=map_run["mapRunArn"])
    assert map_run_page.status_code == 200
    text = html.unescape(map_run_page.text)
    assert "tolerated failure</dt><dd>1 items" in text
    children = re.findall(r'href="/_console/execution\?arn=([^"]+)">', map_run_page.text)
    children = [urllib.parse.unquote(c) for c in children if urllib.parse.unquote(c) != run]
    assert len(children) == 3 and text.count(f"<td>{child_type}</td>") == 3
    opened = [console("api/execution", arn=child).json() for child in children]
    assert sorted(child["status"] for child in opened) == ["FAILED", "SUCCEEDED", "SUCCEEDED"]
    # AND each child's page draws the path it took through the item processor
    paths = sorted(
        tuple(name for name, state in child["states"].items() if state["status"] != "not reached")
        for child in opened
    )
    assert paths == [("Check", "Bad"), ("Check", "Fine"), ("Check", "Fine")]
    # AND a failed child alone is listed when asked for
    failed = html.unescape(console("map-run", arn=map_run["mapRunArn"], status="FAILED").text)
    assert failed.count(f"<td>{child_type}</td>") == 1
    assert console("map-run", arn=map_run["mapRunArn"], status="BROKEN").status_code == 400


def test_an_unknown_map_run_is_a_404(machine):
    # GIVEN a Map Run ARN of no run
    unknown = f"arn:aws:states:us-east-1:000000000000:mapRun:nothing/{uuid.uuid4()}:abc"
    # WHEN its page is asked for
    answer = console("map-run", arn=unknown)
    # THEN the console says there is none
    assert answer.status_code == 404 and "ResourceNotFound" in answer.text
