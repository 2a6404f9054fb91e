"""One item of the retry workflow's Map: POST /communications/{id}/send on the API, with the
workflow's own client-credentials token.

Timeouts, throttling and 5xx other than the provider's refusal are retried with exponential
backoff and jitter (the endpoint claims each attempt, so a repeated POST never sends twice);
what is left is raised, and the state machine catches it for this item alone.
"""

from __future__ import annotations

from aws_lambda_powertools.utilities.typing import LambdaContext

from common.observability import instrumented, logger
from common.settings import load_settings
from comms.dal.resend_api import ResendApi
from comms.settings import ResendSettings

settings = load_settings(ResendSettings)
api = ResendApi(
    settings.api_url,
    settings.service_credentials_secret,
    timeout_seconds=settings.resend_timeout_seconds,
    retries=settings.resend_retries,
)


@instrumented
def handler(event: dict, context: LambdaContext) -> dict:
    outcome = api.resend(str(event["id"]))
    logger.info("re-send outcome", extra=outcome)
    return outcome
