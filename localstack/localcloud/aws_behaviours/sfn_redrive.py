"""RedriveExecution of a Standard execution that failed, timed out or was aborted, as AWS does it
for a failure in a top-level state: the execution runs again, same ARN, from the state it was in
when it ended, with that state's input; the states before it are not rerun. Its history goes on
with `ExecutionRedriven` (its `redriveCount`), and DescribeExecution shows `redriveCount`,
`redriveDate` and `redriveStatus`. localstack-core did not have the call (501).

A top-level Distributed Map's failed Map Run is redriven with it (sfn_map_run_redrive.py): only
its unsuccessful child workflows run again, their Map Run the same (`MapRunRedriven`).

Not as AWS (yet): an inline Map or a Parallel state is rerun whole (AWS reruns only its
unsuccessful iterations or branches), variables assigned before the failure are not restored,
and the 14-day redrive window is not kept.
"""

from __future__ import annotations

import json

from localstack.runtime import hooks

from localcloud.aws_behaviours.sfn_map_run_redrive import mark_for_redrive
from localcloud.clock.clock import CLOCK
from localcloud.support.patching import after_import

REDRIVABLE = ("FAILED", "TIMED_OUT", "ABORTED")


def resume_point(definition: str, events: list[dict]) -> tuple[str, str] | None:
    """The top-level state the execution was in when it ended, and that state's input text."""
    top_level = set(json.loads(definition).get("States") or {})
    for event in reversed(events):
        entered = event.get("stateEnteredEventDetails")
        if entered and entered["name"] in top_level:
            return entered["name"], entered.get("input") or "{}"
    return None


def starting_at(definition: str, state: str) -> str:
    document = json.loads(definition)
    document["StartAt"] = state
    return json.dumps(document)


@hooks.on_infra_start()
def redrive_executions_as_aws():
    @after_import(
        "localstack.services.stepfunctions.provider",
        requires=(
            "StepFunctionsProvider.describe_execution",
            "StepFunctionsProvider._get_execution",
            "StepFunctionsProvider._validate_state_machine_execution_arn",
        ),
    )
    def redrive_and_describe(provider_module):
        provider = provider_module.StepFunctionsProvider
        describe_execution = provider.describe_execution

        def redrive_execution(self, context, execution_arn, client_token=None, **kwargs):
            from localstack.aws.api.stepfunctions import ExecutionNotRedrivable

            self._validate_state_machine_execution_arn(execution_arn)
            execution = self._get_execution(context=context, execution_arn=execution_arn)
            status = str(execution.exec_status)
            if status not in REDRIVABLE or execution.sm_type != "STANDARD":
                raise ExecutionNotRedrivable(f"Execution is {status} and cannot be redriven")
            events = execution.exec_worker.env.event_manager.get_event_history()
            point = resume_point(execution.state_machine.definition, events)
            if point is None:
                raise ExecutionNotRedrivable("Execution ended before entering a state")
            redrive(execution, *point)
            return {"redriveDate": execution.redrive_date}

        def describe_redrives(self, context, execution_arn, *args, **kwargs):
            answer = describe_execution(self, context, execution_arn, *args, **kwargs)
            execution = self.get_store(context).executions.get(execution_arn)
            if execution is not None and execution.sm_type == "STANDARD":
                answer["redriveCount"] = getattr(execution, "redrive_count", 0)
                if hasattr(execution, "redrive_date"):
                    answer["redriveDate"] = execution.redrive_date
                redrivable = answer["status"] in REDRIVABLE
                answer["redriveStatus"] = "REDRIVABLE" if redrivable else "NOT_REDRIVABLE"
                if not redrivable:
                    reason = f"Execution is {answer['status']} and cannot be redriven"
                    answer["redriveStatusReason"] = reason
            return answer

        provider.redrive_execution = redrive_execution
        provider.describe_execution = describe_redrives


def redrive(execution, state: str, state_input: str) -> None:
    """Run the execution again from `state`, its history going on after ExecutionRedriven."""
    from localstack.aws.api.stepfunctions import ExecutionStatus

    previous = execution.exec_worker
    execution.redrive_count = getattr(execution, "redrive_count", 0) + 1
    execution.redrive_date = CLOCK.now()  # execution dates are on the local cloud's clock
    events = previous.env.event_manager.get_event_history()
    mark_for_redrive(
        previous.env.map_run_record_pool_manager, events, state, execution.redrive_date
    )
    execution.exec_status = ExecutionStatus.RUNNING
    execution.stop_date = execution.error = execution.cause = execution.output = None
    execution.exec_worker = _redrive_worker(execution, previous, state, json.loads(state_input))
    execution.publish_execution_status_change_event()
    execution.exec_worker.start()


def _redrive_worker(execution, previous, state: str, state_input):
    from localstack.aws.api.stepfunctions import ExecutionRedrivenEventDetails, HistoryEventType
    from localstack.services.stepfunctions.asl.eval.event.event_detail import EventDetails

    worker = execution._get_start_execution_worker()
    details = worker._evaluation_details.state_machine_details
    details.definition = starting_at(details.definition, state)
    history = previous.env.event_manager
    last_id = len(history.get_event_history())
    worker.env = previous.env  # until it runs: the calls on its Map Runs find them meanwhile

    def execution_logic() -> None:
        program = worker._get_evaluation_entrypoint()
        worker.env = env = worker._get_evaluation_environment()
        env.event_manager = history  # the history goes on where it ended
        env.map_run_record_pool_manager = previous.env.map_run_record_pool_manager
        env.event_history_context.source_event_id = last_id
        env.event_history_context.last_published_event_id = last_id
        env.states.reset(input_value=state_input)
        env.event_manager.add_event(
            context=env.event_history_context,
            event_type=HistoryEventType.ExecutionRedriven,
            event_details=EventDetails(
                executionRedrivenEventDetails=ExecutionRedrivenEventDetails(
                    redriveCount=execution.redrive_count
                )
            ),
        )
        program.eval(env)
        worker._execution_communication.terminated()

    worker._execution_logic = execution_logic
    return worker
