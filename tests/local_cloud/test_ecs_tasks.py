"""ECS on the local cloud: Fargate tasks of fixture task definitions run as host processes with
AWS's life cycle, exit codes, stops, memory limits, logs, environment, secrets, task-role
credentials and the local cloud's clock; Step Functions' runTask.sync waits for them
(localcloud/ecs/); and the console shows each attempt's task and prices its Fargate time
(localcloud/console/)."""

from __future__ import annotations

import json
import math
import uuid
from collections.abc import Callable, Iterator
from decimal import Decimal

import pytest
import requests

from devkit.local_cloud import (
    client,
    clock_time,
    endpoint,
    service_role,
    wait_for_execution,
    wait_until,
)

# Any image whose repository name ends with a folder of the project's containers/ is mapped.
IMAGE = "000000000000.dkr.ecr.us-east-1.amazonaws.com/local-cloud-tests/importer:latest"
NETWORK = {"awsvpcConfiguration": {"subnets": ["subnet-12345678"], "assignPublicIp": "DISABLED"}}
TASK_ROLE_TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"Service": "ecs-tasks.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    ],
}


@pytest.fixture
def cluster(local_cloud) -> Iterator[str]:
    ecs = client("ecs")
    arn = ecs.create_cluster(clusterName=f"t-{uuid.uuid4().hex[:8]}")["cluster"]["clusterArn"]
    yield arn
    for task in ecs.list_tasks(cluster=arn)["taskArns"]:
        ecs.stop_task(cluster=arn, task=task)


@pytest.fixture
def log_group(local_cloud) -> str:
    name = f"/ecs/t-{uuid.uuid4().hex[:8]}"
    client("logs").create_log_group(logGroupName=name)
    return name


@pytest.fixture
def task_definition(log_group) -> Callable[..., str]:
    """Register a one-container Fargate task definition running `python -c <script>` (its
    entry point replaces the image's)."""

    def register(script: str, image: str = IMAGE, **container) -> str:
        task_settings = container.pop("task", {})
        definition = {
            "name": "main",
            "image": image,
            "essential": True,
            "entryPoint": ["python", "-c", script],
            "logConfiguration": {
                "logDriver": "awslogs",
                "options": {
                    "awslogs-group": log_group,
                    "awslogs-region": "us-east-1",
                    "awslogs-stream-prefix": "fixture",
                },
            },
            **container,
        }
        return client("ecs").register_task_definition(
            family=f"t-{uuid.uuid4().hex[:8]}",
            requiresCompatibilities=["FARGATE"],
            networkMode="awsvpc",
            cpu="256",
            memory="512",
            containerDefinitions=[definition],
            **task_settings,
        )["taskDefinition"]["taskDefinitionArn"]

    return register


def run(cluster: str, definition: str, **request) -> dict:
    answer = client("ecs").run_task(
        cluster=cluster,
        taskDefinition=definition,
        launchType="FARGATE",
        networkConfiguration=NETWORK,
        **request,
    )
    assert answer["failures"] == []
    return answer["tasks"][0]


def described(cluster: str, task_arn: str) -> dict:
    return client("ecs").describe_tasks(cluster=cluster, tasks=[task_arn])["tasks"][0]


def wait_for_status(cluster: str, task_arn: str, status: str, timeout: float = 60) -> dict:
    return wait_until(
        lambda: (task := described(cluster, task_arn))["lastStatus"] == status and task,
        timeout=timeout,
        what=f"task {task_arn} to be {status}",
    )


def log_lines(group: str, task: dict) -> list[str]:
    stream = f"fixture/main/{task['taskArn'].rsplit('/', 1)[-1]}"
    events = client("logs").get_log_events(logGroupName=group, logStreamName=stream)["events"]
    return [event["message"] for event in events]


def test_a_task_runs_to_its_exit_code_through_the_life_cycle(cluster, task_definition):
    # GIVEN a task definition whose container exits with code 3
    definition = task_definition("import sys; sys.exit(3)")

    # WHEN it runs
    started = run(cluster, definition, startedBy="tests", tags=[{"key": "k", "value": "v"}])

    # THEN RunTask answers it PROVISIONING, and DescribeTasks shows it STOPPED as AWS does
    assert started["lastStatus"] == "PROVISIONING"
    assert started["desiredStatus"] == "RUNNING"
    assert started["launchType"] == "FARGATE"
    task = wait_for_status(cluster, started["taskArn"], "STOPPED")
    assert task["stopCode"] == "EssentialContainerExited"
    assert task["stoppedReason"] == "Essential container in task exited"
    assert task["containers"][0]["exitCode"] == 3
    assert task["containers"][0]["lastStatus"] == "STOPPED"
    assert task["createdAt"] <= task["startedAt"] <= task["stoppingAt"] <= task["stoppedAt"]
    assert task["startedBy"] == "tests"
    # AND its tags are its own
    tagged = client("ecs").describe_tasks(
        cluster=cluster, tasks=[started["taskArn"]], include=["TAGS"]
    )
    assert tagged["tasks"][0]["tags"] == [{"key": "k", "value": "v"}]


def test_a_running_task_is_listed_until_it_stops(cluster, task_definition):
    # GIVEN a task that waits for a file to appear
    definition = task_definition("import time\nwhile True: time.sleep(0.05)", stopTimeout=2)
    task_arn = run(cluster, definition)["taskArn"]

    # WHEN it is RUNNING
    wait_for_status(cluster, task_arn, "RUNNING")

    # THEN ListTasks lists it (desired status RUNNING by default), and no longer once stopped
    ecs = client("ecs")
    assert task_arn in ecs.list_tasks(cluster=cluster)["taskArns"]
    ecs.stop_task(cluster=cluster, task=task_arn)
    assert task_arn not in ecs.list_tasks(cluster=cluster)["taskArns"]
    assert task_arn in ecs.list_tasks(cluster=cluster, desiredStatus="STOPPED")["taskArns"]


def test_stop_task_sends_sigterm_which_the_container_handles(cluster, task_definition, log_group):
    # GIVEN a container that exits 0 on SIGTERM, once it has said it is ready (its handler set:
    # RUNNING alone comes before Python has started, on a loaded machine)
    script = (
        "import signal, sys, time\n"
        "signal.signal(signal.SIGTERM, lambda *_: (print('terminating'), sys.exit(0)))\n"
        "print('ready', flush=True)\n"
        "while True: time.sleep(0.05)\n"
    )
    task_arn = run(cluster, task_definition(script))["taskArn"]
    task = wait_for_status(cluster, task_arn, "RUNNING")
    wait_until(lambda: log_lines(log_group, task) == ["ready"], what="the container to be ready")

    # WHEN the task is stopped
    client("ecs").stop_task(cluster=cluster, task=task_arn, reason="enough")

    # THEN it stops as the user asked, its container's handler having run
    task = wait_for_status(cluster, task_arn, "STOPPED")
    assert task["stopCode"] == "UserInitiated"
    assert task["stoppedReason"] == "enough"
    assert task["containers"][0]["exitCode"] == 0


def test_a_container_ignoring_sigterm_is_killed_after_its_stop_timeout(
    cluster, task_definition, log_group
):
    # GIVEN a container that ignores SIGTERM, with a stop timeout of 1 s
    script = (
        "import signal, time\n"
        "signal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
        "print('ready', flush=True)\n"
        "while True: time.sleep(0.05)\n"
    )
    task_arn = run(cluster, task_definition(script, stopTimeout=1))["taskArn"]
    task = wait_for_status(cluster, task_arn, "RUNNING")
    wait_until(lambda: log_lines(log_group, task) == ["ready"], what="the container to be ready")

    # WHEN the task is stopped
    client("ecs").stop_task(cluster=cluster, task=task_arn)

    # THEN SIGKILL ends it: exit code 137, as Docker reports it
    task = wait_for_status(cluster, task_arn, "STOPPED")
    assert task["containers"][0]["exitCode"] == 137
    assert task["stoppedReason"] == "Task stopped by user"


@pytest.mark.parametrize(
    "allocated_mib, container",
    [(1024, {}), (256, {"memory": 128})],
    ids=["over the task's 512 MiB", "over the container's hard limit of 128 MiB"],
)
def test_a_container_over_its_memory_is_killed_as_fargate_kills_it(
    cluster, task_definition, allocated_mib, container
):
    # GIVEN a task of 512 MiB whose container fills more memory than it may, then waits
    script = f"held = b'x' * ({allocated_mib} * 1024 * 1024)\nimport time\ntime.sleep(300)\n"
    task_arn = run(cluster, task_definition(script, **container))["taskArn"]

    # WHEN it runs, THEN it is killed as the OOM killer kills it on Fargate
    task = wait_for_status(cluster, task_arn, "STOPPED")
    assert task["memory"] == "512"
    assert task["stopCode"] == "EssentialContainerExited"
    assert task["stoppedReason"] == "Essential container in task exited"
    assert task["containers"][0]["exitCode"] == 137
    assert task["containers"][0]["reason"] == (
        "OutOfMemoryError: Container killed due to memory usage"
    )


def test_output_goes_to_the_awslogs_stream(cluster, task_definition, log_group):
    # GIVEN a container that writes to stdout and stderr
    script = "import sys; print('to stdout'); print('to stderr', file=sys.stderr)"

    # WHEN it runs
    task = wait_for_status(cluster, run(cluster, task_definition(script))["taskArn"], "STOPPED")

    # THEN both reach <prefix>/<container>/<task id> in the awslogs group
    assert sorted(log_lines(log_group, task)) == ["to stderr", "to stdout"]


def test_environment_overrides_and_secrets_reach_the_container(cluster, task_definition, log_group):
    # GIVEN a secret, a parameter and a task definition naming them beside plain variables
    secret_arn = client("secretsmanager").create_secret(
        Name=f"t-{uuid.uuid4().hex[:8]}", SecretString=json.dumps({"password": "s3cret"})
    )["ARN"]
    parameter = f"/t/{uuid.uuid4().hex[:8]}"
    client("ssm").put_parameter(Name=parameter, Value="from-ssm", Type="SecureString")
    script = (
        "import os\n"
        "for name in ['GREETING', 'FROM_OVERRIDE', 'PASSWORD', 'PARAMETER', 'AWS_REGION',"
        " 'PYTHONUNBUFFERED']:\n"
        "    print(name, os.environ.get(name))\n"
    )
    definition = task_definition(
        script,
        environment=[{"name": "GREETING", "value": "hello"}],
        secrets=[
            {"name": "PASSWORD", "valueFrom": f"{secret_arn}:password::"},
            {"name": "PARAMETER", "valueFrom": parameter},
        ],
    )

    # WHEN it runs with an environment override
    overrides = {
        "containerOverrides": [
            {"name": "main", "environment": [{"name": "FROM_OVERRIDE", "value": "yes"}]}
        ]
    }
    task_arn = run(cluster, definition, overrides=overrides)["taskArn"]
    task = wait_for_status(cluster, task_arn, "STOPPED")

    # THEN the container sees each, and the image's ENV (its Dockerfile)
    assert task["containers"][0]["exitCode"] == 0
    assert sorted(log_lines(log_group, task)) == [
        "AWS_REGION us-east-1",
        "FROM_OVERRIDE yes",
        "GREETING hello",
        "PARAMETER from-ssm",
        "PASSWORD s3cret",
        "PYTHONUNBUFFERED 1",
    ]


def test_the_task_role_credentials_come_from_the_container_credentials_endpoint(
    cluster, task_definition, log_group
):
    # GIVEN a task role, and a container asking STS who it is with the SDK's default chain
    role = client("iam").create_role(
        RoleName=f"t-{uuid.uuid4().hex[:8]}",
        AssumeRolePolicyDocument=json.dumps(TASK_ROLE_TRUST),
    )["Role"]["Arn"]
    script = (
        "import os, boto3\n"
        "print('uri', 'AWS_CONTAINER_CREDENTIALS_FULL_URI' in os.environ)\n"
        "print('keys', 'AWS_ACCESS_KEY_ID' in os.environ)\n"
        "print('arn', boto3.client('sts').get_caller_identity()['Arn'])\n"
    )
    definition = task_definition(script, task={"taskRoleArn": role})

    # WHEN it runs
    task_arn = run(cluster, definition)["taskArn"]
    task = wait_for_status(cluster, task_arn, "STOPPED")

    # THEN it acted as the role, in a session named after the task
    assert task["containers"][0]["exitCode"] == 0, log_lines(log_group, task)
    role_name = role.rsplit("/", 1)[-1]
    task_id = task_arn.rsplit("/", 1)[-1]
    assert log_lines(log_group, task) == [
        "uri True",
        "keys False",
        f"arn arn:aws:sts::000000000000:assumed-role/{role_name}/{task_id}",
    ]


def test_an_image_the_local_cloud_cannot_map_fails_to_start(cluster, task_definition):
    # GIVEN a task definition whose image is not one of the project's containers/
    definition = task_definition("pass", image="public.ecr.aws/docker/library/nginx:latest")

    # WHEN it runs
    task = wait_for_status(cluster, run(cluster, definition)["taskArn"], "STOPPED")

    # THEN it stops before starting, with AWS's CannotPullContainerError
    assert task["stopCode"] == "TaskFailedToStart"
    assert task["stoppedReason"].startswith("CannotPullContainerError:")
    assert task["containers"][0]["reason"].startswith("CannotPullContainerError:")
    assert "exitCode" not in task["containers"][0]


def test_run_task_refuses_an_unknown_cluster_and_a_missing_network(task_definition, cluster):
    ecs = client("ecs")
    definition = task_definition("pass")
    with pytest.raises(ecs.exceptions.ClusterNotFoundException):
        ecs.run_task(
            cluster="no-such-cluster",
            taskDefinition=definition,
            launchType="FARGATE",
            networkConfiguration=NETWORK,
        )
    with pytest.raises(ecs.exceptions.InvalidParameterException):
        ecs.run_task(cluster=cluster, taskDefinition=definition, launchType="FARGATE")


# --- Step Functions' runTask.sync -----------------------------------------------------------


def sync_definition(cluster: str, task_definition_arn: str, **task) -> dict:
    return {
        "StartAt": "RunTheTask",
        "States": {
            "RunTheTask": {
                "Type": "Task",
                "Resource": "arn:aws:states:::ecs:runTask.sync",
                "Parameters": {
                    "Cluster": cluster,
                    "TaskDefinition": task_definition_arn,
                    "LaunchType": "FARGATE",
                    "NetworkConfiguration": {
                        "AwsvpcConfiguration": {"Subnets": ["subnet-12345678"]}
                    },
                },
                "End": True,
                **task,
            }
        },
    }


@pytest.fixture
def runs_tasks(local_cloud) -> str:
    """The role of state machines running these tests' tasks (t-*) with runTask.sync: what AWS
    documents `.sync` needs (describe and stop the task, keep the managed rule), nothing else."""
    rule = "arn:aws:events:us-east-1:000000000000:rule/StepFunctionsGetEventsForECSTaskRule"
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "ecs:RunTask",
                "Resource": "arn:aws:ecs:us-east-1:000000000000:task-definition/t-*",
            },
            {
                "Effect": "Allow",
                "Action": ["ecs:DescribeTasks", "ecs:StopTask"],
                "Resource": "arn:aws:ecs:us-east-1:000000000000:task/*",
            },
            {
                "Effect": "Allow",
                "Action": ["events:PutTargets", "events:PutRule", "events:DescribeRule"],
                "Resource": rule,
            },
        ],
    }
    return service_role(
        client("iam"), "local-cloud-test-runs-tasks", "states.amazonaws.com", policy
    )


def start(state_machine_arn: str) -> str:
    return client("stepfunctions").start_execution(stateMachineArn=state_machine_arn)[
        "executionArn"
    ]


def test_run_task_sync_waits_for_the_task_and_sees_its_exit(
    cluster, task_definition, state_machine, runs_tasks
):
    # GIVEN state machines running a task that exits 0, and one that exits 5
    succeeds = state_machine(sync_definition(cluster, task_definition("pass")), runs_tasks)
    fails = state_machine(
        sync_definition(cluster, task_definition("import sys; sys.exit(5)")), runs_tasks
    )

    # WHEN each runs
    succeeded = wait_for_execution(start(succeeds), timeout=90)
    failed = wait_for_execution(start(fails), timeout=90)

    # THEN the first succeeds with the stopped task as its output
    assert succeeded.status == "SUCCEEDED"
    assert succeeded.output["LastStatus"] == "STOPPED"
    assert succeeded.output["Containers"][0]["ExitCode"] == 0
    assert succeeded.output["StartedBy"] == "AWS Step Functions"
    # AND the second fails with States.TaskFailed, the task as its cause
    assert failed.status == "FAILED"
    assert failed.error == "States.TaskFailed"
    assert json.loads(failed.cause)["Containers"][0]["ExitCode"] == 5
    assert failed.events("TaskSubmitted")


def test_a_retried_run_task_sync_waits_for_its_new_task(
    cluster, task_definition, state_machine, runs_tasks
):
    # GIVEN a task that fails its first run and succeeds its second, in a state with a Retry
    marker = f"/tmp/local-cloud-test-{uuid.uuid4().hex}"
    script = (
        f"import os, sys\nfirst = not os.path.exists({marker!r})\n"
        f"open({marker!r}, 'w').close()\nsys.exit(4 if first else 0)\n"
    )
    retry = {"ErrorEquals": ["States.TaskFailed"], "IntervalSeconds": 1, "MaxAttempts": 1}
    definition = sync_definition(cluster, task_definition(script), Retry=[retry])

    # WHEN it runs
    execution = wait_for_execution(start(state_machine(definition, runs_tasks)), timeout=120)

    # THEN the retry ran a second task and waited for it
    assert execution.status == "SUCCEEDED", execution.cause
    assert len(execution.events("TaskSubmitted")) == 2
    assert not execution.events("TaskTimedOut")


def test_stopping_the_execution_stops_its_task(cluster, task_definition, state_machine, runs_tasks):
    # GIVEN an execution waiting on a task that runs until stopped
    definition = task_definition("import time\nwhile True: time.sleep(0.05)", stopTimeout=2)
    execution = start(state_machine(sync_definition(cluster, definition), runs_tasks))
    ecs = client("ecs")
    task_arn = wait_until(
        lambda: ecs.list_tasks(cluster=cluster)["taskArns"], what="the execution's task"
    )[0]
    wait_for_status(cluster, task_arn, "RUNNING")

    # WHEN the execution is stopped
    client("stepfunctions").stop_execution(executionArn=execution)

    # THEN so is its task
    task = wait_for_status(cluster, task_arn, "STOPPED")
    assert task["stopCode"] == "UserInitiated"
    assert task["stoppedReason"] == "Execution stopped by AWS Step Functions"


def test_a_task_outliving_its_states_timeout_is_stopped(
    cluster, task_definition, state_machine, runs_tasks
):
    # GIVEN a state giving a task that runs until stopped 5 seconds
    definition = task_definition("import time\nwhile True: time.sleep(0.05)", stopTimeout=2)
    machine = state_machine(sync_definition(cluster, definition, TimeoutSeconds=5), runs_tasks)

    # WHEN it runs
    execution = wait_for_execution(start(machine), timeout=90)

    # THEN the state times out and its task is stopped, not left running
    assert (execution.status, execution.error) == ("FAILED", "States.Timeout")
    (submitted,) = execution.events("TaskSubmitted")
    task_arn = json.loads(submitted["taskSubmittedEventDetails"]["output"])["Tasks"][0]["TaskArn"]
    task = wait_for_status(cluster, task_arn, "STOPPED")
    assert task["stoppedReason"] == "Execution stopped by AWS Step Functions"


def test_a_container_runs_on_the_local_clouds_clock(
    cluster, task_definition, log_group, move_clock
):
    # GIVEN the local cloud's clock 15 days (at least) ahead of the host's, past an hour's
    # credentials and past the 14 days of past events CloudWatch Logs accepts, and a task role
    move_clock("P15D")
    role = client("iam").create_role(
        RoleName=f"t-{uuid.uuid4().hex[:8]}",
        AssumeRolePolicyDocument=json.dumps(TASK_ROLE_TRUST),
    )["Role"]["Arn"]

    # WHEN a container prints the time it reads, then calls AWS as its task role
    script = "import time, boto3; print(time.time()); boto3.client('sts').get_caller_identity()"
    task = run(cluster, task_definition(script, task={"taskRoleArn": role}))
    task = wait_for_status(cluster, task["taskArn"], "STOPPED")

    # THEN it read the clock's time, as on AWS the containers and the services share one clock,
    # the role's credentials, dated on that clock, were not expired for its SDK, and its output,
    # stamped on that clock, reached its log stream
    assert task["containers"][0]["exitCode"] == 0, log_lines(log_group, task)
    [printed] = log_lines(log_group, task)
    assert abs(float(printed) - clock_time()) < 60
    # AND DescribeTasks dates the task on that clock
    for moment in ("createdAt", "startedAt", "stoppedAt"):
        assert abs(task[moment].timestamp() - clock_time()) < 60, moment


# --- the console ----------------------------------------------------------------------------


def fargate_billed_seconds(task: dict) -> int:
    """Fargate bills from the image pull to the stop, per second, one minute at least."""
    return max(60, math.ceil((task["stoppedAt"] - task["pullStartedAt"]).total_seconds()))


def test_the_console_shows_each_attempts_task_with_its_logs_and_prices_its_fargate_time(
    cluster, task_definition, log_group, state_machine, runs_tasks
):
    # GIVEN a runTask.sync state whose first task exits 4 and whose retry's task exits 0, each
    # saying which it is in its log
    marker = f"/tmp/local-cloud-test-{uuid.uuid4().hex}"
    script = (
        f"import os, sys\nfirst = not os.path.exists({marker!r})\n"
        f"open({marker!r}, 'w').close()\nprint('first' if first else 'second')\n"
        "sys.exit(4 if first else 0)\n"
    )
    retry = {"ErrorEquals": ["States.TaskFailed"], "IntervalSeconds": 1, "MaxAttempts": 1}
    definition = sync_definition(cluster, task_definition(script), Retry=[retry])
    execution = wait_for_execution(start(state_machine(definition, runs_tasks)), timeout=120)
    assert execution.status == "SUCCEEDED", execution.cause

    # WHEN the console shows the execution
    answer = requests.get(
        f"{endpoint()}/_console/api/execution", params={"arn": execution.arn}, timeout=60
    )
    page = requests.get(
        f"{endpoint()}/_console/execution", params={"arn": execution.arn}, timeout=60
    ).text

    # THEN each attempt shows its own task: status, how it stopped, its container's exit and logs
    [visit] = answer.json()["visits"]
    first, second = (attempt["task"] for attempt in visit["attempts"])
    submitted = [
        json.loads(event["taskSubmittedEventDetails"]["output"])["Tasks"][0]["TaskArn"]
        for event in execution.events("TaskSubmitted")
    ]
    assert [first["taskArn"], second["taskArn"]] == submitted
    for task, exit_code, said in ((first, 4, "first"), (second, 0, "second")):
        assert task["lastStatus"] == "STOPPED"
        assert task["stopCode"] == "EssentialContainerExited"
        assert task["stoppedReason"] == "Essential container in task exited"
        assert task["startedAt"] and task["stoppedAt"]
        [container] = task["containers"]
        assert container["exitCode"] == exit_code
        assert container["logGroup"] == log_group
        assert container["logs"] == [said]
        assert task["taskArn"] in page
    # AND the cost counts both tasks' Fargate time: 0.25 vCPU and 0.5 GB each
    billed = sum(fargate_billed_seconds(described(cluster, t["taskArn"])) for t in (first, second))
    priced = answer.json()["cost"]
    assert Decimal(priced["fargateVcpuSeconds"]) == billed * Decimal("0.25")
    assert Decimal(priced["fargateGbSeconds"]) == billed * Decimal("0.5")
    lines = {line["item"]: Decimal(line["usd"]) for line in priced["standard"]}
    vcpu_usd = billed * Decimal("0.25") / 3600 * Decimal("0.04048")
    assert lines["Fargate vCPU"] == vcpu_usd.quantize(Decimal("0.00000001"))
    assert "ecs:runTask" not in priced["unpricedCalls"]
