"""The rules behind the local cloud's API Gateway authorizers and throttling, on their own: IAM
policy evaluation against a method ARN, the token bucket, the result cache (a fake clock)."""

from __future__ import annotations

import pytest

from localcloud.api_gateway.policy import (
    Buckets,
    ExpiringCache,
    MalformedPolicy,
    QuotaCounter,
    TokenBucket,
    Verdict,
    evaluate,
    method_arn,
)

ARN = method_arn("us-east-1", "123456789012", "abc123", "prod", "POST", "/reviews/app-1")


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def statement(effect: str, resource, action="execute-api:Invoke") -> dict:
    return {"Effect": effect, "Action": action, "Resource": resource}


def policy(*statements: dict) -> dict:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def test_the_method_arn_names_the_requests_own_path():
    assert ARN == "arn:aws:execute-api:us-east-1:123456789012:abc123/prod/POST/reviews/app-1"


@pytest.mark.parametrize(
    "resource",
    [
        ARN,
        "arn:aws:execute-api:us-east-1:123456789012:abc123/*",
        "arn:aws:execute-api:us-east-1:123456789012:abc123/prod/*/reviews/*",
        "arn:aws:execute-api:*:*:abc123/prod/POST/reviews/app-?",
        ["arn:aws:execute-api:us-east-1:123456789012:other/*", ARN],
    ],
)
def test_an_allow_matching_the_arn_allows(resource):
    assert evaluate(policy(statement("Allow", resource)), ARN) is Verdict.ALLOW


@pytest.mark.parametrize(
    "resource",
    [
        "arn:aws:execute-api:us-east-1:123456789012:abc123/prod/GET/*",
        "arn:aws:execute-api:us-east-1:123456789012:abc123/prod/POST/reviews",
        "arn:aws:execute-api:us-east-1:123456789012:other/*",
    ],
)
def test_no_statement_for_the_arn_is_an_implicit_deny(resource):
    assert evaluate(policy(statement("Allow", resource)), ARN) is Verdict.IMPLICIT_DENY


def test_a_matching_deny_wins_over_an_allow():
    both = policy(
        statement("Allow", "arn:aws:execute-api:*:*:abc123/*"),
        statement("Deny", "arn:aws:execute-api:*:*:abc123/prod/POST/*"),
    )
    assert evaluate(both, ARN) is Verdict.EXPLICIT_DENY


@pytest.mark.parametrize("action", ["execute-api:*", "*", ["s3:GetObject", "execute-api:invoke"]])
def test_actions_match_with_wildcards_and_in_any_case(action):
    assert evaluate(policy(statement("Allow", "*", action)), ARN) is Verdict.ALLOW


def test_another_services_action_does_not_allow():
    assert evaluate(policy(statement("Allow", "*", "s3:*")), ARN) is Verdict.IMPLICIT_DENY


@pytest.mark.parametrize(
    "bad",
    [None, {}, {"Statement": [{"Effect": "Maybe", "Action": "*", "Resource": "*"}]}, "text"],
)
def test_a_malformed_policy_is_refused(bad):
    with pytest.raises(MalformedPolicy):
        evaluate(bad, ARN)


def test_a_bucket_allows_its_burst_then_refills_at_its_rate():
    # GIVEN a bucket of 3 refilled at 2 a second
    clock = Clock()
    bucket = TokenBucket(rate=2, burst=3, clock=clock)

    # WHEN 4 requests arrive at once, then half a second passes, then 2 more
    at_once = [bucket.take() for _ in range(4)]
    clock.now += 0.5
    later = [bucket.take() for _ in range(2)]

    # THEN the burst passes, the 4th is throttled, and half a second buys one token
    assert at_once == [True, True, True, False]
    assert later == [True, False]


def test_a_bucket_never_holds_more_than_its_burst():
    clock = Clock()
    bucket = TokenBucket(rate=100, burst=2, clock=clock)
    clock.now += 60
    assert [bucket.take() for _ in range(3)] == [True, True, False]


def test_a_zero_burst_throttles_everything():
    assert TokenBucket(rate=10, burst=0, clock=Clock()).take() is False


def test_buckets_are_kept_by_key_and_remade_when_the_limits_change():
    clock = Clock()
    buckets = Buckets(clock)
    assert [buckets.take("a", 1, 1), buckets.take("a", 1, 1)] == [True, False]
    assert buckets.take("b", 1, 1) is True
    assert buckets.take("a", 1, 5) is True  # redeployed with a bigger burst


def test_a_quota_counts_per_period():
    clock = Clock()
    quota = QuotaCounter(clock)
    assert [quota.take("key", 2, "DAY") for _ in range(3)] == [True, True, False]
    clock.now += 86_400
    assert quota.take("key", 2, "DAY") is True


def test_a_cached_value_lives_for_its_ttl_only():
    clock = Clock()
    cache = ExpiringCache(clock)
    cache.put("token", "answer", ttl_seconds=300)
    cache.put("never", "answer", ttl_seconds=0)
    clock.now += 299
    assert cache.get("token") == "answer"
    assert cache.get("never") is None
    clock.now += 1
    assert cache.get("token") is None
