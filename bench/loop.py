"""The edit-and-run loop, as a developer feels it: make invoke and make watch after an edit.

Works on a temporary copy of the repository's HEAD (git archive), never on the working tree,
deployed into its own local cloud instance on a free port (the one on LOCAL_CLOUD_PORT is left
alone). The copy shares this checkout's set-up (.venv and .local-cloud: virtual environments,
wheels, runtimes) through symbolic links, so nothing is installed again. Measures, each beside
its goal:

- make invoke FN=HealthFunction EVENT=events/health-get.json with nothing changed;
- the health function's code changed -> the next make invoke runs the new code;
- the same through make watch: from the save to the watcher's line saying it is live;
- an ASL file changed -> the next execution uses it (through the sync, and through make watch);
- the shared layer's code changed -> the next make invoke runs it (no goal in the issue).
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from devkit import PROJECT, stack
from devkit.local_cloud import botocore_client, free_port
from devkit.watch import Watcher

HEALTH = Path("functions/health/health/app.py")
HEALTH_ANSWER = '{"status": "ok", "stage": settings.stage}'
LAYER_MODULE = Path("functions/common/common/__init__.py")
ASL = Path("statemachine/comms.asl.json")
ASL_MACHINE = "CommsRetryStateMachine"
INVOKE = ["invoke", "FN=HealthFunction", "EVENT=events/health-get.json"]
DEADLINE_S = 120


class Copy:
    """A temporary copy of HEAD with its own local cloud instance."""

    def __init__(self, root: Path, port: int) -> None:
        self.root = root
        self.port = port
        # The copy's own dev tools, not the ones installed from this checkout (the copy shares
        # its .venv): its devkit finds the project it sits in.
        self.env = {
            **os.environ,
            "LOCAL_CLOUD_PORT": str(port),
            "PYTHONPATH": str(root / "scripts"),
        }
        self.env.pop("SAM_BUILD_DIR", None)

    def make(self, *args: str) -> tuple[float, str]:
        """Wall time and output of `make <args>` in the copy, set-up taken as done."""
        command = ["make", "--no-print-directory", "-o", ".venv/.installed"]
        command += ["-o", ".local-cloud/wheels/.installed", *args, f"LOCAL_CLOUD_PORT={self.port}"]
        started = time.perf_counter()
        done = subprocess.run(command, cwd=self.root, env=self.env, capture_output=True, text=True)
        seconds = time.perf_counter() - started
        if done.returncode:
            raise RuntimeError(f"make {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
        return seconds, done.stdout

    def sync(self) -> float:
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "devkit", "sync"],
            cwd=self.root,
            env=self.env,
            check=True,
            capture_output=True,
        )
        return time.perf_counter() - started

    def edit(self, path: Path, old: str, new: str) -> None:
        file = self.root / path
        text = file.read_text()
        assert old in text, f"{path} no longer holds {old!r}: update bench/loop.py"
        file.write_text(text.replace(old, new, 1))


def start_watcher(copy: Copy) -> Watcher:
    """make watch in the copy, once it says it is watching."""
    watcher = Watcher(cwd=copy.root, env=copy.env)
    watcher.wait_for("watching", DEADLINE_S)
    return watcher


def live_after(line: str) -> float:
    """The watcher's own figure: '...: 0.42 s after the save (...)'."""
    return float(line.split(" s after the save")[0].rsplit(" ", 1)[1])


def add_marker_state(copy: Copy, marker: str) -> None:
    """A Pass state named `marker` first in the state machine: an execution that enters it
    runs the new definition."""
    file = copy.root / ASL
    definition = json.loads(file.read_text())
    definition["States"][marker] = {"Type": "Pass", "Next": definition["StartAt"]}
    definition["StartAt"] = marker
    file.write_text(json.dumps(definition, indent=2) + "\n")


def execution_enters(copy: Copy, marker: str) -> None:
    sfn = botocore_client("stepfunctions")
    machine = stack.physical_id(ASL_MACHINE)
    arn = sfn.start_execution(
        stateMachineArn=machine, input='{"communicationIds": [], "itemConcurrency": 1}'
    )["executionArn"]
    deadline = time.monotonic() + DEADLINE_S
    while time.monotonic() < deadline:
        events = sfn.get_execution_history(executionArn=arn)["events"]
        entered = [
            e["stateEnteredEventDetails"]["name"] for e in events if "stateEnteredEventDetails" in e
        ]
        if entered:
            if entered[0] != marker:
                raise AssertionError(f"the execution started at {entered[0]}, not {marker}")
            return
        time.sleep(0.01)
    raise TimeoutError(f"{arn} entered no state in {DEADLINE_S} s")


class Rows(list):
    """The figures, each also printed as it is measured (a later failure keeps them)."""

    def append(self, row: tuple[str, float, float | None]) -> None:
        super().append(row)
        print(f"[loop] {row[0]}: {row[1]:.2f} s", flush=True)


def main() -> None:
    rows = Rows()
    port = free_port()
    os.environ["LOCAL_CLOUD_PORT"] = str(port)
    with tempfile.TemporaryDirectory(prefix="loop-bench-") as temp:
        root = Path(temp) / "repo"
        root.mkdir()
        archive = subprocess.run(
            ["git", "-C", str(PROJECT), "archive", "HEAD"], check=True, capture_output=True
        ).stdout
        subprocess.run(["tar", "-x", "-C", str(root)], input=archive, check=True)
        for shared in (".venv", ".local-cloud"):
            (root / shared).symlink_to(PROJECT / shared)
        copy = Copy(root, port)
        try:
            first, _ = copy.make(*INVOKE)
            rows.append(("first make invoke: start, build, deploy, invoke", first, None))
            copy.make(*INVOKE)  # the function warm, as after any first call
            unchanged = [copy.make(*INVOKE)[0] for _ in range(3)]
            rows.append(
                ("make invoke, nothing changed (median of 3)", statistics.median(unchanged), 1.5)
            )

            marker = uuid.uuid4().hex[:8]
            copy.edit(HEALTH, HEALTH_ANSWER, HEALTH_ANSWER[:-1] + f', "edit": "{marker}"}}')
            seconds, output = copy.make(*INVOKE)
            assert marker in output, f"the new code did not run:\n{output}"
            rows.append(("code changed -> make invoke runs it", seconds, 2.0))

            marker = uuid.uuid4().hex[:8]
            copy.edit(
                LAYER_MODULE,
                '"""',
                f'"""Edited by the loop benchmark {marker}.\n',
            )
            seconds, _ = copy.make(*INVOKE)
            rows.append(("shared layer changed -> make invoke runs it", seconds, None))

            marker = f"Bench{uuid.uuid4().hex[:8]}"
            started = time.perf_counter()
            add_marker_state(copy, marker)
            copy.sync()
            execution_enters(copy, marker)
            rows.append(
                ("ASL changed -> sync, next execution uses it", time.perf_counter() - started, 2.0)
            )

            watcher = start_watcher(copy)
            try:
                marker = uuid.uuid4().hex[:8]
                copy.edit(HEALTH, '"edit": "', f'"edit": "{marker}-')
                line = watcher.wait_for("new code live", DEADLINE_S)
                rows.append(("make watch: code saved -> live", live_after(line), 2.0))
                seconds, output = copy.make(*INVOKE)
                assert marker in output, f"the watched code did not run:\n{output}"

                marker = f"Bench{uuid.uuid4().hex[:8]}"
                add_marker_state(copy, marker)
                line = watcher.wait_for("updated", DEADLINE_S)
                rows.append(
                    ("make watch: ASL saved -> state machine updated", live_after(line), 2.0)
                )
                execution_enters(copy, marker)
            finally:
                watcher.stop()
        finally:
            subprocess.run(
                [sys.executable, str(root / "localstack" / "cloud.py"), "down"],
                env=copy.env,
                check=False,
                capture_output=True,
            )

    load = os.getloadavg()
    print(f"\n{'edit-and-run loop':52} {'figure':>9} {'goal':>10} {'ratio':>7}")
    for label, value, goal in rows:
        goal_text = f"<= {goal:g} s" if goal else ""
        ratio = f"{value / goal:.2f}" if goal else ""
        print(f"{label:52} {value:7.2f} s {goal_text:>10} {ratio:>7}")
    print(f"(load average at the end: {load[0]:.1f} {load[1]:.1f} {load[2]:.1f})")


if __name__ == "__main__":
    main()
