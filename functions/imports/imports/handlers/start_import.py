"""S3 ObjectCreated under imports/ in the imports bucket -> one imports execution per object
version, named by its import id (a second event for the same version starts nothing)."""

from __future__ import annotations

from urllib.parse import unquote_plus

from aws_lambda_powertools.utilities.data_classes import S3Event, event_source
from aws_lambda_powertools.utilities.typing import LambdaContext

from common import stepfunctions
from common.observability import instrumented, logger
from common.settings import load_settings
from imports.logic.objects import NotAnImport, import_id, organisation_of
from imports.models import ImportedObject
from imports.settings import StartImportSettings

settings = load_settings(StartImportSettings)


@instrumented
@event_source(data_class=S3Event)
def handler(event: S3Event, context: LambdaContext) -> dict:
    started, already_started, ignored = [], [], 0
    for record in event.records:
        key = unquote_plus(record.s3.get_object.key)
        try:
            organisation = organisation_of(key)
        except NotAnImport:
            ignored += 1  # the refused-rows lists beside the imports, and anything else
            continue
        bucket = record.s3.bucket.name
        version = record.s3.get_object.version_id
        the_import = ImportedObject(
            import_id=import_id(bucket, key, version or record.s3.get_object.etag),
            organisation_id=organisation,
            bucket=bucket,
            key=key,
            version_id=version,
        )
        execution = stepfunctions.start_execution(
            settings.state_machine_arn, the_import.import_id, the_import.as_input()
        )
        (started if execution.started else already_started).append(the_import.import_id)
        logger.info(
            "import requested",
            extra={"import_id": the_import.import_id, "started": execution.started},
        )
    return {"started": started, "alreadyStarted": already_started, "ignored": ignored}
