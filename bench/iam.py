"""Benchmark of IAM enforcement's cost: the same work on two instances started in the same run,
one with LOCAL_CLOUD_IAM=off and one with enforce, measured in alternating rounds so both see
the same machine load. Goal (issue 22): enforce at most 10 % slower than off.

- a warm invoke made by an assumed-role session (so the gateway judges it), and
- an execution of 5 sequential Lambda tasks (each task's invoke judged as the state machine's
  role).
"""

from __future__ import annotations

import json
import shutil
import statistics
import time
import uuid

import boto3
from botocore.config import Config

from devkit.local_cloud import cloud, free_port, instance_folder, zip_sources

ROUNDS = 5
INVOKES_PER_ROUND = 40
EXECUTIONS_PER_ROUND = 4
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


def five_tasks(function_arn: str) -> str:
    states = {
        f"Task{i}": {"Type": "Task", "Resource": function_arn}
        | ({"Next": f"Task{i + 1}"} if i < 4 else {"End": True})
        for i in range(5)
    }
    return json.dumps({"StartAt": "Task0", "States": states})


class Instance:
    """One local cloud with a role, a no-op function run as it, and a five-task state machine."""

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


def main() -> None:
    instances = {mode: Instance(mode) for mode in ("off", "enforce")}
    invokes: dict[str, list[float]] = {mode: [] for mode in instances}
    executions: dict[str, list[float]] = {mode: [] for mode in instances}
    try:
        for _ in range(ROUNDS):
            for mode, instance in instances.items():
                invokes[mode] += timed(instance.invoke, INVOKES_PER_ROUND)
                executions[mode] += timed(instance.execute, EXECUTIONS_PER_ROUND)
    finally:
        for instance in instances.values():
            instance.stop()

    print(f"\n{'IAM enforcement (median)':46} {'off':>9} {'enforce':>9} {'ratio':>7}")
    for label, figures in (
        (f"warm invoke by a role session ({len(invokes['off'])})", invokes),
        (f"execution of 5 Lambda tasks ({len(executions['off'])})", executions),
    ):
        off, on = statistics.median(figures["off"]), statistics.median(figures["enforce"])
        print(f"{label:46} {off * 1000:7.1f}ms {on * 1000:7.1f}ms {on / off:7.2f}")
    print("goal: ratio <= 1.10")


if __name__ == "__main__":
    main()
