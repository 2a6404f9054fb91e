"""`.sync` tasks as AWS runs them: what the task started is stopped when the task ends without it.

A `.sync` task starts a job (an ECS task, a child execution) and waits for it. When the state
stops waiting first, because its TimeoutSeconds or HeartbeatSeconds passed or its execution was
stopped, Step
Functions stops the job: AWS documents the rights it needs for that (`ecs:StopTask`,
`states:StopExecution` on the child's executions, in the roles it gives these tasks). LocalStack
left the job running. Each service's resolver names how its job is stopped (`stop_job`); the
shared wait calls it once the state has ended without an answer.

LocalStack also listened for a task token while waiting, with the state's one callback endpoint:
after a first attempt ended, that endpoint stayed interrupted, so a retried task timed out at
once (TaskTimedOut). A `.sync` task without HeartbeatSeconds has no token to wait for: it waits
for its job alone (its TimeoutSeconds is the state's own). One with a heartbeat keeps listening,
since its job sends the heartbeats with the task's token.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from localstack.runtime import hooks

from localcloud.support.patching import after_import

LOG = logging.getLogger(__name__)
_SERVICE = (
    "localstack.services.stepfunctions.asl.component.state.state_execution.state_task.service"
)


def stopping(resolver: Callable, stop_job: Callable[[], None]) -> Callable:
    """The resolver, knowing how to stop its job."""
    resolver.stop_job = stop_job
    return resolver


@hooks.on_infra_start()
def stop_abandoned_jobs_as_aws():
    @after_import(
        f"{_SERVICE}.state_task_service_callback",
        requires=(
            "StateTaskServiceCallback._eval_sync",
            "CallbackOutcomeTimedOut",
            "HeartbeatTimedOut",
        ),
    )
    def wait_for_the_job_alone(callback_module):
        eval_sync = callback_module.StateTaskServiceCallback._eval_sync
        timed_out = (callback_module.CallbackOutcomeTimedOut, callback_module.HeartbeatTimedOut)

        def eval_sync_as_aws(self, env, sync_resolver, **kwargs):
            if kwargs.get("heartbeat_endpoint") is None:
                kwargs["callback_endpoint"] = None
            outcome = eval_sync(self, env, sync_resolver, **kwargs)
            stop_job = getattr(sync_resolver, "stop_job", None)
            # Ended without the job's answer: stopped, timed out, or no heartbeat in time.
            ended_first = isinstance(outcome, timed_out) or (
                outcome is None and not env.is_running()
            )
            if ended_first and stop_job is not None:
                try:
                    stop_job()
                except Exception as error:  # the job may have ended meanwhile
                    LOG.info("could not stop the job of %s: %s", self.resource.resource_arn, error)
            return outcome

        callback_module.StateTaskServiceCallback._eval_sync = eval_sync_as_aws

    @after_import(
        f"{_SERVICE}.state_task_service_sfn",
        requires=(
            "StateTaskServiceSfn._build_sync_resolver",
            "StateTaskServiceSfn._build_sync2_resolver",
        ),
    )
    def stop_child_executions(sfn_module):
        from localstack.services.stepfunctions.asl.utils.boto_client import boto_client_for

        service = sfn_module.StateTaskServiceSfn

        def stopping_the_child(build):
            def build_resolver(
                self, env, resource_runtime_part, normalised_parameters, state_credentials
            ):
                child = env.stack[-1]["ExecutionArn"]
                resolver = build(
                    self, env, resource_runtime_part, normalised_parameters, state_credentials
                )
                sfn = boto_client_for(
                    service="stepfunctions",
                    region=resource_runtime_part.region,
                    state_credentials=state_credentials,
                )
                return stopping(resolver, lambda: sfn.stop_execution(executionArn=child))

            return build_resolver

        service._build_sync_resolver = stopping_the_child(service._build_sync_resolver)
        service._build_sync2_resolver = stopping_the_child(service._build_sync2_resolver)
