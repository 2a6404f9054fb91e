"""Benchmark of IAM enforcement's cost: the same work on two instances started in the same run,
one with LOCAL_CLOUD_IAM=off and one with enforce, measured in alternating rounds so both see
the same machine load. Goal (issue 22): enforce at most 10 % slower than off.

- a warm invoke made by an assumed-role session (so the gateway judges it), and
- an execution of 5 sequential Lambda tasks (each task's invoke judged as the state machine's
  role),
- a pre-screening run: the project's stack deployed into both, a batch of applications put on
  its stream per round (each record once), timed until all their executions finished (every
  function, queue, table and state machine call judged as the stack's roles).

Run as make bench runs it (LAMBDA_CODE: the workflows' code on PYTHONPATH):

    make bench BENCH=iam
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import shutil
import statistics
import sys
import time
import uuid
from pathlib import Path

import boto3
from botocore.config import Config

from devkit import stack
from devkit.local_cloud import cloud, free_port, instance_folder, zip_sources

ROUNDS = 5
INVOKES_PER_ROUND = 40
EXECUTIONS_PER_ROUND = 4
APPLICATIONS_PER_ROUND = 40
# The table's rows: what each measures ({measured}: how many times, per mode).
ROWS = {
    "invokes": "warm invoke by a role session ({measured})",
    "executions": "execution of 5 Lambda tasks ({measured})",
    "prescreenings": f"pre-screening, per application ({{measured}}x{APPLICATIONS_PER_ROUND})",
}
# Often enough that the wait adds little to a batch of a few seconds; the same for both modes.
POLL_INTERVAL_S = 0.25
DEADLINE_S = 180  # a batch that takes this long is a failure, not a figure
NOOP = "def handler(event, context):\n    return event\n"
TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {
                "Service": ["lambda.amazonaws.com", "states.amazonaws.com"],
                "AWS": "arn:aws:iam::000000000000:root",
            },
            "Action": "sts:AssumeRole",
        }
    ],
}
GRANTS = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "lambda:InvokeFunction", "Resource": "*"}],
}
BASIC_EXECUTION = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"


def prescreening_bench():
    """bench/prescreening.py, for its record-making and waiting: loaded from its file, since its
    module name is the pre-screening workflow's package, which it imports."""
    spec = importlib.util.spec_from_file_location(
        "prescreening_bench", Path(__file__).with_name("prescreening.py")
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclass looks its module up there
    spec.loader.exec_module(module)
    return module


prescreening = prescreening_bench()


@contextlib.contextmanager
def addressed(port: int):
    """The dev tools (deploys, clients, the local issuer's tokens) address LOCAL_CLOUD_PORT's
    local cloud: this one's, for the time being."""
    before = os.environ.get("LOCAL_CLOUD_PORT")
    os.environ["LOCAL_CLOUD_PORT"] = str(port)
    try:
        yield
    finally:
        if before is None:
            del os.environ["LOCAL_CLOUD_PORT"]
        else:
            os.environ["LOCAL_CLOUD_PORT"] = before


def five_tasks(function_arn: str) -> str:
    states = {
        f"Task{i}": {"Type": "Task", "Resource": function_arn}
        | ({"Next": f"Task{i + 1}"} if i < 4 else {"End": True})
        for i in range(5)
    }
    return json.dumps({"StartAt": "Task0", "States": states})


class Instance:
    """One local cloud with a role, a no-op function run as it, and a five-task state machine;
    then (deploy_stack) the project's stack."""

    def __init__(self, mode: str) -> None:
        self.mode = mode
        self.port = free_port()
        cloud("up", self.port, LOCAL_CLOUD_IAM=mode).check_returncode()
        iam = self.client("iam")
        role = iam.create_role(RoleName="bench-iam", AssumeRolePolicyDocument=json.dumps(TRUST))
        iam.put_role_policy(
            RoleName="bench-iam", PolicyName="invoke", PolicyDocument=json.dumps(GRANTS)
        )
        iam.attach_role_policy(RoleName="bench-iam", PolicyArn=BASIC_EXECUTION)
        self.role_arn = role["Role"]["Arn"]
        keys = self.client("sts").assume_role(RoleArn=self.role_arn, RoleSessionName="bench")
        lam = self.client("lambda")
        self.name = f"bench-iam-{uuid.uuid4().hex[:6]}"
        function_arn = lam.create_function(
            FunctionName=self.name,
            Runtime="python3.13",
            Role=self.role_arn,
            Handler="app.handler",
            Code={"ZipFile": zip_sources({"app.py": NOOP})},
        )["FunctionArn"]
        lam.get_waiter("function_active_v2").wait(
            FunctionName=self.name, WaiterConfig={"Delay": 0.2, "MaxAttempts": 150}
        )
        self.session_lambda = self.client("lambda", keys["Credentials"])
        self.sfn = self.client("stepfunctions")
        self.machine = self.sfn.create_state_machine(
            name=f"bench-iam-{uuid.uuid4().hex[:6]}",
            definition=five_tasks(function_arn),
            roleArn=self.role_arn,
        )["stateMachineArn"]
        self.invoke()
        self.execute()

    def client(self, service: str, credentials: dict[str, str] | None = None):
        keys = credentials or {"AccessKeyId": "test", "SecretAccessKey": "test"}
        return boto3.client(
            service,
            endpoint_url=f"http://127.0.0.1:{self.port}",
            region_name="us-east-1",
            aws_access_key_id=keys["AccessKeyId"],
            aws_secret_access_key=keys["SecretAccessKey"],
            aws_session_token=keys.get("SessionToken"),
            config=Config(retries={"max_attempts": 1}),
        )

    def invoke(self) -> None:
        answer = self.session_lambda.invoke(FunctionName=self.name, Payload=b"{}")
        assert "FunctionError" not in answer, answer

    def execute(self) -> None:
        arn = self.sfn.start_execution(stateMachineArn=self.machine, input="{}")["executionArn"]
        deadline = time.monotonic() + 30
        while (status := self.sfn.describe_execution(executionArn=arn)["status"]) == "RUNNING":
            if time.monotonic() > deadline:
                raise TimeoutError(arn)
            time.sleep(0.005)
        assert status == "SUCCEEDED", f"{self.mode}: the execution ended {status}"

    def deploy_stack(self) -> float:
        """Deploy the project's stack here and run one unmeasured batch, so its functions are
        warm as the other rows' are; returns the seconds the deploy took."""
        started = time.perf_counter()
        with addressed(self.port):
            self.outputs = stack.deploy_local()
        deployed_s = time.perf_counter() - started
        self.applications = self.not_succeeded = 0
        self.prescreen()
        return deployed_s

    def prescreen(self) -> float:
        """Seconds per application: a batch put on the stream until every execution finished."""
        run = uuid.uuid4().hex[:8]
        entries = prescreening.records(run, APPLICATIONS_PER_ROUND, copies=1)
        with addressed(self.port):
            started = time.perf_counter()
            prescreening.put_all(self.outputs["ApplicationStreamName"], entries)
            progress = prescreening.wait_until_finished(
                self.outputs, run, APPLICATIONS_PER_ROUND, started, POLL_INTERVAL_S, DEADLINE_S
            )
        elapsed = time.perf_counter() - started
        finished = [status for status in progress.seen.values() if status != "RUNNING"]
        if len(finished) != APPLICATIONS_PER_ROUND:
            raise RuntimeError(
                f"{self.mode}: {len(finished)} executions finished of {len(entries)}"
            )
        self.applications += len(finished)
        self.not_succeeded += sum(1 for status in finished if status != "SUCCEEDED")
        return elapsed / APPLICATIONS_PER_ROUND

    def stop(self) -> None:
        cloud("down", self.port)
        shutil.rmtree(instance_folder(self.port), ignore_errors=True)


def timed(action, times: int) -> list[float]:
    figures = []
    for _ in range(times):
        started = time.perf_counter()
        action()
        figures.append(time.perf_counter() - started)
    return figures


def deploy_stacks(instances: dict[str, Instance]) -> None:
    for mode, instance in instances.items():
        print(f"[iam bench] stack deployed ({mode}) in {instance.deploy_stack():.0f} s", flush=True)


def main() -> None:
    instances = {mode: Instance(mode) for mode in ("off", "enforce")}
    figures: dict[str, dict[str, list[float]]] = {row: {m: [] for m in instances} for row in ROWS}
    try:
        deploy_stacks(instances)
        for _ in range(ROUNDS):
            for mode, instance in instances.items():
                figures["invokes"][mode] += timed(instance.invoke, INVOKES_PER_ROUND)
                figures["executions"][mode] += timed(instance.execute, EXECUTIONS_PER_ROUND)
                figures["prescreenings"][mode].append(instance.prescreen())
    finally:
        for instance in instances.values():
            instance.stop()
    report(figures, instances)


def report(figures: dict[str, dict[str, list[float]]], instances: dict[str, Instance]) -> None:
    print(f"\n{'IAM enforcement (median)':46} {'off':>9} {'enforce':>9} {'ratio':>7}")
    for row, label in ROWS.items():
        off, on = (statistics.median(figures[row][mode]) for mode in ("off", "enforce"))
        label = label.format(measured=len(figures[row]["off"]))
        print(f"{label:46} {off * 1000:7.1f}ms {on * 1000:7.1f}ms {on / off:7.2f}")
    print("goal: ratio <= 1.10")
    succeeded = (
        f"{mode} {each.applications - each.not_succeeded}/{each.applications}"
        for mode, each in instances.items()
    )
    print(f"pre-screening executions succeeded (warm-up included): {', '.join(succeeded)}")


if __name__ == "__main__":
    main()
