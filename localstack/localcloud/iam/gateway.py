"""The gateway's IAM step: a handler in LocalStack's chain, after the service request is parsed,
that names the caller from the request's credentials, maps the call to what it needs and asks
`enforcement.authorise`; a refusal is answered with the service's own AccessDenied shape.

Who is judged, by the access key id the request is signed with (SigV4 Authorization header, or
a presigned URL's X-Amz-Credential):

- a key issued by the local cloud's STS (AssumeRole): that role's session,
  `arn:aws:sts::<account>:assumed-role/<role>/<session>`. This includes LocalStack's own
  internal calls made with `connect_to.with_assumed_role` (a Step Functions task, an
  EventBridge or SNS delivery with a role), which are signed with the session's key;
- LocalStack's internal key (`__internal_call__`, every other `connect_to()` client): never
  judged, whatever request parameters it carries;
- a key of an IAM user (CreateAccessKey): that user, by its own and its groups' policies;
- any other key (a user's `test`/`test`, an unsigned request): the account root, never judged.
"""

from __future__ import annotations

import logging
import re
from functools import cache

from localstack.aws.api import CommonServiceException, RequestContext
from localstack.aws.chain import HandlerChain
from localstack.constants import INTERNAL_AWS_ACCESS_KEY_ID
from localstack.http import Response

from localcloud.iam import attribution, sessions
from localcloud.iam.actions import Call, UnmappedOperation, UnreadableRequest, authorisations
from localcloud.iam.arns import Place
from localcloud.iam.enforcement import Mode, authorise, current_mode, record_unmapped
from localcloud.iam.evaluation import Decision
from localcloud.iam.stores import StoreFacts, user_of_key

LOG = logging.getLogger(__name__)

_SIGV4_KEY = re.compile(r"Credential=([^/,\s]+)/")

# AWS's refusal per service: (error code, HTTP status). Query and REST-XML services say
# AccessDenied (SNS: AuthorizationError); JSON services AccessDeniedException.
_REFUSALS: dict[str, tuple[str, int]] = {
    "s3": ("AccessDenied", 403),
    "sqs": ("AccessDenied", 403),
    "sns": ("AuthorizationError", 403),
    "ses": ("AccessDenied", 403),
    "sts": ("AccessDenied", 403),
    "cloudwatch": ("AccessDenied", 403),
    "iam": ("AccessDenied", 403),
    "lambda": ("AccessDeniedException", 403),
    "sesv2": ("AccessDeniedException", 403),
}
_DEFAULT_REFUSAL = ("AccessDeniedException", 400)
# A KMS refusal met while the service uses a key for the caller, where the service names it
# apart (SQS: "KMS.AccessDeniedException", SNS: "KMSAccessDenied").
_KEY_REFUSALS: dict[str, tuple[str, int]] = {
    "sqs": ("KMS.AccessDeniedException", 400),
    "sns": ("KMSAccessDenied", 400),
}

_facts = StoreFacts()


def access_key_id(context: RequestContext) -> str | None:
    """The key a request is signed with: a presigned URL's, else the Authorization header's."""
    request = context.request
    credential = request.args.get("X-Amz-Credential")
    if credential:
        return credential.split("/", 1)[0]
    found = _SIGV4_KEY.search(request.headers.get("Authorization") or "")
    return found.group(1) if found else None


def principal_of(key: str | None, account: str) -> str | None:
    """Whom the local cloud issued this key to: an assumed-role session (STS) or an IAM user
    (CreateAccessKey); None for internal calls and keys it did not issue (not judged)."""
    if not key or key == INTERNAL_AWS_ACCESS_KEY_ID:
        return None
    from localstack.services.sts.models import sts_stores

    # The credentials map is shared by every account and region (CrossAccountAttribute).
    credentials = sts_stores[account]["us-east-1"].credentials.get(key)
    if credentials is not None:
        return credentials.arn if ":assumed-role/" in credentials.arn else None
    return user_of_key(account, key)


def refusal_error(service: str, refusal: Decision) -> CommonServiceException:
    """The service's AccessDenied, with AWS's message naming the session, action and resource."""
    code, status = _REFUSALS.get(service, _DEFAULT_REFUSAL)
    if refusal.request.action.startswith("kms:") and service != "kms":
        code, status = _KEY_REFUSALS.get(service, (code, status))
    return aws_error(code, refusal.message, status)


def aws_error(code: str, message: str, status: int) -> CommonServiceException:
    """A caller's error as the service answers it: its code, message and HTTP status."""
    return _error_class(code)(code, message, status_code=status, sender_fault=True)


@cache
def _error_class(code: str) -> type[CommonServiceException]:
    """An exception class named as the error code: a query-compatible JSON service (SQS) writes
    the class's name as the body's error type."""
    return type(code, (CommonServiceException,), {})


def enforce_iam(chain: HandlerChain, context: RequestContext, response: Response) -> None:
    """The handler: judge the parsed request as its caller; raise the refusal, if any."""
    if context.service is None or context.operation is None or current_mode() is Mode.OFF:
        return
    key = access_key_id(context)
    principal = principal_of(key, context.account_id)
    if principal is None:
        return
    service, operation = context.service.service_name, context.operation.name
    if sessions.expired_session(key, context.account_id):
        if current_mode() is Mode.ENFORCE:
            raise sessions.expired_token(service)
        LOG.warning(
            "IAM would refuse %s:%s by %s: its session expired", service, operation, principal
        )
    origin = f"{service}:{operation}"
    call = Call(
        service,
        operation,
        context.service_request or {},
        Place(context.region, context.account_id),
        secure_transport=context.request.scheme == "https",
    )
    try:
        # A function's SDK sends its invocation's trace: the journal names the invocation.
        with attribution.called_with(context.request.headers.get("X-Amzn-Trace-Id")):
            refusal = _judge(principal, call, origin)
    except Exception:  # a fault of the judge is not the caller's: log it, answer as without IAM
        LOG.exception("IAM: could not judge %s by %s; allowed", origin, principal)
        return
    if refusal is not None:
        raise refusal_error(service, refusal)


def _judge(principal: str, call: Call, origin: str) -> Decision | None:
    try:
        needed = authorisations(call, _facts)
    except UnmappedOperation:
        record_unmapped(principal, origin, origin)
        return None
    except UnreadableRequest:
        return None  # the service refuses the request itself, with its own validation error
    return authorise(principal, needed, origin=origin)
