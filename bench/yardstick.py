"""The yardstick: public AWS sample applications this project did not write, deployed unchanged
to the local cloud and run as their READMEs say; how many behave as documented.

The samples are folders of aws-samples/step-functions-workflows-collection (measured at commit
83bbec48), each a SAM template with Python Lambda functions and Step Functions service
integrations. They are not copied into this repository (the project keeps others' code out of
its tree): YARDSTICK_SAMPLES names a checkout of that collection made beforehand, and nothing is
downloaded while the bench runs. Each sample is built by sam from its folder and deployed as a
stack of its own.

  YARDSTICK_SAMPLES=~/src/step-functions-workflows-collection make bench BENCH=yardstick
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from botocore.exceptions import WaiterError

from devkit import PROJECT, stack
from devkit.local_cloud import Execution, botocore_client, client, local_aws, wait_for_execution

SAMPLES = Path(os.environ.get("YARDSTICK_SAMPLES", "")).expanduser()


@dataclass(frozen=True)
class Sample:
    folder: str
    stack: str  # short: some samples name their functions after the stack (64 characters)
    documented: str
    # Runs the sample as its README says, given its stack's resources; whether it behaved so.
    run: Callable[[dict[str, str]], tuple[bool, str]]


def execute(resources: dict[str, str], payload: dict) -> Execution:
    machine = next(arn for arn in resources.values() if arn.startswith("arn:aws:states:"))
    sfn = client("stepfunctions")
    started = sfn.start_execution(stateMachineArn=machine, input=json.dumps(payload))
    return wait_for_execution(started["executionArn"], timeout=120)


def batch_write(resources: dict[str, str]) -> tuple[bool, str]:
    execution = execute(resources, {})
    table = next(name for logical, name in resources.items() if "Table" in logical)
    items = client("dynamodb").scan(TableName=table)["Items"]
    rows = all({"id", "name", "rating"} <= item.keys() for item in items)
    return execution.status == "SUCCEEDED" and bool(items) and rows, f"{len(items)} items"


def parallel_failure(resources: dict[str, str]) -> tuple[bool, str]:
    execution = execute(resources, {})
    entered = execution.states_entered()
    # Every branch completes, then the execution is marked failed.
    ok = execution.status == "FAILED" and {"success state", "quick fail"} <= set(entered)
    return ok, f"{execution.status}, states {entered}"


def shared_fallback(resources: dict[str, str]) -> tuple[bool, str]:
    execution = execute(resources, {})
    return "FallbackState" in execution.states_entered(), execution.status


def checkout(resources: dict[str, str]) -> tuple[bool, str]:
    # The README has the reader verify the sender and recipient in SES first.
    client("ses").verify_email_identity(EmailAddress="add_your_email@email.com")
    event = SAMPLES / "checkout-processing-workflow" / "events" / "ExecuteWorkflowEvent.json"
    execution = execute(resources, json.loads(event.read_text()))
    return execution.status == "SUCCEEDED", f"{execution.status} {execution.error or ''}"


YARDSTICK = (
    Sample(
        "sfn-dynamodb-batchwriteitem",
        "ys-batch-write",
        "succeeds; the table holds generated rows (id, name, rating)",
        batch_write,
    ),
    Sample(
        "explicit-failure-with-parallel-states",
        "ys-parallel-failure",
        "every branch completes, then the execution fails",
        parallel_failure,
    ),
    Sample(
        "shared-fallback-state-jsonata",
        "ys-shared-fallback",
        "the third task fails and the run goes to FallbackState",
        shared_fallback,
    ),
    Sample(
        "checkout-processing-workflow",
        "ys-checkout",
        "payment and shipping through API Gateway (waitForTaskToken) succeed",
        checkout,
    ),
)


def deploy(sample: Sample) -> dict[str, str]:
    """Build and deploy the sample unchanged; its resources' physical ids by logical id."""
    build_dir = PROJECT / ".aws-sam" / f"yardstick-{sample.folder}"
    stack.build(SAMPLES / sample.folder / "template.yaml", build_dir)
    s3 = botocore_client("s3")
    if stack.LOCAL_ARTIFACT_BUCKET not in {b["Name"] for b in s3.list_buckets()["Buckets"]}:
        s3.create_bucket(Bucket=stack.LOCAL_ARTIFACT_BUCKET)
    stack.sam(
        "deploy",
        *("--stack-name", sample.stack, "--template-file", str(build_dir / "template.yaml")),
        *("--s3-bucket", stack.LOCAL_ARTIFACT_BUCKET, "--s3-prefix", sample.stack),
        *("--region", "us-east-1", "--no-confirm-changeset", "--no-fail-on-empty-changeset"),
        *("--capabilities", "CAPABILITY_IAM", "CAPABILITY_NAMED_IAM", "CAPABILITY_AUTO_EXPAND"),
        **local_aws(),
    )
    described = client("cloudformation").describe_stack_resources(StackName=sample.stack)
    return {r["LogicalResourceId"]: r["PhysicalResourceId"] for r in described["StackResources"]}


def measure(sample: Sample) -> tuple[bool, str]:
    """Deploy and run the sample, then delete its stack (samples name some resources fixedly)."""
    cloudformation = client("cloudformation")
    try:
        return sample.run(deploy(sample))
    except stack.SamError as error:
        return False, f"deploy failed: {error}"
    finally:
        cloudformation.delete_stack(StackName=sample.stack)
        try:
            cloudformation.get_waiter("stack_delete_complete").wait(
                StackName=sample.stack, WaiterConfig={"Delay": 1, "MaxAttempts": 120}
            )
        except WaiterError as error:  # reported; the next sample has a stack of its own
            print(f"[yardstick] deleting {sample.stack}: {error}", flush=True)


def main() -> None:
    if not os.environ.get("YARDSTICK_SAMPLES") or not SAMPLES.is_dir():
        raise SystemExit(
            "YARDSTICK_SAMPLES must name a checkout of "
            "aws-samples/step-functions-workflows-collection"
        )
    rows = []
    for sample in YARDSTICK:
        started = time.monotonic()
        as_documented, seen = measure(sample)
        rows.append((sample, as_documented, seen, time.monotonic() - started))
    print(f"\n{'sample':40} {'as documented':14} {'s':>4}  seen (documented: ...)")
    for sample, as_documented, seen, seconds in rows:
        verdict = "yes" if as_documented else "NO"
        print(f"{sample.folder:40} {verdict:14} {seconds:4.0f}  {seen} ({sample.documented})")
    print(f"\n{sum(row[1] for row in rows)} of {len(rows)} samples behave as documented")


if __name__ == "__main__":
    main()
