"""When an EventBridge Scheduler schedule is next due: `at(...)`, `rate(...)` and `cron(...)`
expressions in the schedule's time zone, between its start and end dates. Pure Python (the cron
reading is the `crontab` package's, a LocalStack dependency, imported when a cron is read)."""

from __future__ import annotations

import datetime
import re
from zoneinfo import ZoneInfo

_AT = re.compile(r"at\((\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)\)")
_RATE = re.compile(r"rate\((\d+) (minute|minutes|hour|hours|day|days)\)")
_CRON = re.compile(r"cron\((.+)\)")
_UNIT_SECONDS = {"minute": 60, "hour": 3600, "day": 86400}


def is_one_time(expression: str) -> bool:
    return bool(_AT.fullmatch(expression.strip()))


def next_due(
    expression: str,
    timezone: str,
    after: float,
    since: float,
    start: float | None = None,
    end: float | None = None,
) -> float | None:
    """The first firing time (epoch seconds) later than `after`, or None if there is none left.
    `since` is when the schedule was created or last changed: a rate counts its periods from it
    (or from the start date), and a one-time schedule whose time had passed then never fires."""
    expression = expression.strip()
    zone = ZoneInfo(timezone or "UTC")
    if at := _AT.fullmatch(expression):
        due = datetime.datetime.fromisoformat(at.group(1)).replace(tzinfo=zone).timestamp()
        due = due if due > after and due >= since else None
    elif rate := _RATE.fullmatch(expression):
        period = int(rate.group(1)) * _UNIT_SECONDS[rate.group(2).removesuffix("s")]
        origin = max(since, start or since)
        due = origin + period * (max(0, int((after - origin) // period)) + 1)
    elif cron := _CRON.fullmatch(expression):
        from crontab import CronTab

        begin = max(after, (start or after) - 1)
        now = datetime.datetime.fromtimestamp(begin, zone)
        due = CronTab(cron.group(1)).next(now=now, delta=False)
    else:
        return None
    if due is None or (end is not None and due > end):
        return None
    return due
