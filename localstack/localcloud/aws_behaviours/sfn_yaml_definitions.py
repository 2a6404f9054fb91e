"""State machine definitions in YAML, where CloudFormation accepts them.

`AWS::StepFunctions::StateMachine`'s `DefinitionS3Location` may name a JSON or a YAML file (and
SAM's `DefinitionUri` becomes one: SAM CLI uploads the file as written). localstack-core handed
the object's text to CreateStateMachine as it was, whose JSON parser refused YAML. The text is
read as YAML when it is not JSON, after its `${...}` substitutions (CloudFormation substitutes
the text), and given to Step Functions as JSON; JSON text passes as it was. `Definition` (an
object in the template) was already turned into JSON; `DefinitionString` must be JSON on AWS too.
"""

from __future__ import annotations

import json

from localcloud.support.patching import patch_plugin


def as_json_definition(text: str) -> str:
    """The definition as Step Functions takes it: JSON text as it is, YAML turned into JSON."""
    import yaml

    try:
        json.loads(text)
        return text
    except ValueError:
        pass
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError:
        return text  # neither: CreateStateMachine refuses it with its own message
    return json.dumps(document) if isinstance(document, dict) else text


@patch_plugin(
    "localstack.services.stepfunctions.resource_providers.aws_stepfunctions_statemachine",
    requires=("StepFunctionsStateMachineProvider._get_definition",),
)
def read_yaml_definitions(provider_module) -> None:
    provider = provider_module.StepFunctionsStateMachineProvider
    get_definition = provider._get_definition

    def get_definition_json_or_yaml(self, model, s3_client):
        definition = get_definition(self, model, s3_client)
        if "DefinitionS3Location" in model and isinstance(definition, str):
            return as_json_definition(definition)
        return definition

    provider._get_definition = get_definition_json_or_yaml
