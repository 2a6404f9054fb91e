"""Step Functions execution status-change events shaped as AWS sends them.

localstack-core already puts a "Step Functions Execution Status Change" event on the default
bus for RUNNING, SUCCEEDED, FAILED, TIMED_OUT and ABORTED, but writes startDate and stopDate as
ISO strings; AWS sends epoch milliseconds (numbers), which is what consumers parse. This
replaces the publishing method with one that builds the AWS shape:

    detail: executionArn, stateMachineArn, name, status, startDate, stopDate (epoch ms or
    null), input (string), inputDetails, output (string or null), outputDetails, error, cause
"""

from __future__ import annotations

import datetime
import json
import logging

from localstack.runtime import hooks

from localcloud.patching import after_import

LOG = logging.getLogger(__name__)

DETAIL_TYPE = "Step Functions Execution Status Change"


def epoch_millis(moment: datetime.datetime | None) -> int | None:
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.UTC)
    return int(moment.timestamp() * 1000)


def _as_json_string(value) -> str | None:
    if value is None:
        return None
    return value if isinstance(value, str) else json.dumps(value, separators=(",", ":"))


def status_change_detail(execution) -> dict:
    terminal = execution.output is not None
    return {
        "executionArn": execution.exec_arn,
        "stateMachineArn": execution.state_machine.arn,
        "name": execution.name,
        "status": str(execution.exec_status),
        "startDate": epoch_millis(execution.start_date),
        "stopDate": epoch_millis(execution.stop_date),
        "input": _as_json_string(execution.input_data) or "{}",
        "inputDetails": {"included": True},
        "output": _as_json_string(execution.output),
        "outputDetails": {"included": True} if terminal else None,
        "error": execution.error,
        "cause": execution.cause,
    }


def publish_execution_status_change_event(self) -> None:
    entry = {
        "Source": "aws.states",
        "Resources": [self.exec_arn],
        "DetailType": DETAIL_TYPE,
        "Detail": json.dumps(status_change_detail(self), default=str),
    }
    try:
        self._get_events_client().put_events(Entries=[entry])
    except Exception:
        LOG.exception("could not put the status change of %s on EventBridge", self.exec_arn)


@hooks.on_infra_start()
def publish_status_changes_as_aws():
    after_import(
        "localstack.services.stepfunctions.backend.execution",
        requires=("Execution.publish_execution_status_change_event",),
    )(_patch)


def _patch(execution_module) -> None:
    execution_module.Execution.publish_execution_status_change_event = (
        publish_execution_status_change_event
    )
    LOG.info("Step Functions status-change events: AWS shape (epoch-millisecond dates)")
