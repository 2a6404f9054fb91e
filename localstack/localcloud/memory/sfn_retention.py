"""Optionally forget closed Step Functions executions after a while, as AWS does after 90 days.

LocalStack keeps every execution, with its whole history and evaluation environment, for as
long as it runs: under a steady load its memory grows with the executions run (bench/soak.py:
about 25 MB a minute for some 400 executions a minute). AWS keeps a closed execution for 90
days; set LOCAL_CLOUD_SFN_RETENTION_MINUTES to keep closed executions that many minutes only
(running ones are never touched). Unset, nothing is forgotten. The minutes are the local
cloud's clock's, like the executions' stop dates.
"""

from __future__ import annotations

import datetime
import logging
import os
import threading

from localstack.runtime import hooks

from localcloud.memory.closed_executions import forget_closed

LOG = logging.getLogger(__name__)
SETTING = "LOCAL_CLOUD_SFN_RETENTION_MINUTES"
# A sweep every tenth of the retention, at most every 10 s: an execution is forgotten at most a
# tenth of its retention late (a short retention, as a test sets, waited out a whole 10 s).
SWEEP_EVERY_S = 10.0


@hooks.on_infra_start()
def forget_old_closed_executions():
    minutes = float(os.environ.get(SETTING) or 0)
    if minutes <= 0:
        return
    retention = datetime.timedelta(minutes=minutes)
    sweep_every_s = min(SWEEP_EVERY_S, retention.total_seconds() / 10)

    def sweeper() -> None:
        from localstack.services.stepfunctions.backend.models import sfn_stores

        while True:
            threading.Event().wait(sweep_every_s)
            try:
                for _, _, store in sfn_stores.iter_stores():
                    forget_closed(store.executions, retention)
            except Exception:  # never let the sweeper die
                LOG.exception("could not forget closed executions")

    threading.Thread(target=sweeper, name="localcloud-sfn-retention", daemon=True).start()
    LOG.info("closed Step Functions executions are forgotten after %g minutes", minutes)
