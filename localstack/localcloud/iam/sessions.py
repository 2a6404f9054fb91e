"""Temporary credentials end as on AWS, on the local cloud's clock (`localcloud/clock`): STS
dates them by the clock (its modules follow it), the gateway refuses a request signed with
a session past its Expiration with the service's ExpiredToken error, and a Lambda execution
environment is retired before its role session ends, so the next invocation starts one with
fresh credentials. LocalStack gives an environment a 12-hour session (the longest a role
session may last) and keeps a warm environment for as long as it is invoked; Lambda recycles
its environments every few hours, so none of them outlives its credentials there.

Which sessions end: those a caller outside LocalStack asked for (a user's AssumeRole, an ECS
task's credentials endpoint) and the Lambda environments'. LocalStack's own services keep the
session they assumed for a role for as long as their client lives (an event source mapping's
poller, for one); on AWS a service renews its sessions, so those are not ended here.
"""

from __future__ import annotations

import datetime
import functools
import logging

from localstack.aws.api import CommonServiceException

from localcloud.clock.clock import CLOCK
from localcloud.support.patching import after_import

LOG = logging.getLogger(__name__)

# AWS's answer per protocol ("Common Errors": ExpiredTokenException, 403; the query and XML
# services say ExpiredToken; S3 words it its own way and answers 400, DynamoDB 400).
_EXPIRED = "The security token included in the request is expired"
_QUERY_SERVICES = ("sts", "sqs", "sns", "iam", "cloudwatch", "ses")
_BY_SERVICE: dict[str, tuple[str, str, int]] = {
    "s3": ("ExpiredToken", "The provided token has expired.", 400),
    "dynamodb": ("ExpiredTokenException", _EXPIRED, 400),
    **{service: ("ExpiredToken", _EXPIRED, 403) for service in _QUERY_SERVICES},
}
_DEFAULT = ("ExpiredTokenException", _EXPIRED, 403)

# An environment whose session ends within this is not given another invocation: the longest
# a function may run (15 minutes), so no invocation outlives its credentials.
_LAMBDA_MARGIN = datetime.timedelta(minutes=15)


_ending: set[str] = set()  # access key ids of the sessions that end


def expired_session(key: str | None, account: str) -> bool:
    """Whether `key` is of an STS session that ends, whose Expiration the clock has passed."""
    if key not in _ending:
        return False
    from localstack.services.sts.models import sts_stores

    # The credentials map is shared by every account and region (CrossAccountAttribute).
    credentials = sts_stores[account]["us-east-1"].credentials.get(key)
    return credentials is not None and CLOCK.now(datetime.UTC) >= credentials.expiration


def expired_token(service: str) -> CommonServiceException:
    from localcloud.iam.gateway import aws_error

    code, message, status = _BY_SERVICE.get(service, _DEFAULT)
    return aws_error(code, message, status)


def end_sessions_on_the_clock() -> None:
    """Note the sessions that end; retire Lambda environments before theirs does."""
    after_import("localstack.services.sts.provider", requires=("StsProvider.assume_role",))(
        _note_sessions_asked_from_outside
    )
    after_import(
        "localstack.services.lambda_.invocation.execution_environment",
        requires=(
            "ExecutionEnvironment.get_credentials",
            "ExecutionEnvironment.reserve",
            "InvalidStatusException",
            "RuntimeStatus",
        ),
    )(_retire_before_the_session_ends)


def _note_sessions_asked_from_outside(module) -> None:
    from localstack.constants import INTERNAL_AWS_ACCESS_KEY_ID

    from localcloud.iam.gateway import access_key_id

    assume_role = module.StsProvider.assume_role

    @functools.wraps(assume_role)  # keeps LocalStack's @handler marks (operation, expand, ...)
    def assume_role_noting_sessions_that_end(self, context, *args, **kwargs):
        response = assume_role(self, context, *args, **kwargs)
        if access_key_id(context) != INTERNAL_AWS_ACCESS_KEY_ID:
            _ending.add(response["Credentials"]["AccessKeyId"])
        return response

    module.StsProvider.assume_role = assume_role_noting_sessions_that_end


def _retire_before_the_session_ends(module) -> None:
    environment = module.ExecutionEnvironment
    get_credentials, reserve = environment.get_credentials, environment.reserve

    def get_credentials_noting_expiry(self):
        credentials = get_credentials(self)
        _ending.add(credentials["AccessKeyId"])
        self.local_cloud_session_ends = credentials["Expiration"]
        return credentials

    def reserve_unless_ending(self):
        ends = getattr(self, "local_cloud_session_ends", None)
        if ends is not None and CLOCK.now(datetime.UTC) + _LAMBDA_MARGIN >= ends:
            with self.status_lock:
                ready = self.status == module.RuntimeStatus.READY
                if ready:
                    self.status = module.RuntimeStatus.TIMING_OUT
            if ready:
                # As the keepalive's end: stopped and forgotten; the caller starts another.
                LOG.info("Lambda environment %s retired: its role session ends", self.id)
                self.keepalive_timer.cancel()
                self.stop()
                self.on_timeout(self.version_manager_id, self.id)
            raise module.InvalidStatusException(f"environment {self.id}: its session ends")
        reserve(self)

    environment.get_credentials = get_credentials_noting_expiry
    environment.reserve = reserve_unless_ending
