"""A REST API imported from OpenAPI keeps each integration's `credentials` role, as on AWS.

`x-amazon-apigateway-integration` may name `credentials`: the IAM role API Gateway assumes to
call the integration (a service action, a Lambda function whose resource policy does not name
API Gateway). localstack-core's OpenAPI import built each integration without it, so GetIntegration
showed none and the integration ran as if no role were given, which matters once IAM is
enforced. SAM's `AWS::Serverless::Api` (its DefinitionBody) and `AWS::ApiGateway::RestApi`'s
`Body` both come this way. The roles are set on the imported integrations after the import.
"""

from __future__ import annotations

from localcloud.support.patching import patch_plugin

ANY_METHOD = "x-amazon-apigateway-any-method"


def integration_roles(open_api_spec: dict) -> dict[tuple[str, str], str]:
    """The `credentials` of each (path, HTTP method) integration that names one."""
    roles = {}
    for path, methods in (open_api_spec.get("paths") or {}).items():
        for method, operation in (methods or {}).items():
            if not isinstance(operation, dict):
                continue
            integration = operation.get("x-amazon-apigateway-integration") or {}
            if credentials := integration.get("credentials"):
                roles[path, "ANY" if method == ANY_METHOD else method.upper()] = credentials
    return roles


@patch_plugin("localstack.services.apigateway.helpers", requires=("import_api_from_openapi_spec",))
def keep_integration_credentials(helpers) -> None:
    import_api_from_openapi_spec = helpers.import_api_from_openapi_spec

    def import_keeping_credentials(rest_api, context, open_api_spec, mode):
        imported, warnings = import_api_from_openapi_spec(rest_api, context, open_api_spec, mode)
        roles = integration_roles(open_api_spec)
        for resource in imported.resources.values() if roles else ():
            for method_name, method in resource.resource_methods.items():
                role = roles.get((resource.get_path(), method_name))
                if role and method.method_integration is not None:
                    method.method_integration.credentials = role
        return imported, warnings

    helpers.import_api_from_openapi_spec = import_keeping_credentials
