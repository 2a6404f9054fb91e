"""Each function's settings: read by its handler module at cold start (common.settings)."""

from __future__ import annotations

from pydantic import Field

from common.settings import FunctionSettings, env_names


class CommsSettings(FunctionSettings, alias_generator=env_names("COMMS_")):
    """Each field is read from the variable COMMS_<FIELD NAME>."""


class CommunicationsSettings(CommsSettings):
    """The functions that read or write the communications table."""

    communications_table: str


class StatusSettings(CommunicationsSettings):
    """The functions that record a send attempt's outcome in a communication's status."""

    # A communication that has failed this many times in all is MANUAL: never retried again.
    manual_threshold: int = Field(ge=1)


class ApiSettings(StatusSettings):
    queue_url: str
    sender_email: str


class DeadLetterSettings(StatusSettings):
    """The functions that put a failed attempt in the dead-letter queue."""

    dead_letter_queue_url: str
    # Seconds a failed message waits in the dead-letter queue before it is requeued (SQS: <= 900).
    requeue_ttl_seconds: int = Field(ge=0, le=900)


class WorkerSettings(DeadLetterSettings):
    sender_email: str


class ReclaimSettings(DeadLetterSettings):
    # A QUEUED communication's message is queued again here when it never went out.
    queue_url: str
    # The CloudWatch namespace of the stack's own metrics (the alarm watches it there).
    metrics_namespace: str


class RequeueSettings(StatusSettings):
    queue_url: str
    # Sends through the queue (the first one included) before the communication is FAILED.
    max_queue_attempts: int = Field(ge=1)


class ScheduleSettings(CommunicationsSettings):
    retry_state_machine_arn: str
    # The rule's schedule expression, e.g. "rate(15 minutes)": one window per firing.
    retry_schedule: str
    retry_batch_size: int = Field(20, ge=1, le=1000)
    # The re-send function's reserved concurrency: what a whole round may ask for at once.
    resend_concurrency: int = Field(ge=1)


class ResendSettings(CommsSettings):
    api_url: str
    service_credentials_secret: str
    resend_timeout_seconds: float = Field(10.0, gt=0)
    resend_retries: int = Field(3, ge=0)


class TokenEndpointSettings(CommsSettings):
    service_credentials_secret: str
    token_signing_key_secret: str
    token_issuer: str
    token_lifetime_seconds: int = Field(3600, ge=60)
