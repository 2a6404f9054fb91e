"""What a local deploy was made from and what it made, recorded for stack_sync.

Every deploy into the local cloud (stack.deploy_local) takes a snapshot of the content hashes
it is made from (stack_plan.Fingerprint) before sam build reads the files, and once sam deploy
has succeeded records it with the physical id and type of every resource, in the local cloud
instance's state folder. stack_sync reads the record to know what the stack runs.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

from devkit import PROJECT, routes, stack_plan
from devkit.local_cloud import botocore_client, instance_folder
from devkit.stack_plan import Fingerprint, Sources


@dataclass
class Record:
    template: str
    build_dir: str
    fingerprint: Fingerprint
    sources: Sources
    # Logical id -> physical id and resource type, of the root stack's resources and its nested
    # stacks' (logical ids are unique across the templates).
    physical: dict[str, str]
    types: dict[str, str]
    substitutions: dict[str, dict[str, str]]  # state machine -> resolved values, once known

    def to_json(self) -> dict:
        return {
            "template": self.template,
            "build_dir": self.build_dir,
            "fingerprint": asdict(self.fingerprint),
            "sources": self.sources.to_json(),
            "physical": self.physical,
            "types": self.types,
            "substitutions": self.substitutions,
        }

    @classmethod
    def from_json(cls, data: dict) -> Record:
        return cls(
            data["template"],
            data["build_dir"],
            Fingerprint(**data["fingerprint"]),
            Sources.from_json(data["sources"]),
            data["physical"],
            data["types"],
            data.get("substitutions", {}),
        )


def sync_dir(stack_name: str) -> Path:
    """Where a local stack's record (and its hot-reload folders) live: the local cloud
    instance's state folder, wiped at every start, so a record never outlives its stack."""
    return instance_folder() / "state" / "stack-sync" / stack_name


def read(stack_name: str) -> Record | None:
    try:
        return Record.from_json(json.loads((sync_dir(stack_name) / "record.json").read_text()))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def write(stack_name: str, record: Record) -> None:
    write_json(sync_dir(stack_name) / "record.json", record.to_json())


def write_json(path: Path, data: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile("w", dir=path.parent, delete=False) as file:
        json.dump(data, file)
    os.replace(file.name, path)


def deploy_inputs(
    template: Path, stack_name: str, overrides: dict[str, str], nested: list[str]
) -> str:
    """The hash of what a deploy reads beside the code: the template, the nested templates it
    composes (paths relative to its folder), the routes files, samconfig.toml and the parameters."""
    files = [template, *(template.parent / path for path in nested), PROJECT / "samconfig.toml"]
    files += routes.routes_files(template.parent)
    return stack_plan.deploy_inputs_hash(files, {"stack": stack_name, "overrides": overrides})


def read_sources(template: Path) -> Sources:
    from samcli.yamlhelper import yaml_parse  # SAM's own reader: short-form tags as intrinsics

    return stack_plan.read_sources(template, yaml_parse)


def snapshot(template: Path, stack_name: str, overrides: dict[str, str]) -> tuple:
    """What a deploy is about to be made from: taken before sam build reads the files."""
    sources = read_sources(template)
    inputs = deploy_inputs(template, stack_name, overrides, sources.templates)
    return sources, stack_plan.fingerprint(template.parent, sources, inputs)


def record_deploy(
    stack_name: str, template: Path, build_dir: Path, taken: tuple[Sources, Fingerprint]
) -> None:
    """Called by stack.deploy_local once sam deploy has succeeded."""
    sources, fingerprint = taken
    physical, types = _ids_and_types(stack_name, sources)
    write(
        stack_name, Record(str(template), str(build_dir), fingerprint, sources, physical, types, {})
    )


def stack_resources(stack_name: str) -> list[dict]:
    """Every resource of the stack and of its nested stacks (each workflow is a nested
    application: functions/<workflow>/template.yaml), as DescribeStackResources gives them."""
    cloudformation = botocore_client("cloudformation")
    resources, stacks = [], [stack_name]
    while stacks:
        found = cloudformation.describe_stack_resources(StackName=stacks.pop(0))["StackResources"]
        resources += found
        stacks += [
            resource["PhysicalResourceId"]
            for resource in found
            if resource["ResourceType"] == "AWS::CloudFormation::Stack"
            and resource.get("PhysicalResourceId")
        ]
    return resources


def _ids_and_types(stack_name: str, sources: Sources) -> tuple[dict, dict]:
    """Logical id -> physical id and type, through the stack and its nested stacks."""
    resources = stack_resources(stack_name)
    physical, types = {}, {}
    layer_ids = {
        resource["LogicalResourceId"]: name
        for resource in resources
        for name in sources.layers
        # SAM names a layer version <logical id><10 hex digits of its content>.
        if resource["LogicalResourceId"].startswith(name)
        and resource["ResourceType"] == "AWS::Lambda::LayerVersion"
    }
    for resource in resources:
        logical = layer_ids.get(resource["LogicalResourceId"], resource["LogicalResourceId"])
        physical[logical] = resource.get("PhysicalResourceId", "")
        types[logical] = resource["ResourceType"]
    return physical, types
