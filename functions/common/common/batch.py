"""Every SQS-triggered function: each message handled on its own, only the failed ones retried.

    def send_one(record: SQSRecord) -> str: ...   # raises to have SQS deliver it again

    handler = sqs_batch_handler(send_one)

Powertools' BatchProcessor answers the failed messages' ids (the event source mapping's
ReportBatchItemFailures), so a failure redelivers that message alone, never its batch-mates.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aws_lambda_powertools.utilities.batch import (
    BatchProcessor,
    EventType,
    process_partial_response,
)
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from common.observability import instrumented


def sqs_batch_handler(
    record_handler: Callable[[SQSRecord], Any],
) -> Callable[[dict, LambdaContext], dict]:
    """The function's handler (instrumented): `record_handler` for each message of the batch."""
    processor = BatchProcessor(event_type=EventType.SQS)

    @instrumented
    def handler(event: dict, context: LambdaContext) -> dict:
        return process_partial_response(
            event=event, record_handler=record_handler, processor=processor, context=context
        )

    return handler
