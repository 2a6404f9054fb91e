"""Approval workflow on the local cloud: where the time goes, side by side in one run.

For ROUNDS calculations, one after another, through the deployed stack's REST API:
  - request -> email: POST /calculations until the approval email is in the SES store
    (IsInputValid, Calculate, the third party's HTTP callback, RequestApproval, SES);
  - decision -> result: POST of the confirmation form until the execution has ended;
  - the same business rules in-process (validate, add, double, sign and check a link): the
    baseline the orchestration is compared with.
And the third party's once-per-token record: a first answer to a token against a repeat of the
same request (which must return the recorded answer without calling Step Functions again).

    LOCAL_CLOUD_PORT=4573 make bench BENCH=approval
"""

from __future__ import annotations

import os
import statistics
import time
import uuid
from urllib.parse import parse_qsl, urlsplit

import requests

from approval.logic import links
from approval.logic.calculation import add, double
from approval.logic.validation import validate_request
from approval.models import Decision, PendingApproval
from devkit import stack
from devkit.local_cloud import endpoint, wait_for_execution, wait_until

ROUNDS = int(os.environ.get("APPROVAL_BENCH_ROUNDS", "10"))
TOKENS = 20
TIMEOUT = 30


def _median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def _email_links(calculation_id: str) -> dict[str, str]:
    def sent():
        messages = requests.get(f"{endpoint()}/_aws/ses", timeout=TIMEOUT).json()["messages"]
        return next((m for m in messages if calculation_id in m["Subject"]), None)

    text = wait_until(sent, 60, interval=0.02, what="the approval email")["Body"]["text_part"]
    return {
        line.split(":", 1)[0].lower(): line.split(":", 1)[1].strip()
        for line in text.splitlines()
        if line.startswith(("Approve:", "Reject:"))
    }


def _through_the_stack(api: str) -> tuple[float, float]:
    started = time.perf_counter()
    response = requests.post(f"{api}/calculations", json={"x": 125, "y": 122}, timeout=TIMEOUT)
    calculation = response.json()
    link = _email_links(calculation["id"])["approve"]
    emailed = time.perf_counter()
    fields = dict(parse_qsl(urlsplit(link).query))
    requests.post(link.split("?")[0], data=fields, timeout=TIMEOUT).raise_for_status()
    execution = wait_for_execution(calculation["executionArn"])
    assert execution.output["status"] == "APPROVED", execution.output
    return emailed - started, time.perf_counter() - emailed


def _in_process() -> float:
    key = b"k" * 64
    started = time.perf_counter()
    calculation = validate_request({"x": 125, "y": 122}, 600).calculation
    total = add(calculation.x, calculation.y)
    doubled = double(total)
    expires = int(time.time()) + 600
    link = links.issue(key, "bench", Decision.APPROVE, expires)
    approval = PendingApproval(
        calculation_id="bench",
        execution_arn="arn",
        x=calculation.x,
        y=calculation.y,
        sum=total,
        doubled=doubled.doubled,
        expires=expires,
        approver="approver@example.com",
    )
    assert links.check(key, link, approval, int(time.time())) is None
    return time.perf_counter() - started


def _double_first_and_repeat(api: str) -> tuple[list[float], list[float]]:
    first, repeat = [], []
    for _ in range(TOKENS):
        body = {"number": 21, "taskToken": f"bench-{uuid.uuid4()}"}
        for samples in (first, repeat):
            started = time.perf_counter()
            requests.post(f"{api}/double", json=body, timeout=TIMEOUT).raise_for_status()
            samples.append(time.perf_counter() - started)
    return first, repeat


def main() -> None:
    api = stack.outputs()["ApiUrl"]
    _through_the_stack(api)  # warm every function once
    to_email, to_result = zip(*(_through_the_stack(api) for _ in range(ROUNDS)), strict=True)
    baseline = [_in_process() for _ in range(ROUNDS * 10)]
    first, repeat = _double_first_and_repeat(api)
    rows = [
        ("request -> approval email", _median_ms(list(to_email))),
        ("confirmed decision -> execution ended", _median_ms(list(to_result))),
        ("same rules in-process (baseline)", _median_ms(baseline)),
        ("/double, first answer to a token", _median_ms(first)),
        ("/double, repeat of the same request", _median_ms(repeat)),
    ]
    print(f"Approval workflow, {ROUNDS} calculations and {TOKENS} tokens, medians:")
    print(f"{'what':42} {'ms':>10}")
    for name, value in rows:
        print(f"{name:42} {value:10.2f}")
    whole = rows[0][1] + rows[1][1]
    print(f"\nwhole workflow (both waits) / in-process rules: {whole / rows[2][1]:,.0f}x")
    print(f"/double repeat / first answer:                   {rows[4][1] / rows[3][1]:.2f}")


if __name__ == "__main__":
    main()
