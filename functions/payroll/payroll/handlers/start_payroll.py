"""S3 ObjectCreated on the raw-data bucket -> one payroll execution per uploaded object."""

from __future__ import annotations

from urllib.parse import unquote_plus

from aws_lambda_powertools.utilities.data_classes import S3Event, event_source
from aws_lambda_powertools.utilities.typing import LambdaContext

from common import stepfunctions
from common.observability import instrumented, logger
from common.settings import load_settings
from payroll.logic.naming import execution_name
from payroll.settings import StartPayrollSettings

settings = load_settings(StartPayrollSettings)


@instrumented
@event_source(data_class=S3Event)
def handler(event: S3Event, context: LambdaContext) -> dict:
    started, already_started = [], []
    for record in event.records:
        if not record.event_name.startswith("ObjectCreated:"):
            continue  # only a new object is a payroll run; removals are not
        bucket = record.s3.bucket.name
        key = unquote_plus(record.s3.get_object.key)
        version = record.s3.get_object.version_id or record.s3.get_object.etag
        state = {"bucket": bucket, "key": key, "uploadedAt": record.event_time}
        if version_id := record.s3.get_object.version_id:
            state["versionId"] = version_id
        name = execution_name(bucket, key, version)
        execution = stepfunctions.start_execution(settings.state_machine_arn, name, state)
        if execution.started:
            started.append(execution.arn)
        else:
            already_started.append(name)
        logger.info(
            "payroll run requested", extra={"execution_name": name, "started": execution.started}
        )
    return {"started": started, "alreadyStarted": already_started}
