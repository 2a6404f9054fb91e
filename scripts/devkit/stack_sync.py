"""Keep a stack deployed on the local cloud in step with the working tree, doing the least.

    devkit sync          # bring the project's local stack in step once

`make invoke` and `make watch` come through here. Every deploy into the local cloud records
what it was made from (deploy_record). A check hashes the working tree again, and
stack_plan.plan says what to do:

- a function folder's code changed: its functions run the working tree's code through
  LocalStack's hot reloading, from an overlay of the working tree's sources beside the
  dependencies `sam build` installed (hot_reload). No zip, no upload, no CloudFormation; the
  update replaces the function's version, so warm handler processes stop and the next
  invocation imports the new code.
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
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from devkit import PROJECT, deploy_record, stack, stack_plan
from devkit.deploy_record import Record, sync_dir
from devkit.hot_reload import HOT_RELOAD_BUCKET, live_dir, make_overlay
from devkit.local_cloud import botocore_client, local_cloud_running, start_local_cloud
from devkit.stack_plan import (
    Action,
    DefinitionError,
    Deploy,
    Fingerprint,
    UpdateCode,
    UpdateLayer,
    UpdateStateMachine,
)

PARALLEL_UPDATES = 8


class Unresolvable(Exception):
    """A DefinitionSubstitutions value this tool cannot evaluate: a deploy does it instead."""


# --- where things are ------------------------------------------------------------------------


@functools.cache
def client(service: str):
    """One client per service and process: make watch pays botocore's import and the service
    model once, before the first save (see warm_up), not at every change."""
    return botocore_client(service)


def warm_up() -> None:
    for service in ("lambda", "stepfunctions", "cloudformation"):
        client(service)


def ensure_local_cloud() -> None:
    """Start the local cloud unless it answers already (the same as make up)."""
    if not local_cloud_running():
        start_local_cloud()


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
        record = deploy_record.read(self.stack_name)
        return record if record and record.template == str(self.template) else None

    def current(self, record: Record | None) -> Fingerprint:
        nested = record.sources.templates if record else []
        inputs = deploy_record.deploy_inputs(
            self.template, self.stack_name, stack.local_overrides(), nested
        )
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
        deploy_record.write(self.stack_name, record)

    def update_code(self, folder: str, functions: tuple[str, ...]) -> None:
        record = self._require()
        hashes = stack_plan.folder_hashes(self.root / folder)
        overlay = make_overlay(
            live_dir(self.stack_name) / "code" / _slug(folder),
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
            live_dir(self.stack_name) / "layers" / layer,
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


def main(arguments: list[str]) -> int:
    if arguments:
        raise SystemExit(__doc__)
    ensure_local_cloud()
    outcomes = StackSync().bring_in_step(print_outcome)
    if not outcomes:
        print("[sync] the local stack is in step with the working tree")
    return 0 if all(outcome.ok for outcome in outcomes) else 1
