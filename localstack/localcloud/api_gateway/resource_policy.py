"""The REST API step that judges who may invoke a method, as API Gateway does ("How API Gateway
resource policies affect authorization workflow"), through the local cloud's IAM enforcement
(its modes and journal):

- no authorization and a resource policy: the caller is `anonymous`, whom the policy must
  allow explicitly (an aws:SourceIp or aws:SourceVpce condition, an explicit Deny);
- a Lambda authorizer and a resource policy: only the policy's explicit Deny refuses here,
  before the authorizer runs (table A: the authorizer's Allow suffices otherwise);
- AWS_IAM: the request's signer (a session, a user, or the account's root for credentials the
  local cloud did not issue), judged by its identity policies and the resource policy as IAM
  combines them (table B); an unsigned request is refused with "Missing Authentication Token".

The resource policy is the deployed one (a changed policy applies at the next deployment, as
on AWS); a refusal is 403 `{"Message": "User: <caller> is not authorized to perform:
execute-api:Invoke on resource: <method ARN>"}`, " with an explicit deny" when one decided.
"""

from __future__ import annotations

from localstack.constants import INTERNAL_AWS_ACCESS_KEY_ID
from localstack.services.apigateway.next_gen.execute_api.gateway_response import (
    AccessDeniedError,
    MissingAuthTokenError,
)

from localcloud.api_gateway.policy import method_arn
from localcloud.iam.actions import Authorisation
from localcloud.iam.enforcement import Mode, authorise, current_mode, judged
from localcloud.iam.evaluation import EXPLICIT_DENY_PREFIX, Decision
from localcloud.iam.gateway import access_key_id, principal_of

ANONYMOUS = "anonymous"
INVOKE = "execute-api:Invoke"


def judge_invoke_permission(chain, context, response) -> None:
    """The handler: a no-op for a method open to all on an API without a resource policy."""
    if current_mode() is Mode.OFF:
        return
    method = context.resource_method or {}
    kind = (method.get("authorizationType") or "NONE").upper()
    if kind != "AWS_IAM" and not context.deployment.rest_api.rest_api.get("policy"):
        return
    caller = _caller(context) if kind == "AWS_IAM" else ANONYMOUS
    if caller is None:
        return  # the local cloud's own call
    request = context.invocation_request
    arn = method_arn(
        context.region,
        context.account_id,
        context.api_id,
        context.stage,
        request["http_method"],
        request["path"],
    )
    needed = [Authorisation(INVOKE, [arn], _request_keys(context))]
    if kind == "CUSTOM" and not _explicitly_denied(caller, needed):
        return
    refusal = authorise(caller, needed, origin=INVOKE)
    if refusal is not None:
        raise AccessDeniedError(_message(caller, arn, refusal))


def _caller(context) -> str | None:
    """Whom an AWS_IAM method's request is signed by (None: the local cloud's own call);
    unsigned: API Gateway's 403."""
    key = access_key_id(context)
    if key is None:
        raise MissingAuthTokenError("Missing Authentication Token")
    if key == INTERNAL_AWS_ACCESS_KEY_ID:
        return None
    # A key the local cloud did not issue is the account's root, as everywhere else.
    return principal_of(key, context.account_id) or f"arn:aws:iam::{context.account_id}:root"


def _request_keys(context) -> dict[str, str | bool]:
    """The condition keys of an invocation: the client's address, transport and headers."""
    request = context.request
    keys: dict[str, str | bool] = {
        "aws:SourceIp": request.remote_addr or "",
        "aws:SecureTransport": request.scheme == "https",
    }
    for name, key in (("User-Agent", "aws:UserAgent"), ("Referer", "aws:Referer")):
        if request.headers.get(name):
            keys[key] = request.headers[name]
    return keys


def _explicitly_denied(caller: str, needed: list[Authorisation]) -> bool:
    """Before a Lambda authorizer runs, only an explicit Deny of the policy refuses."""
    return any(d.reason.startswith(EXPLICIT_DENY_PREFIX) for d in judged(caller, needed))


def _message(caller: str, arn: str, refusal: Decision) -> str:
    explicit = refusal.reason.startswith(EXPLICIT_DENY_PREFIX)
    suffix = " with an explicit deny" if explicit else ""
    return f"User: {caller} is not authorized to perform: {INVOKE} on resource: {arn}{suffix}"
