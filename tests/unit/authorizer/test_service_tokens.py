"""Client-credentials (service) tokens: no audience, a client_id and scopes; the scopes grant
roles through SERVICE_SCOPE_ROLES, and nothing else about the token is relaxed."""

from __future__ import annotations

import json
import time

import jwt
import pytest
import responses

from authorizer.dal.jwks import KeySet
from authorizer.handlers import authorize
from authorizer.settings import AuthorizerSettings
from devkit import local_issuer

ISSUER = "https://issuer.example.com/pool"
JWKS_URL = f"{ISSUER}/.well-known/jwks.json"
API = "arn:aws:execute-api:us-east-1:123456789012:abc123/prod"
ROUTES = {
    "GET /communications/failed": ["operator"],
    "POST /communications/*/send": ["operator", "comms-service"],
}


@pytest.fixture(scope="module")
def issuer_key():
    return local_issuer.new_key()


def configured(scope_roles: dict | None) -> AuthorizerSettings:
    values = {
        "STAGE": "unit",
        "AUTHORIZER_TOKEN_ISSUER": ISSUER,
        "AUTHORIZER_TOKEN_AUDIENCE": "workflows-api",
        "AUTHORIZER_JWKS_URL": JWKS_URL,
        "AUTHORIZER_ROUTE_ROLES": json.dumps(ROUTES),
    }
    if scope_roles is not None:
        values["AUTHORIZER_SERVICE_SCOPE_ROLES"] = json.dumps(scope_roles)
    return AuthorizerSettings.model_validate(values)


@pytest.fixture
def issuer(monkeypatch, issuer_key):
    """The authorizer configured as the stack configures it for service tokens."""
    settings = configured({"comms/resend": ["comms-service"]})
    monkeypatch.setattr(authorize, "settings", settings)
    monkeypatch.setattr(
        authorize, "key_set", KeySet(settings.jwks_url, settings.jwks_cache_seconds)
    )
    with responses.RequestsMock(assert_all_requests_are_fired=False) as http:
        http.get(JWKS_URL, json=local_issuer.jwks(issuer_key))
        yield http


def service_token(key, **changes) -> str:
    now = int(time.time())
    claims = {
        "iss": ISSUER,
        "sub": "comms-retry",
        "client_id": "comms-retry",
        "scope": "comms/resend",
        "token_use": "access",
        "iat": now,
        "exp": now + 600,
        **changes,
    }
    claims = {name: value for name, value in claims.items() if value is not None}
    return jwt.encode(claims, key, algorithm="RS256", headers={"kid": local_issuer.key_id(key)})


def authorize_send(lambda_context, token: str) -> dict:
    event = {
        "type": "TOKEN",
        "authorizationToken": f"Bearer {token}",
        "methodArn": f"{API}/POST/communications/c-1/send",
    }
    return authorize.handler(event, lambda_context)


def allowed(answer: dict) -> set[str]:
    return {
        resource
        for statement in answer["policyDocument"]["Statement"]
        if statement["Effect"] == "Allow"
        for resource in statement["Resource"]
    }


def test_a_service_token_opens_only_the_routes_its_scope_grants(issuer, issuer_key, lambda_context):
    # GIVEN the retry workflow's client-credentials token WHEN it asks for the re-send route
    answer = authorize_send(lambda_context, service_token(issuer_key))
    # THEN the re-send route is open to it, the operators' list is not
    assert allowed(answer) == {f"{API}/POST/communications/*/send"}
    assert answer["principalId"] == "comms-retry"
    assert answer["context"]["roles"] == "comms-service"


@pytest.mark.parametrize(
    "changes",
    [
        {"scope": "other/scope"},  # a scope that grants nothing
        {"token_use": "id"},  # not an access token
        {"token_use": None},
        {"iss": "https://elsewhere.example.com"},
        {"exp": int(time.time()) - 3600},
        {"scope": None},
    ],
)
def test_a_service_token_that_is_not_good_is_refused(issuer, issuer_key, lambda_context, changes):
    answer = authorize_send(lambda_context, service_token(issuer_key, **changes))
    assert allowed(answer) == set()


def test_a_service_token_signed_by_another_key_is_refused(issuer, issuer_key, lambda_context):
    other = local_issuer.new_key()
    forged = jwt.encode(
        jwt.decode(service_token(issuer_key), options={"verify_signature": False}),
        other,
        algorithm="RS256",
        headers={"kid": local_issuer.key_id(issuer_key)},
    )
    assert allowed(authorize_send(lambda_context, forged)) == set()


def test_without_a_scope_mapping_no_service_token_is_accepted(
    issuer, issuer_key, lambda_context, monkeypatch
):
    monkeypatch.setattr(authorize, "settings", configured(None))
    assert allowed(authorize_send(lambda_context, service_token(issuer_key))) == set()
