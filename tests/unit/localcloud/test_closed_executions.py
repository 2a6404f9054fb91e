"""Closed Step Functions executions are forgotten by the local cloud's clock, the one their stop
dates are stamped with (localcloud/memory/closed_executions.py)."""

from __future__ import annotations

import datetime
import types

from localcloud.clock.clock import CLOCK
from localcloud.memory.closed_executions import forget_closed


def execution(stopped: datetime.datetime | None) -> types.SimpleNamespace:
    return types.SimpleNamespace(stop_date=stopped)


def test_executions_closed_longer_than_the_retention_by_the_clock_are_forgotten():
    # GIVEN one execution closed 10 minutes ago on the clock and one still running
    executions = {
        "closed": execution(CLOCK.now() - datetime.timedelta(minutes=10)),
        "running": execution(None),
    }
    retention = datetime.timedelta(hours=1)
    assert forget_closed(executions, retention) == 0
    # WHEN the clock moves past the retention (the host's time does not)
    CLOCK.advance(3_600)
    # THEN the closed one is forgotten, the running one kept
    assert forget_closed(executions, retention) == 1
    assert set(executions) == {"running"}
