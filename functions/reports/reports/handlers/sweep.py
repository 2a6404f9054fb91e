"""The scheduled sweeper: a report recorded RUNNING whose execution never started (the API
stored it, then starting the execution failed, or the API died between the two) is started now.

The execution is named by the report's id, so starting it is done once whoever does it; a report
still inside START_GRACE_SECONDS is left to the API, which may be starting it this moment.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from aws_lambda_powertools.utilities.typing import LambdaContext

from common import stepfunctions
from common.observability import instrumented, logger
from common.settings import load_settings
from reports.dal import reports
from reports.logic.execution import execution_input
from reports.settings import SweepSettings

settings = load_settings(SweepSettings)
START_GRACE_SECONDS = 300
MAX_PAGES = 5  # of the index per run: a larger backlog waits for the next runs


@instrumented
def handler(event: dict, context: LambdaContext) -> dict:
    before = datetime.now(UTC) - timedelta(seconds=START_GRACE_SECONDS)
    running = started = 0
    for record in reports.running_since_before(settings.reports_table, before, MAX_PAGES):
        running += 1
        arn = stepfunctions.execution_arn(settings.state_machine_arn, record["reportId"])
        if stepfunctions.describe_execution(arn) is not None:
            continue
        stepfunctions.start_execution(
            settings.state_machine_arn, record["reportId"], execution_input(record)
        )
        started += 1
        logger.warning("report started by the sweeper", extra={"report_id": record["reportId"]})
    return {"running": running, "started": started}
