"""Stage, method and usage-plan throttling of a REST API invocation, as API Gateway does it.

- Stage and method: the stage's method settings. A setting for the method itself
  (`~1calculations/POST`, as API Gateway keys them) wins over the stage-wide `*/*`; each method
  has its own token bucket of `throttlingBurstLimit` tokens refilled at `throttlingRateLimit`
  a second.
- Usage plans: for a request whose API key was validated (a method with apiKeyRequired), the
  plans holding that key for this stage: the plan's per-method throttle for this method, else
  the plan's throttle, a bucket per key; then the plan's quota per period.

An empty bucket is 429 `{"message":"Too Many Requests"}`; a spent quota 429
`{"message":"Limit Exceeded"}`.
"""

from __future__ import annotations

import logging

from localstack.services.apigateway.next_gen.execute_api.gateway_response import (
    QuotaExceededError,
    ThrottledError,
)
from localstack.services.apigateway.next_gen.execute_api.moto_helpers import (
    get_usage_plan_keys,
    get_usage_plans,
)

from localcloud.api_gateway.policy import Buckets, QuotaCounter

LOG = logging.getLogger(__name__)

_buckets = Buckets()
_quotas = QuotaCounter()


def _method_setting_key(resource_path: str, http_method: str) -> str:
    return f"{resource_path.replace('/', '~1')}/{http_method}"


def _limits(setting: dict | None, rate_key: str, burst_key: str) -> tuple[float, int] | None:
    if not setting or setting.get(rate_key) is None or setting.get(burst_key) is None:
        return None
    return float(setting[rate_key]), int(float(setting[burst_key]))


def throttle_stage_and_method(chain, context, response) -> None:
    settings = (context.stage_configuration or {}).get("methodSettings") or {}
    if not settings:
        return
    resource_path = context.resource["path"]
    http_method = context.resource_method["httpMethod"]
    limits = _limits(
        settings.get(_method_setting_key(resource_path, http_method)),
        "throttlingRateLimit",
        "throttlingBurstLimit",
    ) or _limits(settings.get("*/*"), "throttlingRateLimit", "throttlingBurstLimit")
    if limits is None:
        return
    key = (context.account_id, context.region, context.api_id, context.stage)
    if not _buckets.take((*key, resource_path, http_method), *limits):
        LOG.debug("throttled %s %s on stage %s", http_method, resource_path, context.stage)
        raise ThrottledError("Too Many Requests")


def throttle_usage_plan(chain, context, response) -> None:
    identity = context.context_variables.get("identity") or {}
    key_id = identity.get("apiKeyId")
    if not key_id:
        return
    resource_path = context.resource["path"]
    http_method = context.resource_method["httpMethod"]
    for plan in get_usage_plans(account_id=context.account_id, region_name=context.region):
        stages = [
            stage
            for stage in plan.get("apiStages") or []
            if stage.get("apiId") == context.api_id and stage.get("stage") == context.stage
        ]
        if not stages:
            continue
        keys = get_usage_plan_keys(
            usage_plan_id=plan["id"], account_id=context.account_id, region_name=context.region
        )
        if not any(key["id"] == key_id for key in keys):
            continue
        method_throttle = (stages[0].get("throttle") or {}).get(f"{resource_path}/{http_method}")
        if limits := _limits(method_throttle, "rateLimit", "burstLimit"):
            bucket = (plan["id"], key_id, resource_path, http_method)
        elif limits := _limits(plan.get("throttle"), "rateLimit", "burstLimit"):
            bucket = (plan["id"], key_id)
        if limits and not _buckets.take(bucket, *limits):
            raise ThrottledError("Too Many Requests")
        quota = plan.get("quota") or {}
        if quota.get("limit") is not None and not _quotas.take(
            (plan["id"], key_id),
            int(quota["limit"]),
            quota.get("period", "DAY"),
            int(quota.get("offset") or 0),
        ):
            raise QuotaExceededError("Limit Exceeded")
