"""A Map Run is redriven 1,000 times at most, as on AWS; the redrive past it fails the Map with
States.Runtime, starting no Map Run (localcloud/aws_behaviours/sfn_map_run_redrive.py).

A thousand redrives of a real parent take minutes: the plugin's counting runs here on LocalStack's
own Map Run records and pool, in the local cloud's Python (the tests' Python has no LocalStack).
The parent's redrive around it is tested on a running instance (test_sfn_redrive.py:
DescribeMapRun's redriveCount going up with each redrive)."""

from __future__ import annotations

from support.localstack_python import run_in_localstack_python

REDRIVES = """
import importlib, json, types
from localstack.aws.api.stepfunctions import MapRunStatus
from localstack.services.stepfunctions.asl.component.common.error_name.failure_event import (
    FailureEventException,
)
from localcloud.aws_behaviours.sfn_map_run_redrive import _take_up

records = importlib.import_module(
    "localstack.services.stepfunctions.asl.component.state.state_execution.state_map"
    ".iteration.itemprocessor.map_run_record"
)

MACHINE = "arn:aws:states:us-east-1:000000000000:stateMachine:parent"
pool = records.MapRunRecordPoolManager()
# What a Map state's run hands the Map Run: its environment and eval input.
env = types.SimpleNamespace(
    map_run_record_pool_manager=pool,
    next_state_name="EachItem",
    event_history_context=types.SimpleNamespace(source_event_id=0),
)


def new_map_run():
    execution = MACHINE.replace("stateMachine", "execution") + ":run"
    record = records.MapRunRecord(MACHINE, execution, 0, 0, 0.0, None)
    pool.add(record)  # as the Map state does before its Map Run starts
    return types.SimpleNamespace(map_run_record=record)


failed = new_map_run().map_run_record
failed.set_stop(status=MapRunStatus.FAILED)
taken_up, refusal = 0, None
for _ in range(1002):  # one more than a limit of 1000 would refuse
    try:
        _take_up(env, new_map_run(), failed)
        taken_up += 1
    except FailureEventException as refused:
        refusal = refused.failure_event
        break
    failed.set_stop(status=MapRunStatus.FAILED)  # its rerun children failed again
details = refusal.event_details["mapRunFailedEventDetails"] if refusal else {}
print(json.dumps({
    "taken_up": taken_up,
    "redrive_count": failed.redrive_count,
    "status": str(failed.status),
    "error": refusal.error_name.error_name if refusal else None,
    "cause": details.get("cause", ""),
    "map_runs": [record.map_run_arn for record in pool.get_all()],
    "failed": failed.map_run_arn,
}))
"""


def test_a_map_run_is_taken_up_1000_times_then_its_map_fails_with_states_runtime():
    # GIVEN a failed Map Run, redriven with its parent until refused
    outcome = run_in_localstack_python(REDRIVES)

    # THEN it was taken up 1,000 times, each counted, and the next redrive failed the Map
    assert (outcome["taken_up"], outcome["redrive_count"]) == (1000, 1000)
    assert outcome["error"] == "States.Runtime"
    assert "more than 1000 times" in outcome["cause"]
    # AND it is left as it was, failed, the only Map Run: the refused redrive started none
    assert outcome["status"] == "FAILED"
    assert outcome["map_runs"] == [outcome["failed"]]
