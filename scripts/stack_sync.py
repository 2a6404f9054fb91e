"""Keep a stack deployed on the local cloud in step with the working tree, doing the least.

    python scripts/stack_sync.py          # bring the project's local stack in step once

`make invoke` and `make watch` come through here. Every deploy into the local cloud
(stack.deploy_local) records the content hashes it was made from (stack_plan.Fingerprint) in
the local cloud's state folder, which is wiped when the local cloud starts, so a record never
outlives the stack it describes. A check hashes the working tree again, and stack_plan.plan
says what to do:

- a function folder's code changed: its functions run the working tree's code through
  LocalStack's hot reloading (UpdateFunctionCode with S3Bucket "hot-reload" and S3Key a host
  folder). The host executor runs handlers as host processes, so the folder is used in place:
  an "overlay" of symbolic links, the function's source files from the working tree beside
  the dependencies `sam build` installed. No zip, no upload, no CloudFormation; the update
  replaces the function's version, so warm handler processes stop and the next invocation
  imports the new code.
- the shared layer's code changed: a layer version made the same way (PublishLayerVersion
  with the hot-reload bucket), given to every function that uses the layer;
- a state machine's ASL changed: UpdateStateMachine with the file's text, its
  DefinitionSubstitutions resolved against the deployed stack holding it (the root's or a
  workflow's nested stack) as CloudFormation resolved them;
- a template (the root's or a nested application's), a routes file, samconfig.toml, the deploy's
  parameters or a requirements.txt changed: a real deploy (sam build + sam deploy), which
  records anew.

Only the local cloud has the hot-reload bucket; nothing here touches the template or AWS.
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import json
import os
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path

import routes
import stack
import stack_plan
from stack_plan import (
    Action,
    DefinitionError,
    Deploy,
    Fingerprint,
    Sources,
    UpdateCode,
    UpdateLayer,
    UpdateStateMachine,
)

PROJECT = stack.PROJECT
HOT_RELOAD_BUCKET = "hot-reload"  # LocalStack's BUCKET_MARKER_LOCAL default
PARALLEL_UPDATES = 8


class Unresolvable(Exception):
    """A DefinitionSubstitutions value this tool cannot evaluate: a deploy does it instead."""


# --- where things are ------------------------------------------------------------------------


@functools.cache
def client(service: str):
    """One client per service and process: make watch pays botocore's import and the service
    model once, before the first save (see warm_up), not at every change."""
    return stack.local_client(service)


def warm_up() -> None:
    for service in ("lambda", "stepfunctions", "cloudformation"):
        client(service)


def local_cloud_home() -> Path:
    return Path(os.environ.get("LOCAL_CLOUD_HOME", PROJECT / ".local-cloud")).resolve()


def instance_state() -> Path:
    """The local cloud instance's state folder: wiped at every start (localstack/cloud.py)."""
    return local_cloud_home() / os.environ.get("LOCAL_CLOUD_PORT", "4566") / "state"


def sync_dir(stack_name: str) -> Path:
    return instance_state() / "stack-sync" / stack_name


def local_cloud_running() -> bool:
    try:
        health = f"{stack.local_endpoint()}/_localstack/health"  # http, always
        with urllib.request.urlopen(health, timeout=2) as response:  # noqa: S310
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


def ensure_local_cloud() -> None:
    """Start the local cloud unless it answers already (the same as make up)."""
    if not local_cloud_running():
        stack.start_local_cloud()


# --- the record of what is deployed ----------------------------------------------------------


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


def _write_json(path: Path, data: dict) -> None:
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
    physical, types = _stack_resources(stack_name, sources)
    record = Record(str(template), str(build_dir), fingerprint, sources, physical, types, {})
    _write_json(sync_dir(stack_name) / "record.json", record.to_json())
    # Hot-reloaded functions CloudFormation left alone keep their overlay: refresh its links to
    # what this build installed.
    for overlay in sorted((sync_dir(stack_name) / "live").glob("*/*.json")):
        _refresh_overlay(overlay.parent / overlay.stem)


def _stack_resources(stack_name: str, sources: Sources) -> tuple[dict, dict]:
    """Logical id -> physical id and type, through the stack and its nested stacks."""
    cloudformation = client("cloudformation")
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


# --- overlays: the working tree's sources beside the built dependencies ----------------------


def _meta(overlay: Path) -> Path:
    return overlay.parent / f"{overlay.name}.json"


def _refresh_overlay(overlay: Path) -> None:
    meta = json.loads(_meta(overlay).read_text())
    target = overlay / "python" if meta["layer"] else overlay
    _link_entries(target, Path(meta["source"]), Path(meta["built"]))


def _link_entries(target: Path, source: Path, built: Path) -> None:
    """target/<name> -> source/<name> for every entry of the source folder, built/<name> for the
    rest of what the build holds (the installed requirements)."""
    target.mkdir(parents=True, exist_ok=True)
    wanted: dict[str, Path] = {}
    for folder in (built, source):  # the source's entries win
        if folder.is_dir():
            wanted.update(
                {
                    entry.name: entry
                    for entry in folder.iterdir()
                    if entry.name not in stack_plan.IGNORED_NAMES
                    and not (folder == source and entry.name == stack_plan.REQUIREMENTS)
                }
            )
    for entry in target.iterdir():
        # Only links are ours: the interpreter writes __pycache__ beside top-level modules.
        if entry.is_symlink() and os.readlink(entry) != str(wanted.get(entry.name, "")):
            entry.unlink()
    for name, path in wanted.items():
        link = target / name
        if not link.is_symlink() and not link.exists():
            link.symlink_to(path)


def make_overlay(overlay: Path, source: Path, built: Path, layer: bool) -> Path:
    """The hot-reload folder for a function (or, layer=True, a layer: its python/ folder)."""
    meta = {"source": str(source), "built": str(built), "layer": layer}
    _write_json(_meta(overlay), meta)
    _refresh_overlay(overlay)
    return overlay


# --- resolving DefinitionSubstitutions -------------------------------------------------------


class Resolver:
    """Evaluates the intrinsics DefinitionSubstitutions use against the deployed stack that
    holds the state machine: the root stack, or a nested one (its name or ARN)."""

    def __init__(self, stack_name: str, record: Record) -> None:
        self._stack = stack_name
        self._stack_name = _stack_name(stack_name)
        self._record = record
        self._parameters: dict[str, str] | None = None

    def parameters(self) -> dict[str, str]:
        if self._parameters is None:
            described = client("cloudformation").describe_stacks(StackName=self._stack)["Stacks"][0]
            self._parameters = {
                # An empty value comes back with no ParameterValue at all.
                p["ParameterKey"]: p.get("ResolvedValue", p.get("ParameterValue", ""))
                for p in described.get("Parameters", [])
            }
        return self._parameters

    def ref(self, name: str) -> str:
        pseudo = {
            "AWS::StackName": self._stack_name,
            "AWS::Region": "us-east-1",
            "AWS::AccountId": "000000000000",
            "AWS::Partition": "aws",
            "AWS::URLSuffix": "amazonaws.com",
        }
        if name in pseudo:
            return pseudo[name]
        # The stack's own parameters first: a nested stack's parameter may share its name with
        # a resource of another stack (its CommonLayer parameter, the root's CommonLayer).
        if name in self.parameters():
            return self.parameters()[name]
        if name in self._record.physical:
            return self._record.physical[name]
        raise Unresolvable(f"Ref {name}")

    def get_att(self, name: str, attribute: str) -> str:
        physical = self._record.physical.get(name)
        kind = self._record.types.get(name)
        if physical and attribute == "Arn":
            if physical.startswith("arn:"):
                return physical
            if kind == "AWS::Lambda::Function":
                return client("lambda").get_function_configuration(FunctionName=physical)[
                    "FunctionArn"
                ]
        raise Unresolvable(f"Fn::GetAtt {name}.{attribute}")

    def value(self, value) -> str:
        if isinstance(value, bool):
            return str(value).lower()
        if isinstance(value, str | int | float):
            return str(value)
        if isinstance(value, dict) and len(value) == 1:
            ((function, argument),) = value.items()
            if function == "Ref":
                return self.ref(argument)
            if function == "Fn::GetAtt":
                name, attribute = argument.split(".", 1) if isinstance(argument, str) else argument
                return self.get_att(name, attribute)
            if function == "Fn::Sub" and isinstance(argument, str):
                return self._sub(argument)
        raise Unresolvable(json.dumps(value))

    def _sub(self, text: str) -> str:
        def one(match) -> str:
            name = match.group(1)
            if "." in name and not name.startswith("AWS::"):
                return self.get_att(*name.split(".", 1))
            return self.ref(name)

        return stack_plan._PLACEHOLDER.sub(one, text)


def _stack_name(stack: str) -> str:
    """A stack's name from its name or its ARN (a nested stack's physical id):
    arn:aws:cloudformation:<region>:<account>:stack/<name>/<id>."""
    return stack.split(":", 5)[5].split("/")[1] if stack.startswith("arn:") else stack


# --- bringing the stack in step --------------------------------------------------------------


@dataclass
class Outcome:
    action: Action
    summary: str
    seconds: float
    ok: bool = True


class StackSync:
    def __init__(
        self,
        template: Path | None = None,
        stack_name: str = stack.LOCAL_STACK_NAME,
        build_dir: Path | None = None,
    ) -> None:
        self.template = (template or PROJECT / "template.yaml").resolve()
        self.stack_name = stack_name
        self.build_dir = build_dir

    @property
    def root(self) -> Path:
        return self.template.parent

    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        """One sync of this stack at a time (make watch and make invoke may overlap)."""
        lock = sync_dir(self.stack_name) / "lock"
        lock.parent.mkdir(parents=True, exist_ok=True)
        with open(lock, "w") as file:
            fcntl.flock(file, fcntl.LOCK_EX)
            yield

    def record(self) -> Record | None:
        try:
            record = Record.from_json(
                json.loads((sync_dir(self.stack_name) / "record.json").read_text())
            )
        except (OSError, ValueError, KeyError, TypeError):
            return None
        return record if record.template == str(self.template) else None

    def current(self, record: Record | None) -> Fingerprint:
        nested = record.sources.templates if record else []
        inputs = deploy_inputs(self.template, self.stack_name, stack.local_overrides(), nested)
        if record is None:
            return Fingerprint(inputs)
        return stack_plan.fingerprint(self.root, record.sources, inputs)

    def plan(self) -> list[Action]:
        record = self.record()
        deployed = record.fingerprint if record else None
        return stack_plan.plan(deployed, record.sources if record else None, self.current(record))

    def bring_in_step(self, report: Callable[[Outcome], None] = lambda _: None) -> list[Outcome]:
        """Check, then do what the plan says; each outcome is reported as it completes."""
        with self.locked():
            outcomes = []
            for action in self.plan():
                outcome = self.apply(action)
                report(outcome)
                outcomes.append(outcome)
                if isinstance(action, Deploy):
                    break
            return outcomes

    def apply(self, action: Action) -> Outcome:
        started = time.perf_counter()
        try:
            match action:
                case Deploy(reason):
                    self.deploy()
                    summary = f"{reason}: deployed (sam build + sam deploy)"
                case UpdateCode(folder, functions):
                    self.update_code(folder, functions)
                    summary = f"{folder}: new code live in {_names(functions)}"
                case UpdateLayer(folder, layer, functions):
                    self.update_layer(folder, layer, functions)
                    summary = f"{folder}: new {layer} live in {len(functions)} functions"
                case UpdateStateMachine(name, uri):
                    self.update_state_machine(name, uri)
                    summary = f"{uri}: {name} updated"
        except Unresolvable as error:
            # A substitution this tool cannot evaluate: CloudFormation can.
            self.deploy()
            summary = f"{action.definition_uri}: deployed (cannot resolve {error} here)"
        except (DefinitionError, stack.SamError) as error:
            return Outcome(action, f"error: {error}", time.perf_counter() - started, ok=False)
        return Outcome(action, summary, time.perf_counter() - started)

    # --- the actions ---------------------------------------------------------------------

    def deploy(self) -> None:
        stack.deploy_local(
            stack_name=self.stack_name,
            template=None if self.template == PROJECT / "template.yaml" else self.template,
            build_dir=self.build_dir,
        )

    def _require(self) -> Record:
        record = self.record()
        if record is None:
            raise RuntimeError(f"no record of a deploy of {self.stack_name}")
        return record

    def _save(self, record: Record, update: Callable[[Fingerprint], None]) -> None:
        update(record.fingerprint)
        _write_json(sync_dir(self.stack_name) / "record.json", record.to_json())

    def update_code(self, folder: str, functions: tuple[str, ...]) -> None:
        record = self._require()
        hashes = stack_plan.folder_hashes(self.root / folder)
        overlay = make_overlay(
            sync_dir(self.stack_name) / "live" / "code" / _slug(folder),
            self.root / folder,
            Path(record.build_dir) / record.sources.build_path(functions[0]),
            layer=False,
        )
        lam = client("lambda")

        def update(function: str) -> None:
            name = record.physical[function]
            lam.update_function_code(
                FunctionName=name, S3Bucket=HOT_RELOAD_BUCKET, S3Key=str(overlay)
            )
            _wait_updated(lam, name)

        _each(update, functions, record)
        self._save(record, lambda f: f.folders.__setitem__(folder, hashes))

    def update_layer(self, folder: str, layer: str, functions: tuple[str, ...]) -> None:
        record = self._require()
        hashes = stack_plan.folder_hashes(self.root / folder)
        overlay = make_overlay(
            sync_dir(self.stack_name) / "live" / "layers" / layer,
            self.root / folder,
            Path(record.build_dir) / record.sources.build_path(layer) / "python",
            layer=True,
        )
        lam = client("lambda")
        # arn:aws:lambda:<region>:<account>:layer:<name>:<version>
        layer_arn, _, _ = record.physical[layer].rpartition(":")
        published = lam.publish_layer_version(
            LayerName=layer_arn.rsplit(":", 1)[1],
            Content={"S3Bucket": HOT_RELOAD_BUCKET, "S3Key": str(overlay)},
            Description=f"{folder} from the working tree (hot reload)",
        )["LayerVersionArn"]

        def update(function: str) -> None:
            name = record.physical[function]
            current = lam.get_function_configuration(FunctionName=name).get("Layers", [])
            arns = [
                published if item["Arn"].rsplit(":", 1)[0] == layer_arn else item["Arn"]
                for item in current
            ]
            lam.update_function_configuration(FunctionName=name, Layers=arns)
            _wait_updated(lam, name)

        _each(update, functions, record)
        self._save(record, lambda f: f.folders.__setitem__(folder, hashes))

    def update_state_machine(self, name: str, uri: str) -> None:
        record = self._require()
        source = record.sources.state_machines[name]
        data = (self.root / uri).read_bytes()
        text = data.decode()
        if name not in record.substitutions:
            nested = record.sources.stack_of(name)
            resolver = Resolver(record.physical[nested] if nested else self.stack_name, record)
            record.substitutions[name] = {
                key: resolver.value(value) for key, value in source.substitutions.items()
            }
        definition = stack_plan.substitute(text, record.substitutions[name], uri)
        client("stepfunctions").update_state_machine(
            stateMachineArn=record.physical[name], definition=definition
        )
        self._save(record, lambda f: f.definitions.__setitem__(uri, stack_plan.bytes_hash(data)))


def _slug(folder: str) -> str:
    return folder.strip("/").replace("/", "-")


def _names(functions: tuple[str, ...]) -> str:
    if len(functions) <= 2:
        return " and ".join(functions)
    return f"{len(functions)} functions ({functions[0]}, ...)"


def _each(update: Callable[[str], None], functions: tuple[str, ...], record: Record) -> None:
    # A function whose Condition left it out of this stage (none deployed) has nothing to update.
    deployed = [function for function in functions if function in record.physical]
    if not deployed:
        return
    with ThreadPoolExecutor(max_workers=min(PARALLEL_UPDATES, len(deployed))) as pool:
        for future in [pool.submit(update, function) for function in deployed]:
            future.result()


def _wait_updated(lam, name: str, timeout: float = 60) -> None:
    """Until the function's update is done (LocalStack swaps versions once the new is ready)."""
    deadline = time.monotonic() + timeout
    while True:
        status = lam.get_function_configuration(FunctionName=name).get("LastUpdateStatus")
        if status == "Successful":
            return
        if status == "Failed":
            raise RuntimeError(f"the update of {name} failed")
        if time.monotonic() > deadline:
            raise TimeoutError(f"{name} still updating after {timeout} s")
        time.sleep(0.05)


def print_outcome(outcome: Outcome) -> None:
    print(f"[sync] {outcome.summary} in {outcome.seconds:.2f} s", flush=True)


def main() -> int:
    ensure_local_cloud()
    outcomes = StackSync().bring_in_step(print_outcome)
    if not outcomes:
        print("[sync] the local stack is in step with the working tree")
    return 0 if all(outcome.ok for outcome in outcomes) else 1


if __name__ == "__main__":
    sys.exit(main())
