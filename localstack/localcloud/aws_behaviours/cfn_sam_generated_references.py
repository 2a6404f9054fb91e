"""A SAM template's resources may name the resources SAM generates (`<Function>Role`), as
CloudFormation allows: such a reference resolves once the template is transformed.

Before the global transforms, localstack-core's change set visits every resource to run its
`Fn::Transform`s, resolving each `Ref` and `GetAtt` on the way; a reference to a resource only
the SAM transform will make failed the deploy ("Unresolved resource dependencies
[GreetFunctionRole]"). The stack attaches its data key's use to the roles SAM makes for its
functions this way. In a SAM template such a resource's own `Fn::Transform`s still run; its
references are checked after the transform, as on AWS.
"""

from __future__ import annotations

from localcloud.support.patching import patch_plugin

SERVERLESS = "AWS::Serverless-2016-10-31"


@patch_plugin(
    "localstack.services.cloudformation.engine.v2.change_set_model_transform",
    requires=(
        "ChangeSetModelTransform.visit_node_resource",
        "ChangeSetModelTransform.visit_node_intrinsic_function_fn_transform",
        "ValidationError",
        "PreprocEntityDelta",
        "is_nothing",
    ),
)
def resolve_sam_generated_references_after_the_transform(module) -> None:
    transformer = module.ChangeSetModelTransform
    visit_node_resource = transformer.visit_node_resource

    def is_sam_template(self) -> bool:
        template = self._after_template
        if module.is_nothing(template):
            template = self._before_template
        if module.is_nothing(template):
            return False
        transforms = template.get("Transform") or []
        return SERVERLESS in ([transforms] if isinstance(transforms, str) else transforms)

    def visit_resource_naming_generated_ones(self, node_resource):
        try:
            return visit_node_resource(self, node_resource)
        except module.ValidationError as error:
            if "Unresolved resource dependencies" not in str(error) or not is_sam_template(self):
                raise
            # What this visit is for, the properties' Fn::Transform, without resolving them.
            properties = node_resource.properties
            if not module.is_nothing(properties) and not module.is_nothing(properties.fn_transform):
                self.visit_node_intrinsic_function_fn_transform(properties.fn_transform)
            return module.PreprocEntityDelta()

    transformer.visit_node_resource = visit_resource_naming_generated_ones
