"""The approver's email, sent through SES."""

from __future__ import annotations

from common.aws import client


def send(sender: str, recipient: str, subject: str, text: str, html: str) -> str:
    return client("ses").send_email(
        Source=sender,
        Destination={"ToAddresses": [recipient]},
        Message={
            "Subject": {"Data": subject, "Charset": "UTF-8"},
            "Body": {
                "Text": {"Data": text, "Charset": "UTF-8"},
                "Html": {"Data": html, "Charset": "UTF-8"},
            },
        },
    )["MessageId"]
