"""Step Functions execution status-change events shaped as AWS sends them.

localstack-core already puts a "Step Functions Execution Status Change" event on the default
bus for RUNNING, SUCCEEDED, FAILED, TIMED_OUT and ABORTED, but writes startDate and stopDate as
ISO strings (AWS sends epoch milliseconds, which is what consumers parse), always sends null
version and alias ARNs, and gives up without a trace when the output does not serialise. This
replaces the publishing method with one that builds the AWS shape:

    detail: executionArn, stateMachineArn, stateMachineAliasArn, stateMachineVersionArn (null
    unless the execution was started through one), name, status, startDate, stopDate (epoch ms
    or null), input (string), inputDetails, output (string or null), outputDetails, error, cause

Input and output are the strings DescribeExecution returns for the execution (timestamps a
service integration put into the output render the same way there and here), left out as AWS
leaves them out to fit EventBridge's quota: the input when input and output escaped together
exceed 248 KB, the output when it alone does (inputDetails/outputDetails say so). A failure to
publish is logged with the execution's ARN.
"""

from __future__ import annotations

import datetime
import json
import logging

from localcloud.support.patching import patch_plugin

LOG = logging.getLogger(__name__)

DETAIL_TYPE = "Step Functions Execution Status Change"
# What the input and output may take of an event, escaped as they are inside its JSON.
PAYLOAD_QUOTA_BYTES = 248 * 1024


def epoch_millis(moment: datetime.datetime | None) -> int | None:
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.UTC)
    return int(moment.timestamp() * 1000)


def _as_json_string(value) -> str | None:
    """The execution's input or output as DescribeExecution renders it."""
    from localstack.services.stepfunctions.asl.utils.encoding import to_json_str

    if value is None:
        return None
    return value if isinstance(value, str) else to_json_str(value, separators=(",", ":"))


def _escaped_size(text: str | None) -> int:
    return len(json.dumps(text).encode()) if text is not None else 0


def status_change_detail(execution) -> dict:
    input_text = _as_json_string(execution.input_data) or "{}"
    output_text = _as_json_string(execution.output)
    include_input = _escaped_size(input_text) + _escaped_size(output_text) <= PAYLOAD_QUOTA_BYTES
    include_output = _escaped_size(output_text) <= PAYLOAD_QUOTA_BYTES
    return {
        "executionArn": execution.exec_arn,
        "stateMachineArn": execution.state_machine_arn,
        "stateMachineAliasArn": execution.state_machine_alias_arn,
        "stateMachineVersionArn": execution.state_machine_version_arn,
        "name": execution.name,
        "status": str(execution.exec_status),
        "startDate": epoch_millis(execution.start_date),
        "stopDate": epoch_millis(execution.stop_date),
        "input": input_text if include_input else None,
        "inputDetails": {"included": include_input},
        "output": output_text if include_output else None,
        "outputDetails": {"included": include_output} if output_text is not None else None,
        "error": execution.error,
        "cause": execution.cause,
    }


def publish_execution_status_change_event(self) -> None:
    from localstack.services.stepfunctions.asl.utils.encoding import to_json_str

    try:
        entry = {
            "Source": "aws.states",
            "Resources": [self.exec_arn],
            "DetailType": DETAIL_TYPE,
            "Detail": to_json_str(status_change_detail(self)),
        }
        answer = self._get_events_client().put_events(Entries=[entry])
        if answer.get("FailedEntryCount"):
            LOG.error(
                "EventBridge refused the %s status change of %s: %s",
                self.exec_status,
                self.exec_arn,
                answer["Entries"],
            )
    except Exception:
        LOG.exception(
            "could not publish the %s status change of %s on EventBridge",
            self.exec_status,
            self.exec_arn,
        )


@patch_plugin(
    "localstack.services.stepfunctions.backend.execution",
    requires=("Execution.publish_execution_status_change_event",),
)
def publish_status_changes_as_aws(execution_module) -> None:
    execution_module.Execution.publish_execution_status_change_event = (
        publish_execution_status_change_event
    )
    LOG.info("Step Functions status-change events: AWS shape (epoch-millisecond dates)")
