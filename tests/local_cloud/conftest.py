"""Fixtures for testing the local cloud itself: functions made from source text, on every
Lambda runtime set-up prepared."""

from __future__ import annotations

import contextlib
import functools
import json
import os
import re
import shutil
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from devkit import stack as stack_tool
from devkit.local_cloud import (
    BASIC_EXECUTION,
    PROJECT,
    client,
    cloud,
    free_port,
    instance_folder,
    service_role,
    zip_sources,
)

# The state machines of these tests invoke the functions `lambda_function` makes (t-*) and read
# their settings (an AWS SDK integration), nothing else.
USE_TEST_FUNCTIONS = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Action": ["lambda:InvokeFunction", "lambda:GetFunctionConfiguration"],
            "Resource": "arn:aws:lambda:*:000000000000:function:t-*",
        }
    ],
}


def prepared_runtimes() -> list[str]:
    """The Python runtimes set-up prepared (localstack/cloud.py setup), oldest first."""
    home = Path(os.environ.get("LOCAL_CLOUD_HOME", PROJECT / ".local-cloud"))
    found = [p.name for p in (home / "runtimes").glob("python3.*") if (p / ".installed").exists()]
    selected = os.environ.get("LOCAL_CLOUD_PYTHON_RUNTIMES", "all").replace(",", " ").split()
    if selected not in ([], ["all"]):
        found = [runtime for runtime in found if runtime in selected]
    return sorted(found, key=lambda name: int(name.split(".")[1])) or ["python3.13"]


def local_cloud_log() -> Path:
    return instance_folder() / "localstack.log"


@pytest.fixture(scope="session", autouse=True)
def no_lambda_call_answers_a_server_error(local_cloud) -> Iterator[None]:
    """AWS answers no Lambda API call of these tests with a 5xx: neither may the local cloud.
    Checked once, at the end of the session, in the log of every request LocalStack answered
    from the first local-cloud test on (the end-to-end tests after it included)."""
    log = local_cloud_log()
    start = log.stat().st_size if log.exists() else 0
    yield
    with open(log, "rb") as file:
        if os.fstat(file.fileno()).st_size >= start:  # else the cloud restarted: read it all
            file.seek(start)
        text = file.read().decode(errors="replace")
    server_errors = re.findall(r"AWS lambda\.\w+ => 5\d\d.*", text)
    assert not server_errors, f"Lambda API calls answered with a server error: {server_errors}"


@pytest.fixture(params=prepared_runtimes())
def runtime(request) -> str:
    """Each prepared Lambda runtime in turn."""
    return request.param


@pytest.fixture
def function_role(local_cloud) -> str:
    """The role of the functions these tests make: they write their logs, nothing more."""
    return service_role(
        client("iam"),
        "local-cloud-test-function",
        "lambda.amazonaws.com",
        managed=(BASIC_EXECUTION,),
    )


@pytest.fixture
def machine_role(local_cloud) -> str:
    """The role of the state machines these tests make: they use the tests' functions."""
    return service_role(
        client("iam"), "local-cloud-test-machine", "states.amazonaws.com", USE_TEST_FUNCTIONS
    )


@pytest.fixture
def pass_only_machine_role(local_cloud) -> str:
    """The role of state machines that only pass and wait: it grants nothing."""
    return service_role(client("iam"), "local-cloud-test-pass-only", "states.amazonaws.com")


@pytest.fixture
def lambda_function(local_cloud, function_role) -> Iterator[Callable[..., str]]:
    """Create functions from {file name: source}, or from Code= as CreateFunction takes it,
    run as `function_role` unless Role= says; delete them after the test (those it has not
    deleted itself)."""
    lam = client("lambda")
    created: list[str] = []

    def create(files: dict[str, str] | None = None, handler: str = "app.handler", **config) -> str:
        name = f"t-{uuid.uuid4().hex[:10]}"
        lam.create_function(
            FunctionName=name,
            Runtime=config.pop("Runtime", "python3.13"),
            Role=config.pop("Role", function_role),
            Handler=handler,
            Code=config.pop("Code", None) or {"ZipFile": zip_sources(files or {})},
            # Lambda's default of 3 s is shorter than a cold start on a loaded 2-core machine;
            # tests about timeouts set their own.
            Timeout=config.pop("Timeout", 30),
            **config,
        )
        created.append(name)
        lam.get_waiter("function_active_v2").wait(
            FunctionName=name, WaiterConfig={"Delay": 0.2, "MaxAttempts": 150}
        )
        return name

    yield create
    for name in created:
        with contextlib.suppress(lam.exceptions.ResourceNotFoundException):
            lam.delete_function(FunctionName=name)


@pytest.fixture(scope="session")
def deploy_fixture(local_cloud) -> Callable[[str], dict[str, str]]:
    """Deploy this folder's fixture_<name>/ application as a stack of its own; its outputs."""

    def deploy(name: str) -> dict[str, str]:
        return stack_tool.deploy_local(
            stack_name=f"local-cloud-fixture-{name}",
            template=Path(__file__).parent / f"fixture_{name}" / "template.yaml",
            build_dir=PROJECT / ".aws-sam" / f"fixture-{name}-build",
        )

    return deploy


@pytest.fixture
def runtime_function(lambda_function, runtime) -> Callable[..., str]:
    """lambda_function on each prepared runtime in turn."""
    return functools.partial(lambda_function, Runtime=runtime)


@pytest.fixture
def state_machine(local_cloud, machine_role) -> Iterator[Callable[..., str]]:
    """Create state machines from a definition (ASL text or a dict), run as `machine_role` unless
    role= says; delete them after the test."""
    sfn = client("stepfunctions")
    created: list[str] = []

    def create(definition: str | dict, role: str = machine_role) -> str:
        text = definition if isinstance(definition, str) else json.dumps(definition)
        arn = sfn.create_state_machine(
            name=f"t-{uuid.uuid4().hex[:10]}", definition=text, roleArn=role
        )["stateMachineArn"]
        created.append(arn)
        return arn

    yield create
    for arn in created:
        sfn.delete_state_machine(stateMachineArn=arn)


# --- instances of their own, on free ports (the suite's instance is left alone) -------------


@pytest.fixture
def port() -> Iterator[int]:
    """A free port for an instance of the test's own, stopped and its folder removed after."""
    port = free_port()
    yield port
    cloud("down", port)
    shutil.rmtree(instance_folder(port), ignore_errors=True)


# --- S3 buckets of Distributed Maps (ItemReader, ResultWriter) ----------------------------


@pytest.fixture
def bucket(local_cloud):
    s3, name = client("s3"), f"distributed-map-{uuid.uuid4().hex[:8]}"
    s3.create_bucket(Bucket=name)
    yield name
    for listed in s3.list_objects_v2(Bucket=name).get("Contents", []):
        s3.delete_object(Bucket=name, Key=listed["Key"])
    s3.delete_bucket(Bucket=name)


@pytest.fixture
def bucket_role(local_cloud):
    """role(*S3 actions) -> a state machine role allowed those actions on the tests' buckets
    (s3:ListBucket on the bucket, the others on its objects), nothing more."""

    def role(*actions: str) -> str:
        on_objects = [action for action in actions if action != "s3:ListBucket"]
        statements = []
        if on_objects:
            objects = "arn:aws:s3:::distributed-map-*/*"
            statements.append({"Effect": "Allow", "Action": on_objects, "Resource": objects})
        if "s3:ListBucket" in actions:
            buckets = "arn:aws:s3:::distributed-map-*"
            statements.append({"Effect": "Allow", "Action": "s3:ListBucket", "Resource": buckets})
        name = "distributed-map-" + "-".join(action[3:].lower() for action in actions)
        policy = {"Version": "2012-10-17", "Statement": statements}
        return service_role(client("iam"), name, "states.amazonaws.com", policy)

    return role
