"""What changed in the working tree -> what the local stack needs (devkit.stack_plan)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from samcli.yamlhelper import yaml_parse

from devkit import stack_plan
from devkit.local_cloud import PROJECT
from devkit.stack_plan import (
    DefinitionError,
    Deploy,
    UpdateCode,
    UpdateLayer,
    UpdateStateMachine,
    plan,
)

# How both applications' root templates start: a parameter and the shared layer.
ROOT_START = """
Transform: AWS::Serverless-2016-10-31
Parameters:
  Hours: {Type: String, Default: "72"}
Resources:
  SharedLayer:
    Type: AWS::Serverless::LayerVersion
    Properties: {ContentUri: shared/}
"""

TEMPLATE = (
    ROOT_START
    + """  GreetFunction:
    Type: AWS::Serverless::Function
    Properties: {CodeUri: ./greet, Handler: greet.app.handler}
  FarewellFunction:
    Type: AWS::Serverless::Function
    Properties: {CodeUri: greet/, Handler: greet.bye.handler}
  ReportFunction:
    Type: AWS::Serverless::Function
    Properties: {CodeUri: report/, Handler: report.app.handler}
  FlowStateMachine:
    Type: AWS::Serverless::StateMachine
    Properties:
      DefinitionUri: statemachine/flow.asl.json
      DefinitionSubstitutions:
        GreetArn: !GetAtt GreetFunction.Arn
        Hours: !Ref Hours
Globals:
  Function:
    Runtime: python3.13
    Layers: [!Ref SharedLayer]
"""
)


@pytest.fixture
def app(tmp_path: Path) -> Path:
    """A small application: two folders of functions, a layer, a state machine."""
    (tmp_path / "template.yaml").write_text(TEMPLATE)
    for folder, files in {
        "greet/greet": {"__init__.py": "", "app.py": "def handler(e, c):\n    return 'hi'\n"},
        "greet": {"requirements.txt": "requests==2.34.2\n"},
        "report/report": {"__init__.py": "", "app.py": "def handler(e, c):\n    return 1\n"},
        "shared/shared": {"__init__.py": "NAME = 'shared'\n"},
        "shared": {"requirements.txt": "pydantic==2.13.5\n"},
        "statemachine": {
            "flow.asl.json": '{"StartAt": "A", "States": {"A": {"Type": "Pass", '
            '"Result": "${Hours}", "End": true}}}'
        },
    }.items():
        (tmp_path / folder).mkdir(parents=True, exist_ok=True)
        for name, text in files.items():
            (tmp_path / folder / name).write_text(text)
    return tmp_path


def sources(app: Path) -> stack_plan.Sources:
    return stack_plan.sources_of(yaml_parse((app / "template.yaml").read_text()))


def fingerprint(app: Path, settings: dict | None = None) -> stack_plan.Fingerprint:
    inputs = stack_plan.deploy_inputs_hash([app / "template.yaml"], settings or {})
    return stack_plan.fingerprint(app, sources(app), inputs)


def test_sources_say_where_each_function_layer_and_definition_lives(app):
    # WHEN the template is read
    found = sources(app)

    # THEN code folders are normalised, Globals' layers apply, substitutions keep their intrinsic
    assert found.functions == {
        "GreetFunction": "greet/",
        "FarewellFunction": "greet/",
        "ReportFunction": "report/",
    }
    assert found.function_layers["ReportFunction"] == ["SharedLayer"]
    assert found.layers == {"SharedLayer": "shared/"}
    assert found.folders() == ["greet/", "report/", "shared/"]
    machine = found.state_machines["FlowStateMachine"]
    assert machine.definition_uri == "statemachine/flow.asl.json"
    assert machine.substitutions["GreetArn"] == {"Fn::GetAtt": ["GreetFunction", "Arn"]}
    assert stack_plan.Sources.from_json(json.loads(json.dumps(found.to_json()))) == found


NESTED_ROOT = (
    ROOT_START
    + """  HealthFunction:
    Type: AWS::Serverless::Function
    Properties: {CodeUri: health/, Handler: app.handler, Layers: [!Ref SharedLayer]}
  OrdersWorkflow:
    Type: AWS::Serverless::Application
    Properties:
      Location: workflows/orders/template.yaml
      Parameters: {Layer: !Ref SharedLayer, OrdersHours: !Ref Hours}
  CatalogueApp:
    Type: AWS::Serverless::Application
    Properties:
      Location:
        ApplicationId: arn:aws:serverlessrepo:us-east-1:000000000000:applications/catalogue
        SemanticVersion: 1.0.0
"""
)

NESTED_ORDERS = """
Transform: AWS::Serverless-2016-10-31
Parameters:
  Layer: {Type: String}
  OrdersHours: {Type: String}
Globals:
  Function:
    Layers: [!Ref Layer]
Resources:
  OrdersTakeFunction:
    Type: AWS::Serverless::Function
    Properties: {CodeUri: ../../orders/, Handler: orders.take.handler}
  OrdersStateMachine:
    Type: AWS::Serverless::StateMachine
    Properties:
      DefinitionUri: ../../statemachine/orders.asl.json
      DefinitionSubstitutions:
        TakeArn: !GetAtt OrdersTakeFunction.Arn
        Hours: !Ref OrdersHours
  OrdersAuditApp:
    Type: AWS::Serverless::Application
    Properties: {Location: audit/template.yaml, Parameters: {AuditLayer: !Ref Layer}}
"""

NESTED_AUDIT = """
Transform: AWS::Serverless-2016-10-31
Parameters:
  AuditLayer: {Type: String}
Resources:
  OrdersAuditFunction:
    Type: AWS::Serverless::Function
    Properties: {CodeUri: ./code, Handler: app.handler, Layers: [!Ref AuditLayer]}
"""


@pytest.fixture
def split_app(tmp_path: Path) -> Path:
    """An application split per workflow: a root template composing a nested application, which
    composes one of its own."""
    for relative, text in {
        "template.yaml": NESTED_ROOT,
        "workflows/orders/template.yaml": NESTED_ORDERS,
        "workflows/orders/audit/template.yaml": NESTED_AUDIT,
        "workflows/orders/audit/code/app.py": "def handler(e, c):\n    return 1\n",
        "orders/orders/take.py": "def handler(e, c):\n    return 1\n",
        "health/app.py": "def handler(e, c):\n    return 1\n",
        "shared/shared/__init__.py": "",
        "statemachine/orders.asl.json": '{"StartAt": "A", "States": {"A": {"Type": "Succeed"}}}',
    }.items():
        (tmp_path / relative).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / relative).write_text(text)
    return tmp_path


def split_fingerprint(app: Path, found: stack_plan.Sources) -> stack_plan.Fingerprint:
    files = [app / "template.yaml", *(app / template for template in found.templates)]
    return stack_plan.fingerprint(app, found, stack_plan.deploy_inputs_hash(files, {}))


def test_nested_applications_sources_are_read_from_their_own_folders(split_app):
    # WHEN an application split into nested ones is read
    found = stack_plan.read_sources(split_app / "template.yaml", yaml_parse)

    # THEN every template's paths are relative to the project, whatever folder the template is in
    assert found.functions == {
        "HealthFunction": "health/",
        "OrdersTakeFunction": "orders/",
        "OrdersAuditFunction": "workflows/orders/audit/code/",
    }
    assert found.layers == {"SharedLayer": "shared/"}
    machine = found.state_machines["OrdersStateMachine"]
    assert machine.definition_uri == "statemachine/orders.asl.json"
    assert machine.substitutions == {
        "TakeArn": {"Fn::GetAtt": ["OrdersTakeFunction", "Arn"]},
        "Hours": {"Ref": "OrdersHours"},
    }
    # AND a layer passed down as a parameter is the root's layer, at any depth
    assert found.functions_using("SharedLayer") == [
        "HealthFunction",
        "OrdersAuditFunction",
        "OrdersTakeFunction",
    ]
    # AND each nested resource knows its stack, and where sam build puts it
    assert found.templates == [
        "workflows/orders/template.yaml",
        "workflows/orders/audit/template.yaml",
    ]
    assert found.stack_of("OrdersStateMachine") == "OrdersWorkflow"
    assert found.stack_of("OrdersAuditFunction") == "OrdersAuditApp"
    assert found.stack_of("HealthFunction") is None
    assert (
        found.build_path("OrdersAuditFunction")
        == "OrdersWorkflow/OrdersAuditApp/OrdersAuditFunction"
    )
    assert found.build_path("SharedLayer") == "SharedLayer"
    assert stack_plan.Sources.from_json(json.loads(json.dumps(found.to_json()))) == found


def test_a_nested_templates_change_deploys_and_its_code_is_hot(split_app):
    # GIVEN a deployed split application
    found = stack_plan.read_sources(split_app / "template.yaml", yaml_parse)
    deployed = split_fingerprint(split_app, found)

    # WHEN a nested function's code changes THEN only it gets new code
    (split_app / "orders" / "orders" / "take.py").write_text("X = 2\n")
    assert plan(deployed, found, split_fingerprint(split_app, found)) == [
        UpdateCode("orders/", ("OrdersTakeFunction",))
    ]

    # WHEN a template two levels down changes THEN a real deploy
    audit = split_app / "workflows" / "orders" / "audit" / "template.yaml"
    audit.write_text(NESTED_AUDIT.replace("app.handler", "app.main"))
    assert [type(a) for a in plan(deployed, found, split_fingerprint(split_app, found))] == [Deploy]


def test_the_projects_own_templates_name_every_workflow():
    # WHEN the project's template and the nested templates it composes are read
    found = stack_plan.read_sources(PROJECT / "template.yaml", yaml_parse)

    # THEN every function is found with the CommonLayer, and every state machine's ASL file
    assert found.functions["HealthFunction"] == "functions/health/"
    assert found.functions["PayrollStartFunction"] == "functions/payroll/"
    assert found.functions["CommsScheduleFunction"] == "functions/comms/"
    assert all(layers == ["CommonLayer"] for layers in found.function_layers.values())
    assert found.layers == {"CommonLayer": "functions/common/"}
    workflows = ("payroll", "prescreening", "approval", "comms", "reports", "imports")
    assert {m.definition_uri for m in found.state_machines.values()} == {
        f"statemachine/{name}.asl.json" for name in workflows
    }
    assert sorted(found.templates) == sorted(
        f"functions/{name}/template.yaml" for name in workflows
    )
    # AND each state machine is in its workflow's nested stack
    assert all(found.stack_of(name) for name in found.state_machines)
    for folder in found.folders():
        assert (PROJECT / folder).is_dir()


def test_nothing_changed_means_nothing_to_do(app):
    assert plan(fingerprint(app), sources(app), fingerprint(app)) == []


def test_nothing_recorded_means_a_deploy(app):
    assert plan(None, None, fingerprint(app)) == [
        Deploy("nothing deployed from this working tree yet")
    ]


def test_a_function_folders_code_changed_updates_its_functions_only(app):
    # GIVEN a deployed application
    deployed = fingerprint(app)

    # WHEN a module of one folder changes
    (app / "greet" / "greet" / "app.py").write_text("def handler(e, c):\n    return 'hello'\n")

    # THEN both functions built from that folder get new code, nothing else
    assert plan(deployed, sources(app), fingerprint(app)) == [
        UpdateCode("greet/", ("FarewellFunction", "GreetFunction"))
    ]


def test_a_new_file_in_a_folder_is_a_code_change(app):
    deployed = fingerprint(app)
    (app / "report" / "report" / "extra.py").write_text("X = 1\n")
    assert plan(deployed, sources(app), fingerprint(app)) == [
        UpdateCode("report/", ("ReportFunction",))
    ]


def test_interpreter_caches_and_editor_files_are_not_changes(app):
    deployed = fingerprint(app)
    (app / "greet" / "greet" / "__pycache__").mkdir()
    (app / "greet" / "greet" / "__pycache__" / "app.cpython-313.pyc").write_bytes(b"\0")
    (app / "greet" / "greet" / ".app.py.swp").write_bytes(b"\0")
    (app / "greet" / "greet" / "app.py~").write_text("old")
    assert plan(deployed, sources(app), fingerprint(app)) == []


def test_the_layers_code_changed_updates_the_layer_for_every_function_using_it(app):
    deployed = fingerprint(app)
    (app / "shared" / "shared" / "__init__.py").write_text("NAME = 'changed'\n")
    assert plan(deployed, sources(app), fingerprint(app)) == [
        UpdateLayer(
            "shared/", "SharedLayer", ("FarewellFunction", "GreetFunction", "ReportFunction")
        )
    ]


def test_an_asl_change_updates_that_state_machine(app):
    deployed = fingerprint(app)
    path = app / "statemachine" / "flow.asl.json"
    path.write_text(path.read_text().replace('"A"', '"Greet"'))
    assert plan(deployed, sources(app), fingerprint(app)) == [
        UpdateStateMachine("FlowStateMachine", "statemachine/flow.asl.json")
    ]


def test_code_and_asl_changed_together_do_both(app):
    deployed = fingerprint(app)
    (app / "report" / "report" / "app.py").write_text("def handler(e, c):\n    return 2\n")
    path = app / "statemachine" / "flow.asl.json"
    path.write_text(path.read_text().replace("Pass", "Pass", 1) + "\n")
    assert plan(deployed, sources(app), fingerprint(app)) == [
        UpdateCode("report/", ("ReportFunction",)),
        UpdateStateMachine("FlowStateMachine", "statemachine/flow.asl.json"),
    ]


@pytest.mark.parametrize("requirements", ["greet/requirements.txt", "shared/requirements.txt"])
def test_a_requirements_change_deploys(app, requirements):
    # GIVEN a deployed application WHEN a folder's pins change (sam build installs them)
    deployed = fingerprint(app)
    (app / requirements).write_text("requests==2.34.3\n")

    # THEN a real deploy, whatever else changed
    (app / "report" / "report" / "app.py").write_text("X = 2\n")
    assert plan(deployed, sources(app), fingerprint(app)) == [
        Deploy(f"{Path(requirements).parent}/requirements.txt changed")
    ]


def test_a_template_change_deploys(app):
    deployed = fingerprint(app)
    (app / "template.yaml").write_text(TEMPLATE.replace('Default: "72"', 'Default: "24"'))
    (app / "report" / "report" / "app.py").write_text("X = 2\n")
    assert plan(deployed, sources(app), fingerprint(app)) == [
        Deploy("a template, samconfig.toml or the deploy's parameters changed")
    ]


def test_other_deploy_parameters_deploy(app):
    deployed = fingerprint(app, {"LocalCloudUrl": "http://127.0.0.1:4566"})
    now = fingerprint(app, {"LocalCloudUrl": "http://127.0.0.1:4570"})
    assert [type(action) for action in plan(deployed, sources(app), now)] == [Deploy]


def test_a_removed_folder_deploys(app):
    deployed = fingerprint(app)
    shutil.rmtree(app / "report")
    assert [type(action) for action in plan(deployed, sources(app), fingerprint(app))] == [Deploy]


def test_substitutions_fill_the_definition_as_cloudformation_does():
    definition = '{"A": "${GreetArn}", "B": "${GreetArn}", "C": "$.path", "D": "${Hours}"}'
    filled = stack_plan.substitute(definition, {"GreetArn": "arn:x", "Hours": "72"}, "flow")
    assert json.loads(filled) == {"A": "arn:x", "B": "arn:x", "C": "$.path", "D": "72"}


def test_a_placeholder_without_a_substitution_is_named():
    with pytest.raises(DefinitionError, match=r"flow.asl.json uses \$\{NewArn\}"):
        stack_plan.substitute('{"A": "${NewArn}"}', {"GreetArn": "arn:x"}, "flow.asl.json")


def test_a_definition_that_is_not_json_is_named():
    with pytest.raises(DefinitionError, match=r"flow\.asl\.json is not valid JSON"):
        stack_plan.substitute('{"A": ', {}, "flow.asl.json")
