"""The root template and the workflows' nested templates fit together: each nested template
stands on its own with the parameters the root passes, every route of the one API reaches its
function, and the root's outputs come from outputs the nested templates declare."""

from __future__ import annotations

import re

import pytest

from support.template import read_template, template_paths

ROOT = read_template(template_paths()[0])
APPLICATIONS = {
    name: resource
    for name, resource in ROOT["Resources"].items()
    if resource["Type"] == "AWS::Serverless::Application"
}
NESTED = {
    name: read_template(template_paths()[0].parent / app["Properties"]["Location"])
    for name, app in APPLICATIONS.items()
}
API = ROOT["Resources"]["Api"]["Properties"]


def test_every_workflow_is_a_nested_application():
    folders = {app["Properties"]["Location"].split("/")[1] for app in APPLICATIONS.values()}
    assert folders == {"payroll", "prescreening", "approval", "comms", "reports", "imports"}


@pytest.mark.parametrize("application", sorted(APPLICATIONS))
def test_the_root_passes_each_nested_template_exactly_its_parameters(application):
    declared = NESTED[application]["Parameters"]
    passed = APPLICATIONS[application]["Properties"]["Parameters"]
    assert set(passed) <= set(declared)
    required = {name for name, spec in declared.items() if "Default" not in spec}
    assert required <= set(passed)


def routes() -> list[tuple[str, str, str]]:
    """(path, method, integration uri) of every route in the API's body."""
    found = []
    for path, methods in API["DefinitionBody"]["paths"].items():
        for method, operation in methods.items():
            if "Fn::If" in operation:
                operation = operation["Fn::If"][1]
            uri = operation["x-amazon-apigateway-integration"]["uri"]["Fn::Sub"]
            found.append((path, method, uri))
    return found


def permissions() -> dict[str, set[str]]:
    """Function (as the root names it) -> the execute-api ARNs that may invoke it."""
    allowed: dict[str, set[str]] = {}
    for resource in ROOT["Resources"].values():
        properties = resource.get("Properties", {})
        # (the staff user pool's own trigger permission is not a route's)
        if (
            resource["Type"] == "AWS::Lambda::Permission"
            and properties["Principal"] == "apigateway.amazonaws.com"
        ):
            allowed.setdefault(properties["FunctionName"], set()).add(properties["SourceArn"])
    return allowed


def test_one_api_serves_every_workflow_route():
    served = {(path, method) for path, method, _ in routes()}
    one_per_workflow = {("/applications", "post"), ("/calculations", "post"), ("/reports", "post")}
    one_per_workflow |= {("/communications", "post"), ("/health", "get")}
    assert one_per_workflow <= served


@pytest.mark.parametrize(("path", "method", "uri"), routes())
def test_every_route_reaches_its_function_and_only_that_route_may_invoke_it(path, method, uri):
    named = re.search(r":function:\$\{AWS::StackName\}-(\w+)/invocations", uri)
    if named:  # a workflow's function, by the name its nested template gives it
        function = f"{named.group(1)}Function"
        (application,) = [a for a, t in NESTED.items() if function in t["Resources"]]
        properties = NESTED[application]["Resources"][function]["Properties"]
        assert properties["FunctionName"] == f"${{StackName}}-{named.group(1)}"
        assert NESTED[application]["Outputs"][function]["Value"] == function
        named = f"{application}.Outputs.{function}"
    else:  # the root's own function
        function = re.search(r"\$\{(\w+)\.Arn\}", uri).group(1)
        assert function in ROOT["Resources"]
        named = function
    route = re.sub(r"\{[^}]+\}", "*", path)
    expected = (
        "arn:${AWS::Partition}:execute-api:${AWS::Region}:${AWS::AccountId}:${Api}/*/"
        f"{method.upper()}{route}"
    )
    assert expected in permissions()[named]


@pytest.mark.parametrize("name", sorted(ROOT["Outputs"]))
def test_root_outputs_keep_their_names_and_come_from_the_workflows_outputs(name):
    value = ROOT["Outputs"][name]["Value"]
    if isinstance(value, str) and ".Outputs." in value:
        application, _, output = value.partition(".Outputs.")
        assert output == name
        assert name in NESTED[application]["Outputs"]


def test_a_fixed_function_name_fits_lambda_s_64_characters_under_any_allowed_stack_name():
    # GIVEN every nested template caps the stack name it is given
    for application, template in NESTED.items():
        limit = template["Parameters"]["StackName"]["MaxLength"]
        # WHEN a function is named after it THEN the longest allowed name still fits
        for resource in template["Resources"].values():
            name = resource.get("Properties", {}).get("FunctionName")
            if isinstance(name, str) and name.startswith("${StackName}-"):
                assert limit + len(name.removeprefix("${StackName}")) <= 64, (application, name)


def test_every_configured_stack_name_is_within_the_cap():
    import tomllib

    from devkit.local_cloud import PROJECT

    config = tomllib.loads((PROJECT / "samconfig.toml").read_text())
    names = [
        section["parameters"]["stack_name"]
        for env in config.values()
        if isinstance(env, dict)
        for section in env.values()
        if "stack_name" in section.get("parameters", {})
    ]
    limit = min(t["Parameters"]["StackName"]["MaxLength"] for t in NESTED.values())
    assert names and all(len(name) <= limit for name in names)
