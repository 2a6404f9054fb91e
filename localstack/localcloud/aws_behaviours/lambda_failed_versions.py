"""DeleteFunction of a function whose creation failed deletes it, as AWS does.

LocalStack drops a version's manager when the version fails to start, then DeleteFunction asks
to stop that manager and answers 500 ("Unable to find version manager"). A version with no
manager has nothing running to stop: this lets the deletion go on.
"""

from __future__ import annotations

import logging

from localcloud.support.patching import patch_plugin

LOG = logging.getLogger(__name__)


@patch_plugin(
    "localstack.services.lambda_.invocation.lambda_service",
    requires=("LambdaService.stop_version", "lambda_hooks"),
)
def delete_failed_versions(lambda_service_module) -> None:
    service = lambda_service_module.LambdaService
    stop_version = service.stop_version

    def stop_version_or_nothing(self, qualified_arn: str) -> None:
        if (
            qualified_arn not in self.lambda_running_versions
            and qualified_arn not in self.lambda_starting_versions
        ):
            LOG.debug("Version %s has nothing running (its creation failed)", qualified_arn)
            self.event_managers.pop(qualified_arn, None)
            lambda_service_module.lambda_hooks.delete_function_version.run(qualified_arn)
            return
        stop_version(self, qualified_arn)

    service.stop_version = stop_version_or_nothing
