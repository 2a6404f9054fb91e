"""template.yaml as test data: unit tests build their moto resources from the template's own
definitions, so a schema change cannot drift away from its tests."""

from __future__ import annotations

from functools import cache

import boto3
import yaml

from support.localcloud import PROJECT

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


@cache
def _template() -> dict:
    text = (PROJECT / "template.yaml").read_text()
    return yaml.load(text, Loader=_CloudFormationLoader)  # noqa: S506 - a SafeLoader subclass


def load_template() -> dict:
    """The whole template (short-form tags as their plain values)."""
    return _template()


def resource_properties(logical_id: str) -> dict:
    return _template()["Resources"][logical_id]["Properties"]


def create_table(logical_id: str, name: str) -> None:
    """A table (moto, in unit tests) with the keys, indexes and stream the template declares."""
    properties = resource_properties(logical_id)
    shape = {key: properties[key] for key in TABLE_SHAPE if key in properties}
    boto3.client("dynamodb").create_table(TableName=name, BillingMode="PAY_PER_REQUEST", **shape)
