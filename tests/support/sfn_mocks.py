"""Step Functions mock tests on the local cloud, from Step Functions Local MockConfigFiles.

Each workflow keeps its MockConfigFile at statemachine/test/<workflow>.mock.json, the same file
a Docker user mounts into Step Functions Local. Here the cases of every file are merged into
the one file LocalStack reads (SFN_MOCK_CONFIG, re-read when it changes), the state machine is
created from its ASL file under the name the MockConfigFile uses, and an execution is started
as `<stateMachineArn>#<TestCase>`.
"""

from __future__ import annotations

import json
import os
import re
import time
import uuid
from collections.abc import Iterable
from pathlib import Path

from devkit.local_cloud import (
    PROJECT,
    Execution,
    client,
    instance_folder,
    service_role,
    wait_for_execution,
)

MOCK_FILES = PROJECT / "statemachine" / "test"


def combined_mock_config_path() -> Path:
    """Where localstack/cloud.py told this port's LocalStack to read mock cases."""
    return instance_folder() / "sfn-mock-config.json"


def install_mock_configs() -> dict:
    """Merge every statemachine/test/*.mock.json into the file LocalStack reads."""
    merged: dict = {"StateMachines": {}, "MockedResponses": {}}
    for path in sorted(MOCK_FILES.glob("*.mock.json")):
        config = json.loads(path.read_text())
        for section in merged:
            clash = merged[section].keys() & config.get(section, {}).keys()
            if clash:
                raise ValueError(f"{path.name}: {section} names already used: {sorted(clash)}")
            merged[section].update(config.get(section, {}))
    target = combined_mock_config_path()
    target.parent.mkdir(parents=True, exist_ok=True)
    previous = target.stat().st_mtime if target.exists() else 0
    # Written aside and renamed over: tests in parallel workers install it while LocalStack
    # reads it, and must never see it half-written.
    written = target.with_name(f"{target.name}.{os.getpid()}.tmp")
    written.write_text(json.dumps(merged, indent=2))
    # LocalStack caches the file by its mtime in whole seconds: make every write a new second.
    stamp = max(time.time(), previous + 1)
    os.utime(written, (stamp, stamp))
    os.replace(written, target)
    return merged


def definition_from_asl(asl_file: str, substitutions: dict[str, str] | None = None) -> str:
    """The ASL file with every ${Name} filled: by substitutions, else by a dummy ARN (mocked
    tasks never call what the ARN names)."""
    text = (PROJECT / "statemachine" / asl_file).read_text()
    values = substitutions or {}

    def fill(match: re.Match) -> str:
        name = match.group(1)
        if name in values:
            return values[name]
        if name.endswith("Arn"):
            return f"arn:aws:lambda:us-east-1:000000000000:function:{name}"
        return name

    return re.sub(r"\$\{(\w+)\}", fill, text)


def create_mocked_state_machine(
    name: str,
    asl_file: str,
    substitutions: dict[str, str] | None = None,
    role_policy: dict | None = None,
) -> str:
    """(Re)create the state machine under the name its MockConfigFile uses; returns its ARN.
    `role_policy` grants what its tasks that are not mocked do."""
    install_mock_configs()
    return put_state_machine(name, definition_from_asl(asl_file, substitutions), role_policy)


def put_state_machine(name: str, definition: str, role_policy: dict | None = None) -> str:
    """Create the state machine, or give the one of that name this definition; its ARN. Its
    role (named as it) is granted `role_policy` alone: mocked tasks call nothing."""
    sfn = client("stepfunctions")
    role = service_role(client("iam"), name, "states.amazonaws.com", role_policy)
    arn = f"arn:aws:states:us-east-1:000000000000:stateMachine:{name}"
    try:
        sfn.update_state_machine(stateMachineArn=arn, definition=definition, roleArn=role)
    except sfn.exceptions.StateMachineDoesNotExist:
        arn = sfn.create_state_machine(name=name, definition=definition, roleArn=role)[
            "stateMachineArn"
        ]
    return arn


def start_test_case(state_machine_arn: str, test_case: str, execution_input: dict) -> str:
    """The ARN of a new execution of the mock case."""
    return client("stepfunctions").start_execution(
        stateMachineArn=f"{state_machine_arn}#{test_case}",
        name=f"{test_case}-{uuid.uuid4().hex[:8]}",
        input=json.dumps(execution_input),
    )["executionArn"]


def run_test_case(
    state_machine_arn: str, test_case: str, execution_input: dict, timeout: float = 60
) -> Execution:
    execution_arn = start_test_case(state_machine_arn, test_case, execution_input)
    return wait_for_execution(execution_arn, timeout)


def run_succeeding_case(
    state_machine_arn: str, test_case: str, execution_input: dict, timeout: float = 60
) -> Execution:
    """run_test_case for a case whose execution must succeed (else its error and cause show)."""
    return succeeded(run_test_case(state_machine_arn, test_case, execution_input, timeout))


def succeeded(execution: Execution) -> Execution:
    assert execution.status == "SUCCEEDED", (execution.error, execution.cause)
    return execution


class StartedTogether:
    """Executions of mock cases, every one started at once (when a test module begins) so that
    their Retry intervals and timeouts, real seconds as in AWS, elapse side by side rather than
    one test after another; each test then waits for its own, named by its case and input."""

    def __init__(self, state_machine_arn: str, runs: Iterable[tuple[str, dict]]):
        self._executions = {
            _run_key(case, given): start_test_case(state_machine_arn, case, given)
            for case, given in runs
        }

    def finished(self, test_case: str, execution_input: dict, timeout: float = 90) -> Execution:
        return wait_for_execution(self._executions[_run_key(test_case, execution_input)], timeout)

    def succeeded(self, test_case: str, execution_input: dict, timeout: float = 90) -> Execution:
        """finished() for a case whose execution must succeed."""
        return succeeded(self.finished(test_case, execution_input, timeout))


def _run_key(test_case: str, execution_input: dict) -> str:
    return f"{test_case} {json.dumps(execution_input, sort_keys=True)}"
