"""A role's changed inline policies reach the deployed role, as CloudFormation applies them.

localstack-core's AWS::IAM::Role update acts only on a changed name, trust policy or managed
policy list (it makes the role again); a changed `Policies` list was kept as the role had it.
Under IAM enforcement a redeployed stack then refused what its template now grants: a state
machine's grant to run the task definition's new revision still named the old one. Here the
update ends with the role's inline policies set to the template's: each one written, those the
template no longer names deleted (PutRolePolicy, DeleteRolePolicy, as CloudFormation does).
"""

from __future__ import annotations

import json

from localcloud.support.patching import patch_plugin


def policy_text(document: dict) -> str:
    """The document as the provider's create writes it: with a Version, no empty resources."""
    document = json.loads(json.dumps(document))  # the template's own stays as declared
    document["Version"] = document.get("Version") or "2012-10-17"
    statements = document["Statement"]
    for statement in statements if isinstance(statements, list) else [statements]:
        if isinstance(statement.get("Resource"), list):
            statement["Resource"] = [r for r in statement["Resource"] if r]
    return json.dumps(document)


def inline_policies_as_declared(iam, role_name: str, declared: list[dict]) -> None:
    """Write each declared policy; delete the role's others."""
    for policy in declared:
        iam.put_role_policy(
            RoleName=role_name,
            PolicyName=policy["PolicyName"],
            PolicyDocument=policy_text(policy["PolicyDocument"]),
        )
    names = {policy["PolicyName"] for policy in declared}
    for name in iam.list_role_policies(RoleName=role_name)["PolicyNames"]:
        if name not in names:
            iam.delete_role_policy(RoleName=role_name, PolicyName=name)


@patch_plugin(
    "localstack.services.iam.resource_providers.aws_iam_role",
    requires=("IAMRoleProvider.update",),
)
def update_inline_policies_of_roles(module) -> None:
    provider = module.IAMRoleProvider
    update = provider.update

    def update_with_inline_policies(self, request):
        event = update(self, request)
        desired = request.desired_state.get("Policies") or []
        if desired == (request.previous_state.get("Policies") or []):
            return event
        role_name = event.resource_model["RoleName"]
        inline_policies_as_declared(request.aws_client_factory.iam, role_name, desired)
        event.resource_model["Policies"] = desired
        return event

    provider.update = update_with_inline_policies
