"""Client-credentials (service) tokens: no audience, a client_id and scopes; the scopes grant
roles through SERVICE_SCOPE_ROLES, and nothing else about the token is relaxed."""

from __future__ import annotations

import json
import time

import jwt
import pytest
import responses

import local_issuer
from authorizer.dal.jwks import key_set
from authorizer.handlers import authorize
from authorizer.settings import settings

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


@pytest.fixture
def issuer(monkeypatch, issuer_key):
    monkeypatch.setenv("TOKEN_ISSUER", ISSUER)
    monkeypatch.setenv("TOKEN_AUDIENCE", "workflows-api")
    monkeypatch.setenv("JWKS_URL", JWKS_URL)
    monkeypatch.setenv("ROUTE_ROLES", json.dumps(ROUTES))
    monkeypatch.setenv("SERVICE_SCOPE_ROLES", json.dumps({"comms/resend": ["comms-service"]}))
    settings.cache_clear()
    key_set.forget()
    with responses.RequestsMock(assert_all_requests_are_fired=False) as http:
        http.get(JWKS_URL, json=local_issuer.jwks(issuer_key))
        yield http
    settings.cache_clear()
    key_set.forget()


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
    monkeypatch.delenv("SERVICE_SCOPE_ROLES")
    settings.cache_clear()
    assert allowed(authorize_send(lambda_context, service_token(issuer_key))) == set()
