"""The authorizer against tokens it should accept and every way one should be refused. Tokens
are made here with a throwaway key; the issuer's JWKS is served over (mocked) HTTP."""

from __future__ import annotations

import base64
import json
import os
import time

import jwt
import pytest
import requests
import responses

from authorizer.handlers import authorize
from authorizer.handlers.authorize import key_set
from authorizer.logic.routes import routes_for
from authorizer.logic.tokens import bearer_token, roles_in
from devkit import local_issuer
from support.events import sample_event

# The authorizer's environment is the unit one (tests/unit/conftest.py), read at its import.
ISSUER = os.environ["AUTHORIZER_TOKEN_ISSUER"]
JWKS_URL = os.environ["AUTHORIZER_JWKS_URL"]
AUDIENCE = os.environ["AUTHORIZER_TOKEN_AUDIENCE"]
API = "arn:aws:execute-api:us-east-1:123456789012:abc123/prod"
ROUTES = json.loads(os.environ["AUTHORIZER_ROUTE_ROLES"])


@pytest.fixture(scope="module")
def issuer_key():
    return local_issuer.new_key()


@pytest.fixture
def issuer(monkeypatch, issuer_key):
    """The issuer's JWKS at JWKS_URL, where the authorizer is configured to read it."""
    key_set.forget()
    with responses.RequestsMock(assert_all_requests_are_fired=False) as http:
        http.get(JWKS_URL, json=local_issuer.jwks(issuer_key))
        yield http
    key_set.forget()


def token(key, **overrides) -> str:
    claims = {"iss": ISSUER, "aud": AUDIENCE, **overrides.pop("claims", {})}
    return local_issuer.mint(
        key,
        subject=overrides.pop("subject", "rita"),
        roles=overrides.pop("roles", ["reviewer"]),
        issuer=claims.pop("iss"),
        audience=claims.pop("aud"),
        claims=claims,
        **overrides,
    )


def authorize_call(lambda_context, authorization: str, method: str = "GET", path="reviews"):
    event = {
        "type": "TOKEN",
        "authorizationToken": authorization,
        "methodArn": f"{API}/{method}/{path}",
    }
    return authorize.handler(event, lambda_context)


def effects(answer: dict) -> dict[str, set[str]]:
    by_effect: dict[str, set[str]] = {}
    for statement in answer["policyDocument"]["Statement"]:
        by_effect.setdefault(statement["Effect"], set()).update(statement["Resource"])
    return by_effect


def test_a_reviewers_token_opens_the_reviewer_routes_with_its_subject(
    issuer, issuer_key, lambda_context
):
    # GIVEN a good token for rita, a reviewer, with an organisation and a verified address
    claims = {"org": "acme", "email": "rita@example.com", "email_verified": True, "name": "Rita"}
    good = token(issuer_key, claims=claims)

    # WHEN the authorizer sees it
    answer = authorize_call(lambda_context, f"Bearer {good}")

    # THEN it allows the reviewer routes (all of them: the answer is cached by token)
    assert answer["principalId"] == "rita"
    assert effects(answer) == {"Allow": {f"{API}/GET/reviews", f"{API}/POST/reviews/*"}}
    # and passes the subject, roles and the configured claims on, nothing else
    assert answer["context"] == {
        "subject": "rita",
        "roles": "reviewer",
        "org": "acme",
        "email": "rita@example.com",
        "email_verified": True,
    }


def test_cognito_groups_are_roles(issuer, issuer_key, lambda_context):
    good = token(issuer_key, roles=[], claims={"cognito:groups": ["lead"]})
    answer = authorize_call(lambda_context, f"Bearer {good}", "POST", "reviews/app-1")
    assert effects(answer) == {"Allow": {f"{API}/POST/reviews/*"}}


@pytest.mark.parametrize("authorization", ["", "rita", "Basic cml0YTpwdw==", "Bearer "])
def test_no_bearer_token_is_unauthorized(issuer, lambda_context, authorization):
    with pytest.raises(Exception, match=r"^Unauthorized$"):
        authorize_call(lambda_context, authorization)


def refused(answer: dict) -> bool:
    return effects(answer) == {"Deny": {f"{API}/*/*"}}


def resigned(good: str, key, algorithm: str = "RS256", kid: str | None = None, drop=()) -> str:
    """The claims of a good token, less `drop`, signed again with `key`."""
    claims = jwt.decode(good, options={"verify_signature": False})
    for name in drop:
        del claims[name]
    return jwt.encode(claims, key, algorithm=algorithm, headers={"kid": kid or "k"})


def test_a_token_signed_by_another_key_is_refused(issuer, lambda_context):
    forged = token(local_issuer.new_key())
    answer = authorize_call(lambda_context, f"Bearer {forged}")
    assert refused(answer)
    assert answer["principalId"] == "anonymous"


def test_a_token_with_the_issuers_key_id_but_another_signature_is_refused(
    issuer, issuer_key, lambda_context
):
    forged = resigned(
        token(issuer_key), local_issuer.new_key(), kid=local_issuer.key_id(issuer_key)
    )
    assert refused(authorize_call(lambda_context, f"Bearer {forged}"))


@pytest.mark.parametrize(
    "overrides",
    [
        {"lifetime_seconds": -120},  # expired two minutes ago (beyond the 30 s leeway)
        {"starts_in_seconds": 600},  # not valid before ten minutes from now
        {"claims": {"aud": "another-api"}},
        {"claims": {"iss": "https://elsewhere.example.com"}},
        {"roles": ["applicant"]},
        {"roles": []},
    ],
    ids=["expired", "not-yet-valid", "wrong-audience", "wrong-issuer", "other-role", "no-role"],
)
def test_a_token_that_is_not_good_for_a_reviewer_is_refused(
    issuer, issuer_key, lambda_context, overrides
):
    overrides = dict(overrides)
    # "now" is read when the test runs, not when the module is collected (a long suite runs
    # this minutes later).
    if starts_in := overrides.pop("starts_in_seconds", None):
        overrides["now"] = time.time() + starts_in
    bad = token(issuer_key, **overrides)
    assert refused(authorize_call(lambda_context, f"Bearer {bad}"))


def test_a_token_without_a_subject_is_refused(issuer, issuer_key, lambda_context):
    bad = resigned(token(issuer_key), issuer_key, kid=local_issuer.key_id(issuer_key), drop=["sub"])
    assert refused(authorize_call(lambda_context, f"Bearer {bad}"))


@pytest.mark.parametrize("algorithm", ["HS256", "none"])
def test_a_token_in_another_algorithm_is_refused(issuer, issuer_key, lambda_context, algorithm):
    secret = "x" * 32 if algorithm == "HS256" else None
    bad = resigned(token(issuer_key), secret, algorithm=algorithm)
    assert refused(authorize_call(lambda_context, f"Bearer {bad}"))


def test_garbage_is_refused(issuer, lambda_context):
    assert refused(authorize_call(lambda_context, "Bearer not.a.jwt"))


@pytest.mark.parametrize("service_tokens", [True, False], ids=["as-deployed", "staff-only"])
@pytest.mark.parametrize("payload", [b"not json", b"[1, 2]", b'"a string"', b"\xff\xfe"])
def test_a_real_token_around_a_garbage_payload_is_refused(
    issuer, issuer_key, lambda_context, monkeypatch, payload, service_tokens
):
    # GIVEN the authorizer as the stack deploys it (service tokens accepted too), and a real
    # token's header and signature around a payload that is no JSON object
    if service_tokens:
        scopes = {"service_scope_roles": {"comms/resend": ["comms-service"]}}
        monkeypatch.setattr(authorize, "settings", authorize.settings.model_copy(update=scopes))
    header, _, signature = token(issuer_key).split(".")
    garbage = base64.urlsafe_b64encode(payload).rstrip(b"=").decode()

    # WHEN it is presented, THEN it is refused (403), not an authorizer error (500)
    assert refused(authorize_call(lambda_context, f"Bearer {header}.{garbage}.{signature}"))


def test_the_key_set_is_fetched_once_and_kept(issuer, issuer_key, lambda_context):
    for _ in range(3):
        authorize_call(lambda_context, f"Bearer {token(issuer_key)}")
    assert len(issuer.calls) == 1


def test_a_rotated_key_is_fetched_again(issuer, issuer_key, lambda_context, monkeypatch):
    # GIVEN the key set was fetched a while ago, and the issuer has since rotated its key
    authorize_call(lambda_context, f"Bearer {token(issuer_key)}")
    rotated = local_issuer.new_key()
    issuer.replace(responses.GET, JWKS_URL, json=local_issuer.jwks(rotated))
    monkeypatch.setattr(key_set, "_fetched_at", key_set._fetched_at - 60)

    # WHEN a token signed with the new key arrives
    answer = authorize_call(lambda_context, f"Bearer {token(rotated)}")

    # THEN the set was fetched again and the token accepted
    assert len(issuer.calls) == 2
    assert "Allow" in effects(answer)


def test_an_unreachable_key_set_is_an_error_not_an_answer(issuer, issuer_key, lambda_context):
    issuer.replace(responses.GET, JWKS_URL, body=requests.ConnectionError("down"))
    with pytest.raises(Exception, match="jwks"):
        authorize_call(lambda_context, f"Bearer {token(issuer_key)}")


def test_while_the_issuer_is_down_the_cached_keys_still_verify(
    issuer, issuer_key, lambda_context, monkeypatch
):
    # GIVEN keys fetched long enough ago to be refreshed, and an issuer that no longer answers
    authorize_call(lambda_context, f"Bearer {token(issuer_key)}")
    issuer.replace(responses.GET, JWKS_URL, body=requests.ConnectionError("down"))
    monkeypatch.setattr(key_set, "_fetched_at", key_set._fetched_at - 24 * 3600)

    # WHEN tokens keep arriving
    answers = [authorize_call(lambda_context, f"Bearer {token(issuer_key)}") for _ in range(3)]

    # THEN each is verified with the cached keys, and the issuer was asked once, not per token
    assert all("Allow" in effects(answer) for answer in answers)
    assert len(issuer.calls) == 2


def test_bearer_token_reads_the_header():
    assert bearer_token("Bearer abc") == "abc"
    assert bearer_token("bearer  abc ") == "abc"
    assert bearer_token("Token abc") is None
    assert bearer_token(None) is None


def test_roles_come_from_lists_or_strings():
    claims = {"roles": ["a", "b"], "cognito:groups": "c d"}
    assert roles_in(claims, ("roles", "cognito:groups")) == {"a", "b", "c", "d"}
    assert roles_in({"roles": [1, None]}, ("roles",)) == frozenset()


def test_routes_for_roles():
    assert routes_for({"lead"}, ROUTES) == [("POST", "/reviews/*")]
    assert routes_for({"applicant"}, ROUTES) == []


def test_the_sample_event_is_answered_with_a_deny_until_a_real_token_is_pasted(
    issuer, lambda_context
):
    # GIVEN the sample event, whose token is a placeholder for `make token`'s output
    event = sample_event("authorizer-authorize")

    # WHEN the authorizer sees it
    answer = authorize.handler(event, lambda_context)

    # THEN it is refused (deny-all), never allowed and never an error
    assert set(effects(answer)) == {"Deny"}
