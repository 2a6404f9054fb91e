"""Each function's settings: read by its handler module at cold start (common.settings)."""

from __future__ import annotations

from pydantic import Field

from common.settings import FunctionSettings


class ApiSettings(FunctionSettings):
    communications_table: str = Field(alias="COMMS_COMMUNICATIONS_TABLE")
    queue_url: str = Field(alias="COMMS_QUEUE_URL")
    sender_email: str = Field(alias="COMMS_SENDER_EMAIL")
    # A communication that has failed this many times in all is MANUAL: never retried again.
    manual_threshold: int = Field(alias="COMMS_MANUAL_THRESHOLD", ge=1)


class WorkerSettings(FunctionSettings):
    communications_table: str = Field(alias="COMMS_COMMUNICATIONS_TABLE")
    dead_letter_queue_url: str = Field(alias="COMMS_DEAD_LETTER_QUEUE_URL")
    sender_email: str = Field(alias="COMMS_SENDER_EMAIL")
    # Seconds a failed message waits in the dead-letter queue before it is requeued (SQS: <= 900).
    requeue_ttl_seconds: int = Field(alias="COMMS_REQUEUE_TTL_SECONDS", ge=0, le=900)
    manual_threshold: int = Field(alias="COMMS_MANUAL_THRESHOLD", ge=1)


class RequeueSettings(FunctionSettings):
    communications_table: str = Field(alias="COMMS_COMMUNICATIONS_TABLE")
    queue_url: str = Field(alias="COMMS_QUEUE_URL")
    # Sends through the queue (the first one included) before the communication is FAILED.
    max_queue_attempts: int = Field(alias="COMMS_MAX_QUEUE_ATTEMPTS", ge=1)
    manual_threshold: int = Field(alias="COMMS_MANUAL_THRESHOLD", ge=1)


class ScheduleSettings(FunctionSettings):
    communications_table: str = Field(alias="COMMS_COMMUNICATIONS_TABLE")
    state_machine_arn: str = Field(alias="COMMS_RETRY_STATE_MACHINE_ARN")
    # The rule's schedule expression, e.g. "rate(15 minutes)": one window per firing.
    schedule: str = Field(alias="COMMS_RETRY_SCHEDULE")
    batch_size: int = Field(20, alias="COMMS_RETRY_BATCH_SIZE", ge=1, le=1000)


class ResendSettings(FunctionSettings):
    api_url: str = Field(alias="COMMS_API_URL")
    service_credentials_secret: str = Field(alias="COMMS_SERVICE_CREDENTIALS_SECRET")
    timeout_seconds: float = Field(10.0, alias="COMMS_RESEND_TIMEOUT_SECONDS", gt=0)
    retries: int = Field(3, alias="COMMS_RESEND_RETRIES", ge=0)


class TokenEndpointSettings(FunctionSettings):
    service_credentials_secret: str = Field(alias="COMMS_SERVICE_CREDENTIALS_SECRET")
    signing_key_secret: str = Field(alias="COMMS_TOKEN_SIGNING_KEY_SECRET")
    issuer: str = Field(alias="COMMS_TOKEN_ISSUER")
    lifetime_seconds: int = Field(3600, alias="COMMS_TOKEN_LIFETIME_SECONDS", ge=60)
