"""The local cloud from outside, for the dev tools, the tests and the benchmarks: its address,
the environment and clients that point at it, its instances (localstack/cloud.py) and
deadline-bound waits on what runs in it. (Its plugins, inside LocalStack, are
localstack/localcloud/.)"""

from __future__ import annotations

import datetime
import io
import json
import os
import socket
import subprocess
import sys
import textwrap
import time
import urllib.error
import urllib.request
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from devkit import PROJECT

CLOUD = PROJECT / "localstack" / "cloud.py"
T = TypeVar("T")


def this_port() -> str:
    """This run's local cloud: LOCAL_CLOUD_PORT, as localstack/cloud.py reads it."""
    return os.environ.get("LOCAL_CLOUD_PORT", "4566")


def endpoint() -> str:
    return f"http://127.0.0.1:{this_port()}"  # http, always


def instance_folder(port: int | None = None) -> Path:
    """A port's local-cloud folder (this run's port by default): its log, pid, mock cases and
    state, wiped at every start (localstack/cloud.py)."""
    home = Path(os.environ.get("LOCAL_CLOUD_HOME", PROJECT / ".local-cloud")).resolve()
    return home / str(port or this_port())


def local_cloud_pid(port: int | None = None) -> int:
    """The LocalStack process of a port's local cloud (this run's port by default)."""
    return int((instance_folder(port) / "localstack.pid").read_text())


@dataclass
class Memory:
    """A local cloud's memory in bytes: its LocalStack process's resident set, and its process
    group's (the Lambda handler processes included), resident and proportional (PSS: each
    shared page divided among the processes sharing it)."""

    own_rss: int = 0
    rss: int = 0
    pss: int = 0


def memory(pid: int) -> Memory:
    """The memory of the local cloud whose LocalStack process is pid (local_cloud_pid())."""
    group = os.getpgid(pid)
    found = Memory()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            if int(fields[2]) != group:  # fields: state, ppid, pgrp, ...
                continue
            sizes = {
                name: int(value.split()[0]) * 1024  # kB
                for name, _, value in (
                    line.partition(":")
                    for line in (entry / "smaps_rollup").read_text().splitlines()[1:]
                )
            }
            rss, pss = sizes["Rss"], sizes["Pss"]
        except (OSError, IndexError, ValueError, KeyError):
            continue  # the process ended while being read
        found.rss += rss
        found.pss += pss
        if int(entry.name) == pid:
            found.own_rss = rss
    return found


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def cloud(command: str, port: int, **env: str) -> subprocess.CompletedProcess:
    """localstack/cloud.py's command for an instance of its own on `port`."""
    return subprocess.run(
        [sys.executable, str(CLOUD), command],
        env={**os.environ, "LOCAL_CLOUD_PORT": str(port), **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def local_aws() -> dict[str, str]:
    """The environment that points an AWS client (sam, boto3) at the local cloud."""
    return {
        "AWS_ENDPOINT_URL": endpoint(),
        "AWS_ACCESS_KEY_ID": "test",
        "AWS_SECRET_ACCESS_KEY": "test",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_REGION": "us-east-1",
    }


# Clients import boto3 or botocore when they are made: make invoke with nothing to do makes none.
def _connection() -> dict[str, str]:
    # Never real AWS, whatever the environment says.
    env = local_aws()
    return {
        "endpoint_url": env["AWS_ENDPOINT_URL"],
        "region_name": env["AWS_REGION"],
        "aws_access_key_id": env["AWS_ACCESS_KEY_ID"],
        "aws_secret_access_key": env["AWS_SECRET_ACCESS_KEY"],
    }


def client(service: str, **config):
    """A boto3 client for the local cloud, for tests and benchmarks."""
    import boto3
    from botocore.config import Config

    retries = Config(retries={"max_attempts": 2, "mode": "standard"}, **config)
    return boto3.client(service, config=retries, **_connection())


def resource(service: str):
    """A boto3 resource for the local cloud."""
    import boto3

    return boto3.resource(service, **_connection())


def botocore_client(service: str):
    """botocore's client, for the dev tools: the same API without boto3's transfer manager,
    whose import would be a large part of what `make invoke` spends after a small change."""
    import botocore.session

    return botocore.session.get_session().create_client(service, **_connection())


BASIC_EXECUTION = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"


def service_role(
    iam, name: str, service: str, policy: dict | None = None, managed: tuple[str, ...] = ()
) -> str:
    """The ARN of the role `name` trusting `service` ("lambda.amazonaws.com"), with the inline
    `policy` and the `managed` policies: created, or as an earlier run left it. The local cloud,
    as AWS, refuses a function or state machine whose role does not exist or trust its service."""
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}
        ],
    }
    try:
        role = iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))
    except iam.exceptions.EntityAlreadyExistsException:
        role = iam.get_role(RoleName=name)
    if policy:
        iam.put_role_policy(RoleName=name, PolicyName=name, PolicyDocument=json.dumps(policy))
    for arn in managed:
        iam.attach_role_policy(RoleName=name, PolicyArn=arn)
    return role["Role"]["Arn"]


def zip_sources(files: dict[str, str]) -> bytes:
    """A deployment package from {path in the zip: source text}."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, source in files.items():
            archive.writestr(name, textwrap.dedent(source))
    return buffer.getvalue()


def start_local_cloud() -> None:
    """Start the local cloud (make up), or reuse the one already running."""
    subprocess.run([sys.executable, str(CLOUD), "up"], check=True)


def local_cloud_running() -> bool:
    try:
        health = f"{endpoint()}/_localstack/health"
        with urllib.request.urlopen(health, timeout=2) as response:  # noqa: S310
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


def wait_until[T](
    probe: Callable[[], T | None], timeout: float = 30, interval: float = 0.1, what: str = ""
) -> T:
    """Call probe until it returns something truthy; fail after timeout seconds."""
    deadline = time.monotonic() + timeout
    while True:
        result = probe()
        if result:
            return result
        if time.monotonic() >= deadline:
            raise TimeoutError(f"gave up after {timeout} s waiting for {what or probe}")
        time.sleep(interval)


def clock() -> dict:
    """The local cloud's clock: {"now": "<ISO instant>Z", "offsetSeconds": n}."""
    return _clock_call(None)


def clock_time() -> float:
    """The local cloud's time now, in epoch seconds: what its functions read as time.time()."""
    return datetime.datetime.fromisoformat(clock()["now"]).timestamp()


def advance_clock(duration: str) -> dict:
    """Move the local cloud's clock forward by an ISO 8601 duration ("PT24H"); its new reading.
    Everything the local cloud times follows (README, "Time on the local cloud")."""
    return _clock_call({"advance": duration})


def _clock_call(body: dict | None) -> dict:
    request = urllib.request.Request(  # noqa: S310 - http, the local cloud
        f"{endpoint()}/_localcloud/clock",
        data=json.dumps(body).encode() if body is not None else None,
        headers={"Content-Type": "application/json"},
        method="POST" if body is not None else "GET",
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return json.loads(response.read())
    except urllib.error.HTTPError as error:
        raise ValueError(json.loads(error.read())["message"]) from None


@dataclass
class Execution:
    arn: str
    status: str
    output: dict | list | str | None
    error: str | None
    cause: str | None
    history: list[dict]

    def states_entered(self) -> list[str]:
        return [
            event["stateEnteredEventDetails"]["name"]
            for event in self.history
            if "stateEnteredEventDetails" in event
        ]

    def events(self, event_type: str) -> list[dict]:
        return [event for event in self.history if event["type"] == event_type]


def wait_for_execution(execution_arn: str, timeout: float = 60) -> Execution:
    """Wait until the execution leaves RUNNING; return its status, output and history."""
    sfn = client("stepfunctions")

    def finished():
        described = sfn.describe_execution(executionArn=execution_arn)
        return described if described["status"] != "RUNNING" else None

    described = wait_until(finished, timeout, what=f"execution {execution_arn}")
    history = sfn.get_paginator("get_execution_history").paginate(executionArn=execution_arn)
    output = described.get("output")
    return Execution(
        arn=execution_arn,
        status=described["status"],
        output=json.loads(output) if output else None,
        error=described.get("error"),
        cause=described.get("cause"),
        history=[event for page in history for event in page["events"]],
    )
