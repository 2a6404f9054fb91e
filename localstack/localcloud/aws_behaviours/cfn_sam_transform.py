"""SAM templates transformed one at a time, so side-by-side deploys all succeed.

localstack-core's transform of an `AWS::Serverless-2016-10-31` template sets AWS_DEFAULT_REGION
in the process's environment for the SAM translator (which asks boto3 for the region at every
ARN it builds) and removes it when done. Two transforms at once race on it: the first to end
removes the variable while the second still translates, and the second change set fails with
"AWS Region cannot be found". It happened in `make test` when a test deployed a small SAM
application while the workers' deploy of the stack was transforming. CloudFormation transforms
both. Here transforms take turns; they are pure Python, so under the GIL they never ran side
by side anyway.
"""

from __future__ import annotations

import threading

from localcloud.support.patching import patch_plugin


@patch_plugin(
    "localstack.services.cloudformation.engine.v2.change_set_model_transform",
    requires=("ChangeSetModelTransform._apply_global_serverless_transformation",),
)
def transform_sam_templates_one_at_a_time(module) -> None:
    transform = module.ChangeSetModelTransform._apply_global_serverless_transformation
    turn = threading.Lock()

    def transform_in_turn(region_name: str, template: dict, parameters: dict) -> dict:
        with turn:
            return transform(region_name, template, parameters)

    module.ChangeSetModelTransform._apply_global_serverless_transformation = staticmethod(
        transform_in_turn
    )
