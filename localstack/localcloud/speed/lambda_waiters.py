"""LocalStack's waits on its own Lambda functions look again within 50 ms, not a second.

CloudFormation's update of an AWS::Lambda::Function (the community resource provider's
`update`) calls UpdateFunctionCode and UpdateFunctionConfiguration, each followed by botocore's
`function_updated_v2` waiter: it looks at once, finds the function still InProgress (for a few
milliseconds, in-process), then sleeps its Delay of 1 s. So every function a stack update
changed cost one to two seconds of doing nothing, one function after another (a stack update
changing one function's reserved concurrency: 2.05 s). In the local cloud's process Lambda's
waiters only ever wait on its own in-process functions, so their pause between two looks
shrinks to 50 ms; their deadline (Delay x MaxAttempts) is kept.
"""

from __future__ import annotations

import functools
import math

from localcloud.support.patching import patch_plugin

POLL_EVERY_S = 0.05
# botocore's Lambda waiters (botocore/data/lambda/*/waiters-2.json); no other service has these.
LAMBDA_WAITERS = frozenset(
    {
        "FunctionActive",
        "FunctionActiveV2",
        "FunctionExists",
        "FunctionUpdated",
        "FunctionUpdatedV2",
        "PublishedVersionActive",
    }
)


@patch_plugin("botocore.waiter", requires=("Waiter.wait",))
def poll_lambda_waiters_sooner(waiter_module) -> None:
    waiter_class = waiter_module.Waiter
    wait = waiter_class.wait

    @functools.wraps(wait)
    def wait_polling_sooner(self, **kwargs):
        if self.name in LAMBDA_WAITERS:
            given = kwargs.get("WaiterConfig", {})
            delay = given.get("Delay", self.config.delay)
            attempts = given.get("MaxAttempts", self.config.max_attempts)
            if delay > POLL_EVERY_S:
                kwargs["WaiterConfig"] = {
                    **given,
                    "Delay": POLL_EVERY_S,
                    "MaxAttempts": math.ceil(delay * attempts / POLL_EVERY_S),
                }
        return wait(self, **kwargs)

    waiter_class.wait = wait_polling_sooner
