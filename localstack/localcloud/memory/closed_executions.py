"""Which closed Step Functions executions are old enough to forget: judged by the local cloud's
clock, which stamps their stop dates (pure, so unit-tested without LocalStack)."""

from __future__ import annotations

import datetime

from localcloud.clock.clock import CLOCK


def forget_closed(executions: dict, retention: datetime.timedelta) -> int:
    """Remove the executions that ended more than `retention` ago; returns how many went."""
    older_than = CLOCK.now() - retention
    expired = [
        arn
        for arn, execution in list(executions.items())
        if execution.stop_date is not None and execution.stop_date < older_than
    ]
    for arn in expired:
        executions.pop(arn, None)
    return len(expired)
