"""GeneratePaystubs, last step: join the batches' rollup parts into one rollup.csv."""

from __future__ import annotations

from aws_lambda_powertools.utilities.typing import LambdaContext

from common.observability import instrumented, logger
from common.settings import load_settings
from payroll.dal import files
from payroll.logic.layout import paystubs_folder, rollup_file
from payroll.logic.rollup import join_parts
from payroll.models import RollupRequest
from payroll.settings import CollectRollupSettings

settings = load_settings(CollectRollupSettings)


@instrumented
def handler(event: dict, context: LambdaContext) -> dict:
    request = RollupRequest.model_validate(event)
    bucket = settings.paystubs_bucket
    parts = [
        files.read(bucket, batch.rollup_part_key).decode() for batch in request.paystub_batches
    ]
    rollup_key = rollup_file(request.prefix)
    files.write(bucket, rollup_key, join_parts(parts), files.CSV)
    count = sum(batch.paystubs for batch in request.paystub_batches)
    logger.info("rollup written", extra={"paystubs": count})
    return request.with_result(
        "GeneratePaystubs",
        drop=("paystubBatches",),
        paystubs={
            "bucket": bucket,
            "prefix": paystubs_folder(request.prefix),
            "rollupKey": rollup_key,
            "count": count,
        },
    )
