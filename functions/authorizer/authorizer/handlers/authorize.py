"""TOKEN authorizer for the REST API's staff endpoints.

- No bearer token: "Unauthorized", which API Gateway answers with 401.
- A token that is not good (signature, issuer, audience, exp, nbf) or whose roles open no
  route: a policy denying every route, which API Gateway answers with 403.
- Otherwise: a policy allowing the routes the caller's roles open (403 on the others), and the
  caller's subject, roles and selected claims as the context the endpoint receives.
"""

from __future__ import annotations

from aws_lambda_powertools.utilities.data_classes.api_gateway_authorizer_event import (
    APIGatewayAuthorizerResponse,
    APIGatewayAuthorizerTokenEvent,
)
from aws_lambda_powertools.utilities.typing import LambdaContext

from authorizer.dal.jwks import KeySet
from authorizer.logic.routes import routes_for
from authorizer.logic.tokens import InvalidToken, bearer_token, verify
from authorizer.settings import AuthorizerSettings
from common.observability import instrumented, logger
from common.settings import load_settings

settings = load_settings(AuthorizerSettings)
key_set = KeySet(settings.jwks_url, settings.jwks_cache_seconds)
ANONYMOUS = "anonymous"


@instrumented
def handler(event: dict, context: LambdaContext) -> dict:
    request = APIGatewayAuthorizerTokenEvent(event)
    token = bearer_token(request.authorization_token)
    if token is None:
        raise Exception("Unauthorized")  # the exact message API Gateway maps to 401

    try:
        caller = verify(token, settings, key_set.signing_key)
    except InvalidToken as refused:
        logger.info("token refused", reason=str(refused))
        return _deny_all(request.parsed_arn, ANONYMOUS)

    routes = routes_for(caller.roles, settings.route_roles)
    if not routes:
        logger.info("no route for the caller's roles", subject=caller.subject)
        return _deny_all(request.parsed_arn, caller.subject)

    context = {
        "subject": caller.subject,
        "roles": ",".join(sorted(caller.roles)),
        **{
            name: caller.claims[name]
            for name in settings.context_claims
            if isinstance(caller.claims.get(name), str | int | bool)
        },
    }
    response = _response(request.parsed_arn, caller.subject, context)
    for method, path in routes:
        response.allow_route(method, path)
    logger.info("caller allowed", subject=caller.subject, routes=len(routes))
    return response.asdict()


def _response(arn, principal_id: str, context: dict | None = None):
    # Every stage of this API: the policy is cached by token, not by stage.
    return APIGatewayAuthorizerResponse(
        principal_id=principal_id,
        region=arn.region,
        aws_account_id=arn.aws_account_id,
        api_id=arn.api_id,
        stage=arn.stage,
        context=context,
    )


def _deny_all(arn, principal_id: str) -> dict:
    response = _response(arn, principal_id)
    response.deny_all_routes()
    return response.asdict()
