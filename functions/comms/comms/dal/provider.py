"""The provider: SES for email, SNS SMS for sms. Its refusals are ProviderRefused carrying the
provider's error code only (its messages can quote addresses and numbers)."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from common.aws import client
from common.mail import send_email


class ProviderRefused(Exception):
    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


def send(communication: dict[str, Any], sender_email: str) -> str:
    """Send one communication; the provider's message id."""
    try:
        if communication["type"] == "email":
            return send_email(
                sender_email,
                communication["recipient"],
                communication.get("subject") or "",
                communication["body"],
            )
        answer = client("sns").publish(
            PhoneNumber=communication["recipient"], Message=communication["body"]
        )
    except ClientError as error:
        raise ProviderRefused(error.response["Error"]["Code"]) from None
    return answer["MessageId"]
