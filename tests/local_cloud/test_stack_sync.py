"""make watch and make invoke's sync on a copy of a small application split as the project is (a
root template with the shared layer, a workflow as a nested application): a changed function, a
changed layer and a changed ASL file go live without CloudFormation, the ASL filled from its
nested stack; a changed nested template deploys. The copy is edited, never the repository."""

from __future__ import annotations

import json
import re
import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from devkit import stack, stack_sync
from devkit.local_cloud import client, wait_for_execution
from devkit.stack_plan import UpdateCode
from devkit.watch import Watcher

FIXTURE = Path(__file__).parent / "fixture_sync"
WATCH_DEADLINE_S = 300  # the first line comes after a full deploy on a loaded machine


def start_watcher(app: Path, stack_name: str) -> Watcher:
    return Watcher(
        "--template",
        str(app / "template.yaml"),
        "--stack-name",
        stack_name,
        "--build-dir",
        str(app / ".aws-sam" / "build"),
    )


@dataclass
class App:
    root: Path
    stack_name: str
    watcher: Watcher

    def edit(self, relative: str, old: str, new: str) -> None:
        path = self.root / relative
        text = path.read_text()
        assert old in text
        path.write_text(text.replace(old, new))

    def physical(self, logical_id: str) -> str:
        return stack.physical_id(logical_id, self.stack_name)

    def greet(self) -> dict:
        response = client("lambda").invoke(FunctionName=self.physical("GreetFunction"))
        return json.loads(response["Payload"].read())

    def run(self) -> dict:
        arn = client("stepfunctions").start_execution(
            stateMachineArn=self.physical("GreetStateMachine"), input="{}"
        )["executionArn"]
        execution = wait_for_execution(arn, timeout=60)
        assert execution.status == "SUCCEEDED", execution.cause
        return execution.output


@pytest.fixture(scope="module")
def app(local_cloud, tmp_path_factory) -> Iterator[App]:
    """A copy of the fixture application, deployed and watched."""
    root = tmp_path_factory.mktemp("sync") / "app"
    shutil.copytree(FIXTURE, root)
    stack_name = f"local-cloud-sync-{uuid.uuid4().hex[:8]}"
    watcher = start_watcher(root, stack_name)
    try:
        watcher.wait_for("watching", timeout=WATCH_DEADLINE_S)
        yield App(root, stack_name, watcher)
    finally:
        watcher.stop()
        client("cloudformation").delete_stack(StackName=stack_name)


def test_make_watch_keeps_the_stack_in_step_with_what_is_saved(app):
    # GIVEN the watcher started on a stack never deployed: its first act was a real deploy
    assert any(
        "nothing deployed from this working tree yet: deployed" in x for x in app.watcher.seen
    )
    assert app.greet() == {"greeting": "hello v1"}
    assert app.run() == {"greeting": "hello v1", "farewell": "goodbye"}

    # WHEN the function's code is saved
    app.edit("greet/greet.py", "v1", "v2")
    # THEN the watcher says its new code is live, and the next invoke runs it
    line = app.watcher.wait_for("greet/: new code live in GreetFunction")
    assert "s after the save" in line
    assert app.greet() == {"greeting": "hello v2"}

    # WHEN the layer's code is saved
    app.edit("layer/greeting/__init__.py", "hello", "bonjour")
    # THEN the functions using it run it, the state machine's task included
    app.watcher.wait_for("layer/: new GreetingLayer live in 1 functions")
    assert app.greet() == {"greeting": "bonjour v2"}
    assert app.run()["greeting"] == "bonjour v2"

    # WHEN the definition is saved with a new field
    asl = "statemachine/greet.asl.json"
    app.edit(asl, '"farewell": "${Farewell}"', '"farewell": "${Farewell}", "edited": true')
    # THEN the state machine is updated with the stack's substitutions; the next run uses it
    app.watcher.wait_for(f"{asl}: GreetStateMachine updated")
    assert app.run() == {"greeting": "bonjour v2", "farewell": "goodbye", "edited": True}

    # WHEN a definition names a substitution the template does not define
    app.edit(asl, '"edited": true', '"edited": "${Unknown}"')
    # THEN the watcher names it, and the state machine keeps its definition
    assert "${Unknown}" in app.watcher.wait_for("error:")
    assert app.run()["edited"] is True
    # (put back as deployed: nothing to do)
    app.edit(asl, '"edited": "${Unknown}"', '"edited": true')

    # WHEN the nested template changes (a substitution becomes a literal)
    app.edit("greeter/template.yaml", "Farewell: !Ref Farewell", 'Farewell: "see you"')
    # THEN the watcher deploys it, and everything runs what the working tree holds
    app.watcher.wait_for("deployed (sam build + sam deploy)", timeout=WATCH_DEADLINE_S)
    assert app.greet() == {"greeting": "bonjour v2"}
    assert app.run() == {"greeting": "bonjour v2", "farewell": "see you", "edited": True}

    # WHEN the definition changes after that deploy
    app.edit(asl, '"edited": true', '"edited": "again"')
    # THEN it is filled with the substitutions the new deploy has
    app.watcher.wait_for(f"{asl}: GreetStateMachine updated")
    assert app.run() == {"greeting": "bonjour v2", "farewell": "see you", "edited": "again"}


def test_make_invokes_sync_does_nothing_when_nothing_changed_and_the_least_otherwise(app):
    sync = stack_sync.StackSync(app.root / "template.yaml", app.stack_name)
    # GIVEN the stack in step (the watcher is, or this catches up)
    sync.bring_in_step()

    # WHEN make invoke's sync runs with nothing changed THEN it does nothing
    assert sync.plan() == []
    # AND make invoke finds the nested stack's function by its logical id
    record = sync.record()
    assert record.types["GreetFunction"] == "AWS::Lambda::Function"
    assert record.physical["GreetFunction"] == app.physical("GreetFunction")

    # WHEN a function changes (whether the watcher or this sync sees it first)
    marker = uuid.uuid4().hex[:8]
    greet = app.root / "greet" / "greet.py"
    greet.write_text(re.sub(r" v\w+", f" v{marker}", greet.read_text()))
    outcomes = sync.bring_in_step()

    # THEN at most its code was updated, and the function runs it
    assert all(isinstance(outcome.action, UpdateCode) for outcome in outcomes)
    assert app.greet()["greeting"].endswith(f" v{marker}")
