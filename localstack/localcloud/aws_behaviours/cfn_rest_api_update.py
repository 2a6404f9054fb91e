"""A REST API's new body reaches a deployed stack: its stage moves to the new deployment in place.

SAM renders a route change as a new body on the AWS::ApiGateway::RestApi and a new
AWS::ApiGateway::Deployment (its logical id carries the body's hash); CloudFormation updates the
API in place, creates the deployment, updates the stage's DeploymentId (UpdateStage; the stage
is never created again) and deletes the old deployment. LocalStack's engine got this wrong
twice over:

- A `Ref` to a resource that changed counted as a changed value even when the resource was
  updated in place, where its physical id (what `Ref` returns) stays. The stage's RestApiId
  is create-only, so the stage was "replaced": CreateStage failed with "Stage already exists"
  and the stack rolled back. Here a `Ref` changes only when its resource is added, removed or
  replaced, as on AWS (LocalStack's own TODO in `_resolve_intrinsic_function_ref`).
- The RestApi provider has no update: the engine logs a warning and keeps the old API, so the
  new deployment would still serve the old routes. Here the update imports the new body over
  the old one (PutRestApi, overwrite unless the template sets Mode), as CloudFormation does:
  a route removed from the body is gone from the API.

The stage's own update (new DeploymentId, Description, MethodSettings) is
`api_gateway/stage_settings.py`.
"""

from __future__ import annotations

import json

from localstack.runtime import hooks

from localcloud.support.patching import after_import

CHANGE_SET_MODEL = "localstack.services.cloudformation.engine.v2.change_set_model"
REST_API_PROVIDER = "localstack.services.apigateway.resource_providers.aws_apigateway_restapi"


def _is_a_resource(model, name) -> bool:
    from localstack.services.cloudformation.engine.v2.change_set_model import (
        NodeCondition,
        NodeParameter,
    )

    if not isinstance(name, str) or name.startswith("AWS::"):
        return False
    return not isinstance(
        model._retrieve_condition_if_exists(condition_name=name), NodeCondition
    ) and not isinstance(model._retrieve_parameter_if_exists(parameter_name=name), NodeParameter)


def ref_changes_only_when_the_physical_id_can(resolve_ref):
    def resolve_ref_by_physical_id(self, arguments):
        from localstack.services.cloudformation.engine.v2.change_set_model import (
            ChangeType,
            TerminalValue,
        )

        change_type = resolve_ref(self, arguments)
        if (
            change_type != ChangeType.MODIFIED
            or not isinstance(arguments, TerminalValue)
            or arguments.change_type != ChangeType.UNCHANGED
            or not _is_a_resource(self, arguments.value)
        ):
            return change_type
        resource = self._retrieve_or_visit_resource(resource_name=arguments.value)
        updated_in_place = (
            not resource.requires_replacement and resource.type_.change_type == ChangeType.UNCHANGED
        )
        return ChangeType.UNCHANGED if updated_in_place else change_type

    return resolve_ref_by_physical_id


def _body(request) -> bytes | None:
    """The template's Body, or the object its BodyS3Location names (as the provider's create)."""
    model = request.desired_state
    if body := model.get("Body"):
        return (json.dumps(body) if isinstance(body, dict) else body).encode()
    if location := model.get("BodyS3Location"):
        version = {"VersionId": location["Version"]} if location.get("Version") else {}
        s3 = request.aws_client_factory.s3
        return s3.get_object(Bucket=location["Bucket"], Key=location["Key"], **version)[
            "Body"
        ].read()
    return None


def update(self, request):
    from localstack.services.cloudformation.resource_provider import OperationStatus, ProgressEvent

    model = request.desired_state
    previous = request.previous_state or {}
    api_id = model["RestApiId"] = previous["RestApiId"]
    apigateway = request.aws_client_factory.apigateway
    if (body := _body(request)) is not None:
        # CloudFormation imports with basepath=ignore (the provider's create does too).
        parameters = {"basepath": "ignore", **(model.get("Parameters") or {})}
        apigateway.put_rest_api(
            restApiId=api_id,
            mode=model.get("Mode") or "overwrite",
            body=body,
            parameters=parameters,
            **({"failOnWarnings": True} if model.get("FailOnWarnings") else {}),
        )
    renamed = [
        {"op": "replace", "path": f"/{field}", "value": str(model[key])}
        for key, field in (("Name", "name"), ("Description", "description"))
        if model.get(key) and model.get(key) != previous.get(key)
    ]
    if renamed:
        apigateway.update_rest_api(restApiId=api_id, patchOperations=renamed)
    resources = apigateway.get_resources(restApiId=api_id)["items"]
    model["RootResourceId"] = next(r["id"] for r in resources if r["path"] == "/")
    return ProgressEvent(status=OperationStatus.SUCCESS, resource_model=model)


@hooks.on_infra_start()
def update_rest_apis_in_place() -> None:
    @after_import(CHANGE_SET_MODEL, requires=("ChangeSetModel._resolve_intrinsic_function_ref",))
    def compare_refs_by_physical_id(module) -> None:
        model = module.ChangeSetModel
        model._resolve_intrinsic_function_ref = ref_changes_only_when_the_physical_id_can(
            model._resolve_intrinsic_function_ref
        )

    @after_import(REST_API_PROVIDER, requires=("ApiGatewayRestApiProvider.update",))
    def update_the_api(module) -> None:
        module.ApiGatewayRestApiProvider.update = update
