"""Mocked Step Functions responses may throw the States.* errors, as in Step Functions Local.

localstack-core builds a mocked Throw's error as a custom error name, which refuses the
"States." prefix (a rule for errors a task raises itself), so a MockConfigFile cannot mock a
task timing out ("Throw": {"Error": "States.Timeout"}) to test a Retry on States.Timeout.
Step Functions Local accepts it. This builds States.* names as the built-in error instead.
"""

from localcloud.support.patching import patch_plugin


@patch_plugin(
    "localstack.services.stepfunctions.asl.component.state.state_execution.state_task"
    ".local_mock_eval_utils",
    requires=("_eval_mocked_response_throw",),
)
def allow_states_errors_in_mocked_throws(local_mock_eval_utils) -> None:
    from localstack.aws.api.stepfunctions import HistoryEventType, TaskFailedEventDetails
    from localstack.services.stepfunctions.asl.component.common.error_name.custom_error_name import (  # noqa: E501
        CustomErrorName,
    )
    from localstack.services.stepfunctions.asl.component.common.error_name.failure_event import (
        FailureEvent,
        FailureEventException,
    )
    from localstack.services.stepfunctions.asl.component.common.error_name.states_error_name import (  # noqa: E501
        StatesErrorName,
    )
    from localstack.services.stepfunctions.asl.eval.event.event_detail import EventDetails

    def eval_mocked_throw(env, mocked_response) -> None:
        error = mocked_response.error
        if error.startswith("States."):
            error_name = StatesErrorName.from_name(error)
        else:
            error_name = CustomErrorName(error)
        raise FailureEventException(
            failure_event=FailureEvent(
                env=env,
                error_name=error_name,
                event_type=HistoryEventType.TaskFailed,
                event_details=EventDetails(
                    taskFailedEventDetails=TaskFailedEventDetails(
                        error=error, cause=mocked_response.cause
                    )
                ),
            )
        )

    local_mock_eval_utils._eval_mocked_response_throw = eval_mocked_throw
