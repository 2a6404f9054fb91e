"""The sandbox credit bureau: POST /sandbox/credit-bureau/reports, scored deterministically
from the applicant (see logic.credit.sandbox_report) so tests and demos choose their outcome."""

import hashlib
from http import HTTPStatus
from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from pydantic import BaseModel, ConfigDict, Field

from common.http import api_handler, json_response, problem, rest_api
from prescreening.logic.credit import SandboxOutage, sandbox_report

app = rest_api()


class ReportRequest(BaseModel):
    """What the bureau needs of an applicant (it is sent more: name, date of birth)."""

    model_config = ConfigDict(extra="ignore")
    national_id: Annotated[str, Field(alias="nationalId", pattern=r"^[0-9]{9}$")]


@app.post("/sandbox/credit-bureau/reports")
def credit_report(request: ReportRequest) -> Response[str]:
    try:
        report = sandbox_report(request.national_id)
    except SandboxOutage:
        return problem(HTTPStatus.SERVICE_UNAVAILABLE, "bureau unavailable (sandbox outage)")
    reference = hashlib.sha256(request.national_id.encode()).hexdigest()[:12]
    return json_response(HTTPStatus.OK, {"reference": reference, **report})


handler = api_handler(app)
