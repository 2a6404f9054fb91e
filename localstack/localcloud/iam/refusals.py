"""AWS's words when a service may not act in its own name or as a role it was given: a role
Lambda or Step Functions may not assume, a managed rule a `.sync` task may not create, a queue
or stream an event source mapping may not poll, a function a Step Functions task may not invoke:
the error code and message AWS answers."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from localcloud.iam.actions import Authorisation


@dataclass(frozen=True)
class Refusal:
    """An error AWS answers: its code, message and HTTP status."""

    code: str
    message: str
    status: int = 400


# UpdateFunctionConfiguration (and CreateFunction, which LocalStack checks itself): the role is
# missing or does not trust Lambda.
FUNCTION_ROLE_NOT_ASSUMABLE = Refusal(
    "InvalidParameterValueException",
    "The role defined for the function cannot be assumed by Lambda.",
)
# CreateStateMachine, UpdateStateMachine: the role is missing or does not trust Step Functions.
STATE_MACHINE_ROLE_NOT_ASSUMABLE = Refusal(
    "AccessDeniedException",
    "Neither the global service principal states.amazonaws.com, nor the regional one is "
    "authorized to assume the provided role.",
)


def managed_rule_refused(role_arn: str) -> Refusal:
    """CreateStateMachine with a `.sync` task whose role may not keep the EventBridge rule
    through which Step Functions learns that the job ended."""
    message = f"'{role_arn}' is not authorized to create managed-rule."
    return Refusal("AccessDeniedException", message)


def polling_refused(source_arn: str, refused: Authorisation) -> Refusal:
    """CreateEventSourceMapping when the function's role may not poll its source: SQS names the
    first action refused, Kinesis and DynamoDB streams the actions a role needs."""
    if ":sqs:" in source_arn:
        action = refused.action.split(":", 1)[1]
        return Refusal(
            "InvalidParameterValueException",
            f"The provided execution role does not have permissions to call {action} on SQS",
        )
    return Refusal(
        "InvalidParameterValueException",
        f"Cannot access stream {source_arn}. Please ensure the role can perform the GetRecords, "
        "GetShardIterator, DescribeStream, and ListStreams Actions on your stream in IAM.",
    )


def lambda_task_error(error_code: str, modelled: Collection[str]) -> str:
    """The error name a `lambda:invoke` task fails with when Lambda refuses the call: Step
    Functions names an error Lambda's Invoke models after it (`Lambda.ResourceNotFoundException`)
    and any other, AccessDeniedException among them, by the SDK's generic exception."""
    return f"Lambda.{error_code}" if error_code in modelled else "Lambda.AWSLambdaException"
