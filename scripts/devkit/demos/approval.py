"""Approval workflow: one calculation approved and one rejected, through the REST API and the
emailed links, as an approver would (open the link, press the button)."""

from __future__ import annotations

import re
from html import unescape
from urllib.parse import urljoin, urlsplit

import requests

from devkit.local_cloud import wait_until

TIMEOUT = 30
DEADLINE_S = 60


def _email_links(local_cloud: str, calculation_id: str) -> dict[str, str]:
    def sent():
        messages = requests.get(f"{local_cloud}/_aws/ses", timeout=TIMEOUT).json()["messages"]
        return next((m for m in messages if calculation_id in m["Subject"]), None)

    email = wait_until(sent, DEADLINE_S, interval=0.3, what=f"the email of {calculation_id}")
    text = email["Body"]["text_part"]
    return {
        "approve": re.search(r"^Approve: (\S+)$", text, re.M).group(1),
        "reject": re.search(r"^Reject:\s+(\S+)$", text, re.M).group(1),
    }


def _press_the_button(link: str) -> int:
    page = requests.get(link, timeout=TIMEOUT)
    page.raise_for_status()
    action = re.search(r"<form method='post' action='([^']+)'>", page.text).group(1)
    fields = dict(re.findall(r"<input type='hidden' name='(\w+)' value='([^']*)'>", page.text))
    return requests.post(urljoin(link, unescape(action)), data=fields, timeout=TIMEOUT).status_code


def _calculate(api: str, local_cloud: str, x: int, y: int, decision: str) -> None:
    started = requests.post(f"{api}/calculations", json={"x": x, "y": y}, timeout=TIMEOUT)
    started.raise_for_status()
    calculation_id = started.json()["id"]
    print(f"POST /calculations {{x: {x}, y: {y}}} -> {started.status_code}, id {calculation_id}")
    links = _email_links(local_cloud, calculation_id)
    print(f"  email approve link: {links['approve']}")
    print(f"  email reject link:  {links['reject']}")
    print(f"  {decision}: GET the link (confirmation page), POST its form -> ", end="")
    print(_press_the_button(links[decision]))

    def finished():
        status = requests.get(f"{api}/calculations/{calculation_id}", timeout=TIMEOUT).json()
        return status if status["status"] not in ("CALCULATING", "AWAITING_APPROVAL") else None

    final = wait_until(finished, DEADLINE_S, interval=0.3, what=f"calculation {calculation_id}")
    print(f"  final status: {final['status']}")
    print(f"  final output: {final['result']}")
    expected = {"approve": "APPROVED", "reject": "REJECTED"}[decision]
    if final["status"] != expected:
        raise RuntimeError(f"calculation {calculation_id} is {final['status']}, not {expected}")


def run(outputs: dict[str, str]) -> None:
    api = outputs["ApiUrl"]
    parts = urlsplit(api)
    local_cloud = f"{parts.scheme}://{parts.netloc}"
    _calculate(api, local_cloud, 125, 122, "approve")
    _calculate(api, local_cloud, 10, 20, "reject")
