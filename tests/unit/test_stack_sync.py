"""The parts of devkit.stack_sync that need no local cloud: hot-reload overlays and the
evaluation of DefinitionSubstitutions."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest

from devkit import stack_sync
from devkit.stack_plan import Fingerprint, Sources


@pytest.fixture
def function_folders(tmp_path: Path) -> tuple[Path, Path]:
    """A function's source folder and what sam build made of it."""
    source, built = tmp_path / "src", tmp_path / "build"
    (source / "orders").mkdir(parents=True)
    (source / "orders" / "app.py").write_text("VERSION = 'working tree'\n")
    (source / "requirements.txt").write_text("reportlab==5.1.0\n")
    (built / "orders").mkdir(parents=True)
    (built / "orders" / "app.py").write_text("VERSION = 'built'\n")
    (built / "reportlab").mkdir()
    (built / "requirements.txt").write_text("reportlab==5.1.0\n")
    (built / "__pycache__").mkdir()
    return source, built


def test_an_overlay_shows_the_sources_beside_the_built_dependencies(tmp_path, function_folders):
    source, built = function_folders

    # WHEN the overlay is made
    overlay = stack_sync.make_overlay(tmp_path / "live" / "orders", source, built, layer=False)

    # THEN the package is the working tree's, the dependencies the build's
    assert (overlay / "orders").resolve() == (source / "orders").resolve()
    assert (overlay / "orders" / "app.py").read_text() == "VERSION = 'working tree'\n"
    assert (overlay / "reportlab").resolve() == (built / "reportlab").resolve()
    assert (overlay / "requirements.txt").resolve() == (built / "requirements.txt").resolve()
    assert not (overlay / "__pycache__").exists()


def test_a_layers_overlay_is_its_python_folder(tmp_path, function_folders):
    source, built = function_folders
    overlay = stack_sync.make_overlay(tmp_path / "live" / "shared", source, built, layer=True)
    assert (overlay / "python" / "orders" / "app.py").read_text() == "VERSION = 'working tree'\n"


def test_refreshing_follows_new_files_and_keeps_what_the_interpreter_wrote(
    tmp_path, function_folders
):
    # GIVEN an overlay in use: the interpreter wrote its cache in it
    source, built = function_folders
    overlay = stack_sync.make_overlay(tmp_path / "live" / "orders", source, built, layer=False)
    (overlay / "__pycache__").mkdir()
    (overlay / "__pycache__" / "x.cpython-313.pyc").write_bytes(b"\0")

    # WHEN a top-level module is added and a dependency goes away, then it is refreshed
    (source / "helpers.py").write_text("X = 1\n")
    (built / "reportlab").rmdir()
    stack_sync.make_overlay(overlay, source, built, layer=False)

    # THEN the links follow, and the cache is left alone
    assert (overlay / "helpers.py").read_text() == "X = 1\n"
    assert not (overlay / "reportlab").is_symlink()
    assert (overlay / "__pycache__" / "x.cpython-313.pyc").exists()


def record(physical: dict[str, str], types: dict[str, str]) -> stack_sync.Record:
    return stack_sync.Record(
        "template.yaml", "build", Fingerprint(""), Sources({}, {}, {}, {}), physical, types, {}
    )


def test_substitutions_are_evaluated_as_cloudformation_does():
    # GIVEN a deployed stack's resources and parameters
    resolver = stack_sync.Resolver(
        "orders-local",
        record(
            {"OrdersTopic": "arn:aws:sns:us-east-1:000000000000:orders", "OrdersTable": "t-1"},
            {"OrdersTopic": "AWS::SNS::Topic", "OrdersTable": "AWS::DynamoDB::Table"},
        ),
    )
    resolver._parameters = {"Hours": "72"}

    # THEN each intrinsic a DefinitionSubstitutions may hold has its deployed value
    assert resolver.value({"Ref": "OrdersTopic"}) == "arn:aws:sns:us-east-1:000000000000:orders"
    assert resolver.value({"Ref": "OrdersTable"}) == "t-1"
    assert resolver.value({"Ref": "Hours"}) == "72"
    assert resolver.value({"Ref": "AWS::StackName"}) == "orders-local"
    assert resolver.value({"Fn::GetAtt": ["OrdersTopic", "Arn"]}).endswith(":orders")
    assert resolver.value({"Fn::Sub": "${AWS::StackName}-${Hours}h"}) == "orders-local-72h"
    assert resolver.value(10) == "10"
    assert resolver.value(True) == "true"


def test_a_nested_stacks_substitutions_use_its_own_parameters_and_name():
    # GIVEN a state machine in a nested stack whose parameter shares its name with a root resource
    nested = "arn:aws:cloudformation:us-east-1:000000000000:stack/app-OrdersWorkflow-1A2B/0f1e"
    resolver = stack_sync.Resolver(
        nested,
        record(
            {
                "SharedLayer": "arn:aws:lambda:us-east-1:000000000000:layer:shared:1",
                "OrdersWorkflow": nested,
                "OrdersTakeFunction": "arn:aws:lambda:us-east-1:000000000000:function:take",
                "OrdersTable": "app-orders",
            },
            {
                "SharedLayer": "AWS::Lambda::LayerVersion",
                "OrdersWorkflow": "AWS::CloudFormation::Stack",
                "OrdersTakeFunction": "AWS::Lambda::Function",
                "OrdersTable": "AWS::DynamoDB::Table",
            },
        ),
    )
    resolver._parameters = {"SharedLayer": "passed-in", "OrdersHours": "48"}

    # THEN a Ref is the nested stack's parameter first, then any stack's resource
    assert resolver.value({"Ref": "SharedLayer"}) == "passed-in"
    assert resolver.value({"Ref": "OrdersHours"}) == "48"
    assert resolver.value({"Ref": "OrdersTable"}) == "app-orders"
    assert resolver.value({"Fn::GetAtt": ["OrdersTakeFunction", "Arn"]}).endswith(":take")
    # AND the stack's name is the nested stack's, not its ARN
    assert resolver.value({"Ref": "AWS::StackName"}) == "app-OrdersWorkflow-1A2B"
    assert resolver.value({"Fn::Sub": "${AWS::StackName}/${OrdersHours}"}) == (
        "app-OrdersWorkflow-1A2B/48"
    )


class FakeCloudFormation:
    def __init__(self, parameters: list[dict]) -> None:
        self.parameters = parameters
        self.described: list[str] = []

    def describe_stacks(self, StackName: str) -> dict:
        self.described.append(StackName)
        return {"Stacks": [{"StackName": StackName, "Parameters": self.parameters}]}


def test_a_nested_stacks_parameters_are_read_once_from_that_stack(monkeypatch):
    # GIVEN a nested stack whose parameters include an empty one (described with no value)
    nested = "arn:aws:cloudformation:us-east-1:000000000000:stack/app-PayrollWorkflow-9F/1"
    cloudformation = FakeCloudFormation(
        [
            {"ParameterKey": "Stage", "ParameterValue": "local"},
            {"ParameterKey": "DataKey"},
            {"ParameterKey": "Secret", "ParameterValue": "/x", "ResolvedValue": "resolved"},
        ]
    )
    monkeypatch.setattr(stack_sync, "client", lambda service: cloudformation)
    resolver = stack_sync.Resolver(nested, record({}, {}))

    # WHEN its parameters are referenced
    values = [resolver.value({"Ref": name}) for name in ("Stage", "DataKey", "Secret")]

    # THEN they are the nested stack's, described once
    assert values == ["local", "", "resolved"]
    assert cloudformation.described == [nested]


def test_what_cannot_be_evaluated_here_is_left_to_a_deploy():
    resolver = stack_sync.Resolver("s", record({"T": "t-1"}, {"T": "AWS::DynamoDB::Table"}))
    resolver._parameters = {}
    with pytest.raises(stack_sync.Unresolvable):
        resolver.value({"Fn::GetAtt": ["T", "StreamArn"]})
    with pytest.raises(stack_sync.Unresolvable):
        resolver.value({"Ref": "Missing"})
    with pytest.raises(stack_sync.Unresolvable):
        resolver.value({"Fn::Join": ["-", ["a", "b"]]})


def test_a_function_its_condition_left_out_of_the_stage_is_not_updated():
    # GIVEN a layer used by two functions, one of which this stage does not create
    record = SimpleNamespace(physical={"HealthFunction": "stack-HealthFunction-1a2b"})
    updated = []
    # WHEN the layer's functions are updated
    stack_sync._each(updated.append, ("HealthFunction", "StaffOrganisationClaimFunction"), record)
    # THEN only the deployed one is
    assert updated == ["HealthFunction"]


def test_nothing_to_update_when_no_function_is_deployed():
    stack_sync._each(
        lambda name: pytest.fail(name), ("OnlyInAwsFunction",), SimpleNamespace(physical={})
    )
