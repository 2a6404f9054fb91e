"""EventBridge Scheduler schedules fire, on the instance's clock.

The community provider stores schedules (in moto) and never fires them. Here a thread looks at
every stored schedule every LOOK_EVERY_SECONDS (once the service has been used): when the clock
has passed its next time, its target is called as the schedule's role (`connect_to
.with_assumed_role`, as EventBridge rules deliver), with the target's `Input` (`{}` without one).
As with rules, an advance past several firing times fires a schedule once.

- `at(...)`, `rate(...)`, `cron(...)` in the schedule's time zone, between its start and end
  dates (schedule_times.py); a schedule that is DISABLED is skipped.
- A flexible window fires at a random moment within it, as AWS does.
- Targets: Lambda (asynchronous invoke), Step Functions (StartExecution), SQS (SendMessage, the
  FIFO group from `SqsParameters`), SNS (Publish).
- A failed call is tried again after 1, 2, 4, ... seconds of the clock, up to the retry policy's
  `MaximumRetryAttempts` (185 by default) and `MaximumEventAgeInSeconds` (86,400); then the
  input goes to the dead-letter queue, if any, with AWS's attributes naming the error.
- A one-time schedule with `ActionAfterCompletion: DELETE` is deleted once it has fired.
"""

from __future__ import annotations

import datetime
import logging
import random
import sys
import threading
from dataclasses import dataclass

from localstack.runtime import hooks

from localcloud.clock.clock import CLOCK
from localcloud.clock.schedule_times import is_one_time, next_due

LOG = logging.getLogger(__name__)
LOOK_EVERY_SECONDS = 0.5
SCHEDULER_PROVIDER = "localstack.services.scheduler.provider"


@dataclass
class Pending:
    """What the firing loop knows of one schedule, for the version of it it last saw."""

    version: float
    due: float | None
    fired_at: float | None = None  # the firing being delivered (or retried)
    attempts: int = 0


@hooks.on_infra_start()
def fire_scheduler_schedules() -> None:
    threading.Thread(target=_loop, name="localcloud-scheduler", daemon=True).start()


def _loop() -> None:
    pending: dict[str, Pending] = {}
    while True:
        CLOCK.sleep(LOOK_EVERY_SECONDS)
        if SCHEDULER_PROVIDER not in sys.modules:
            continue  # never used: moto's backend is not even imported
        try:
            _look(pending)
        except Exception:
            LOG.exception("scheduler: looking at the schedules failed")


def _schedules():
    from moto.scheduler.models import scheduler_backends

    for regions in list(scheduler_backends.values()):
        for region, backend in list(regions.items()):
            for group in list(backend.schedule_groups.values()):
                for schedule in list(group.schedules.values()):
                    yield region, backend, schedule


def _look(pending: dict[str, Pending]) -> None:
    now = CLOCK.time()
    seen = set()
    for region, backend, schedule in _schedules():
        seen.add(schedule.arn)
        known = pending.get(schedule.arn)
        if known is None or known.version != schedule.last_modified_date:
            # Counted from the change, not from the first look: an advance may come between.
            changed = schedule.last_modified_date
            known = pending[schedule.arn] = Pending(changed, _due(schedule, after=changed))
            LOG.info("scheduler: %s next due at %s", schedule.arn, known.due)
        if schedule.state != "ENABLED" or known.due is None or now < known.due:
            continue
        if known.fired_at is None:
            known.fired_at = known.due
        LOG.info("scheduler: %s fires (due at %s)", schedule.arn, known.due)
        if _deliver(region, schedule, known, now):
            known.fired_at, known.attempts = None, 0
            known.due = _due(schedule, after=now)
            done = known.due is None and is_one_time(schedule.schedule_expression)
            if done and schedule.action_after_completion == "DELETE":
                backend.delete_schedule(schedule.group_name, schedule.name)
    for gone in set(pending) - seen:
        del pending[gone]


def _due(schedule, after: float) -> float | None:
    due = next_due(
        schedule.schedule_expression,
        schedule.schedule_expression_timezone,
        after=after,
        since=schedule.last_modified_date,
        start=_epoch(schedule.start_date),
        end=_epoch(schedule.end_date),
    )
    window = schedule.flexible_time_window or {}
    if due is not None and window.get("Mode") == "FLEXIBLE":
        due += random.uniform(0, 60 * window.get("MaximumWindowInMinutes", 1))  # noqa: S311
    return due


def _epoch(date) -> float | None:
    if date is None:
        return None
    if isinstance(date, int | float):
        return float(date)
    if isinstance(date, str):
        date = datetime.datetime.fromisoformat(date)
    return date.timestamp()


def _deliver(region: str, schedule, known: Pending, now: float) -> bool:
    """True when the firing is settled: delivered, or given up (to the dead-letter queue)."""
    target = schedule.target
    try:
        _call(region, schedule, target)
        return True
    except Exception as error:
        known.attempts += 1
        LOG.info("scheduler: %s -> %s failed: %s", schedule.arn, target["Arn"], error)
        policy = target.get("RetryPolicy") or {}
        too_many = known.attempts > policy.get("MaximumRetryAttempts", 185)
        too_old = now - known.fired_at > policy.get("MaximumEventAgeInSeconds", 86_400)
        if not (too_many or too_old):
            known.due = now + min(2 ** (known.attempts - 1), 60)
            return False
        LOG.warning("scheduler: %s gave up on %s: %s", schedule.arn, target["Arn"], error)
        _to_dead_letter_queue(region, schedule, error, known, too_many)
        return True


def _client(region: str, schedule, service: str):
    from localstack.aws.connect import connect_to

    factory = connect_to.with_assumed_role(
        role_arn=schedule.target["RoleArn"], service_principal="scheduler", region_name=region
    )
    return factory.get_client(service).request_metadata(
        source_arn=schedule.arn, service_principal="scheduler"
    )


def _call(region: str, schedule, target: dict) -> None:
    arn, payload = target["Arn"], target.get("Input") or "{}"
    service = arn.split(":")[2]
    client = _client(region, schedule, "stepfunctions" if service == "states" else service)
    if service == "lambda":
        client.invoke(FunctionName=arn, InvocationType="Event", Payload=payload.encode())
    elif service == "states":
        client.start_execution(stateMachineArn=arn, input=payload)
    elif service == "sqs":
        group = (target.get("SqsParameters") or {}).get("MessageGroupId")
        client.send_message(
            QueueUrl=_queue_url(client, arn),
            MessageBody=payload,
            **({"MessageGroupId": group} if group else {}),
        )
    elif service == "sns":
        client.publish(TopicArn=arn, Message=payload)
    else:
        raise ValueError(f"targets of {service} are not fired by the local cloud")


def _queue_url(client, queue_arn: str) -> str:
    *_, account_id, name = queue_arn.split(":")
    return client.get_queue_url(QueueName=name, QueueOwnerAWSAccountId=account_id)["QueueUrl"]


def _to_dead_letter_queue(region, schedule, error, known: Pending, too_many) -> None:
    queue_arn = (schedule.target.get("DeadLetterConfig") or {}).get("Arn")
    if not queue_arn:
        return
    code = getattr(error, "response", {}).get("Error", {}).get("Code") or type(error).__name__
    attributes = {
        "ERROR_CODE": code,
        "ERROR_MESSAGE": str(error)[:256],
        "EXHAUSTED_RETRY_CONDITION": "MaximumRetryAttempts" if too_many else "MaximumEventAge",
        "RETRY_ATTEMPTS": str(known.attempts - 1),
        "TARGET_ARN": schedule.target["Arn"],
        "SCHEDULE_ARN": schedule.arn,
        "GROUP": schedule.group_name,
    }
    client = _client(region, schedule, "sqs")
    client.send_message(
        QueueUrl=_queue_url(client, queue_arn),
        MessageBody=schedule.target.get("Input") or "{}",
        MessageAttributes={
            k: {"DataType": "String", "StringValue": v} for k, v in attributes.items()
        },
    )
