"""Names and helpers the approval unit tests share (conftest.py holds the fixtures)."""

from __future__ import annotations

import importlib
from pathlib import Path

import boto3
import yaml

PROJECT = Path(__file__).resolve().parents[3]
REQUESTS_TABLE = "approval-requests"
IDEMPOTENCY_TABLE = "approval-double-idempotency"
SECRET_NAME = "approval-link-key"
LINK_KEY = "k" * 64
SENDER = "approvals@example.com"
APPROVER = "approver@example.com"
API_URL = "https://api.example.com/dev"


class _CfnLoader(yaml.SafeLoader):
    """Reads template.yaml, turning CloudFormation tags (!Ref, !Sub, ...) into None."""


_CfnLoader.add_multi_constructor("!", lambda loader, suffix, node: None)


def template_resource(logical_id: str) -> dict:
    template = yaml.load((PROJECT / "template.yaml").read_text(), Loader=_CfnLoader)  # noqa: S506
    return template["Resources"][logical_id]["Properties"]


def create_table_like(logical_id: str, name: str) -> None:
    properties = template_resource(logical_id)
    boto3.client("dynamodb").create_table(
        TableName=name,
        KeySchema=properties["KeySchema"],
        AttributeDefinitions=properties["AttributeDefinitions"],
        BillingMode="PAY_PER_REQUEST",
    )


def fresh(module: str):
    """Import a handler module after the environment is set (some read settings at import)."""
    return importlib.reload(importlib.import_module(module))
