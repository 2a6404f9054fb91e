"""GET /imports/{id}: an import's progress for operators: its status, rows done, imported and
refused so far, and where its refused rows are listed."""

from http import HTTPStatus

from aws_lambda_powertools.event_handler import Response

from common.http import api_handler, json_response, problem, require_uuid, rest_api
from common.settings import load_settings
from imports.dal import imports
from imports.settings import ImportsApiSettings

settings = load_settings(ImportsApiSettings)
app = rest_api()

SHOWN = ("status", "rowsDone", "imported", "refused", "problems", "refusedRowsKey", "updatedAt")


@app.get("/imports/<import_id>")
def get_import(import_id: str) -> Response[str]:
    require_uuid(import_id, "import")
    record = imports.get(settings.table, import_id)
    if record is None:
        return problem(HTTPStatus.NOT_FOUND, "no such import")
    shown = {"id": import_id, "object": record["key"], "rowsDone": 0, "imported": 0, "refused": 0}
    shown.update({field: record[field] for field in SHOWN if field in record})
    return json_response(HTTPStatus.OK, shown)


handler = api_handler(app)
