"""AWS::SES::EmailIdentity in CloudFormation, created and deleted for real.

The community resource provider is a stub whose create raises NotImplementedError, so any
stack that verifies a sender address rolls back. These methods verify and delete the identity
through LocalStack's SES.
"""

from localcloud.support.patching import patch_plugin


def _create(self, request):
    from localstack.services.cloudformation.resource_provider import OperationStatus, ProgressEvent

    model = request.desired_state
    identity = model["EmailIdentity"]
    ses = request.aws_client_factory.ses
    if "@" in identity:
        ses.verify_email_identity(EmailAddress=identity)
    else:
        ses.verify_domain_identity(Domain=identity)
    return ProgressEvent(status=OperationStatus.SUCCESS, resource_model=model)


def _read(self, request):
    from localstack.services.cloudformation.resource_provider import OperationStatus, ProgressEvent

    return ProgressEvent(status=OperationStatus.SUCCESS, resource_model=request.desired_state)


def _delete(self, request):
    from localstack.services.cloudformation.resource_provider import OperationStatus, ProgressEvent

    model = request.previous_state or request.desired_state
    request.aws_client_factory.ses.delete_identity(Identity=model["EmailIdentity"])
    return ProgressEvent(status=OperationStatus.SUCCESS, resource_model=model)


def _update(self, request):
    from localstack.services.cloudformation.resource_provider import OperationStatus, ProgressEvent

    return ProgressEvent(status=OperationStatus.SUCCESS, resource_model=request.desired_state)


@patch_plugin(
    "localstack.services.ses.resource_providers.aws_ses_emailidentity",
    requires=tuple(
        f"SESEmailIdentityProvider.{name}" for name in ("create", "read", "delete", "update")
    ),
)
def patch_email_identity_resource(module) -> None:
    provider = module.SESEmailIdentityProvider
    provider.create, provider.read = _create, _read
    provider.delete, provider.update = _delete, _update
