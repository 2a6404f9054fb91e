"""The API's routes, each declared once in its workflow's functions/<workflow>/routes.yaml, made
into the parts of the root template that follow from them.

    devkit routes        # writes the rendered template and prints its path

A route names its method, path, function, permission, access and throttling (CONTRIBUTING.md,
"A route"). From every routes file this fills in template.yaml's Api: its paths (staff ones
behind the authorizer), one AWS::Lambda::Permission per route scoped to its method and path,
the authorizer's AUTHORIZER_ROUTE_ROLES, and the throttling of the routes not in the default
class. The result is written beside template.yaml (git-ignored), so its relative paths still
hold, and everything that builds, deploys, lints or tests the stack reads that file.
"""

from __future__ import annotations

import json
import os
import posixpath
import re
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from devkit import PROJECT

ROUTES_FILES = "functions/*/routes.yaml"
RENDERED = ".template.rendered.yaml"
API = "Api"
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
# Throttling class -> the root's (rate, burst) parameters; "default" is the whole stage's.
THROTTLING = {
    "default": None,
    "submission": ("SubmissionThrottleRateLimit", "SubmissionThrottleBurstLimit"),
}
# What a route says (CONTRIBUTING.md, "A route").
REQUIRED = ("method", "path", "function", "permission", "access")
OPTIONAL = ("roles", "throttling", "condition")
HEADER = (
    "# Rendered by scripts/devkit/routes.py from template.yaml and functions/*/routes.yaml;\n"
    "# edit them, not this file.\n"
)
# Where template.yaml takes each part the routes make: a line "# routes: <part>", replaced by
# the part at its indentation.
MARKER = re.compile(r"^( *)# routes: (\w+)\b.*\n", re.M)
# The ARNs a route needs, as !Sub text.
FUNCTION_ARN = "arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:function:"
INVOKE_URI = "arn:${AWS::Partition}:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/"
EXECUTE_ARN = "arn:${AWS::Partition}:execute-api:${AWS::Region}:${AWS::AccountId}:${" + API + "}/*/"


class RouteError(ValueError):
    """A routes file that cannot be rendered as it stands (the message names the file)."""


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    function: str  # its logical id, in the nested template of the routes file's folder or the root
    permission: str  # its AWS::Lambda::Permission is <function><permission>Permission
    roles: tuple[str, ...]  # who may call it; none: a public route
    throttling: str
    condition: str | None
    folder: str  # the routes file's folder, relative to the project

    @property
    def key(self) -> str:
        """The route as the authorizer and the permission's ARN name it: POST /reviews/*."""
        return f"{self.method} {re.sub(r'\{[^}]+\}', '*', self.path)}"

    @property
    def permission_id(self) -> str:
        return f"{self.function}{self.permission}Permission"


def parse_route(entry: dict, folder: str, where: str) -> Route:
    """One entry of a routes file, checked field by field."""
    if not isinstance(entry, dict) or not {*REQUIRED} <= set(entry) <= {*REQUIRED, *OPTIONAL}:
        fields = f"{', '.join(REQUIRED)} ({', '.join(OPTIONAL)}: optional)"
        raise RouteError(f"{where}: a route has {fields}")
    method, access, roles = str(entry["method"]).upper(), entry["access"], entry.get("roles", [])
    if method not in METHODS:
        raise RouteError(f"{where}: method is one of {', '.join(METHODS)}")
    if not str(entry["path"]).startswith("/"):
        raise RouteError(f"{where}: a path starts with /")
    if (access, bool(roles)) not in (("public", False), ("staff", True)):
        raise RouteError(f"{where}: access is public (no roles) or staff (with roles: [...])")
    throttling = entry.get("throttling", "default")
    if throttling not in THROTTLING:
        raise RouteError(f"{where}: throttling is one of {', '.join(THROTTLING)}")
    return Route(
        method,
        entry["path"],
        entry["function"],
        entry["permission"],
        tuple(roles),
        throttling,
        entry.get("condition"),
        folder,
    )


def routes_files(project: Path) -> list[Path]:
    return sorted(project.glob(ROUTES_FILES))


def read_routes(project: Path) -> list[Route]:
    """Every route of every routes file under project. A method and path, or a permission,
    declared twice is an error naming both places."""
    import yaml  # here: make invoke's check lists the routes files, it never reads them

    routes, declared = [], {}
    for path in routes_files(project):
        relative = path.relative_to(project).as_posix()
        for number, entry in enumerate(yaml.safe_load(path.read_text()) or [], start=1):
            where = f"{relative}, route {number}"
            route = parse_route(entry, posixpath.dirname(relative), where)
            for key in (f"{route.method} {route.path}", route.permission_id):
                if key in declared:
                    raise RouteError(f"{where}: {key} is declared in {declared[key]} already")
                declared[key] = where
            routes.append(route)
    return routes


def render(text: str, routes: list[Route]) -> str:
    """template.yaml's text with each "# routes: <part>" line replaced by that part."""
    from samcli.yamlhelper import yaml_parse  # SAM's own reader: short-form tags as intrinsics

    resources = yaml_parse(text)["Resources"]
    ((authorizer, _),) = resources[API]["Properties"]["Auth"]["Authorizers"].items()
    applications = {
        posixpath.dirname(posixpath.normpath(r["Properties"]["Location"])): name
        for name, r in resources.items()
        if r["Type"] == "AWS::Serverless::Application"
    }
    owners = {route: applications.get(route.folder) for route in routes}  # None: the root's
    taken = [route.permission_id for route in routes if route.permission_id in resources]
    if taken:
        raise RouteError(f"template.yaml declares {', '.join(taken)}: leave them to the routes")
    parts = {
        "throttling": "".join(
            _throttling(route) for route in routes if THROTTLING[route.throttling]
        ),
        "paths": _dump(_paths(owners, authorizer)),
        "roles": _dump({"AUTHORIZER_ROUTE_ROLES": json.dumps(_roles(routes))}),
        "permissions": "\n".join(_permission(route, owners[route]) for route in routes),
    }
    marked = [match.group(2) for match in MARKER.finditer(text)]
    if sorted(marked) != sorted(parts):
        raise RouteError(
            f"template.yaml marks where the routes go with one line '# routes: <part>' for each of "
            f"{', '.join(parts)}; it has {', '.join(marked) or 'none'}"
        )
    return MARKER.sub(lambda match: _indented(parts[match.group(2)], match.group(1)), text)


def _paths(owners: dict[Route, str | None], authorizer: str) -> dict:
    """The API's paths, as swagger has them (SAM adds the authorizer's definition)."""
    paths: dict = {}
    for route, application in owners.items():
        if application:  # by the fixed name its nested template gives it: no wait for the stack
            arn = FUNCTION_ARN + "${AWS::StackName}-" + route.function.removesuffix("Function")
        else:
            arn = "${" + route.function + ".Arn}"
        integration = {"type": "aws_proxy", "httpMethod": "POST"}
        operation = {
            "x-amazon-apigateway-integration": integration
            | {"uri": {"Fn::Sub": INVOKE_URI + arn + "/invocations"}},
            "responses": {},
        }
        if route.roles:
            operation["security"] = [{authorizer: []}]
        if route.condition:
            operation = {"Fn::If": [route.condition, operation, {"Ref": "AWS::NoValue"}]}
        paths.setdefault(route.path, {})[route.method.lower()] = operation
    return paths


def _roles(routes: list[Route]) -> dict[str, list[str]]:
    return {route.key: list(route.roles) for route in routes if route.roles}


def _permission(route: Route, application: str | None) -> str:
    """The route's AWS::Lambda::Permission: the API may invoke its function for it alone."""
    method, _, path = route.key.partition(" ")
    function = (
        f"!GetAtt {application}.Outputs.{route.function}"
        if application
        else f"!Ref {route.function}"
    )
    condition = f"  Condition: {route.condition}\n" if route.condition else ""
    return (
        f"{route.permission_id}:\n  Type: AWS::Lambda::Permission\n{condition}  Properties:\n"
        f"    Action: lambda:InvokeFunction\n    FunctionName: {function}\n"
        "    Principal: apigateway.amazonaws.com\n"
        f'    SourceArn: !Sub "{EXECUTE_ARN}{method}{path}"\n'
    )


def _throttling(route: Route) -> str:
    rate, burst = THROTTLING[route.throttling]
    escaped = "/" + route.path.replace("/", "~1")  # API Gateway's resource path
    return (
        f'- ResourcePath: "{escaped}"\n  HttpMethod: {route.method}\n'
        f"  ThrottlingRateLimit: !Ref {rate}\n  ThrottlingBurstLimit: !Ref {burst}\n"
    )


def _dump(data: dict) -> str:
    import yaml

    return yaml.safe_dump(data, sort_keys=False, width=1_000_000)


def _indented(block: str, indent: str) -> str:
    return "".join(indent + line if line.strip() else line for line in block.splitlines(True))


def rendered(template: Path) -> Path:
    """The template to build from: template with its project's routes filled in, written beside
    it; a template whose project has no routes files (a test's application) as it is."""
    routes = read_routes(template.parent)
    if not routes:
        return template
    text = HEADER + render(template.read_text(), routes)
    target = template.with_name(RENDERED)
    if not target.exists() or target.read_text() != text:
        # Written whole then renamed: parallel test workers and builds never read half a file.
        with tempfile.NamedTemporaryFile("w", dir=target.parent, delete=False) as file:
            file.write(text)
        os.chmod(file.name, template.stat().st_mode & 0o777)
        os.replace(file.name, target)
    return target


def main(arguments: list[str]) -> None:
    """devkit routes: render the project's template and print its path (for make checkov)."""
    try:
        print(rendered(PROJECT / "template.yaml").relative_to(PROJECT))
    except RouteError as error:
        sys.exit(f"[routes] {error}")
