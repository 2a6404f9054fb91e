"""One place for each thing in the templates: a route is declared in its workflow's routes file
(functions/<workflow>/routes.yaml) and the root template's API, permissions and authorizer roles
follow from it (scripts/devkit/routes.py); the README's route table agrees with the files; what SAM
cannot share between templates (Globals, the shared parameters' declarations) reads the same in
each; and the root declares only the parameters it uses, shares or a stage overrides."""

from __future__ import annotations

import json
import re
import tomllib

import pytest

from devkit import deploy_record, routes
from devkit.local_cloud import PROJECT
from support.template import read_template, template_paths

SOURCE = PROJECT / "template.yaml"
ROOT = read_template(SOURCE)
APPLICATIONS = {
    name: resource["Properties"]
    for name, resource in ROOT["Resources"].items()
    if resource["Type"] == "AWS::Serverless::Application"
}
NESTED = {
    properties["Location"].rsplit("/", 1)[0]: read_template(PROJECT / properties["Location"])
    for properties in APPLICATIONS.values()
}
ROUTES = routes.read_routes(PROJECT)


# --- the renderer, on an application of its own ----------------------------------------------

ORDERS_TEMPLATE = """\
Transform: AWS::Serverless-2016-10-31
Parameters:
  SubmissionThrottleRateLimit: {Type: Number, Default: 1}
  SubmissionThrottleBurstLimit: {Type: Number, Default: 2}
Conditions:
  HasTestDoubles: !Equals [a, a]
Resources:
  Api:
    Type: AWS::Serverless::Api
    Properties:
      StageName: test
      Auth:
        Authorizers:
          StaffAuthorizer: {FunctionArn: !GetAtt StaffAuthorizerFunction.Arn}
      MethodSettings:
        - {ResourcePath: "/*", HttpMethod: "*"}
        # routes: throttling
      DefinitionBody:
        swagger: "2.0"
        paths:
          # routes: paths
  StaffAuthorizerFunction:
    Type: AWS::Serverless::Function
    Properties:
      Environment:
        Variables:
          POWERTOOLS_SERVICE_NAME: authorizer
          # routes: roles
  OrdersWorkflow:
    Type: AWS::Serverless::Application
    Properties: {Location: functions/orders/template.yaml}
  # routes: permissions
"""
ORDERS_ROUTES = """\
- {method: POST, path: /orders, function: OrdersApiFunction, permission: Place,
   access: public, throttling: submission}
- {method: GET, path: "/orders/{id}/lines", function: OrdersApiFunction, permission: Lines,
   access: staff, roles: [clerk, auditor]}
- {method: POST, path: /sandbox/pay, function: OrdersPaymentsDoubleFunction, permission: Pay,
   access: public, condition: HasTestDoubles}
"""


@pytest.fixture
def orders_app(tmp_path):
    (tmp_path / "template.yaml").write_text(ORDERS_TEMPLATE)
    (tmp_path / "functions" / "orders").mkdir(parents=True)
    (tmp_path / "functions" / "orders" / "routes.yaml").write_text(ORDERS_ROUTES)
    return tmp_path


def render(app) -> dict:
    return read_template(routes.rendered(app / "template.yaml"))


def test_a_routes_file_becomes_the_apis_paths_permissions_roles_and_throttling(orders_app):
    # GIVEN a workflow's routes file WHEN the template is rendered
    resources = render(orders_app)["Resources"]
    api = resources["Api"]["Properties"]
    # THEN the staff route is behind the authorizer and the public one is open
    paths = api["DefinitionBody"]["paths"]
    assert paths["/orders/{id}/lines"]["get"]["security"] == [{"StaffAuthorizer": []}]
    assert "security" not in paths["/orders"]["post"]
    uri = paths["/orders"]["post"]["x-amazon-apigateway-integration"]["uri"]["Fn::Sub"]
    assert uri.endswith(":function:${AWS::StackName}-OrdersApi/invocations")
    # AND each route may invoke its function, that route only, under its permission's name
    lines = resources["OrdersApiFunctionLinesPermission"]["Properties"]
    assert lines["FunctionName"] == "OrdersWorkflow.Outputs.OrdersApiFunction"
    assert lines["SourceArn"].endswith(":${Api}/*/GET/orders/*/lines")
    # AND the authorizer opens the staff route to its roles only
    variables = resources["StaffAuthorizerFunction"]["Properties"]["Environment"]["Variables"]
    assert json.loads(variables["AUTHORIZER_ROUTE_ROLES"]) == {
        "GET /orders/*/lines": ["clerk", "auditor"]
    }
    # AND the submission is throttled as its class says
    assert api["MethodSettings"][1] == {
        "ResourcePath": "/~1orders",
        "HttpMethod": "POST",
        "ThrottlingRateLimit": "SubmissionThrottleRateLimit",
        "ThrottlingBurstLimit": "SubmissionThrottleBurstLimit",
    }
    # AND a test double's route and permission exist only under its condition
    assert paths["/sandbox/pay"]["post"]["Fn::If"][0] == "HasTestDoubles"
    assert resources["OrdersPaymentsDoubleFunctionPayPermission"]["Condition"] == "HasTestDoubles"


def test_a_route_removed_from_its_file_is_gone_from_the_api_and_the_authorizer(orders_app):
    routes_file = orders_app / "functions" / "orders" / "routes.yaml"
    routes_file.write_text("".join(ORDERS_ROUTES.splitlines(True)[:2]))
    resources = render(orders_app)["Resources"]
    assert "/orders/{id}/lines" not in resources["Api"]["Properties"]["DefinitionBody"]["paths"]
    assert "OrdersApiFunctionLinesPermission" not in resources
    variables = resources["StaffAuthorizerFunction"]["Properties"]["Environment"]["Variables"]
    assert json.loads(variables["AUTHORIZER_ROUTE_ROLES"]) == {}


@pytest.mark.parametrize(
    ("route", "complaint"),
    [
        (
            '{method: GET, path: "/orders/{id}/lines", function: OrdersApiFunction,'
            " permission: Again, access: public}",
            "GET /orders/{id}/lines is declared in",
        ),
        (
            "{method: GET, path: /x, function: OrdersApiFunction, permission: X, access: staff}",
            "access is public (no roles) or staff (with roles",
        ),
        (
            "{method: GET, path: /x, function: OrdersApiFunction, permission: X, access: public,"
            " throttling: gentle}",
            "throttling is one of default, submission",
        ),
        (
            "{method: GET, path: /x, function: OrdersApiFunction, access: public}",
            "a route has method, path, function, permission, access",
        ),
    ],
)
def test_a_route_that_cannot_be_rendered_is_refused_naming_its_file(orders_app, route, complaint):
    routes_file = orders_app / "functions" / "orders" / "routes.yaml"
    routes_file.write_text(ORDERS_ROUTES + f"- {route}\n")
    with pytest.raises(routes.RouteError, match=re.escape(complaint)) as refused:
        routes.rendered(orders_app / "template.yaml")
    assert str(refused.value).startswith("functions/orders/routes.yaml, route 4: ")


def test_editing_a_routes_file_makes_the_local_stack_deploy_again(orders_app):
    # GIVEN what make watch / make invoke hash to decide whether to deploy
    template = orders_app / "template.yaml"
    before = deploy_record.deploy_inputs(template, "orders", {}, [])
    # WHEN a route is removed from its file THEN the stack no longer matches: a deploy follows
    routes_file = orders_app / "functions" / "orders" / "routes.yaml"
    routes_file.write_text("".join(ORDERS_ROUTES.splitlines(True)[:2]))
    assert deploy_record.deploy_inputs(template, "orders", {}, []) != before


def test_an_application_without_routes_files_is_built_as_it_is(tmp_path):
    (tmp_path / "template.yaml").write_text(ORDERS_TEMPLATE)
    assert routes.rendered(tmp_path / "template.yaml") == tmp_path / "template.yaml"


# --- the project's routes --------------------------------------------------------------------


def test_a_template_without_a_place_for_each_part_is_refused(orders_app):
    template = orders_app / "template.yaml"
    template.write_text(ORDERS_TEMPLATE.replace("  # routes: permissions\n", ""))
    with pytest.raises(routes.RouteError, match=r"it has throttling, paths, roles$"):
        routes.rendered(template)


def test_template_yaml_declares_no_route_itself():
    api = ROOT["Resources"]["Api"]["Properties"]
    assert api["DefinitionBody"]["paths"] is None
    assert not [
        r
        for r in ROOT["Resources"].values()
        if r["Type"] == "AWS::Lambda::Permission"
        and r["Properties"]["Principal"] == "apigateway.amazonaws.com"
    ]


@pytest.mark.parametrize("route", ROUTES, ids=lambda route: route.key)
def test_every_route_names_a_function_of_its_workflow_by_its_fixed_name(route):
    where = f"{route.folder}/routes.yaml ({route.method} {route.path})"
    if route.folder not in NESTED:  # the root's own function
        assert route.function in ROOT["Resources"], f"{where}: no {route.function} in template.yaml"
        return
    template = NESTED[route.folder]
    name = route.function.removesuffix("Function")
    fix = (
        f"{where} names {route.function}: {route.folder}/template.yaml must declare it with "
        f'FunctionName: !Sub "${{StackName}}-{name}" and an output {route.function} (its !Ref)'
    )
    resource = template["Resources"].get(route.function, {})
    assert resource.get("Properties", {}).get("FunctionName") == f"${{StackName}}-{name}", fix
    assert template["Outputs"].get(route.function, {}).get("Value") == route.function, fix


def _readme_route_rows() -> dict[str, tuple[int, str]]:
    """Route -> (line number, row) of the README's route table."""
    rows = {}
    for number, line in enumerate((PROJECT / "README.md").read_text().splitlines(), start=1):
        found = re.match(r"\| `((?:GET|POST|PUT|PATCH|DELETE) /[^`]*)` \|", line)
        if found:
            rows[found.group(1)] = (number, line)
    return rows


def readme_row(route: routes.Route) -> str:
    who = f"staff: {', '.join(route.roles)}" if route.roles else "public"
    deployed = f"if {route.condition}" if route.condition else "always"
    workflow = route.folder.removeprefix("functions/")
    return (
        f"| `{route.method} {route.path}` | {workflow} | {who} | {route.throttling} | {deployed} |"
    )


@pytest.mark.parametrize("route", ROUTES, ids=lambda route: route.key)
def test_the_readme_route_table_has_each_route_as_its_routes_file_says(route):
    rows = _readme_route_rows()
    expected = readme_row(route)
    key = f"{route.method} {route.path}"
    assert key in rows, f"README.md, route table (Who may call what): add the row {expected}"
    number, row = rows[key]
    assert row == expected, f"README.md line {number} should read: {expected}"


def test_the_readme_route_table_has_no_route_the_routes_files_do_not_declare():
    declared = {f"{route.method} {route.path}" for route in ROUTES}
    for key, (number, _) in _readme_route_rows().items():
        assert key in declared, f"README.md line {number}: no routes file declares {key}; remove it"


# --- what SAM cannot share between templates -------------------------------------------------


def _function_globals(text: str) -> str:
    """The lines of a template's Globals: Function: block, as written (comments too)."""
    block = re.search(
        r"^Globals:\n(?:  (?!Function:).*\n|\n)*(  Function:\n(?:    .*\n|\n)*)", text, re.M
    )
    return block.group(1).rstrip() if block else ""


@pytest.mark.parametrize("folder", sorted(NESTED))
def test_every_nested_template_has_the_roots_function_globals_word_for_word(folder):
    assert _function_globals(SOURCE.read_text()), "template.yaml: no Globals: Function: block"
    assert _function_globals((PROJECT / folder / "template.yaml").read_text()) == (
        _function_globals(SOURCE.read_text())
    ), f"{folder}/template.yaml: its Globals: Function: must be template.yaml's, copied as is"


@pytest.mark.parametrize("application", sorted(APPLICATIONS))
def test_a_parameter_the_root_passes_down_is_declared_as_the_root_declares_it(application):
    location = APPLICATIONS[application]["Location"]
    declared = NESTED[location.rsplit("/", 1)[0]]["Parameters"]
    for name in APPLICATIONS[application].get("Parameters", {}):
        if name in ROOT["Parameters"]:
            assert declared[name] == ROOT["Parameters"][name], (
                f"{location}: parameter {name} must read as template.yaml's declaration"
            )


def _stage_overrides() -> set[str]:
    config = tomllib.loads((PROJECT / "samconfig.toml").read_text())
    overrides = set()
    for environment in config.values():
        if isinstance(environment, dict):
            text = environment.get("deploy", {}).get("parameters", {}).get("parameter_overrides")
            overrides |= set(re.findall(r"(\w+)=", text or ""))
    return overrides


@pytest.mark.parametrize("name", sorted(ROOT["Parameters"]))
def test_the_root_declares_a_parameter_only_if_it_uses_shares_or_a_stage_overrides_it(name):
    built = read_template(template_paths()[0])  # the routes' throttling uses parameters too
    own = {
        section: value
        for section, value in built.items()
        if section in ("Conditions", "Rules", "Globals", "Outputs")
    }
    own["Resources"] = {n: r for n, r in built["Resources"].items() if n not in APPLICATIONS}
    used = re.search(rf"\b{name}\b", json.dumps(own))
    shared = sum(name in app.get("Parameters", {}) for app in APPLICATIONS.values()) > 1
    assert used or shared or name in _stage_overrides(), (
        f"template.yaml: {name} serves one workflow: declare it (with its default) only in that "
        "workflow's template and stop passing it"
    )
