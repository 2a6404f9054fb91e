"""`arn:aws:states:::apigateway:invoke` tasks reach the local API from AWS's endpoint form.

A template written for AWS gives `ApiEndpoint` as the API's AWS host name,
`<api id>.execute-api.<region>.amazonaws.com`, and its `Stage` either as its own field or as the
first segment of `Path`. localstack-core rewrote only host names ending in the local cloud's own
host, and always put `Stage` before the path, so such a task called
`/_user_request_//dev/...` and failed with `ApiGateway.MissingSchema`. Here any
`<api id>.execute-api.<region>.amazonaws.com` (with or without `https://`) goes to that API on
the local cloud, and a missing `Stage` is read from the path, as API Gateway routes it.
"""

from __future__ import annotations

import re

from localcloud.support.patching import patch_plugin

_AWS_API_HOST = re.compile(
    r"^(?:https?://)?(?P<api_id>[a-z0-9]+)\.execute-api\.[a-z0-9-]+\.amazonaws\.com(?:\.cn)?/?$"
)


def aws_api_id(api_endpoint: str) -> str | None:
    """The API's id when the endpoint is its AWS host name, else None."""
    found = _AWS_API_HOST.match(api_endpoint.strip())
    return found["api_id"] if found else None


def local_path(parameters: dict) -> tuple[str, str]:
    """(stage, path below it): `Stage` if given, else the path's first segment."""
    path = (parameters.get("Path") or "").lstrip("/")
    stage = parameters.get("Stage")
    if not stage:
        stage, _, path = path.partition("/")
    return stage, path


@patch_plugin(
    "localstack.services.stepfunctions.asl.component.state.state_execution.state_task.service"
    ".state_task_service_api_gateway",
    requires=("StateTaskServiceApiGateway._invoke_url_of", "PATH_USER_REQUEST", "config"),
)
def call_apis_by_their_aws_host(api_gateway_task) -> None:
    task = api_gateway_task.StateTaskServiceApiGateway
    invoke_url_of = task._invoke_url_of

    def invoke_url_of_aws_endpoints(parameters) -> str:
        api_id = aws_api_id(parameters["ApiEndpoint"])
        if api_id is None:
            return invoke_url_of(parameters)
        stage, path = local_path(parameters)
        base = api_gateway_task.config.internal_service_url()
        query = task._query_parameters_of(parameters) or ""
        user_request = api_gateway_task.PATH_USER_REQUEST
        return f"{base}/restapis/{api_id}/{stage}/{user_request}/{path}{query}"

    task._invoke_url_of = staticmethod(invoke_url_of_aws_endpoints)
