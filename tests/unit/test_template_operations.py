"""Nothing lost, nothing unseen: every dead-letter place keeps what a replay needs and raises an
alarm, every state machine's failures raise one, every log group has a retention."""

from __future__ import annotations

import json

import pytest

from devkit.local_cloud import PROJECT
from support.template import load_template

RESOURCES = load_template()["Resources"]


def of_type(kind: str) -> dict[str, dict]:
    return {name: r for name, r in RESOURCES.items() if r["Type"] == kind}


def referenced(value) -> str:
    """The logical id a !GetAtt X.Arn / !Ref X names (short forms are read as plain values)."""
    return (value if isinstance(value, str) else value[0]).split(".")[0]


def dead_letter_places() -> set[str]:
    """Queues that receive what something else gave up on."""
    places = set()
    for resource in RESOURCES.values():
        properties = resource.get("Properties", {})
        if "RedrivePolicy" in properties:
            places.add(referenced(properties["RedrivePolicy"]["deadLetterTargetArn"]))
        if "DeadLetterQueue" in properties:
            places.add(referenced(properties["DeadLetterQueue"]["TargetArn"]))
        for event in properties.get("Events", {}).values():
            failure = event.get("Properties", {}).get("DestinationConfig", {}).get("OnFailure")
            if failure:
                places.add(referenced(failure["Destination"]))
            if "Arn" in event.get("Properties", {}).get("DeadLetterConfig", {}):
                places.add(referenced(event["Properties"]["DeadLetterConfig"]["Arn"]))
        failure = properties.get("EventInvokeConfig", {}).get("DestinationConfig", {})
        if "OnFailure" in failure:
            places.add(referenced(failure["OnFailure"]["Destination"]))
        for target in properties.get("Targets", []):
            if "DeadLetterConfig" in target:
                places.add(referenced(target["DeadLetterConfig"]["Arn"]))
    return places


def alarms() -> list[dict]:
    return [r["Properties"] for r in of_type("AWS::CloudWatch::Alarm").values()]


def test_every_dead_letter_place_raises_an_alarm_to_the_operations_topic():
    places = dead_letter_places() | {"PreScreeningRejectedApplicationsQueue"}
    assert len(places) >= 5
    watched = {
        referenced(alarm["Dimensions"][0]["Value"])
        for alarm in alarms()
        if alarm.get("Namespace") == "AWS/SQS"
    }
    assert places <= watched
    for alarm in alarms():
        assert alarm["AlarmActions"] == ["OperationsTopic"]
    assert load_template()["Outputs"]["OperationsTopicArn"]["Value"] == "OperationsTopic"


# SAM events that become EventBridge rules with the function or state machine as their target.
RULE_EVENTS = {"Schedule", "EventBridgeRule", "CloudWatchEvent"}


def test_every_event_bridge_target_has_a_dead_letter_queue():
    for rule in of_type("AWS::Events::Rule").values():
        for target in rule["Properties"]["Targets"]:
            assert "DeadLetterConfig" in target
    rule_events = {
        f"{name}.{event_name}": event["Properties"]
        for name, resource in RESOURCES.items()
        for event_name, event in resource.get("Properties", {}).get("Events", {}).items()
        if event["Type"] in RULE_EVENTS
    }
    assert "CommsScheduleFunction.Retry" in rule_events
    for name, event in rule_events.items():
        assert "Arn" in event.get("DeadLetterConfig", {}), name


def test_every_function_invoked_asynchronously_keeps_what_it_failed_on():
    scheduled = {
        name: resource["Properties"]
        for name, resource in of_type("AWS::Serverless::Function").items()
        if any(
            event["Type"] in RULE_EVENTS
            for event in resource["Properties"].get("Events", {}).values()
        )
    }
    assert {"CommsScheduleFunction", "CommsReclaimFunction"} <= set(scheduled)
    for name, properties in scheduled.items():
        failure = properties.get("EventInvokeConfig", {}).get("DestinationConfig", {})
        assert failure.get("OnFailure", {}).get("Type") == "SQS", name


def test_a_dead_letter_queue_something_consumes_parks_what_keeps_failing_behind_it():
    consumed = {
        referenced(event["Properties"]["Queue"])
        for resource in of_type("AWS::Serverless::Function").values()
        for event in resource["Properties"].get("Events", {}).values()
        if event["Type"] == "SQS"
    }
    consumed_dead_letters = consumed & dead_letter_places()
    assert "CommsDeadLetterQueue" in consumed_dead_letters
    for queue in consumed_dead_letters:
        parked = RESOURCES[queue]["Properties"].get("RedrivePolicy", {})
        assert parked, f"{queue} is consumed but parks nothing"
        assert referenced(parked["deadLetterTargetArn"]) not in consumed, queue


@pytest.mark.parametrize("function", sorted(of_type("AWS::Serverless::Function")))
def test_every_function_raises_an_errors_alarm_to_the_operations_topic(function):
    alarm = RESOURCES.get(f"{function}ErrorsAlarm")
    assert alarm, f"{function} has no {function}ErrorsAlarm"
    assert alarm.get("Condition") == RESOURCES[function].get("Condition")
    properties = alarm["Properties"]
    assert (properties["Namespace"], properties["MetricName"]) == ("AWS/Lambda", "Errors")
    assert properties["Dimensions"] == [{"Name": "FunctionName", "Value": function}]
    assert (properties["ComparisonOperator"], properties["Threshold"]) == (
        "GreaterThanThreshold",
        0,
    )
    assert properties["AlarmActions"] == ["OperationsTopic"]


def test_the_stream_keeps_records_long_after_the_trigger_gives_up_on_them():
    stream = RESOURCES["PreScreeningApplicationStream"]["Properties"]
    trigger = RESOURCES["PreScreeningTriggerFunction"]["Properties"]["Events"]
    max_age_hours = (
        trigger["PreScreeningApplicationStream"]["Properties"]["MaximumRecordAgeInSeconds"] / 3600
    )
    # Days to replay a batch from its failure-queue pointer.
    assert stream["RetentionPeriodHours"] >= max_age_hours + 72


@pytest.mark.parametrize("machine", sorted(of_type("AWS::Serverless::StateMachine")))
def test_every_state_machine_alarms_on_failures_and_logs_errors_without_data(machine):
    watched = [
        json.dumps(alarm)
        for alarm in alarms()
        if "ExecutionsFailed" in json.dumps(alarm) and f'"{machine}"' in json.dumps(alarm)
    ]
    assert watched, machine
    logging = RESOURCES[machine]["Properties"]["Logging"]
    assert (logging["Level"], logging["IncludeExecutionData"]) == ("ERROR", False)


def test_every_log_group_has_the_retention_parameter():
    groups = of_type("AWS::Logs::LogGroup")
    named = {
        group["Properties"]["LogGroupName"]: group["Properties"]["RetentionInDays"]
        for group in groups.values()
    }
    for function in of_type("AWS::Serverless::Function"):
        assert named.get(f"/aws/lambda/${{{function}}}") == "LogRetentionDays", function
    assert set(named.values()) == {"LogRetentionDays"}


@pytest.mark.parametrize("workflow", ["payroll", "prescreening", "approval"])
def test_every_task_calling_sns_dynamodb_or_a_function_retries_with_jitter(workflow):
    definition = json.loads((PROJECT / "statemachine" / f"{workflow}.asl.json").read_text())

    def tasks(states: dict):
        for name, state in states.items():
            if state["Type"] == "Task":
                yield name, state
            for branch in state.get("Branches", []):
                yield from tasks(branch["States"])
            if "ItemProcessor" in state:
                yield from tasks(state["ItemProcessor"]["States"])

    for name, task in tasks(definition["States"]):
        retries = [r for r in task.get("Retry", []) if r.get("MaxAttempts", 3) > 0]
        assert retries, f"{workflow}.{name} has no Retry"
        assert any(r.get("JitterStrategy") == "FULL" for r in retries), f"{workflow}.{name}"
