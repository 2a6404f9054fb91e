"""The local cloud beside a peer: MiniStack (pinned in bench/peers-requirements.txt, installed by
make setup into .local-cloud/peers/ministack), each started on a free port and given the same
boto3 workload in one run. Prints each figure side by side and the ratio this/peer (below 1.0:
this project is faster or smaller, except S3 PUT/s, where above 1.0 is faster). A part one cloud
cannot do is shown as "-" with what failed. Nothing is downloaded while it runs.

  make bench BENCH=peers
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import statistics
import subprocess
import time
import urllib.request
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from devkit.local_cloud import (
    BASIC_EXECUTION,
    client,
    cloud,
    free_port,
    instance_folder,
    local_cloud_pid,
    memory,
    service_role,
    wait_until,
    zip_sources,
)

MINISTACK = instance_folder().parent / "peers" / "ministack"
NOOP = "def handler(event, context):\n    return event\n"
# The state machines invoke the bench's functions, nothing else.
INVOKE_PEERS_FUNCTIONS = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Action": "lambda:InvokeFunction",
            "Resource": "arn:aws:lambda:*:000000000000:function:peers-*",
        }
    ],
}
SAMPLES = 200  # requests per p50 of a plain request
S3_PUTS = 1000
# Ten Lambda tasks at a time: each cloud runs a process per concurrent invocation, and a hundred
# at once would take a shared 2-core machine from everyone else.
MAP_CONCURRENCY = 10


@dataclass(frozen=True)
class Figure:
    label: str
    unit: str


START = Figure("start to ready", "s")
STOP = Figure("stop", "s")
IDLE_MEMORY = Figure("idle memory, RSS of the process tree", "MiB")
SQS = Figure(f"SQS SendMessage + ReceiveMessage p50 ({SAMPLES})", "ms")
DYNAMODB = Figure(f"DynamoDB PutItem + GetItem p50 ({SAMPLES})", "ms")
S3_PUT = Figure(f"S3 small PUT/s, 10 threads ({S3_PUTS})", "/s")
FIRST_FUNCTION = Figure("first CreateFunction until Active", "s")
WARM_INVOKE = Figure("warm invoke p50 (100)", "ms")
FIVE_TASKS = Figure("five-task execution p50 (10)", "ms")
MAP_OF_100 = Figure(f"Map of 100 Lambda tasks, {MAP_CONCURRENCY} at a time, p50 (5)", "ms")
FIGURES = (
    START,
    STOP,
    IDLE_MEMORY,
    SQS,
    DYNAMODB,
    S3_PUT,
    FIRST_FUNCTION,
    WARM_INVOKE,
    FIVE_TASKS,
    MAP_OF_100,
)


LABEL_WIDTH = 56


def side_by_side(this: dict[Figure, float], peer: dict[Figure, float], peer_name: str) -> str:
    """The table: each figure for this project and the peer, and this/peer (a figure one side
    could not measure is shown as "-")."""
    lines = [f"{'figure':{LABEL_WIDTH}} {'this':>10} {peer_name:>10} {'this/peer':>10}"]
    for figure in FIGURES:
        ours, theirs = this.get(figure), peer.get(figure)
        ratio = f"{ours / theirs:.2f}" if ours is not None and theirs else "-"
        lines.append(
            f"{figure.label + ' (' + figure.unit + ')':{LABEL_WIDTH}} {_number(ours):>10} "
            f"{_number(theirs):>10} {ratio:>10}"
        )
    return "\n".join(lines)


def _number(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}" if value < 1000 else f"{value:,.0f}"


def timed(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def p50_ms(action: Callable[[], object], times: int) -> float:
    return statistics.median(timed(action) for _ in range(times)) * 1000


# --- the two clouds ---------------------------------------------------------------------------


class ThisProject:
    name = "this"

    def start(self, port: int) -> int:
        cloud("up", port).check_returncode()
        return local_cloud_pid(port)

    def stop(self, port: int, pid: int) -> None:
        cloud("down", port).check_returncode()


class MiniStack:
    name = "MiniStack"

    def start(self, port: int) -> int:
        folder = MINISTACK.parent / str(port)
        folder.mkdir(parents=True, exist_ok=True)
        env = {
            key: value for key, value in os.environ.items() if not key.startswith(("AWS_", "PY"))
        }
        # Its Lambda executor runs "python3" from PATH: the peer's own 3.13.
        env["PATH"] = f"{MINISTACK / 'bin'}:{env['PATH']}"
        env.update(GATEWAY_PORT=str(port), BIND_HOST="127.0.0.1", TMPDIR=str(folder))
        with open(folder / "ministack.log", "wb") as log:
            process = subprocess.Popen(
                [str(MINISTACK / "bin" / "ministack")],
                cwd=folder,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its process group is its tree (memory, stop)
            )
        health = f"http://127.0.0.1:{port}/_ministack/health"
        wait_until(
            lambda: _answers(health) or process.poll() is not None, timeout=60, interval=0.02
        )
        if process.poll() is not None:
            raise RuntimeError(f"MiniStack exited at start; see {folder / 'ministack.log'}")
        return process.pid

    def stop(self, port: int, pid: int) -> None:
        os.killpg(pid, signal.SIGTERM)
        wait_until(lambda: os.waitpid(pid, os.WNOHANG)[0] == pid, timeout=30, interval=0.02)


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=1) as response:  # noqa: S310 (http, loopback)
            return response.status == 200
    except OSError:
        return False


# --- the workload -----------------------------------------------------------------------------


def measure(peer: ThisProject | MiniStack) -> dict[Figure, float]:
    figures: dict[Figure, float] = {}
    port = free_port()
    os.environ["LOCAL_CLOUD_PORT"] = str(port)  # devkit's clients point at this instance
    started = time.perf_counter()
    pid = peer.start(port)
    figures[START] = time.perf_counter() - started
    try:
        figures[IDLE_MEMORY] = memory(pid).rss / 2**20
        workload = {SQS: sqs_round_trip, DYNAMODB: dynamodb_round_trip, S3_PUT: s3_puts_per_second}
        for figure, run in workload.items():
            with _noted(peer, figure.label):
                figures[figure] = run()
        with _noted(peer, "Lambda and Step Functions"):
            lambda_and_executions(figures)
    finally:
        figures[STOP] = timed(lambda: peer.stop(port, pid))
    return figures


@contextlib.contextmanager
def _noted(peer: ThisProject | MiniStack, what: str):
    """A part one cloud cannot do leaves its figures out ("-"), said, and the run goes on."""
    try:
        yield
    except Exception as error:  # the bench compares; one side's failure is a figure it lacks
        print(f"{peer.name}: {what} failed: {type(error).__name__}: {error}", flush=True)


def sqs_round_trip() -> float:
    sqs = client("sqs")
    queue = sqs.create_queue(QueueName=f"peers-{uuid.uuid4().hex[:8]}")["QueueUrl"]

    def send_and_receive() -> None:
        sqs.send_message(QueueUrl=queue, MessageBody="{}")
        sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=1)

    send_and_receive()
    return p50_ms(send_and_receive, SAMPLES)


def dynamodb_round_trip() -> float:
    dynamodb = client("dynamodb")
    table = f"peers-{uuid.uuid4().hex[:8]}"
    dynamodb.create_table(
        TableName=table,
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    dynamodb.get_waiter("table_exists").wait(TableName=table, WaiterConfig={"Delay": 0.2})
    key = {"id": {"S": "one"}}

    def put_and_get() -> None:
        dynamodb.put_item(TableName=table, Item={**key, "n": {"N": "1"}})
        dynamodb.get_item(TableName=table, Key=key)

    put_and_get()
    return p50_ms(put_and_get, SAMPLES)


def s3_puts_per_second() -> float:
    s3 = client("s3", max_pool_connections=10)
    bucket = f"peers-{uuid.uuid4().hex[:8]}"
    s3.create_bucket(Bucket=bucket)
    body = b"x" * 1024
    with ThreadPoolExecutor(10) as pool:
        started = time.perf_counter()
        list(
            pool.map(lambda n: s3.put_object(Bucket=bucket, Key=f"{n}", Body=body), range(S3_PUTS))
        )
        return S3_PUTS / (time.perf_counter() - started)


def lambda_and_executions(figures: dict[Figure, float]) -> None:
    """Adds each figure as it is measured: one that fails leaves the earlier ones."""
    iam, lam, sfn = client("iam"), client("lambda"), client("stepfunctions")
    function_role = service_role(
        iam, "peers-function", "lambda.amazonaws.com", managed=(BASIC_EXECUTION,)
    )
    machine_role = service_role(
        iam, "peers-machine", "states.amazonaws.com", INVOKE_PEERS_FUNCTIONS
    )
    name = f"peers-noop-{uuid.uuid4().hex[:6]}"

    def create_until_active() -> None:
        lam.create_function(
            FunctionName=name,
            Runtime="python3.13",
            Role=function_role,
            Handler="app.handler",
            Code={"ZipFile": zip_sources({"app.py": NOOP})},
        )
        lam.get_waiter("function_active_v2").wait(
            FunctionName=name, WaiterConfig={"Delay": 0.05, "MaxAttempts": 1200}
        )

    figures[FIRST_FUNCTION] = timed(create_until_active)
    for _ in range(5):
        lam.invoke(FunctionName=name, Payload=b"{}")
    figures[WARM_INVOKE] = p50_ms(lambda: lam.invoke(FunctionName=name, Payload=b"{}"), 100)
    arn = lam.get_function(FunctionName=name)["Configuration"]["FunctionArn"]
    task = {"Type": "Task", "Resource": arn}
    five = {f"Task{n}": {**task, "Next": f"Task{n + 1}"} for n in range(4)} | {
        "Task4": {**task, "End": True}
    }
    each = {
        "Type": "Map",
        "ItemsPath": "$.items",
        "MaxConcurrency": MAP_CONCURRENCY,
        "Iterator": {"StartAt": "Call", "States": {"Call": {**task, "End": True}}},
        "End": True,
    }
    machines = {
        FIVE_TASKS: ({"StartAt": "Task0", "States": five}, {}, 10),
        MAP_OF_100: ({"StartAt": "Each", "States": {"Each": each}}, {"items": list(range(100))}, 5),
    }
    for figure, (definition, payload, runs) in machines.items():
        machine = sfn.create_state_machine(
            name=f"peers-{uuid.uuid4().hex[:8]}",
            definition=json.dumps(definition),
            roleArn=machine_role,
        )["stateMachineArn"]
        run = execution_runner(sfn, machine, json.dumps(payload))
        run()
        figures[figure] = p50_ms(run, runs)


def execution_runner(sfn, machine: str, payload: str) -> Callable[[], None]:
    def run_once() -> None:
        arn = sfn.start_execution(stateMachineArn=machine, input=payload)["executionArn"]

        def finished() -> str | None:
            status = sfn.describe_execution(executionArn=arn)["status"]
            return None if status == "RUNNING" else status

        status = wait_until(finished, timeout=180, interval=0.005, what=arn)
        if status != "SUCCEEDED":
            raise RuntimeError(f"{arn} ended {status}")

    return run_once


def main() -> None:
    if not (MINISTACK / "bin" / "ministack").exists():
        raise SystemExit(f"no MiniStack in {MINISTACK}: run make setup")
    this = measure(ThisProject())
    peer = measure(MiniStack())
    print()
    print(side_by_side(this, peer, MiniStack.name))


if __name__ == "__main__":
    main()
