"""AWS::CloudFormation::Stack updates: a nested stack takes its new template and parameters.

The community resource provider creates and deletes nested stacks but has no update: the
engine logs a warning and marks the resource UPDATE_COMPLETE, leaving the nested stack as it
was. Every workflow is a nested application of template.yaml (functions/<workflow>/), so a
change to a workflow's template, or to a parameter the root passes it, would never reach the
local cloud after the first deploy. This updates the nested stack as CloudFormation does
(UpdateStack with the new TemplateURL and parameters, then waits for it) and refreshes the
outputs the parent reads with !GetAtt <Stack>.Outputs.<Name>.
"""

from botocore.exceptions import ClientError

from localcloud.support.patching import patch_plugin

CAPABILITIES = ["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM", "CAPABILITY_AUTO_EXPAND"]
UPDATING = "localcloud_nested_stack_updating"


def _parameters(model: dict) -> list[dict]:
    return [
        {
            "ParameterKey": key,
            "ParameterValue": str(value).lower() if isinstance(value, bool) else str(value),
        }
        for key, value in (model.get("Parameters") or {}).items()
    ]


def update(self, request):
    from localstack.services.cloudformation.resource_provider import OperationStatus, ProgressEvent

    model = request.desired_state
    previous = request.previous_state or {}
    model["Id"] = previous["Id"]
    cloudformation = request.aws_client_factory.cloudformation
    context = request.custom_context
    if not context.get(UPDATING):
        try:
            cloudformation.update_stack(
                StackName=model["Id"],
                TemplateURL=model["TemplateURL"],
                Parameters=_parameters(model),
                Capabilities=CAPABILITIES,
            )
        except ClientError as error:
            # The same template and parameters (a new URL to the same text): nothing to do.
            if "No updates are to be performed" not in str(error):
                raise
        context[UPDATING] = True
        return ProgressEvent(
            status=OperationStatus.IN_PROGRESS, resource_model=model, custom_context=context
        )
    stack = cloudformation.describe_stacks(StackName=model["Id"])["Stacks"][0]
    status = stack["StackStatus"]
    if status in ("UPDATE_COMPLETE", "CREATE_COMPLETE"):
        model["Outputs"] = {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}
        return ProgressEvent(
            status=OperationStatus.SUCCESS, resource_model=model, custom_context=context
        )
    if status.endswith("IN_PROGRESS"):
        return ProgressEvent(
            status=OperationStatus.IN_PROGRESS, resource_model=model, custom_context=context
        )
    return ProgressEvent(
        status=OperationStatus.FAILED,
        resource_model=model,
        custom_context=context,
        message=f"nested stack {model['Id']}: {status} {stack.get('StackStatusReason', '')}",
    )


@patch_plugin(
    "localstack.services.cloudformation.resource_providers.aws_cloudformation_stack",
    requires=("CloudFormationStackProvider.update",),
)
def update_nested_stacks(module) -> None:
    module.CloudFormationStackProvider.update = update
