"""The approval workflow as its users drive it over HTTP: post a calculation, read the
approval email from the local cloud's SES store, open a link and confirm, ask the status."""

from __future__ import annotations

import re
from html import unescape
from urllib.parse import urljoin

import requests

from devkit.local_cloud import endpoint, wait_until

HTTP_TIMEOUT = 30


def start(api: str, body: dict) -> dict:
    response = requests.post(f"{api}/calculations", json=body, timeout=HTTP_TIMEOUT)
    assert response.status_code == 202, response.text
    return response.json()


def emails_about(calculation_id: str) -> list[dict]:
    """Every email in the local SES store whose subject names this calculation."""
    messages = requests.get(f"{endpoint()}/_aws/ses", timeout=HTTP_TIMEOUT).json()["messages"]
    return [m for m in messages if calculation_id in m["Subject"]]


def email_for(calculation_id: str, timeout: float = 30) -> dict[str, str]:
    """The approve and reject links of the approval email for this calculation."""

    def sent():
        return next(iter(emails_about(calculation_id)), None)

    message = wait_until(sent, timeout, interval=0.2, what=f"the email for {calculation_id}")
    text = message["Body"]["text_part"]
    return {
        "approve": re.search(r"^Approve: (\S+)$", text, re.M).group(1),
        "reject": re.search(r"^Reject:\s+(\S+)$", text, re.M).group(1),
        "text": text,
        "to": message["Destination"]["ToAddresses"],
    }


def confirm(link: str, answers: list[str] | None = None) -> requests.Response:
    """What an approver does: open the link (GET page), then press its button (POST form).
    Each page's text is added to answers when given."""
    page = requests.get(link, timeout=HTTP_TIMEOUT)
    assert page.status_code == 200, page.text
    action = re.search(r"<form method='post' action='([^']+)'>", page.text).group(1)
    fields = dict(re.findall(r"<input type='hidden' name='(\w+)' value='([^']*)'>", page.text))
    decided = requests.post(urljoin(link, unescape(action)), data=fields, timeout=HTTP_TIMEOUT)
    if answers is not None:
        answers.extend([page.text, decided.text])
    return decided


def status_of(api: str, calculation_id: str) -> dict:
    response = requests.get(f"{api}/calculations/{calculation_id}", timeout=HTTP_TIMEOUT)
    assert response.status_code == 200, response.text
    return response.json()
