"""AWS::Lambda::Function's ReservedConcurrentExecutions, applied as CloudFormation applies it.

The community resource provider reads the property into its model and never sets it, so a
function the template limits runs unlimited on the local cloud (the Lambda service itself
enforces a limit set through PutFunctionConcurrency: TooManyRequestsException past it). Once the
provider has created or updated the function, this puts the property's value, or deletes the
limit when an update removed it, as CloudFormation does.
"""

from localcloud.support.patching import patch_plugin

PROPERTY = "ReservedConcurrentExecutions"


def _apply(request, event, previous: dict | None) -> None:
    from localstack.services.cloudformation.resource_provider import OperationStatus

    if event.status != OperationStatus.SUCCESS:
        return  # still in progress (polled again) or failed
    model = request.desired_state
    function = model.get("FunctionName") or (previous or {}).get("FunctionName")
    lambda_ = request.aws_client_factory.lambda_
    if model.get(PROPERTY) is not None:
        lambda_.put_function_concurrency(
            FunctionName=function, ReservedConcurrentExecutions=int(model[PROPERTY])
        )
    elif previous and previous.get(PROPERTY) is not None:
        lambda_.delete_function_concurrency(FunctionName=function)


@patch_plugin(
    "localstack.services.lambda_.resource_providers.aws_lambda_function",
    requires=("LambdaFunctionProvider.create", "LambdaFunctionProvider.update"),
)
def apply_reserved_concurrency(module) -> None:
    provider = module.LambdaFunctionProvider
    create, update = provider.create, provider.update

    def create_with_concurrency(self, request):
        event = create(self, request)
        _apply(request, event, None)
        return event

    def update_with_concurrency(self, request):
        event = update(self, request)
        _apply(request, event, request.previous_state)
        return event

    provider.create, provider.update = create_with_concurrency, update_with_concurrency
