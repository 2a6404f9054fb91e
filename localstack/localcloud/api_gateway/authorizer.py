"""The Lambda authorizer step of a REST API invocation, as API Gateway runs it.

For a method whose authorizationType is CUSTOM:

1. Read the identity sources. TOKEN: the one header (and identityValidationExpression, if
   set); REQUEST: every listed header, query string, stage variable or context variable. A
   missing one (or a token not matching the expression) is 401 without invoking anything.
2. Look the identity up in the authorizer's cache (authorizerResultTtlInSeconds, 300 by
   default; 0 or a REQUEST authorizer with no identity source never caches); otherwise invoke
   the function with the TOKEN or REQUEST event AWS documents.
3. Evaluate the returned policy against this request's method ARN (a cached policy too: a
   policy cached for one method and evaluated for another is AWS's behaviour, and a classic
   mistake this lets tests catch): explicit deny and no matching allow are 403.
4. Pass principalId and the context to the integration as requestContext.authorizer (values
   as strings, as REST APIs do), and usageIdentifierKey as the API key when the API's key
   source is AUTHORIZER.

The function raising "Unauthorized" is 401; any other failure or a malformed answer is 500
with API Gateway's `{"message": null}`.
"""

from __future__ import annotations

import json
import logging
import re
import time
from typing import Any

from localstack.aws.api.apigateway import ApiKeySourceType
from localstack.services.apigateway.next_gen.execute_api.gateway_response import (
    AccessDeniedError,
    AuthorizerConfigurationError,
    UnauthorizedError,
)
from localstack.services.apigateway.next_gen.execute_api.header_utils import (
    build_multi_value_headers,
)
from localstack.services.apigateway.next_gen.execute_api.helpers import (
    get_lambda_function_arn_from_invocation_uri,
)
from localstack.services.apigateway.next_gen.execute_api.integrations.aws import (
    get_service_factory,
)
from localstack.utils.aws.arns import extract_region_from_arn
from localstack.utils.aws.client_types import ServicePrincipal

from localcloud.api_gateway.policy import (
    ExpiringCache,
    MalformedPolicy,
    Verdict,
    evaluate,
    method_arn,
)

LOG = logging.getLogger(__name__)

DEFAULT_TTL_SECONDS = 300
EXPLICIT_DENY = "User is not authorized to access this resource with an explicit deny"
IMPLICIT_DENY = "User is not authorized to access this resource"

# An authorizer's answer by (api, authorizer, identity); each entry lives for its TTL.
_results = ExpiringCache()


class _Missing(Exception):
    """An identity source the request does not carry."""


def _identity_value(source: str, context, headers: dict, multi_headers: dict) -> str:
    request = context.invocation_request
    prefix, _, name = source.strip().partition(".")
    value: Any = None
    if prefix == "method":
        kind, _, name = name.partition(".")  # request.header.X -> header.X
        kind, _, name = name.partition(".")
        match kind:
            case "header":
                value = headers.get(name.lower())
            case "multivalueheader":
                value = ",".join(multi_headers.get(name.lower(), [])) or None
            case "querystring":
                value = (request.get("query_string_parameters") or {}).get(name)
            case "multivaluequerystring":
                values = (request.get("multi_value_query_string_parameters") or {}).get(name)
                value = ",".join(values) if values else None
    elif prefix == "stageVariables":
        value = (context.stage_variables or {}).get(name)
    elif prefix == "context":
        value = context.context_variables.get(name)
    if value in (None, ""):
        raise _Missing(source)
    return str(value)


def _lower_keys(headers) -> dict[str, str]:
    return {key.lower(): value for key, value in headers.items()}


def _request_event(context, arn: str) -> dict:
    request = context.invocation_request
    variables = context.context_variables
    headers = dict(request["headers"])
    return {
        "type": "REQUEST",
        "methodArn": arn,
        "resource": context.resource["path"],
        "path": request["path"],
        "httpMethod": request["http_method"],
        "headers": headers,
        "multiValueHeaders": build_multi_value_headers(request["headers"]),
        "queryStringParameters": request.get("query_string_parameters") or {},
        "multiValueQueryStringParameters": request.get("multi_value_query_string_parameters") or {},
        "pathParameters": request.get("path_parameters") or {},
        "stageVariables": context.stage_variables or {},
        "requestContext": {
            key: variables.get(key)
            for key in (
                "accountId",
                "apiId",
                "domainName",
                "httpMethod",
                "identity",
                "path",
                "protocol",
                "requestId",
                "requestTime",
                "requestTimeEpoch",
                "resourceId",
                "resourcePath",
                "stage",
            )
            if key in variables
        },
    }


def _invoke(authorizer: dict, context, event: dict) -> dict:
    function_arn = get_lambda_function_arn_from_invocation_uri(authorizer["authorizerUri"])
    source_arn = (
        f"arn:aws:execute-api:{context.region}:{context.account_id}:{context.api_id}"
        f"/authorizers/{authorizer['id']}"
    )
    client = get_service_factory(
        region_name=extract_region_from_arn(function_arn),
        role_arn=authorizer.get("authorizerCredentials"),
    ).lambda_
    try:
        result = client.request_metadata(
            service_principal=ServicePrincipal.apigateway, source_arn=source_arn
        ).invoke(FunctionName=function_arn, Payload=json.dumps(event).encode())
    except Exception as error:
        LOG.warning("authorizer %s could not be invoked: %s", authorizer["name"], error)
        raise AuthorizerConfigurationError() from error
    payload = result["Payload"].read()
    try:
        answer = json.loads(payload) if payload else None
    except ValueError:
        answer = None
    if result.get("FunctionError"):
        if isinstance(answer, dict) and answer.get("errorMessage") == "Unauthorized":
            raise UnauthorizedError("Unauthorized")
        LOG.info("authorizer %s failed: %s", authorizer["name"], payload[:500])
        raise AuthorizerConfigurationError()
    return answer


def _validated(answer: Any, authorizer_name: str) -> dict:
    """principalId, policyDocument and a flat context, or 500 as API Gateway answers."""
    problem = None
    if not isinstance(answer, dict):
        problem = "the answer is not a JSON object"
    elif not isinstance(answer.get("principalId"), str | int | float):
        problem = "principalId is missing"
    elif not isinstance(answer.get("policyDocument"), dict):
        problem = "policyDocument is missing"
    elif not isinstance(answer.get("context") or {}, dict) or any(
        not isinstance(value, str | int | float | bool)
        for value in (answer.get("context") or {}).values()
    ):
        problem = "context values must be strings, numbers or booleans"
    if problem:
        LOG.info("authorizer %s answered badly: %s", authorizer_name, problem)
        raise AuthorizerConfigurationError()
    return answer


def _as_text(value: str | int | float | bool) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def authorize(chain, context, response) -> None:
    """The handler: a no-op for methods without a Lambda authorizer."""
    method = context.resource_method or {}
    authorization_type = (method.get("authorizationType") or "NONE").upper()
    if authorization_type in ("NONE", "AWS_IAM"):
        return
    authorizer = context.deployment.rest_api.authorizers.get(method.get("authorizerId") or "")
    if authorization_type != "CUSTOM" or not authorizer:
        # Cognito user pool authorizers are not run here: refuse rather than leave the method
        # open.
        LOG.warning("method %s: authorizer type %s is not supported", method, authorization_type)
        raise AuthorizerConfigurationError()

    request = context.invocation_request
    headers = _lower_keys(request["headers"])
    multi_headers = _lower_keys(build_multi_value_headers(request["headers"]))
    kind = (authorizer.get("type") or "TOKEN").upper()
    sources = [s for s in (authorizer.get("identitySource") or "").split(",") if s.strip()]
    try:
        identity = tuple(_identity_value(s, context, headers, multi_headers) for s in sources)
    except _Missing as missing:
        LOG.debug("authorizer %s: no %s in the request", authorizer["name"], missing)
        raise UnauthorizedError("Unauthorized") from None
    if kind == "TOKEN":
        if len(identity) != 1:
            raise AuthorizerConfigurationError()
        expression = authorizer.get("identityValidationExpression")
        if expression and not re.fullmatch(expression, identity[0]):
            raise UnauthorizedError("Unauthorized")

    arn = method_arn(
        context.region,
        context.account_id,
        context.api_id,
        context.stage,
        request["http_method"],
        request["path"],
    )
    ttl = authorizer.get("authorizerResultTtlInSeconds")
    ttl = DEFAULT_TTL_SECONDS if ttl is None else int(ttl)
    cacheable = ttl > 0 and bool(identity)
    cache_key = (context.account_id, context.region, context.api_id, authorizer["id"], identity)

    answer = _results.get(cache_key) if cacheable else None
    latency_ms = 0
    if answer is None:
        if kind == "TOKEN":
            event = {"type": "TOKEN", "authorizationToken": identity[0], "methodArn": arn}
        else:
            event = _request_event(context, arn)
        started = time.monotonic()
        answer = _validated(_invoke(authorizer, context, event), authorizer["name"])
        latency_ms = int((time.monotonic() - started) * 1000)
        if cacheable:
            _results.put(cache_key, answer, ttl)

    try:
        verdict = evaluate(answer["policyDocument"], arn)
    except MalformedPolicy as error:
        LOG.info("authorizer %s: %s", authorizer["name"], error)
        raise AuthorizerConfigurationError() from None
    if verdict is Verdict.EXPLICIT_DENY:
        raise AccessDeniedError(EXPLICIT_DENY)
    if verdict is Verdict.IMPLICIT_DENY:
        raise AccessDeniedError(IMPLICIT_DENY)

    context.context_variables["authorizer"] = {
        **{key: _as_text(value) for key, value in (answer.get("context") or {}).items()},
        "principalId": _as_text(answer["principalId"]),
        "integrationLatency": latency_ms,
    }
    api_key_source = context.deployment.rest_api.rest_api.get("apiKeySource")
    if api_key_source == ApiKeySourceType.AUTHORIZER and answer.get("usageIdentifierKey"):
        context.context_variables.setdefault("identity", {})["apiKey"] = answer[
            "usageIdentifierKey"
        ]
