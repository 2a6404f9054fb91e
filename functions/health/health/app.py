"""GET /health: says the API and its functions answer, and which stage this is."""

import json
import os

from aws_lambda_powertools.utilities.typing import LambdaContext

from common.observability import logger


@logger.inject_lambda_context
def handler(event: dict, context: LambdaContext) -> dict:
    return {
        "statusCode": 200,
        "headers": {"Content-Type": "application/json"},
        "body": json.dumps({"status": "ok", "stage": os.environ.get("STAGE", "")}),
    }
