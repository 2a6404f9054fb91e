"""Starting and stopping the local cloud when the machine is not in a clean state.

Each test runs its own instance on a free port, so the suite's main instance is untouched.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import urllib.request
from pathlib import Path

from devkit.local_cloud import (
    client,
    cloud,
    instance_folder,
    local_cloud_pid,
    memory,
    service_role,
    wait_until,
    zip_sources,
)
from localcloud.support.procfs import group_members


def healthy(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/_localstack/health", timeout=1) as r:
            return bool(json.load(r).get("services"))
    except OSError:
        return False


def test_up_refuses_a_port_another_program_holds(port):
    # GIVEN another program listening on the port
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", port))
        squatter.listen()

        # WHEN the local cloud is asked to start there
        result = cloud("up", port)

    # THEN it says so and fails
    assert result.returncode == 1
    assert f"port {port} on 127.0.0.1 is already in use" in result.stderr


def test_up_recovers_after_the_emulator_crashed(port):
    # GIVEN a running local cloud that is then killed outright
    assert cloud("up", port).returncode == 0
    pid = local_cloud_pid(port)
    os.killpg(pid, signal.SIGKILL)
    wait_until(lambda: not healthy(port), timeout=10, what="the killed emulator to go")

    # WHEN it is started again
    result = cloud("up", port)

    # THEN it is healthy again
    assert result.returncode == 0, result.stderr
    assert healthy(port)


def test_up_recovers_from_a_stale_state_folder(port):
    # GIVEN a state folder left with junk and a pid file naming a process that is not ours
    state = instance_folder(port) / "state"
    (state / "tmp").mkdir(parents=True, exist_ok=True)
    (state / "junk.json").write_text("{not json")
    (instance_folder(port) / "localstack.pid").write_text(str(os.getpid()))

    # WHEN the local cloud starts
    result = cloud("up", port)

    # THEN it starts cleanly, the junk is gone, and our own process was left alone
    assert result.returncode == 0, result.stderr
    assert healthy(port)
    assert not (state / "junk.json").exists()


def test_up_restarts_a_cloud_whose_plugins_changed_since_it_started(port):
    # GIVEN a running local cloud whose plugins were edited since it started (its record of
    # them no longer matches the sources)
    assert cloud("up", port).returncode == 0
    before = local_cloud_pid(port)
    (instance_folder(port) / "plugins.stamp").write_text("the plugins as they were")

    # WHEN it is asked to be up, as `make test` asks
    result = cloud("up", port)

    # THEN it restarted, so that what runs is the plugins as they are now
    assert result.returncode == 0, result.stderr
    assert "plugins changed since it started: restarting it" in result.stdout
    restarted = local_cloud_pid(port)
    assert restarted != before
    assert healthy(port)
    # AND asked again, it is left running
    again = cloud("up", port)
    assert "already running" in again.stdout
    assert local_cloud_pid(port) == restarted


def test_a_first_request_reads_the_index_of_aws_apis_set_up_made(port, monkeypatch):
    # GIVEN a local cloud just started (every start wipes LocalStack's own folders)
    assert cloud("up", port).returncode == 0
    monkeypatch.setenv("LOCAL_CLOUD_PORT", str(port))  # support's clients reach this instance

    # WHEN it answers its first AWS request
    client("sqs").list_queues()

    # THEN it found its index of AWS APIs made by set-up: it did not build one from every
    # service's spec, which took 4 s and kept 440 MB of specs loaded (560 MB in all)
    assert memory(local_cloud_pid(port)).own_rss < 300 * 2**20


def test_down_kills_an_emulator_that_ignores_sigterm(port):
    # GIVEN a process standing in for an emulator that ignores SIGTERM
    stubborn = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); "
            "print('ignoring', flush=True); time.sleep(120)",
            "localstack.runtime.main",
        ],
        stdout=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    # (once it ignores SIGTERM: a SIGTERM before that ended it, and nothing was left to kill)
    assert stubborn.stdout.readline() == "ignoring\n"
    instance_folder(port).mkdir(parents=True, exist_ok=True)
    (instance_folder(port) / "localstack.pid").write_text(str(stubborn.pid))

    # WHEN the local cloud is stopped with a short deadline
    result = cloud("down", port, LOCAL_CLOUD_STOP_DEADLINE="1")

    # THEN it escalated to a kill
    assert result.returncode == 0
    assert "killing" in result.stdout
    assert stubborn.wait(timeout=10) == -signal.SIGKILL


IMPORTER_IMAGE = "000000000000.dkr.ecr.us-east-1.amazonaws.com/local-cloud-tests/importer:latest"


def run_a_function_and_a_task() -> None:
    """Leave the local cloud (LOCAL_CLOUD_PORT) with a function's zygote and handler process,
    its event poller, and an ECS task's container running."""
    lam = client("lambda")
    role = service_role(client("iam"), "stop", "lambda.amazonaws.com")
    code = {"ZipFile": zip_sources({"app.py": "def handler(e, c):\n    return 1\n"})}
    lam.create_function(
        FunctionName="stop", Runtime="python3.13", Role=role, Handler="app.handler", Code=code
    )
    lam.get_waiter("function_active_v2").wait(FunctionName="stop")
    assert lam.invoke(FunctionName="stop")["Payload"].read() == b"1"
    ecs = client("ecs")
    cluster = ecs.create_cluster(clusterName="stop")["cluster"]["clusterArn"]
    container = {"name": "main", "image": IMPORTER_IMAGE, "essential": True}
    container["entryPoint"] = ["python", "-c", "import time; time.sleep(300)"]
    definition = ecs.register_task_definition(
        family="stop",
        requiresCompatibilities=["FARGATE"],
        networkMode="awsvpc",
        cpu="256",
        memory="512",
        containerDefinitions=[container],
    )["taskDefinition"]["taskDefinitionArn"]
    network = {"awsvpcConfiguration": {"subnets": ["subnet-12345678"]}}
    task = ecs.run_task(
        cluster=cluster,
        taskDefinition=definition,
        launchType="FARGATE",
        networkConfiguration=network,
    )["tasks"][0]["taskArn"]
    wait_until(
        lambda: (
            ecs.describe_tasks(cluster=cluster, tasks=[task])["tasks"][0]["lastStatus"] == "RUNNING"
        ),
        60,
        what="the task to run",
    )


def test_a_cloud_that_ran_functions_and_a_task_exits_by_itself_on_sigterm(port, monkeypatch):
    # GIVEN a local cloud that ran a function and runs an ECS task
    assert cloud("up", port).returncode == 0
    monkeypatch.setenv("LOCAL_CLOUD_PORT", str(port))  # support's clients reach this instance
    run_a_function_and_a_task()
    group = local_cloud_pid(port)
    members = group_members(group)
    assert len(members) >= 3  # LocalStack, the zygote, the task's container

    # WHEN it is stopped, with SIGKILL 3 s after SIGTERM (it used to wait on a long poll, an
    # unreaped orphan, a sleeping reactor and the interpreter's teardown: 5-10 s)
    result = cloud("down", port, LOCAL_CLOUD_STOP_DEADLINE="3")

    # THEN the emulator exited by itself on SIGTERM, and none of its processes outlived it
    assert result.returncode == 0, result.stderr
    assert "exited on SIGTERM" in result.stdout, result.stdout
    assert "outlived it" not in result.stdout, result.stdout
    assert group_members(group) == []
    # AND libfaketime's shared memory of its processes is gone (not left for the next start)
    left = [
        p.name
        for p in Path("/dev/shm").glob("*faketime_*")
        if p.name.rpartition("_")[2] in {str(pid) for pid in members}
    ]
    assert left == []


def listening_addresses(port: int) -> set[str]:
    """Local addresses of the TCP sockets listening on this port, from /proc/net/tcp{,6}."""
    addresses = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, hex_port = local.split(":")
            if state == "0A" and int(hex_port, 16) == port:
                addresses.add(address)
    return addresses


def test_the_gateway_listens_on_loopback_only(port):
    # GIVEN a running local cloud
    assert cloud("up", port).returncode == 0

    # WHEN we look at what listens on its port
    addresses = listening_addresses(port)

    # THEN it is 127.0.0.1 alone (little-endian hex in /proc), no wildcard and no IPv6
    assert addresses == {"0100007F"}


def test_a_runtime_not_prepared_fails_creation_saying_how_to_add_it(port, monkeypatch):
    # GIVEN a local cloud set to offer python3.13 alone
    assert cloud("up", port, LOCAL_CLOUD_PYTHON_RUNTIMES="python3.13").returncode == 0
    monkeypatch.setenv("LOCAL_CLOUD_PORT", str(port))  # support's clients reach this instance
    lam = client("lambda")
    role = service_role(client("iam"), "on-python312", "lambda.amazonaws.com")

    # WHEN a python3.12 function is created there
    lam.create_function(
        FunctionName="on-python312",
        Runtime="python3.12",
        Role=role,
        Handler="app.handler",
        Code={"ZipFile": zip_sources({"app.py": "def handler(e, c):\n    return 1\n"})},
    )

    def settled():
        config = lam.get_function_configuration(FunctionName="on-python312")
        return config if config["State"] != "Pending" else None

    config = wait_until(settled, 30, what="the function's creation to end")

    # THEN its creation failed, and the reason says how to add the runtime
    assert config["State"] == "Failed"
    assert "Runtime python3.12 is not prepared" in config["StateReason"]
    assert "pyenv install 3.12" in config["StateReason"]
    assert "make setup" in config["StateReason"]
    assert "LOCAL_CLOUD_PYTHON_RUNTIMES" in config["StateReason"]
    # AND it can be deleted, as on AWS
    lam.delete_function(FunctionName="on-python312")


def test_setup_refuses_a_runtime_lambda_does_not_offer(port):
    # WHEN set-up is asked for a Python runtime Lambda no longer offers for new functions
    result = cloud("setup", port, LOCAL_CLOUD_PYTHON_RUNTIMES="python3.13 python3.8")

    # THEN it fails naming it and the runtimes there are
    assert result.returncode == 1
    assert "LOCAL_CLOUD_PYTHON_RUNTIMES names python3.8" in result.stderr
    assert "python3.10, python3.11, python3.12, python3.13" in result.stderr


def test_closed_executions_are_forgotten_after_the_retention_set(port, monkeypatch):
    # GIVEN a local cloud keeping closed executions 3 seconds (LOCAL_CLOUD_SFN_RETENTION_MINUTES)
    assert cloud("up", port, LOCAL_CLOUD_SFN_RETENTION_MINUTES="0.05").returncode == 0
    monkeypatch.setenv("LOCAL_CLOUD_PORT", str(port))  # support's clients reach this instance
    sfn = client("stepfunctions")
    role = service_role(client("iam"), "retention", "states.amazonaws.com")  # Pass and Wait only
    definitions = {
        "quick": {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}},
        "slow": {"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 120, "End": True}}},
    }
    started = {}
    for name, definition in definitions.items():
        machine = sfn.create_state_machine(
            name=name, definition=json.dumps(definition), roleArn=role
        )["stateMachineArn"]
        started[name] = sfn.start_execution(stateMachineArn=machine)["executionArn"]

    # WHEN the retention has passed for the closed one
    def forgotten() -> bool:
        try:
            sfn.describe_execution(executionArn=started["quick"])
        except sfn.exceptions.ExecutionDoesNotExist:
            return True
        return False

    wait_until(forgotten, 60, interval=1, what="the closed execution to be forgotten")

    # THEN the running one is still there
    assert sfn.describe_execution(executionArn=started["slow"])["status"] == "RUNNING"


def test_the_emulator_runs_with_few_malloc_arenas():
    # GIVEN the suite's local cloud, started by `make up`
    pid = local_cloud_pid()

    # WHEN its environment is read
    environ = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")

    # THEN glibc keeps two arenas, not one per thread (LocalStack runs hundreds of threads, and
    # an arena keeps what is freed in it)
    assert b"MALLOC_ARENA_MAX=2" in environ


def test_an_idle_event_source_mapping_polls_again_within_a_second():
    # GIVEN the suite's local cloud, started by `make up`
    pid = local_cloud_pid()

    # WHEN its environment is read
    environ = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")

    # THEN a mapping whose queue or stream was empty polls again within a second, as AWS's
    # pollers do, not after LocalStack's 10 s backoff (a message on a quiet queue waited for it)
    assert b"LAMBDA_EVENT_SOURCE_MAPPING_MAX_BACKOFF_ON_EMPTY_POLL_SEC=1" in environ
