"""AWS::ApiGateway::Stage applies its MethodSettings (throttling, logging, caching).

The community resource provider creates the stage and drops MethodSettings, so a template's
stage and method throttling never reaches the stage; and it cannot update a stage at all, so a
redeploy kept the old deployment and settings. This applies them through UpdateStage's patch
paths (`/{resourcePath}/{httpMethod}/throttling/rateLimit`, ...), as CloudFormation does.
"""

from __future__ import annotations

SETTING_PATHS = {
    "ThrottlingBurstLimit": "throttling/burstLimit",
    "ThrottlingRateLimit": "throttling/rateLimit",
    "MetricsEnabled": "metrics/enabled",
    "LoggingLevel": "logging/loglevel",
    "DataTraceEnabled": "logging/dataTrace",
    "CachingEnabled": "caching/enabled",
    "CacheTtlInSeconds": "caching/ttlInSeconds",
    "CacheDataEncrypted": "caching/dataEncrypted",
}


def method_settings_operations(method_settings: list[dict] | None) -> list[dict]:
    operations = []
    for setting in method_settings or []:
        # CloudFormation's ResourcePath is already escaped ("/~1calculations", "/*").
        prefix = f"{setting.get('ResourcePath', '/*')}/{setting.get('HttpMethod', '*')}"
        for name, path in SETTING_PATHS.items():
            if setting.get(name) is not None:
                value = setting[name]
                value = str(value).lower() if isinstance(value, bool) else str(value)
                operations.append({"op": "replace", "path": f"{prefix}/{path}", "value": value})
    return operations


def _apply(request, stage_name: str) -> None:
    model = request.desired_state
    operations = method_settings_operations(model.get("MethodSettings"))
    if operations:
        request.aws_client_factory.apigateway.update_stage(
            restApiId=model["RestApiId"], stageName=stage_name, patchOperations=operations
        )


def with_method_settings(create):
    def create_and_apply_method_settings(self, request):
        event = create(self, request)
        _apply(request, event.resource_model["StageName"])
        return event

    return create_and_apply_method_settings


def update(self, request):
    from localstack.services.cloudformation.resource_provider import OperationStatus, ProgressEvent

    model = request.desired_state
    previous = request.previous_state or {}
    stage_name = previous.get("StageName") or model.get("StageName")
    model["StageName"] = stage_name
    apigateway = request.aws_client_factory.apigateway
    operations = [
        {"op": "replace", "path": f"/{field}", "value": str(model[key])}
        for key, field in (("DeploymentId", "deploymentId"), ("Description", "description"))
        if model.get(key) and model.get(key) != previous.get(key)
    ]
    if operations:
        apigateway.update_stage(
            restApiId=model["RestApiId"], stageName=stage_name, patchOperations=operations
        )
    _apply(request, stage_name)
    return ProgressEvent(status=OperationStatus.SUCCESS, resource_model=model)
