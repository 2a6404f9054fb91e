"""QuickCheck: before a task runs, the file's size, encoding and header; the import's record is
made CHECKED (the task then imports it) or REFUSED with why."""

from __future__ import annotations

from aws_lambda_powertools.utilities.typing import LambdaContext

from common.observability import instrumented, logger
from common.settings import load_settings
from imports.dal import imports, objects
from imports.logic.check import SAMPLE_BYTES, problems, sample_text
from imports.models import ImportedObject
from imports.settings import QuickCheckSettings

settings = load_settings(QuickCheckSettings)


@instrumented
def handler(event: dict, context: LambdaContext) -> dict:
    the_import = ImportedObject.model_validate(event)
    gzipped = the_import.key.endswith(".gz")
    size, head = objects.size_and_head(
        the_import.bucket, the_import.key, the_import.version_id, SAMPLE_BYTES
    )
    found = problems(size, settings.max_object_bytes, sample_text(head, gzipped), gzipped)
    imports.checked(settings.table, {**the_import.as_input(), "sizeBytes": size}, found)
    logger.info("import checked", extra={"import_id": the_import.import_id, "problems": found})
    return {"importable": not found, "problems": found}
