"""What the local stack needs to catch up with the working tree: content hashes and a plan.

Pure (files in, decisions out; no AWS), so the rules are unit-tested on their own:

- the template, a routes file, samconfig.toml or the deploy's parameters changed -> a real
  deploy;
- a function folder's or a layer's requirements.txt changed -> a real deploy (sam build
  installs them);
- a function folder's code changed -> new code for the functions built from it;
- the shared layer's code changed -> new code for the layer, and for every function using it;
- a state machine's ASL file changed -> UpdateStateMachine for that state machine;
- nothing changed -> nothing.

`Sources` is what the templates say about where code and definitions live: template.yaml and
every nested application it composes (each workflow's functions/<workflow>/template.yaml). It
is read at deploy time and kept with the record of what was deployed, so the check that runs
before every `make invoke` hashes files and never parses a template.
"""

from __future__ import annotations

import hashlib
import json
import posixpath
import re
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

# What a build never copies and a check never reads: interpreter caches and editors' litter.
IGNORED_NAMES = {"__pycache__", ".pytest_cache", ".mypy_cache", ".ruff_cache", ".DS_Store"}
IGNORED_SUFFIXES = (".pyc", ".pyo", ".swp", ".swx", "~")
REQUIREMENTS = "requirements.txt"
_PLACEHOLDER = re.compile(r"\$\{([A-Za-z0-9_.:]+)\}")


# --- the template's sources ------------------------------------------------------------------


@dataclass(frozen=True)
class StateMachineSource:
    definition_uri: str
    # Raw values from the template ({"Fn::GetAtt": [...]}, {"Ref": ...} or text), resolved
    # against the deployed stack when a definition is updated.
    substitutions: dict


@dataclass(frozen=True)
class Sources:
    """Where each function's code, each layer's content and each state machine's ASL live
    (paths relative to the project), as the templates say."""

    functions: dict[str, str]  # function logical id -> CodeUri
    function_layers: dict[str, list[str]]  # function logical id -> layer logical ids
    layers: dict[str, str]  # layer logical id -> ContentUri
    state_machines: dict[str, StateMachineSource]
    templates: list[str] = field(default_factory=list)  # the nested templates it was read from
    # Logical id -> the nested applications holding it, outermost first ("PayrollWorkflow");
    # a resource of the root template has no entry.
    stacks: dict[str, str] = field(default_factory=dict)

    def stack_of(self, name: str) -> str | None:
        """The logical id of the nested application (stack) holding a resource; None: the root."""
        path = self.stacks.get(name)
        return path.rsplit("/", 1)[-1] if path else None

    def build_path(self, name: str) -> str:
        """Where sam build puts a function or layer: <application>/.../<logical id>."""
        path = self.stacks.get(name)
        return f"{path}/{name}" if path else name

    def folders(self) -> list[str]:
        return sorted({*self.functions.values(), *self.layers.values()})

    def functions_in(self, folder: str) -> list[str]:
        return sorted(name for name, uri in self.functions.items() if uri == folder)

    def functions_using(self, layer: str) -> list[str]:
        return sorted(name for name, used in self.function_layers.items() if layer in used)

    def layer_in(self, folder: str) -> str | None:
        return next((name for name, uri in self.layers.items() if uri == folder), None)

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict) -> Sources:
        machines = {
            name: StateMachineSource(**source) for name, source in data["state_machines"].items()
        }
        return cls(
            data["functions"],
            data["function_layers"],
            data["layers"],
            machines,
            data.get("templates", []),
            data.get("stacks", {}),
        )


def _path(folder: str, uri: str) -> str:
    """A path a template in folder names, relative to the project."""
    return posixpath.normpath(posixpath.join(folder, uri))


def _folder(uri: str, folder: str = "") -> str:
    return _path(folder, uri.strip("/")) + "/"


def _refs(items: list, passed: dict[str, str]) -> list[str]:
    # A nested template's layer is its parameter: the layer the parent passed in it.
    refs = [item["Ref"] for item in items if isinstance(item, dict) and "Ref" in item]
    return [passed.get(ref, ref) for ref in refs]


def sources_of(
    template: dict, folder: str = "", stack: str = "", passed: dict[str, str] | None = None
) -> Sources:
    """Sources from one parsed SAM template (intrinsics in their long form, as samcli parses)
    in `folder` of the project, deployed as the nested application `stack` ("" for the root),
    given the layers its parameters receive (parameter -> layer logical id)."""
    passed = passed or {}
    resources = template.get("Resources", {})
    global_function = template.get("Globals", {}).get("Function", {})
    global_layers = _refs(global_function.get("Layers", []), passed)
    functions, function_layers, layers, machines = {}, {}, {}, {}
    for name, resource in resources.items():
        kind = resource.get("Type")
        properties = resource.get("Properties", {})
        if kind == "AWS::Serverless::Function":
            code_uri = properties.get("CodeUri", global_function.get("CodeUri"))
            if isinstance(code_uri, str):  # an S3 location is not in the working tree
                functions[name] = _folder(code_uri, folder)
                # SAM adds a function's own Layers to the Globals' ones.
                function_layers[name] = global_layers + _refs(properties.get("Layers", []), passed)
        elif kind == "AWS::Serverless::LayerVersion":
            content_uri = properties.get("ContentUri")
            if isinstance(content_uri, str):
                layers[name] = _folder(content_uri, folder)
        elif kind == "AWS::Serverless::StateMachine":
            definition_uri = properties.get("DefinitionUri")
            if isinstance(definition_uri, str):
                machines[name] = StateMachineSource(
                    _path(folder, definition_uri),
                    dict(properties.get("DefinitionSubstitutions", {})),
                )
    stacks = dict.fromkeys([*functions, *layers, *machines], stack) if stack else {}
    return Sources(functions, function_layers, layers, machines, [], stacks)


@dataclass(frozen=True)
class NestedApplication:
    name: str  # its logical id in the parent template
    template: str  # relative to the parent template's folder
    layers: dict[str, str]  # its parameter -> the parent's layer passed in it (!Ref Layer)


def nested_applications(template: dict, passed: dict[str, str] | None = None):
    """The AWS::Serverless::Applications of a parsed template whose Location is a file in the
    working tree (one from the Serverless Application Repository or S3 is not)."""
    passed = passed or {}
    resources = template.get("Resources", {})
    layers = {
        name for name, r in resources.items() if r.get("Type") == "AWS::Serverless::LayerVersion"
    }
    for name, resource in resources.items():
        properties = resource.get("Properties", {})
        location = properties.get("Location")
        if resource.get("Type") != "AWS::Serverless::Application" or not isinstance(location, str):
            continue
        if "://" in location:
            continue
        given = {}
        for parameter, value in (properties.get("Parameters") or {}).items():
            ref = value.get("Ref") if isinstance(value, dict) else None
            if ref in layers:
                given[parameter] = ref
            elif ref in passed:
                given[parameter] = passed[ref]
        yield NestedApplication(name, location, given)


def read_sources(template: Path, parse: Callable[[str], dict]) -> Sources:
    """Sources of a template and of every nested application it composes, at any depth: each
    template's paths are resolved from its own folder, then made relative to the root
    template's folder (the project)."""
    root = template.parent
    found = Sources({}, {}, {}, {})
    pending = [("", "", "", {})]  # (template relative to root, folder, stack, passed layers)
    while pending:
        relative, folder, stack, passed = pending.pop(0)
        document = parse((root / relative if relative else template).read_text())
        one = sources_of(document, folder, stack, passed)
        found.functions.update(one.functions)
        found.function_layers.update(one.function_layers)
        found.layers.update(one.layers)
        found.state_machines.update(one.state_machines)
        found.stacks.update(one.stacks)
        for nested in nested_applications(document, passed):
            path = _path(folder, nested.template)
            if (root / path).is_file():
                found.templates.append(path)
                inner = f"{stack}/{nested.name}" if stack else nested.name
                pending.append((path, posixpath.dirname(path), inner, nested.layers))
    return found


# --- hashes ----------------------------------------------------------------------------------


def is_ignored(path: Path) -> bool:
    return any(part in IGNORED_NAMES for part in path.parts) or path.name.endswith(IGNORED_SUFFIXES)


def folder_hashes(folder: Path) -> dict[str, str]:
    """{"code": hash of every file but requirements.txt, "requirements": hash of that}."""
    code = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        relative = path.relative_to(folder)
        if is_ignored(relative) or relative.as_posix() == REQUIREMENTS:
            continue
        code.update(relative.as_posix().encode() + b"\0")
        code.update(hashlib.sha256(path.read_bytes()).digest())
    requirements = folder / REQUIREMENTS
    return {
        "code": code.hexdigest(),
        "requirements": hashlib.sha256(
            requirements.read_bytes() if requirements.exists() else b""
        ).hexdigest(),
    }


def bytes_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def file_hash(path: Path) -> str:
    return bytes_hash(path.read_bytes()) if path.exists() else "missing"


def deploy_inputs_hash(files: list[Path], settings: dict[str, str]) -> str:
    """What a deploy reads beside the code: the templates, samconfig.toml, the parameters."""
    digest = hashlib.sha256()
    for path in files:
        digest.update(path.as_posix().encode() + b"\0" + file_hash(path).encode())
    digest.update(json.dumps(settings, sort_keys=True).encode())
    return digest.hexdigest()


@dataclass
class Fingerprint:
    """Content hashes of everything the deployed stack was made from."""

    deploy_inputs: str
    folders: dict[str, dict[str, str]] = field(default_factory=dict)  # folder -> folder_hashes
    definitions: dict[str, str] = field(default_factory=dict)  # ASL path -> file_hash


def fingerprint(project: Path, sources: Sources, deploy_inputs: str) -> Fingerprint:
    return Fingerprint(
        deploy_inputs,
        # A folder that is gone has no entry: the plan deploys (sam build would fail, saying why).
        {
            folder: folder_hashes(project / folder)
            for folder in sources.folders()
            if (project / folder).is_dir()
        },
        {
            machine.definition_uri: file_hash(project / machine.definition_uri)
            for machine in sources.state_machines.values()
        },
    )


# --- the plan --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Deploy:
    reason: str


@dataclass(frozen=True)
class UpdateCode:
    folder: str
    functions: tuple[str, ...]


@dataclass(frozen=True)
class UpdateLayer:
    folder: str
    layer: str
    functions: tuple[str, ...]  # every function using it: they restart on the new layer


@dataclass(frozen=True)
class UpdateStateMachine:
    state_machine: str
    definition_uri: str


Action = Deploy | UpdateCode | UpdateLayer | UpdateStateMachine


def plan(
    deployed: Fingerprint | None, sources: Sources | None, current: Fingerprint
) -> list[Action]:
    """The least that brings a stack deployed from `deployed` in step with `current`."""
    if deployed is None or sources is None:
        return [Deploy("nothing deployed from this working tree yet")]
    if deployed.deploy_inputs != current.deploy_inputs:
        return [Deploy("a template, samconfig.toml or the deploy's parameters changed")]
    actions: list[Action] = []
    for folder in sources.folders():
        before, now = deployed.folders.get(folder), current.folders.get(folder)
        if before == now:
            continue
        if before is None or now is None or before["requirements"] != now["requirements"]:
            what = f"{folder}{REQUIREMENTS} changed" if before and now else f"{folder} is gone"
            return [Deploy(what)]
        layer = sources.layer_in(folder)
        if layer:
            actions.append(UpdateLayer(folder, layer, tuple(sources.functions_using(layer))))
        if sources.functions_in(folder):
            actions.append(UpdateCode(folder, tuple(sources.functions_in(folder))))
    for name, machine in sorted(sources.state_machines.items()):
        uri = machine.definition_uri
        if deployed.definitions.get(uri) != current.definitions.get(uri):
            actions.append(UpdateStateMachine(name, uri))
    return actions


# --- state machine definitions ---------------------------------------------------------------


class DefinitionError(ValueError):
    """An ASL file that cannot become a definition as it stands."""


def substitute(definition: str, values: dict[str, str], where: str) -> str:
    """The definition with each ${Name} replaced as CloudFormation's DefinitionSubstitutions
    does; a ${Name} with no value is an error that names it."""
    for name, value in values.items():
        definition = definition.replace("${" + name + "}", value)
    missing = sorted(set(_PLACEHOLDER.findall(definition)))
    if missing:
        raise DefinitionError(
            f"{where} uses {', '.join('${' + m + '}' for m in missing)}, which its state "
            "machine's DefinitionSubstitutions in its template do not define (add them there: "
            "a template change deploys)"
        )
    try:
        json.loads(definition)
    except ValueError as error:
        raise DefinitionError(f"{where} is not valid JSON: {error}") from None
    return definition
