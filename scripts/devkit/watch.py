"""make watch: keep the local stack in step with the working tree while you edit.

    devkit watch [--template T --stack-name S --build-dir B]

Starts the local cloud if it is not running and brings the stack in step (a deploy the first
time), then waits for files to change. After each save it checks the content hashes and does
the least (stack_sync): new code for the functions of a changed folder or layer, an updated
state machine for a changed ASL file, a real deploy for a changed template. One line per
change: what was done, and how long after the save it was live.

Files are watched with watchdog (pinned in requirements-dev.txt; SAM's own `sam sync --watch`
uses it): the kernel (inotify) reports changes as they happen, so nothing polls and an idle
watcher costs nothing. Events only wake the watcher up; the hashes decide, so a save that
changes nothing, or a file the stack does not use, does nothing.
"""

from __future__ import annotations

import argparse
import queue
import subprocess
import sys
import threading
import time
from pathlib import Path

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer

from devkit import stack, stack_plan, stack_sync

# An editor's save is often several events (write a temporary file, rename it over the old):
# wait until the folder has been quiet this long before checking.
SETTLE_S = 0.05
CHANGE_EVENTS = {"created", "modified", "deleted", "moved"}


class Changes(FileSystemEventHandler):
    def __init__(self) -> None:
        self.queue: queue.Queue[tuple[float, str]] = queue.Queue()

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.event_type not in CHANGE_EVENTS or event.is_directory:
            return
        for path in (event.src_path, getattr(event, "dest_path", "")):
            if path and not stack_plan.is_ignored(Path(path)):
                self.queue.put((time.monotonic(), str(path)))


def watched_folders(sync: stack_sync.StackSync) -> dict[Path, bool]:
    """Folder -> recursive: the code and layer folders, the ASL files' folders, the template's
    and its nested templates'."""
    folders = {sync.root: False}
    record = sync.record()
    if record:
        for folder in record.sources.folders():
            folders[sync.root / folder] = True
        for template in record.sources.templates:
            folders.setdefault((sync.root / template).parent, False)
        for machine in record.sources.state_machines.values():
            folders.setdefault((sync.root / machine.definition_uri).parent, False)
    return {folder: recursive for folder, recursive in folders.items() if folder.is_dir()}


def watch(sync: stack_sync.StackSync) -> None:
    changes = Changes()
    observer = Observer()

    def schedule() -> int:
        observer.unschedule_all()
        folders = watched_folders(sync)
        for folder, recursive in folders.items():
            observer.schedule(changes, str(folder), recursive=recursive)
        return len(folders)

    def report_since(saved: float):
        def report(outcome: stack_sync.Outcome) -> None:
            live = time.monotonic() - saved
            print(
                f"[watch] {outcome.summary}: {live:.2f} s after the save "
                f"({outcome.seconds:.2f} s to apply)",
                flush=True,
            )

        return report

    observer.start()
    try:
        count = schedule()
        print(f"[watch] watching {count} folders of {sync.root}; Ctrl-C stops", flush=True)
        while True:
            saved, _ = changes.queue.get()
            while True:  # until the editor has finished writing
                try:
                    changes.queue.get(timeout=SETTLE_S)
                except queue.Empty:
                    break
            try:
                outcomes = sync.bring_in_step(report_since(saved))
            except Exception as error:  # say it, and keep watching: the next save may fix it
                print(f"[watch] error: {type(error).__name__}: {error}", flush=True)
                continue
            if any(isinstance(outcome.action, stack_plan.Deploy) for outcome in outcomes):
                schedule()  # the template may name new folders
    finally:
        observer.stop()
        observer.join()


def main(arguments: list[str]) -> int:
    parser = argparse.ArgumentParser("devkit watch", description=__doc__.splitlines()[0])
    parser.add_argument("--template", type=Path, help="another SAM template (tests)")
    parser.add_argument("--stack-name", default=stack.LOCAL_STACK_NAME)
    parser.add_argument("--build-dir", type=Path)
    args = parser.parse_args(arguments)
    stack_sync.ensure_local_cloud()
    sync = stack_sync.StackSync(args.template, args.stack_name, args.build_dir)
    outcomes = sync.bring_in_step(stack_sync.print_outcome)
    if not outcomes:
        print("[watch] the local stack is in step with the working tree", flush=True)
    stack_sync.warm_up()
    try:
        watch(sync)
    except KeyboardInterrupt:
        return 0
    return 0


class Watcher:
    """`devkit watch` (make watch) as a user runs it, in a child process, its output read line by
    line with deadlines: for the edit-and-run tests and the loop benchmark alike."""

    def __init__(self, *args: str, cwd: Path | None = None, env: dict | None = None) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-u", "-m", "devkit", "watch", *args],
            cwd=cwd,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.process.stdout:
            self.lines.put(line.rstrip())

    def wait_for(self, text: str, timeout: float = 60) -> str:
        """The next line holding text; every line before it is kept in seen."""
        deadline = time.monotonic() + timeout
        while (remaining := deadline - time.monotonic()) > 0:
            try:
                line = self.lines.get(timeout=min(remaining, 1))
            except queue.Empty:
                if self.process.poll() is not None and self.lines.empty():
                    break  # it exited: nothing more will come
                continue
            self.seen.append(line)
            if text in line:
                return line
        raise TimeoutError(f"no line with {text!r} in {timeout} s; it said: {self.seen[-20:]}")

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)
