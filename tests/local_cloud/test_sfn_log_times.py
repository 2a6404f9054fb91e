"""An Express workflow's CloudWatch Logs entries carry their time as AWS writes it, epoch
milliseconds in a string (localcloud/aws_behaviours/sfn_log_times.py)."""

from __future__ import annotations

import json
import uuid

from devkit.local_cloud import client, service_role, wait_until

# What a state machine's role needs to log to CloudWatch Logs, as AWS documents it (these log
# delivery actions take no resource but "*").
LOG_DELIVERY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Action": [
                "logs:CreateLogDelivery",
                "logs:GetLogDelivery",
                "logs:UpdateLogDelivery",
                "logs:DeleteLogDelivery",
                "logs:ListLogDeliveries",
                "logs:PutResourcePolicy",
                "logs:DescribeResourcePolicies",
                "logs:DescribeLogGroups",
            ],
            "Resource": "*",
        }
    ],
}


def test_express_log_entries_carry_epoch_millisecond_times(local_cloud):
    # GIVEN an Express state machine logging ALL to a log group
    logs, run = client("logs"), uuid.uuid4().hex[:8]
    group = f"/aws/vendedlogs/states/log-times-{run}"
    logs.create_log_group(logGroupName=group)
    group_arn = logs.describe_log_groups(logGroupNamePrefix=group)["logGroups"][0]["arn"]
    sfn = client("stepfunctions", inject_host_prefix=False)
    arn = sfn.create_state_machine(
        name=f"log-times-{run}",
        type="EXPRESS",
        roleArn=service_role(client("iam"), "log-times", "states.amazonaws.com", LOG_DELIVERY),
        definition=json.dumps({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}),
        loggingConfiguration={
            "level": "ALL",
            "includeExecutionData": True,
            "destinations": [{"cloudWatchLogsLogGroup": {"logGroupArn": group_arn}}],
        },
    )["stateMachineArn"]
    try:
        # WHEN it runs
        assert sfn.start_sync_execution(stateMachineArn=arn, input="{}")["status"] == "SUCCEEDED"

        # THEN each entry's event_timestamp is its log event's time, in epoch milliseconds
        def all_entries():
            events = logs.filter_log_events(logGroupName=group)["events"]
            ended = any('"ExecutionSucceeded"' in event["message"] for event in events)
            return events if ended else None

        events = wait_until(all_entries, 30, what="the execution's log entries")
        for event in events:
            entry = json.loads(event["message"])
            assert entry["event_timestamp"] == str(event["timestamp"]), entry
            assert len(entry["event_timestamp"]) == 13
    finally:
        sfn.delete_state_machine(stateMachineArn=arn)
        logs.delete_log_group(logGroupName=group)
