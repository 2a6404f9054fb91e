"""Step Functions' `ecs:runTask.sync` as on AWS: a task whose essential container exits non-zero,
or that stops for another reason (failed to start, stopped by a user), fails the state with
`States.TaskFailed`, its cause the task as DescribeTasks shows it; and a state that ends before
its task (timed out, its execution stopped) stops the task (StopTask: see
aws_behaviours/sfn_sync_tasks.py, which also makes the wait listen for no task token).
LocalStack's integration succeeded whatever the exit code, and left the task running."""

from __future__ import annotations

from localcloud.aws_behaviours.sfn_sync_tasks import stopping
from localcloud.support.patching import patch_plugin

STOPPED_BY_STEP_FUNCTIONS = "Execution stopped by AWS Step Functions"


def task_failed(task: dict) -> bool:
    """Whether a STOPPED task (DescribeTasks' camelCase shape) counts as failed."""
    if task.get("stopCode") != "EssentialContainerExited":
        return True
    return any(c.get("exitCode") != 0 for c in task.get("containers", []))


@patch_plugin(
    "localstack.services.stepfunctions.asl.component.state.state_execution.state_task.service"
    ".state_task_service_ecs",
    requires=("StateTaskServiceEcs._build_sync_resolver",),
)
def fail_and_stop_ecs_tasks_as_aws(module) -> None:
    from localstack.aws.api.stepfunctions import HistoryEventType, TaskFailedEventDetails
    from localstack.services.stepfunctions.asl.component.common.error_name.failure_event import (
        FailureEvent,
        FailureEventException,
    )
    from localstack.services.stepfunctions.asl.component.common.error_name.states_error_name import (  # noqa: E501
        StatesErrorName,
    )
    from localstack.services.stepfunctions.asl.component.common.error_name.states_error_name_type import (  # noqa: E501
        StatesErrorNameType,
    )
    from localstack.services.stepfunctions.asl.eval.event.event_detail import EventDetails
    from localstack.services.stepfunctions.asl.utils.boto_client import boto_client_for
    from localstack.services.stepfunctions.asl.utils.encoding import to_json_str

    service = module.StateTaskServiceEcs

    def build_sync_resolver(
        self, env, resource_runtime_part, normalised_parameters, state_credentials
    ):
        ecs = boto_client_for(
            service="ecs", region=resource_runtime_part.region, state_credentials=state_credentials
        )
        submitted = env.stack.pop()
        task_arn = submitted["Tasks"][0]["TaskArn"]
        cluster_arn = submitted["Tasks"][0]["ClusterArn"]

        def resolve() -> dict | None:
            described = ecs.describe_tasks(cluster=cluster_arn, tasks=[task_arn])
            task = described["tasks"][0]
            if task["lastStatus"] != "STOPPED":
                return None
            failed = task_failed(task)
            self._normalise_response(response=described, service_action_name="describe_tasks")
            task = described["Tasks"][0]
            if not failed:
                return task
            raise FailureEventException(
                FailureEvent(
                    env=env,
                    error_name=StatesErrorName(typ=StatesErrorNameType.StatesTaskFailed),
                    event_type=HistoryEventType.TaskFailed,
                    event_details=EventDetails(
                        taskFailedEventDetails=TaskFailedEventDetails(
                            resource=self._get_sfn_resource(),
                            resourceType=self._get_sfn_resource_type(),
                            error=StatesErrorNameType.StatesTaskFailed.to_name(),
                            cause=to_json_str(task),
                        )
                    ),
                )
            )

        def stop() -> None:
            ecs.stop_task(cluster=cluster_arn, task=task_arn, reason=STOPPED_BY_STEP_FUNCTIONS)

        return stopping(resolve, stop)

    service._build_sync_resolver = build_sync_resolver
