"""Starting payroll runs in Step Functions."""

from __future__ import annotations

import json

from common.aws import client


def start_run(state_machine_arn: str, name: str, state: dict) -> str | None:
    """Start an execution under a name unique to the uploaded object; its ARN, or None when an
    execution of that name already ran.

    Step Functions answers a repeated name with the running execution's ARN (same input) or
    with ExecutionAlreadyExists (finished, or different input): either way no second run.
    """
    sfn = client("stepfunctions")
    try:
        started = sfn.start_execution(
            stateMachineArn=state_machine_arn, name=name, input=json.dumps(state)
        )
    except sfn.exceptions.ExecutionAlreadyExists:
        return None
    return started["executionArn"]
