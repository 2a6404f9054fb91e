"""RedriveExecution of a Standard execution that failed, timed out or was aborted, as AWS does it:
the execution runs again, same ARN, from the top-level state it was in when it ended, with that
state's input and the variables assigned before it; the states before it are not rerun, and a
Parallel or inline Map reruns only its branches or iterations that did not succeed, each from
where it ended (sfn_redrive_scopes.py). Its history goes on with `ExecutionRedriven` (its
`redriveCount`), and DescribeExecution shows `redriveCount`, `redriveDate` and `redriveStatus`.
An execution can be redriven for 14 days from its end, on the local cloud's clock; after them
RedriveExecution is refused (`ExecutionNotRedrivable`) and DescribeExecution says why, in AWS's
words ("Execution redrivable period exceeded"). localstack-core did not have the call (501).

The failed Map Run of a Distributed Map it ended in, at top level or in a Parallel's branch or a
Map's iteration, is redriven with it (sfn_map_run_redrive.py): only its unsuccessful child
workflows run again, their Map Run the same (`MapRunRedriven`).

Not as AWS: ExecutionNotRedrivable's message past the 14 days is AWS's `redriveStatusReason`
(AWS does not document the error's text); the other refusals AWS lists (a history of 24,999
events, an execution open for a year, a state machine being deleted) are not made.
"""

from __future__ import annotations

import datetime

from localstack.runtime import hooks

from localcloud.aws_behaviours.sfn_redrive_scopes import Resume, fate_of
from localcloud.clock.clock import CLOCK
from localcloud.support.patching import after_import

REDRIVABLE = ("FAILED", "TIMED_OUT", "ABORTED")
# From the end of the execution (its stop date), on the local cloud's clock.
REDRIVABLE_PERIOD = datetime.timedelta(days=14)


def why_not_redrivable(status: str, stop_date: datetime.datetime | None) -> str | None:
    """AWS's reason (`redriveStatusReason`, ExecutionNotRedrivable's message) an execution that
    ended `status` at `stop_date` cannot be redriven now; None if it can."""
    if status not in REDRIVABLE:
        return f"Execution is {status} and cannot be redriven"
    if stop_date is not None and CLOCK.now() - stop_date > REDRIVABLE_PERIOD:
        return "Execution redrivable period exceeded"
    return None


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
            reason = why_not_redrivable(status, execution.stop_date)
            if reason is not None or execution.sm_type != "STANDARD":
                raise ExecutionNotRedrivable(
                    reason or f"Execution is {status} and cannot be redriven"
                )
            # Where it ended, as each branch's own end is found (sfn_redrive_scopes.py).
            resume = fate_of(execution.exec_worker.env)
            if not isinstance(resume, Resume) or resume.state is None:
                raise ExecutionNotRedrivable("Execution ended before entering a state")
            redrive(execution, resume)
            return {"redriveDate": execution.redrive_date}

        def describe_redrives(self, context, execution_arn, *args, **kwargs):
            answer = describe_execution(self, context, execution_arn, *args, **kwargs)
            execution = self.get_store(context).executions.get(execution_arn)
            if execution is not None and execution.sm_type == "STANDARD":
                answer["redriveCount"] = getattr(execution, "redrive_count", 0)
                if hasattr(execution, "redrive_date"):
                    answer["redriveDate"] = execution.redrive_date
                reason = why_not_redrivable(answer["status"], execution.stop_date)
                answer["redriveStatus"] = "NOT_REDRIVABLE" if reason else "REDRIVABLE"
                if reason is not None:
                    answer["redriveStatusReason"] = reason
            return answer

        provider.redrive_execution = redrive_execution
        provider.describe_execution = describe_redrives


def redrive(execution, resume: Resume) -> None:
    """Run the execution again where `resume` says, its history going on after
    ExecutionRedriven."""
    from localstack.aws.api.stepfunctions import ExecutionStatus

    previous = execution.exec_worker
    execution.redrive_count = getattr(execution, "redrive_count", 0) + 1
    execution.redrive_date = CLOCK.now()  # execution dates are on the local cloud's clock
    execution.exec_status = ExecutionStatus.RUNNING
    execution.stop_date = execution.error = execution.cause = execution.output = None
    execution.exec_worker = _redrive_worker(execution, previous, resume)
    execution.publish_execution_status_change_event()
    execution.exec_worker.start()


def _redrive_worker(execution, previous, resume: Resume):
    from localstack.aws.api.stepfunctions import ExecutionRedrivenEventDetails, HistoryEventType
    from localstack.services.stepfunctions.asl.eval.event.event_detail import EventDetails

    worker = execution._get_start_execution_worker()
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
        env.redrive_resume = resume  # where each scope goes on (sfn_redrive_scopes.py)
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
