"""Step Functions' DynamoDB tasks answer a malformed attribute value as DynamoDB does.

A task writing `"Item": {"id": "42"}` (a plain value where DynamoDB wants a typed one,
`{"S": "42"}`) reached botocore's serializer inside LocalStack, which raised a Python error
that became the task's cause: `'str' object has no attribute 'items'`. On AWS, DynamoDB refuses
the request with a ValidationException, which Step Functions reports, as it reports every
DynamoDB error its SDK has no class for, as `DynamoDB.AmazonDynamoDBException` with the service's
message and error code in the cause (LocalStack's own snapshots recorded on AWS show that shape).
So each attribute value of the request is checked first, and a ValidationException from
DynamoDB is named as on AWS.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

from localcloud.support.patching import patch_plugin

ATTRIBUTE_TYPES = frozenset({"S", "N", "B", "SS", "NS", "BS", "M", "L", "NULL", "BOOL"})
EMPTY_VALUE = (
    "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes"
)
MORE_THAN_ONE = (
    "Supplied AttributeValue has more than one datatypes set, must contain exactly one of the "
    "supported datatypes"
)
# DynamoDB errors Step Functions' SDK has no exception class for.
UNMODELLED_ERRORS = frozenset({"ValidationException", "SerializationException"})


def _attribute_values(parameters: dict) -> Iterator[Any]:
    """Every attribute value a request holds, where the DynamoDB API takes them."""
    for field in ("Item", "Key", "ExpressionAttributeValues", "ExclusiveStartKey"):
        if isinstance(parameters.get(field), dict):
            yield from parameters[field].values()
    for field in ("AttributeUpdates", "Expected"):
        for condition in (parameters.get(field) or {}).values():
            if isinstance(condition, dict):
                if "Value" in condition:
                    yield condition["Value"]
                yield from condition.get("AttributeValueList") or []


def _problem(value: Any) -> str | None:
    if not isinstance(value, dict):
        return EMPTY_VALUE
    types = [name for name in value if name in ATTRIBUTE_TYPES]
    if not types:
        return EMPTY_VALUE
    if len(types) > 1:
        return MORE_THAN_ONE
    (kind,) = types
    if kind == "M" and isinstance(value["M"], dict):
        return next(filter(None, map(_problem, value["M"].values())), None)
    if kind == "L" and isinstance(value["L"], list):
        return next(filter(None, map(_problem, value["L"])), None)
    return None


def attribute_value_problem(parameters: dict) -> str | None:
    """DynamoDB's message for the request's first malformed attribute value, or None."""
    return next(filter(None, map(_problem, _attribute_values(parameters))), None)


def validation_error(message: str, operation: str):
    from botocore.exceptions import ClientError

    return ClientError(
        {
            "Error": {"Code": "ValidationException", "Message": message},
            "ResponseMetadata": {"HTTPStatusCode": 400, "RequestId": str(uuid.uuid4())},
        },
        operation,
    )


@patch_plugin(
    "localstack.services.stepfunctions.asl.component.state.state_execution.state_task.service"
    ".state_task_service_dynamodb",
    requires=(
        "StateTaskServiceDynamoDB._eval_service_task",
        "StateTaskServiceDynamoDB._error_cause_from_client_error",
        "_ERROR_NAME_AWS",
    ),
)
def refuse_malformed_attribute_values(dynamodb_task) -> None:
    task = dynamodb_task.StateTaskServiceDynamoDB
    eval_service_task = task._eval_service_task
    error_cause_from_client_error = task._error_cause_from_client_error

    def eval_service_task_validated(self, env, resource_runtime_part, normalised_parameters, **kw):
        if problem := attribute_value_problem(normalised_parameters):
            raise validation_error(problem, self._get_boto_service_action())
        return eval_service_task(self, env, resource_runtime_part, normalised_parameters, **kw)

    def error_cause_named_as_aws(client_error) -> tuple[str, str]:
        error, cause = error_cause_from_client_error(client_error)
        if client_error.response["Error"]["Code"] in UNMODELLED_ERRORS:
            error = dynamodb_task._ERROR_NAME_AWS
        return error, cause

    task._eval_service_task = eval_service_task_validated
    task._error_cause_from_client_error = staticmethod(error_cause_named_as_aws)
