"""GET /health: says the API and its functions answer, and which stage this is."""

from http import HTTPStatus

from aws_lambda_powertools.event_handler import Response
from pydantic import Field

from common.http import api_handler, json_response, rest_api
from common.settings import FunctionSettings, load_settings


class HealthSettings(FunctionSettings):
    stage: str = Field(alias="STAGE")


settings = load_settings(HealthSettings)
app = rest_api()


@app.get("/health")
def health() -> Response[str]:
    return json_response(HTTPStatus.OK, {"status": "ok", "stage": settings.stage})


handler = api_handler(app)
