"""The local console, read by the dev tools: `make inspect` saves execution pages, `make demo`
prints what each run would cost on AWS. Both ask the console the local cloud serves at
/_console/."""

from __future__ import annotations

import html
import re
from pathlib import Path

import requests

from devkit import PROJECT
from devkit.local_cloud import endpoint

INSPECT_DIR = PROJECT / "out" / "inspect"
TIMEOUT_S = 120


def console_url() -> str:
    return f"{endpoint()}/_console/"


def _get(path: str, **params) -> requests.Response:
    try:
        answer = requests.get(console_url() + path, params=params, timeout=TIMEOUT_S)
    except requests.ConnectionError as error:
        raise SystemExit(
            f"the local cloud does not answer at {console_url()} ({error.__class__.__name__}); "
            "start it with 'make up'"
        ) from None
    if answer.status_code != 200:
        raise SystemExit(f"the console answered {answer.status_code}: {plain_message(answer.text)}")
    return answer


def plain_message(page: str) -> str:
    """What an error page says, as plain text: its error paragraph (the console's pages put it
    in <p class=error>), else its text without the style sheet, scripts and markup."""
    said = re.search(r"<p class=error>(.*?)</p>", page, re.S)
    text = said.group(1) if said else re.sub(r"<(style|script)\b.*?</\1>", " ", page, flags=re.S)
    text = re.sub(r"<[^>]+>", " ", text)
    return re.sub(r"\s+", " ", html.unescape(text)).strip()[-400:]


def save_execution_page(execution_arn: str) -> Path:
    """The execution's page as one self-contained HTML file; its path."""
    page = _get("execution", arn=execution_arn, standalone="1").text
    machine, name = execution_arn.split(":")[-2:]
    INSPECT_DIR.mkdir(parents=True, exist_ok=True)
    path = INSPECT_DIR / f"{_safe(machine)}--{_safe(name)}.html"
    path.write_text(page, encoding="utf-8")
    return path


def _safe(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", text)


def main(arguments: list[str]) -> int:
    """make inspect [ARN=<execution ARN>]: save the page(s), print each path."""
    if arguments:
        arns = arguments
    else:
        arns = [e["executionArn"] for e in _get("api/latest").json()["executions"]]
        if not arns:
            print("no executions on the local cloud yet: nothing to inspect")
            return 0
    for arn in arns:
        if not arn.startswith("arn:aws:states:") or ":execution:" not in arn:
            raise SystemExit(f"not an execution ARN: {arn!r}")
        print(save_execution_page(arn))
    return 0


def print_cost_table(since_epoch_s: float) -> None:
    """What every execution started since then (a moment of the local cloud's clock, which dates
    executions) would cost on AWS, as a table."""
    rows = _get("api/costs", since=f"{since_epoch_s:.3f}").json()["executions"]
    if not rows:
        print("no finished executions to price")
        return
    first = rows[0]["cost"]
    print(
        f"What each run would cost on AWS ({first['region']} list prices read "
        f"{first['pricesReadOn']}; USD per execution and per million executions):"
    )
    header = (
        f"{'workflow':<16} {'execution':<28} {'status':<9} {'trans':>5} {'λ req':>5} "
        f"{'λ GB-s':>8} {'standard':>11} {'/million':>9} {'express':>11} {'/million':>9}"
    )
    print(header)
    print("-" * len(header))
    for row in rows:
        c = row["cost"]
        workflow = row["stateMachine"].removeprefix("serverless-workflows-local-")
        express = c["expressUsd"] or "n/a"
        express_million = c["expressPerMillionUsd"] or "n/a"
        print(
            f"{workflow[:16]:<16} {row['execution'][:28]:<28} {row['status'][:9]:<9} "
            f"{c['stateTransitions']:>5} {c['lambdaRequests']:>5} "
            f"{float(c['lambdaGbSeconds']):>8.4f} {c['standardUsd']:>11} "
            f"{c['standardPerMillionUsd']:>9} {express:>11} {express_million:>9}"
        )
    blocked = {
        row["stateMachine"].removeprefix("serverless-workflows-local-"): row["cost"][
            "expressBlockers"
        ]
        for row in rows
        if row["cost"]["expressUsd"] is None
    }
    for workflow, blockers in sorted(blocked.items()):
        print(f"  {workflow} cannot be Express: {'; '.join(blockers)}")
    unpriced = sorted({call for row in rows for call in row["cost"]["unpricedCalls"]})
    if unpriced:
        print(f"  counted but not priced (no price in prices.json): {', '.join(unpriced)}")
