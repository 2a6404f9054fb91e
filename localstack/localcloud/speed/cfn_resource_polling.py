"""CloudFormation looks again at a resource still being created within 50 ms, not a second.

localstack-core's CloudFormation engine creates a stack's resources one after another; a
resource provider that answers IN_PROGRESS (a Lambda function still Pending while its code is
unpacked, a DynamoDB table or a Kinesis stream not yet ACTIVE, every one of them right after
its create call) is asked again at once five times, then after `time.sleep(1)` each time
(`ResourceProviderExecutor.deploy_loop`, its `sleep_time` of 1 s). In-process, a function turns
Active a few hundred milliseconds after it is created, so each one waited most of a second doing
nothing, and the stack's 38 functions, 9 tables and stream waited in turn. The engine's calls
to the providers stay the same; only the pause between two looks shrinks. The per-resource
deadline (CFN_PER_RESOURCE_TIMEOUT) is kept: the loop's number of looks grows with it.
"""

from __future__ import annotations

import functools

from localcloud.support.patching import patch_plugin

POLL_EVERY_S = 0.05


@patch_plugin(
    "localstack.services.cloudformation.resource_provider",
    requires=("ResourceProviderExecutor.deploy_loop",),
)
def poll_resources_in_progress_sooner(resource_provider_module) -> None:
    executor = resource_provider_module.ResourceProviderExecutor
    deploy_loop = executor.deploy_loop

    @functools.wraps(deploy_loop)
    def deploy_loop_polling_sooner(self, *args, sleep_time: float = POLL_EVERY_S, **kwargs):
        return deploy_loop(self, *args, sleep_time=min(sleep_time, POLL_EVERY_S), **kwargs)

    executor.deploy_loop = deploy_loop_polling_sooner
