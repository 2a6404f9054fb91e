"""REST API authorizers and throttling on the local cloud, as API Gateway enforces them, over
real HTTP against a small fixture API (tests/local_cloud/fixture_api)."""

from __future__ import annotations

import uuid

import pytest
import requests

from devkit.local_cloud import client, endpoint

HTTP_TIMEOUT = 30
EXPLICIT_DENY = {"Message": "User is not authorized to access this resource with an explicit deny"}
IMPLICIT_DENY = {"Message": "User is not authorized to access this resource"}
UNAUTHORIZED = {"message": "Unauthorized"}
TOO_MANY_REQUESTS = {"message": "Too Many Requests"}


@pytest.fixture(scope="module")
def fixture_api(deploy_fixture) -> dict[str, str]:
    return deploy_fixture("api")


def url(api_id: str, path: str) -> str:
    return f"{endpoint()}/_aws/execute-api/{api_id}/test{path}"


def get(outputs: dict, path: str, token: str | None = None, api: str = "GuardedApiId", **kwargs):
    headers = kwargs.pop("headers", {})
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    return requests.get(url(outputs[api], path), headers=headers, timeout=HTTP_TIMEOUT, **kwargs)


def authorizer_calls(outputs: dict, identity: str) -> int:
    item = client("dynamodb").get_item(
        TableName=outputs["AuthorizerCallsTableName"], Key={"identity": {"S": identity}}
    )
    return int(item.get("Item", {}).get("calls", {}).get("N", 0))


def unique(kind: str) -> str:
    return f"{kind}-{uuid.uuid4().hex[:12]}"


# --- authorizers -------------------------------------------------------------------------------


def test_a_method_without_an_authorizer_stays_open(fixture_api):
    response = get(fixture_api, "/open")
    assert response.status_code == 200
    assert response.json()["authorizer"] is None


def test_an_allowed_token_reaches_the_integration_with_the_authorizers_context(fixture_api):
    # GIVEN a token the TOKEN authorizer allows
    token = unique("allow")

    # WHEN a guarded method is called with it
    response = get(fixture_api, "/orders/o-1", token)

    # THEN the integration sees principalId and the context, as strings, in requestContext
    assert response.status_code == 200, response.text
    authorizer = response.json()["authorizer"]
    name = token.removeprefix("allow-")
    assert authorizer["principalId"] == name
    assert authorizer["user"] == name
    assert authorizer["tier"] == "3"
    assert authorizer["admin"] == "true"
    # and the authorizer got AWS's TOKEN event, with this request's method ARN
    assert authorizer["eventType"] == "TOKEN"
    api_id = fixture_api["GuardedApiId"]
    assert authorizer["methodArn"] == (
        f"arn:aws:execute-api:us-east-1:000000000000:{api_id}/test/GET/orders/o-1"
    )


def test_a_missing_token_is_401(fixture_api):
    response = get(fixture_api, "/orders")
    assert response.status_code == 401
    assert response.json() == UNAUTHORIZED


def test_a_token_failing_the_validation_expression_is_401_without_invoking(fixture_api):
    # GIVEN a token with a character the identity validation expression does not allow
    token = unique("allow") + "!"

    # WHEN it is sent
    response = get(fixture_api, "/orders", token)

    # THEN 401, and the authorizer never saw it
    assert response.status_code == 401
    assert response.json() == UNAUTHORIZED
    assert authorizer_calls(fixture_api, token) == 0


def test_an_explicit_deny_is_403(fixture_api):
    response = get(fixture_api, "/orders", unique("deny"))
    assert response.status_code == 403
    assert response.json() == EXPLICIT_DENY


def test_a_policy_with_no_statement_for_the_method_is_403(fixture_api):
    response = get(fixture_api, "/orders", unique("elsewhere"))
    assert response.status_code == 403
    assert response.json() == IMPLICIT_DENY


def test_an_authorizer_raising_unauthorized_is_401(fixture_api):
    response = get(fixture_api, "/orders", unique("unauthorized"))
    assert response.status_code == 401
    assert response.json() == UNAUTHORIZED


@pytest.mark.parametrize("kind", ["boom", "nested"])
def test_an_authorizer_failing_or_answering_badly_is_500(fixture_api, kind):
    response = get(fixture_api, "/orders", unique(kind))
    assert response.status_code == 500
    assert response.json() == {"message": None}


def test_the_answer_is_cached_by_token_for_the_ttl(fixture_api):
    # GIVEN a token allowed once
    token = unique("allow")
    first = get(fixture_api, "/orders", token)
    assert first.status_code == 200

    # WHEN the same token calls again, on another method of the API
    second = get(fixture_api, "/orders/o-2", token)

    # THEN the cached answer served it: one invocation, the same context
    assert second.status_code == 200
    assert authorizer_calls(fixture_api, token) == 1
    assert second.json()["authorizer"]["invocation"] == first.json()["authorizer"]["invocation"]


def test_a_cached_policy_is_evaluated_against_each_methods_arn(fixture_api):
    # GIVEN a token whose policy allows only the method it was first asked for
    token = unique("exact")
    assert get(fixture_api, "/orders", token).status_code == 200

    # WHEN it calls another method while the answer is cached
    response = get(fixture_api, "/orders/o-3", token)

    # THEN the cached policy does not cover it: 403, and no new invocation
    assert response.status_code == 403
    assert response.json() == IMPLICIT_DENY
    assert authorizer_calls(fixture_api, token) == 1


def test_a_request_authorizer_gets_the_request_and_its_identity_sources(fixture_api):
    # GIVEN a REQUEST authorizer on the tenant header and the user query string
    user = uuid.uuid4().hex[:12]

    # WHEN both are sent
    response = get(fixture_api, "/tenants", params={"user": user}, headers={"X-Tenant": "acme"})

    # THEN it ran with AWS's REQUEST event and passed its context on
    assert response.status_code == 200, response.text
    authorizer = response.json()["authorizer"]
    assert authorizer["principalId"] == user
    assert authorizer["tenant"] == "acme"
    assert authorizer["eventType"] == "REQUEST"
    assert authorizer["resource"] == "/tenants"
    assert authorizer["path"] == "/tenants"
    assert authorizer["httpMethod"] == "GET"
    assert authorizer["stage"] == "test"


def test_a_request_authorizer_missing_an_identity_source_is_401_without_invoking(fixture_api):
    user = uuid.uuid4().hex[:12]
    response = get(fixture_api, "/tenants", params={"user": user})
    assert response.status_code == 401
    assert response.json() == UNAUTHORIZED
    assert authorizer_calls(fixture_api, f"None:{user}") == 0


def test_a_ttl_of_zero_invokes_the_authorizer_every_time(fixture_api):
    user = uuid.uuid4().hex[:12]
    for _ in range(2):
        response = get(fixture_api, "/tenants", params={"user": user}, headers={"X-Tenant": "acme"})
        assert response.status_code == 200
    assert authorizer_calls(fixture_api, f"acme:{user}") == 2


def test_a_request_authorizer_deny_is_403(fixture_api):
    user = uuid.uuid4().hex[:12]
    response = get(fixture_api, "/tenants", params={"user": user}, headers={"X-Tenant": "umbrella"})
    assert response.status_code == 403
    assert response.json() == EXPLICIT_DENY


# --- throttling --------------------------------------------------------------------------------


def burst(outputs: dict, path: str, count: int, **kwargs) -> list[requests.Response]:
    with requests.Session() as session:
        return [
            session.get(url(outputs["ThrottledApiId"], path), timeout=HTTP_TIMEOUT, **kwargs)
            for _ in range(count)
        ]


def statuses(responses: list[requests.Response]) -> list[int]:
    return [response.status_code for response in responses]


def test_a_burst_past_the_stages_limit_is_429(fixture_api):
    # GIVEN a stage allowing every method 3 requests at once, then one a second

    # WHEN 10 requests arrive back to back
    responses = burst(fixture_api, "/busy", 10)

    # THEN some pass and the rest get API Gateway's 429; far fewer than 10 pass
    codes = statuses(responses)
    assert set(codes) == {200, 429}, codes
    assert codes.count(200) <= 6, codes
    throttled = next(r for r in responses if r.status_code == 429)
    assert throttled.json() == TOO_MANY_REQUESTS
    assert throttled.headers["x-amzn-ErrorType"] == "TooManyRequestsException"


def test_a_methods_own_setting_wins_over_the_stages(fixture_api):
    # GIVEN a method allowed a burst of 12 on a stage allowing 3
    # WHEN 24 requests arrive back to back
    codes = statuses(burst(fixture_api, "/roomy", 24))

    # THEN more than the stage's 3 pass, and the burst still ends in 429
    assert codes.count(200) >= 10, codes
    assert 429 in codes, codes


@pytest.fixture
def api_key(fixture_api):
    """A new API key in a usage plan: make_key(plan output name) -> key value."""
    apigateway = client("apigateway")
    made: list[str] = []

    def make_key(plan: str) -> str:
        key = apigateway.create_api_key(name=f"k-{uuid.uuid4().hex[:10]}", enabled=True)
        made.append(key["id"])
        apigateway.create_usage_plan_key(
            usagePlanId=fixture_api[plan], keyId=key["id"], keyType="API_KEY"
        )
        return key["value"]

    yield make_key
    for key_id in made:
        apigateway.delete_api_key(apiKey=key_id)


def test_a_usage_plan_throttles_each_key_on_its_own(fixture_api, api_key):
    # GIVEN two keys in a plan allowing a burst of 2 per key
    first, second = api_key("MeteredPlanId"), api_key("MeteredPlanId")

    # WHEN the first key sends 8 requests back to back
    codes = statuses(burst(fixture_api, "/metered", 8, headers={"x-api-key": first}))

    # THEN it is throttled, and the second key still gets through
    assert codes[0] == 200 and 429 in codes, codes
    assert codes.count(200) <= 5, codes
    assert burst(fixture_api, "/metered", 1, headers={"x-api-key": second})[0].status_code == 200


def test_a_usage_plans_quota_is_429_limit_exceeded(fixture_api, api_key):
    # GIVEN a key in a plan allowing 3 requests a day
    key = api_key("QuotaPlanId")

    # WHEN it sends 5
    responses = burst(fixture_api, "/metered", 5, headers={"x-api-key": key})

    # THEN the first 3 pass and the rest are over the quota
    assert statuses(responses) == [200, 200, 200, 429, 429]
    assert responses[-1].json() == {"message": "Limit Exceeded"}


def test_a_method_requiring_a_key_refuses_a_request_without_one(fixture_api):
    assert burst(fixture_api, "/metered", 1)[0].status_code == 403
