"""What AWS answers when a service may not act: the codes and messages callers see."""

from __future__ import annotations

from localcloud.iam.actions import Authorisation
from localcloud.iam.refusals import lambda_task_error, managed_rule_refused, polling_refused
from unit.localcloud.iam.resources import ARN, QUEUE, STREAM


def test_a_lambda_task_names_only_the_errors_invoke_models() -> None:
    modelled = {"ResourceNotFoundException", "TooManyRequestsException"}
    assert lambda_task_error("ResourceNotFoundException", modelled) == (
        "Lambda.ResourceNotFoundException"
    )
    assert lambda_task_error("AccessDeniedException", modelled) == "Lambda.AWSLambdaException"


def test_a_queue_mapping_names_the_action_refused() -> None:
    refusal = polling_refused(QUEUE, Authorisation("sqs:DeleteMessage", [QUEUE]))
    assert (refusal.code, refusal.message) == (
        "InvalidParameterValueException",
        "The provided execution role does not have permissions to call DeleteMessage on SQS",
    )


def test_a_stream_mapping_names_the_stream() -> None:
    table_stream = ARN.format("dynamodb", "table/t/stream/2026-01-01T00:00:00.000")
    for stream in (STREAM, table_stream):
        refusal = polling_refused(stream, Authorisation("kinesis:GetRecords", [stream]))
        assert refusal.message.startswith(f"Cannot access stream {stream}. Please ensure the role")


def test_a_sync_task_role_without_the_managed_rule_is_named() -> None:
    role = "arn:aws:iam::000000000000:role/payroll"
    assert managed_rule_refused(role).message == (
        "'arn:aws:iam::000000000000:role/payroll' is not authorized to create managed-rule."
    )
