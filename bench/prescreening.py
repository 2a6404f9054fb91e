"""Pre-screening at volume: 1,000 applications put on the Kinesis stream, each record twice.

Measures, in one run on the deployed local stack: the time from the first put until every
execution finished, the executions started (exactly 1,000: the second copy of each record must
be absorbed as a duplicate), and the records lost (applications without a finished execution).
Outcomes are approve and decline only; an application the system refers anyway (the sandbox
bureau timing out under load sends it to a person) is answered through the reviews API, as a
reviewer would, and counted. bench/iam.py puts smaller batches through the same functions
(records, put_all, wait_until_finished), each record once.

    LOCAL_CLOUD_PORT=4572 make bench BENCH=prescreening
"""

from __future__ import annotations

import json
import os
import random
import time
import uuid
from dataclasses import dataclass, field

import requests

from devkit import local_issuer, stack
from devkit.local_cloud import client
from prescreening.sandbox import sample_application

APPLICATIONS = int(os.environ.get("PRESCREENING_BENCH_APPLICATIONS", "1000"))
COPIES = 2
GOAL_S = 60
DEADLINE_S = 900
PUT_RECORDS_MAX = 500


def records(run: str, applications: int = APPLICATIONS, copies: int = COPIES) -> list[dict]:
    rng = random.Random(4)
    entries = []
    for number in range(applications):
        outcome = "approve" if number % 4 else "decline"
        application = sample_application(outcome, f"bench-{run}-{number:05d}")
        data = json.dumps(application, separators=(",", ":")).encode()
        entries += [{"Data": data, "PartitionKey": application["applicationId"]}] * copies
    # Duplicates arrive out of order and apart, as redeliveries do.
    rng.shuffle(entries)
    return entries


def put_all(stream: str, entries: list[dict]) -> None:
    kinesis = client("kinesis")
    for start in range(0, len(entries), PUT_RECORDS_MAX):
        pending = entries[start : start + PUT_RECORDS_MAX]
        while pending:
            answer = kinesis.put_records(StreamName=stream, Records=pending)
            pending = [
                entry
                for entry, result in zip(pending, answer["Records"], strict=True)
                if "ErrorCode" in result
            ]


def execution_prefix(run: str) -> str:
    """What the names of a run's executions start with (the trigger names them by application)."""
    return f"PreScreening-bench-{run}-"


def executions_of(state_machine: str, prefix: str) -> dict[str, str]:
    """Name -> status of this run's executions."""
    found = {}
    pages = client("stepfunctions").get_paginator("list_executions")
    for page in pages.paginate(stateMachineArn=state_machine):
        for execution in page["executions"]:
            if execution["name"].startswith(prefix):
                found[execution["name"]] = execution["status"]
    return found


def answer_referrals(api: str, prefix: str, answered: set[str]) -> None:
    """Decline this run's referrals, as a reviewer would, so every execution can finish."""
    # A reviewer's token from the local issuer: the reviews API is for staff.
    reviewer = {"Authorization": f"Bearer {local_issuer.token_for('bench', ['reviewer'])}"}
    listed = requests.get(f"{api}/reviews", headers=reviewer, timeout=30).json()["reviews"]
    for review in listed:
        application_id = review.get("applicationId", "")
        if application_id.startswith(prefix) and application_id not in answered:
            requests.post(
                f"{api}/reviews/{application_id}",
                json={"outcome": "decline"},
                headers=reviewer,
                timeout=30,
            )
            answered.add(application_id)


@dataclass
class Progress:
    """A run's executions as last seen (name -> status), when the last one started, and the
    applications the bench answered as a reviewer."""

    seen: dict[str, str] = field(default_factory=dict)
    all_started_s: float | None = None
    referred: set[str] = field(default_factory=set)


def wait_until_finished(
    outputs: dict[str, str],
    run: str,
    applications: int,
    started: float,
    interval: float = 1,
    deadline_s: float = DEADLINE_S,
) -> Progress:
    """Poll until every application of the run has an execution and none runs any more,
    answering referrals once all started; gives up (saying so) after deadline_s."""
    progress = Progress()
    while True:
        progress.seen = executions_of(outputs["PreScreeningStateMachineArn"], execution_prefix(run))
        if progress.all_started_s is not None:
            answer_referrals(outputs["ApiUrl"], f"bench-{run}-", progress.referred)
        now = time.perf_counter()
        if progress.all_started_s is None and len(progress.seen) >= applications:
            progress.all_started_s = now - started
        running = sum(1 for status in progress.seen.values() if status == "RUNNING")
        if len(progress.seen) >= applications and running == 0:
            return progress
        if now > started + deadline_s:
            print(f"gave up after {deadline_s} s: {len(progress.seen)} started, {running} running")
            return progress
        time.sleep(interval)


def main() -> None:
    outputs = stack.outputs()
    run = uuid.uuid4().hex[:8]
    entries = records(run)
    state_machine = outputs["PreScreeningStateMachineArn"]

    started = time.perf_counter()
    put_all(outputs["ApplicationStreamName"], entries)
    put_s = time.perf_counter() - started
    progress = wait_until_finished(outputs, run, APPLICATIONS, started)
    all_started_s, referred = progress.all_started_s, progress.referred
    finished_s = time.perf_counter() - started
    # Late duplicates would show as extra executions: look once more after a pause.
    time.sleep(5)
    seen = executions_of(state_machine, execution_prefix(run))
    finished = [name for name, status in seen.items() if status != "RUNNING"]
    succeeded = sum(1 for status in seen.values() if status == "SUCCEEDED")
    lost = APPLICATIONS - len(finished)

    rows = [
        ("records put (applications x 2)", f"{len(entries)}", ""),
        ("put on the stream", f"{put_s:.1f} s", ""),
        ("all executions started", f"{all_started_s or float('nan'):.1f} s", ""),
        (
            "all executions finished",
            f"{finished_s:.1f} s",
            f"{finished_s / GOAL_S:.2f} of {GOAL_S} s goal",
        ),
        ("executions started", f"{len(seen)}", f"{len(seen) / APPLICATIONS:.3f} per application"),
        ("executions succeeded", f"{succeeded}", f"{succeeded / APPLICATIONS:.3f}"),
        ("records lost", f"{lost}", ""),
        ("referred under load, answered by the bench", f"{len(referred)}", ""),
        ("throughput", f"{len(finished) / finished_s:.1f} executions/s", ""),
    ]
    width = max(len(row[0]) for row in rows)
    print(f"pre-screening bench, run {run}, {APPLICATIONS} applications, each record x{COPIES}")
    for name, value, ratio in rows:
        print(f"  {name:<{width}}  {value:>22}  {ratio}")


if __name__ == "__main__":
    main()
