"""Kinesis -> one pre-screening execution per application.

Each record is handled on its own (Powertools batch processing, partial batch responses):
- a valid application is stored in the applications table (the claim check: the execution's
  input is only its id) and starts the execution PreScreening-<applicationId>; an execution of
  that name already existing means the record is a duplicate: done, not an error;
- a record that is not JSON or not a valid application is never retried: it is kept in the
  rejected-applications bucket with the reason, and the rejected-applications queue gets a
  pointer to it;
- anything else (throttling, the service unreachable) fails that record only, so the event
  source mapping retries from it.
"""

from __future__ import annotations

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType
from aws_lambda_powertools.utilities.data_classes.kinesis_stream_event import KinesisStreamRecord
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import ValidationError

from common import stepfunctions
from common.errors import field_errors
from common.observability import instrumented, logger, traced
from common.settings import load_settings
from prescreening.dal import applications, rejected
from prescreening.dal.executions import execution_name
from prescreening.models import Application, ApplicationRef
from prescreening.settings import TriggerSettings

settings = load_settings(TriggerSettings)
processor = BatchProcessor(event_type=EventType.KinesisDataStreams)

STARTED, DUPLICATE, REJECTED = "started", "duplicate", "rejected"


def _source(record: KinesisStreamRecord) -> dict[str, str]:
    return {
        "eventSourceArn": record.event_source_arn,
        "eventId": record.event_id,
        "partitionKey": record.kinesis.partition_key,
        "sequenceNumber": record.kinesis.sequence_number,
    }


@traced
def start_screening(record: KinesisStreamRecord) -> str:
    sequence = record.kinesis.sequence_number
    try:
        application = Application.model_validate_json(record.kinesis.data_as_bytes())
    except ValidationError as error:
        reasons = field_errors(error)
        rejected.reject(
            settings.rejected_applications_bucket,
            settings.rejected_applications_queue_url,
            record.kinesis.data,
            reasons,
            _source(record),
        )
        logger.warning(
            "application rejected", extra={"sequence_number": sequence, "reasons": reasons}
        )
        return REJECTED
    application_id = application.application_id
    applications.store_record(settings.applications_table, application.to_json())
    execution = stepfunctions.start_execution(
        settings.state_machine_arn,
        execution_name(application_id),
        ApplicationRef(application_id=application_id).to_json(),
    )
    if not execution.started:
        logger.info("duplicate record: execution exists", extra={"application_id": application_id})
        return DUPLICATE
    logger.info("pre-screening started", extra={"application_id": application_id})
    return STARTED


@instrumented
def handler(event: dict, context: LambdaContext) -> dict:
    records = event.get("Records", [])
    with processor(records=records, handler=start_screening, lambda_context=context):
        processed = processor.process()
    outcomes = [result for status, result, _ in processed if status == "success"]
    response = processor.response()
    logger.info(
        "batch handled",
        extra={
            "records": len(records),
            "started": outcomes.count(STARTED),
            "duplicates": outcomes.count(DUPLICATE),
            "rejected": outcomes.count(REJECTED),
            "failed": len(response["batchItemFailures"]),
        },
    )
    return response
