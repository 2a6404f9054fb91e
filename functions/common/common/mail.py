"""Email through SES: plain text, with an HTML alternative when there is one."""

from __future__ import annotations

from common.aws import client


def _part(data: str) -> dict[str, str]:
    return {"Data": data, "Charset": "UTF-8"}


def send_email(
    sender: str, recipient: str, subject: str, text: str, html: str | None = None
) -> str:
    """Send one email; SES's message id."""
    body = {"Text": _part(text)} | ({"Html": _part(html)} if html is not None else {})
    return client("ses").send_email(
        Source=sender,
        Destination={"ToAddresses": [recipient]},
        Message={"Subject": _part(subject), "Body": body},
    )["MessageId"]
