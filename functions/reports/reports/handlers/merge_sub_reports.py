"""MergeSubReports: every part, in date order, streamed into one CSV with one header; then the
parts are removed."""

from aws_lambda_powertools.utilities.typing import LambdaContext

from common.observability import instrumented, logger
from common.settings import load_settings
from reports.dal import storage
from reports.logic.merge import merge_parts
from reports.models import MergeTask
from reports.settings import MergeSettings

settings = load_settings(MergeSettings)


@instrumented
def handler(event: dict, context: LambdaContext) -> dict:
    task = MergeTask.model_validate(event)
    keys = [storage.part_key(task.report_id, index) for index in range(task.total)]
    key = storage.report_key(task.organisation_id, task.report_id)
    rows = merge(keys, key)
    storage.delete_keys(settings.bucket, keys)
    logger.info("report merged", extra={"report_id": task.report_id, "rows": rows})
    return {"rowCount": rows, "key": key}


def merge(part_keys: list[str], key: str) -> int:
    upload = storage.StreamingUpload(settings.bucket, key, settings.merge_part_bytes, metadata={})
    try:
        # A generator: each part is opened only when the previous one is written.
        parts = (storage.read_part(settings.bucket, part) for part in part_keys)
        rows = merge_parts(parts, upload.write)
        upload.close()
    except Exception:
        upload.abort()
        raise
    return rows
