"""A CloudFormation resource with a property its type does not have fails, as on AWS.

CloudFormation checks each resource's properties against its type's schema before creating or
updating it: a misspelt or unsupported property fails the resource ("Properties validation
failed for resource X with message: #: extraneous key [Y] is not permitted") and the stack rolls
back. localstack-core passed the properties to its providers, which ignored what they did not
know, so a template that AWS refuses deployed locally with the property silently dropped.

The schemas are AWS's own, as cfn-lint bundles them (a pinned dependency of LocalStack itself;
LocalStack's providers' schemas are older and miss newer properties). A type cfn-lint does not
know, or whose schema allows other properties (custom resources), is left as it was.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from localcloud.support.patching import patch_plugin


@cache
def _schemas() -> tuple[Path, dict[str, str]]:
    import cfnlint.data.schemas

    folder = Path(cfnlint.data.schemas.__file__).parent
    # us-east-1 has every type; each maps to its schema file by a digest of its content.
    index = json.loads((folder / "providers" / "us-east-1.json").read_text(encoding="utf-8"))
    return folder / "resources", index


@cache
def allowed_properties(resource_type: str) -> frozenset[str] | None:
    """The properties AWS's schema allows for the type; None when it allows any."""
    resources, index = _schemas()
    digest = index.get(resource_type)
    if digest is None:
        return None
    schema = json.loads((resources / f"{digest}.json").read_text(encoding="utf-8"))
    if schema.get("additionalProperties", True) is not False:
        return None
    return frozenset(schema.get("properties", {}))


def extraneous_property_message(
    logical_id: str, resource_type: str, properties: dict | None
) -> str | None:
    """CloudFormation's refusal of the first property the type does not have, or None."""
    allowed = allowed_properties(resource_type)
    if allowed is None or not isinstance(properties, dict):
        return None
    extraneous = sorted(set(properties) - allowed)
    if not extraneous:
        return None
    return (
        f"Properties validation failed for resource {logical_id} with message: "
        f"#: extraneous key [{extraneous[0]}] is not permitted"
    )


@patch_plugin(
    "localstack.services.cloudformation.resource_provider",
    requires=("ResourceProviderExecutor.deploy_loop", "ProgressEvent", "OperationStatus"),
)
def refuse_unknown_resource_properties(resource_provider) -> None:
    executor = resource_provider.ResourceProviderExecutor
    deploy_loop = executor.deploy_loop

    def deploy_loop_validated(self, provider, resource, raw_payload, *args, **kwargs):
        # Checked once, on the template's properties (later rounds carry the provider's model).
        if raw_payload["action"] in ("Add", "Modify", "Dynamic"):
            request = raw_payload["requestData"]
            refusal = extraneous_property_message(
                request["logicalResourceId"],
                raw_payload["resourceType"],
                request.get("resourceProperties"),
            )
            if refusal:
                return resource_provider.ProgressEvent(
                    status=resource_provider.OperationStatus.FAILED,
                    resource_model={},
                    message=refusal,
                )
        return deploy_loop(self, provider, resource, raw_payload, *args, **kwargs)

    executor.deploy_loop = deploy_loop_validated
