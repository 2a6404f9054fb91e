"""template.yaml as test data: unit tests build their moto resources from the template's own
definitions, so a schema change cannot drift away from its tests.

The application is the root template.yaml and the workflows' nested templates
(functions/<workflow>/template.yaml) it composes; tests read them as one template."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import boto3
import yaml

from devkit import routes
from devkit.local_cloud import PROJECT

# What create_table takes of an AWS::DynamoDB::Table's properties (the rest is deployment detail).
TABLE_SHAPE = (
    "AttributeDefinitions",
    "KeySchema",
    "GlobalSecondaryIndexes",
    "LocalSecondaryIndexes",
    "StreamSpecification",
)


class _CloudFormationLoader(yaml.SafeLoader):
    """Reads template.yaml, keeping short-form tags (!Ref, !Sub, ...) as their plain values."""


def _plain(loader: yaml.SafeLoader, suffix: str, node: yaml.Node):
    if isinstance(node, yaml.ScalarNode):
        return loader.construct_scalar(node)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node)
    return loader.construct_mapping(node)


_CloudFormationLoader.add_multi_constructor("!", _plain)


def read_template(path: Path) -> dict:
    """One template file (short-form tags as their plain values)."""
    return yaml.load(path.read_text(), Loader=_CloudFormationLoader)  # noqa: S506 - a SafeLoader subclass


@cache
def template_paths() -> tuple[Path, ...]:
    """template.yaml as it is built (its routes filled in from the routes files), then the nested
    templates its AWS::Serverless::Application resources name."""
    root = routes.rendered(PROJECT / "template.yaml")
    nested = [
        root.parent / resource["Properties"]["Location"]
        for resource in read_template(root)["Resources"].values()
        if resource["Type"] == "AWS::Serverless::Application"
    ]
    return (root, *nested)


def merged(documents: list[dict]) -> dict:
    """Templates as one: each section's entries together, the first template's where names meet
    (the root's parameters, conditions, globals and outputs; a nested template's parameter that
    passes a shared resource down adds nothing)."""
    result: dict = {}
    for document in documents:
        for section, value in document.items():
            if isinstance(value, dict):
                entries = result.setdefault(section, {})
                for name, entry in value.items():
                    entries.setdefault(name, entry)
            else:
                result.setdefault(section, value)
    return result


@cache
def _template() -> dict:
    return merged([read_template(path) for path in template_paths()])


def load_template() -> dict:
    """The whole application as one template (short-form tags as their plain values)."""
    return _template()


def resource_properties(logical_id: str) -> dict:
    return _template()["Resources"][logical_id]["Properties"]


def create_table(logical_id: str, name: str) -> None:
    """A table (moto, in unit tests) with the keys, indexes and stream the template declares."""
    properties = resource_properties(logical_id)
    shape = {key: properties[key] for key in TABLE_SHAPE if key in properties}
    boto3.client("dynamodb").create_table(TableName=name, BillingMode="PAY_PER_REQUEST", **shape)
