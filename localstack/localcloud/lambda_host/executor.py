"""Runs a Lambda function's handler in a host process (no container), one process per
execution environment, kept warm between invocations as LocalStack decides.

LocalStack owns the environment's life cycle (one environment per concurrent invocation,
keep-alive, shutdown); this executor owns the process: it forks it from a zygote (a runtime's
interpreter that has already imported the AWS SDK, pydantic and Powertools: children share those
pages and start in milliseconds) or starts the function's interpreter on bootstrap.py, hands it
invocations over a pipe, enforces the function's timeout, and collects each invocation's stdout
and stderr as its logs.
"""

from __future__ import annotations

import base64
import contextlib
import json
import logging
import os
import queue
import signal
import socket
import subprocess
import threading
import time
from pathlib import Path
from typing import ClassVar

from localstack.services.lambda_.invocation.lambda_models import FunctionVersion, InvocationResult
from localstack.services.lambda_.invocation.runtime_executor import (
    LambdaRuntimeException,
    RuntimeExecutor,
)

from localcloud.clock import processes
from localcloud.iam import attribution
from localcloud.lambda_host.pipes import HandlerPipes
from localcloud.support import procfs
from localstack import config

LOG = logging.getLogger(__name__)

BOOTSTRAP = Path(__file__).with_name("bootstrap.py")
ZYGOTE = Path(__file__).with_name("zygote.py")
STARTUP_DEADLINE_S = 30
STOP_DEADLINE_S = 10
# A zygote none of whose handler processes lived for this long is stopped (the next function of
# its runtime and layers starts another).
ZYGOTE_IDLE_S = 600
# Variables LocalStack sets for its own runtime in a container; Lambda sets none of them (nor
# any LOCALSTACK_* one).
LOCALSTACK_VARIABLES = ("EDGE_PORT", "AWS_LAMBDA_FUNCTION_TIMEOUT")
# What Lambda's Python runtimes set besides the function's reserved variables (recorded on AWS);
# a function's own variables may override them, as on Lambda. The runtime API's address is the
# loopback one: nothing here serves it (invocations arrive on a pipe).
LAMBDA_RUNTIME_VARIABLES = {
    "AWS_LAMBDA_RUNTIME_API": "127.0.0.1:9001",
    "LAMBDA_TASK_ROOT": "/var/task",
    "LAMBDA_RUNTIME_DIR": "/var/runtime",
    "LANG": "en_US.UTF-8",
    "LC_CTYPE": "C.UTF-8",
    "LD_LIBRARY_PATH": "/var/lang/lib:/lib64:/usr/lib64:/var/runtime:/var/runtime/lib:"
    "/var/task:/var/task/lib:/opt/lib",
    "PATH": "/var/lang/bin:/usr/local/bin:/usr/bin/:/bin:/opt/bin",
    "PWD": "/var/task",
    "PYTHONPATH": "/var/runtime",
    "SHLVL": "0",
    "TZ": ":UTC",
}
# How Lambda words a runtime's end by a signal (Go's names for them).
SIGNAL_NAMES = {
    signal.SIGKILL: "killed",
    signal.SIGSEGV: "segmentation fault",
    signal.SIGABRT: "aborted",
    signal.SIGTERM: "terminated",
    signal.SIGBUS: "bus error",
}
# Lambda's limit on a synchronous response ("6 MB"), as the figure its error message names.
MAX_RESPONSE_BYTES = 6291556
# What a zygote imports before forking handler processes: the heavy modules nearly every
# handler imports, from the runtime (boto3) and its layers (pydantic, Powertools). Third-party
# only: a project module could read the function's settings as it imports.
PRELOADED_MODULES = [
    "boto3",
    "botocore.client",
    "pydantic",
    "aws_lambda_powertools",
    "aws_lambda_powertools.event_handler",
    "aws_lambda_powertools.utilities.batch",
    "aws_lambda_powertools.utilities.data_classes",
    "aws_lambda_powertools.utilities.idempotency",
    "aws_lambda_powertools.utilities.parameters",
    "aws_lambda_powertools.utilities.parser",
    "aws_lambda_powertools.utilities.typing",
]
# Variables those modules (or the interpreter) read while importing: functions share a zygote
# only when their values are the same. Found by recording os.environ reads during the imports.
STARTUP_VARIABLES = (
    "AWS_EXECUTION_ENV",
    "AWS_LAMBDA_INITIALIZATION_TYPE",
    "HOME",
    "LANG",
    "LC_ALL",
    "LC_CTYPE",
    "POWERTOOLS_DEBUG",
    "POWERTOOLS_TRACE_MIDDLEWARES",
    "PYDANTIC_DISABLE_PLUGINS",
    "PYTHONTZPATH",
    "TZ",
)


def lambda_environment(localstack_env: dict, runtime: str, function_env: dict | None) -> dict:
    """A function's environment as Lambda sets it, from what LocalStack computed: LocalStack's
    own variables out, the runtime's in. AWS_ENDPOINT_URL stays: it is how the SDK in the
    function reaches the local cloud."""
    env = {
        key: str(value)
        for key, value in localstack_env.items()
        if not key.startswith("LOCALSTACK_") and key not in LOCALSTACK_VARIABLES
    }
    env.update(LAMBDA_RUNTIME_VARIABLES)
    env["AWS_EXECUTION_ENV"] = f"AWS_Lambda_{runtime}"
    env.update({key: str(value) for key, value in (function_env or {}).items()})
    return env


def exit_message(status: int) -> str:
    """Lambda's words for a runtime that ended with this status (negative: by that signal)."""
    if status == 0:
        return "Runtime exited without providing a reason"
    if status > 0:
        return f"Runtime exited with error: exit status {status}"
    name = SIGNAL_NAMES.get(-status, f"signal {-status}")
    return f"Runtime exited with error: signal: {name}"


def runtimes_dir() -> Path:
    return Path(os.environ.get("LOCAL_CLOUD_RUNTIMES", Path.cwd() / "runtimes"))


def interpreter_for(runtime: str | None) -> Path:
    """The host interpreter for a Lambda runtime such as python3.13."""
    if not runtime or not runtime.startswith("python"):
        raise LambdaRuntimeException(
            f"Runtime {runtime!r} is not supported by the local cloud's host executor "
            "(Python runtimes only)"
        )
    python = runtimes_dir() / runtime / "bin" / "python"
    prepared = os.environ.get("LOCAL_CLOUD_PREPARED_RUNTIMES")
    if not python.exists() or (prepared is not None and runtime not in prepared.split()):
        version = runtime.removeprefix("python")
        raise LambdaRuntimeException(
            f"Runtime {runtime} is not prepared on this host. To add it: install Python "
            f"{version} (e.g. 'pyenv install {version}'), then run 'make setup' (or 'make up'); "
            "LOCAL_CLOUD_PYTHON_RUNTIMES selects the runtimes set-up prepares, every installed "
            "one by default"
        )
    return python


class ForkedProcess:
    """A handler process forked by a zygote, with the part of Popen's interface used here. The
    zygote is its parent: it reaps it and reports how it ended."""

    def __init__(self, zygote: Zygote, pid: int):
        self.zygote = zygote
        self.pid = pid
        self.returncode: int | None = None

    def poll(self) -> int | None:
        if self.returncode is None:
            self.returncode = self.zygote.exit_status(self.pid)
        return self.returncode

    def send_signal(self, sig: int) -> None:
        if self.poll() is None:  # not reaped yet, so the pid is still this process's
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, sig)

    def wait(self, timeout: float = STOP_DEADLINE_S) -> int | None:
        deadline = time.monotonic() + timeout
        while self.poll() is None and time.monotonic() < deadline:
            self.zygote.wait_for_exit(self.pid, deadline - time.monotonic())
        return self.returncode


class Zygote:
    """A runtime's interpreter that has imported PRELOADED_MODULES from the runtime and one set
    of layers, and forks handler processes for every function with those layers (zygote.py).

    Functions share a zygote only when their values of STARTUP_VARIABLES (read while those
    modules import) are the same. A function gets a fresh interpreter instead when its code
    folder holds a module of a name the zygote loaded (its own copy must win, as on Lambda), or
    when LOCAL_CLOUD_LAMBDA_FORK=0."""

    _lock = threading.Lock()
    _running: ClassVar[dict[tuple, Zygote]] = {}

    @classmethod
    def for_function(
        cls, python: Path, layers: list[str], code_dir: str, env: dict[str, str]
    ) -> Zygote | None:
        if os.environ.get("LOCAL_CLOUD_LAMBDA_FORK", "1") == "0":
            return None
        if env.get("AWS_LAMBDA_EXEC_WRAPPER"):
            return None  # the wrapper starts the runtime's interpreter itself
        startup = {name: env[name] for name in STARTUP_VARIABLES if name in env}
        key = (str(python), tuple(layers), tuple(sorted(startup.items())))
        with cls._lock:
            cls._stop_idle(keep=key)
            zygote = cls._running.get(key)
            if zygote is None or not zygote.alive():
                try:
                    zygote = cls(python, layers, startup)
                except LambdaRuntimeException as error:
                    LOG.warning("no zygote for %s: %s; fresh interpreters instead", key, error)
                    return None
                cls._running[key] = zygote
            if zygote.shadowed_by(code_dir):
                return None
            with zygote._changed:
                zygote._reserved += 1  # not idle until spawn() has run
        return zygote

    @classmethod
    def _stop_idle(cls, keep: tuple) -> None:
        """Stop zygotes no process of which has lived for a while (a test's own layer, an old
        layer version): each holds its imports' memory."""
        idle_since = time.monotonic() - ZYGOTE_IDLE_S
        for key, zygote in list(cls._running.items()):
            if key != keep and zygote.idle_since(idle_since):
                del cls._running[key]
                zygote.stop()

    def __init__(self, python: Path, layers: list[str], startup: dict[str, str]):
        self._control, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        # What its children would have read while importing, and the clock they run on.
        env = {**startup, **processes.environment()}
        self.process = subprocess.Popen(
            [
                str(python),
                "-I",
                "-u",
                str(ZYGOTE),
                str(theirs.fileno()),
                json.dumps(layers),
                json.dumps(PRELOADED_MODULES),
            ],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            pass_fds=(theirs.fileno(),),
        )
        theirs.close()
        self._spawn_lock = threading.Lock()
        self._spawned: queue.Queue[int | None] = queue.Queue()
        self._exits: dict[int, int] = {}
        self._children: set[int] = set()
        self._reserved = 0
        self._last_exit = time.monotonic()
        self._changed = threading.Condition()
        self._gone = False
        self._control.settimeout(STARTUP_DEADLINE_S)
        try:
            ready = json.loads(self._control.recv(1 << 20) or b"{}")
        except (TimeoutError, OSError, ValueError):
            ready = {}
        if ready.get("type") != "ready":
            self.stop()
            raise LambdaRuntimeException(f"zygote {python} did not start")
        self._control.settimeout(None)
        self.modules = frozenset(ready["modules"])
        self._shadowing: dict[str, bool] = {}
        threading.Thread(target=self._read, daemon=True, name="lambda-zygote").start()

    def _read(self) -> None:
        while True:
            try:
                message = self._control.recv(1 << 16)
            except OSError:
                break
            if not message:
                break
            message = json.loads(message)
            if message["type"] == "spawned":
                self._spawned.put(message["pid"])
            elif message["type"] == "exited":
                with self._changed:
                    self._exits[message["pid"]] = message["status"]
                    self._children.discard(message["pid"])
                    self._last_exit = time.monotonic()
                    self._changed.notify_all()
        with self._changed:
            self._gone = True
            self._changed.notify_all()
        self._spawned.put(None)

    def alive(self) -> bool:
        return not self._gone and self.process.poll() is None

    def shadowed_by(self, code_dir: str) -> bool:
        """Whether the function's code holds a module of a name this zygote imported."""
        if code_dir not in self._shadowing:
            names = set()
            with contextlib.suppress(OSError):
                for entry in os.scandir(code_dir):
                    if entry.is_dir() or entry.name.endswith((".py", ".pyc", ".so")):
                        names.add(entry.name.partition(".")[0])
            self._shadowing[code_dir] = bool(names & self.modules)
        return self._shadowing[code_dir]

    def spawn(self, env: dict[str, str], fds: tuple[int, int, int]) -> ForkedProcess:
        try:
            with self._spawn_lock:
                try:
                    message = json.dumps({"env": env}).encode()
                    socket.send_fds(self._control, [message], list(fds))
                except OSError as error:
                    raise LambdaRuntimeException(f"zygote unreachable: {error}") from error
                try:
                    pid = self._spawned.get(timeout=STARTUP_DEADLINE_S)
                except queue.Empty:
                    self.stop()  # a late answer would be taken for the next request's
                    pid = None
            if pid is None:
                raise LambdaRuntimeException("zygote did not fork a handler process")
            with self._changed:
                if pid not in self._exits:
                    self._children.add(pid)
        finally:
            with self._changed:
                self._reserved -= 1
        return ForkedProcess(self, pid)

    def idle_since(self, moment: float) -> bool:
        """Whether none of its handler processes has lived since that moment."""
        with self._changed:
            return not self._children and not self._reserved and self._last_exit < moment

    def exit_status(self, pid: int) -> int | None:
        with self._changed:
            if pid in self._exits:
                return self._exits.pop(pid)
            if self._gone and not procfs.running(pid):
                # Orphaned: init reaps it, when it gets to it (seconds, at a stop that ended the
                # zygote); gone is all that can be known.
                return -signal.SIGKILL
        return None

    def wait_for_exit(self, pid: int, timeout: float) -> None:
        with self._changed:
            if self._gone:  # nothing will report it: look again shortly
                self._changed.wait(min(max(timeout, 0), 0.05))
            else:
                self._changed.wait_for(lambda: pid in self._exits or self._gone, max(timeout, 0))

    def stop(self) -> None:
        with contextlib.suppress(OSError):
            self._control.close()
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        processes.reaped(self.process.pid)


class HandlerProcess:
    """One handler process (forked from its runtime's zygote, or a fresh interpreter running
    bootstrap.py), and the pipes to it."""

    def __init__(
        self, python: Path, code_dir: str, layers: list[str], env: dict[str, str], tmp_mb: int
    ):
        request_read, self._request_write = os.pipe()
        self._response_read, response_write = os.pipe()
        log_read, log_write = os.pipe()
        env = {
            **env,
            "_LOCAL_CLOUD_CODE": code_dir,
            "_LOCAL_CLOUD_LAYERS": json.dumps(layers),
            "_LOCAL_CLOUD_TMP_MB": str(tmp_mb),
            **processes.environment(),  # also for what the handler starts
        }
        fds = (request_read, response_write, log_write)
        try:
            zygote = Zygote.for_function(python, layers, code_dir, env)
            if zygote is not None:
                self.process = zygote.spawn(env, fds)
            else:
                self.process = self._fresh(python, code_dir, env, fds)
        except BaseException:
            for fd in (log_read, self._request_write, self._response_read):
                os.close(fd)
            raise
        finally:
            for fd in fds:
                os.close(fd)
        self._pipes = HandlerPipes(self._request_write, self._response_read)
        self._logs_stream = open(log_read, "rb")  # noqa: SIM115 (closed by the reader thread)
        self._logs = bytearray()
        self._logs_changed = threading.Condition()
        self._reader = threading.Thread(target=self._read_logs, daemon=True)
        self._reader.start()

    @staticmethod
    def _fresh(python: Path, code_dir: str, env: dict[str, str], fds) -> subprocess.Popen:
        request_read, response_write, log_write = fds
        env = {
            **env,
            "_LOCAL_CLOUD_REQUEST_FD": str(request_read),
            "_LOCAL_CLOUD_RESPONSE_FD": str(response_write),
        }
        # -I: no PYTHONPATH, no user site, no script folder: the handler sees its artifact,
        # its layers and the runtime's boto3, never the emulator's packages.
        return subprocess.Popen(
            [str(python), "-I", "-u", str(BOOTSTRAP)],
            cwd=code_dir,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log_write,
            stderr=log_write,
            pass_fds=(request_read, response_write),
        )

    def _read_logs(self) -> None:
        with self._logs_stream as stream:
            while chunk := stream.read1(65536):
                with self._logs_changed:
                    self._logs += chunk
                    self._logs_changed.notify_all()
        with self._logs_changed:
            self._logs_changed.notify_all()

    def take_logs(self, marker: bytes | None, deadline: float) -> str:
        """The logs written so far, up to and without the marker if one is given."""
        with self._logs_changed:
            if marker is not None:
                while marker not in self._logs and self._reader.is_alive():
                    remaining = deadline - time.monotonic()
                    if remaining <= 0:
                        break
                    self._logs_changed.wait(remaining)
            end = self._logs.find(marker) if marker is not None else -1
            if end < 0:
                logs, self._logs = bytes(self._logs), bytearray()
            else:
                logs, self._logs = bytes(self._logs[:end]), self._logs[end + len(marker) :]
        return logs.decode(errors="replace")

    def send(self, message: dict) -> None:
        self._pipes.send(message)

    def receive(self, deadline: float) -> dict | None:
        """The next message from the process; None when the deadline passes or it exits."""
        return self._pipes.receive(deadline)

    def exit_status(self) -> int | None:
        return self.process.poll()

    def ended_with(self, timeout: float) -> int | None:
        """The exit status of a process whose pipe closed, once it is reaped; None if it lives
        on past the timeout."""
        try:
            status = self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None
        processes.reaped(self.process.pid)
        return status

    def peak_memory_mb(self) -> int | None:
        """The process's peak resident memory (what Lambda reports as Max Memory Used)."""
        try:
            status = Path(f"/proc/{self.process.pid}/status").read_text()
        except OSError:
            return None
        for line in status.splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) // 1024
        return None

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
        self.process.wait()
        processes.reaped(self.process.pid)
        self._pipes.close()


class HostRuntimeExecutor(RuntimeExecutor):
    """LAMBDA_RUNTIME_EXECUTOR=host: handlers run as processes on this machine."""

    def __init__(self, id: str, function_version: FunctionVersion) -> None:
        super().__init__(id=id, function_version=function_version)
        self._env: dict[str, str] = {}
        self._handler: HandlerProcess | None = None
        self._last_logs = ""
        self._init_ms: float | None = None  # reported once, by the first invocation after it
        self._init_start = ""  # Lambda's INIT_START line, logged before that invocation
        self._init_exit: tuple[int, str] | None = None  # (status, logs) of a runtime that ended
        self._state = threading.Lock()
        self._invoking = False
        self._stop_when_done = False

    # --- life cycle ---------------------------------------------------------------------

    def start(self, env_vars: dict[str, str]) -> None:
        config_ = self.function_version.config
        self._env = lambda_environment(env_vars, config_.runtime, config_.environment)
        self._start_process()

    def _start_process(self) -> None:
        """Start the runtime and let it initialise the function. A runtime that ends while
        initialising is no start-up failure of the environment: as on Lambda, the invocation
        answers its Runtime.ExitError."""
        version = self.function_version.config
        python = interpreter_for(version.runtime)
        layers = [str(layer.code.get_unzipped_code_location()) for layer in version.layers]
        started = time.monotonic()
        handler = HandlerProcess(
            python,
            str(version.code.get_unzipped_code_location()),
            layers,
            self._env,
            version.ephemeral_storage.size,
        )
        ready = handler.receive(started + STARTUP_DEADLINE_S)
        if not ready or ready.get("type") != "ready":
            status = handler.ended_with(STOP_DEADLINE_S) if ready is None else None
            logs = handler.take_logs(None, 0)
            handler.kill()
            if status is None:
                raise LambdaRuntimeException(f"Handler process did not start: {logs[-2000:]}")
            self._init_exit = (status, logs)
            return
        self._handler = handler
        self._init_ms = (time.monotonic() - started) * 1000
        self._init_start = self._init_start_line(ready.get("version", ""))

    def _init_start_line(self, python_version: str) -> str:
        config_ = self.function_version.config
        major, _, micro = python_version.rpartition(".")
        arn = (config_.runtime_version_config or {}).get("RuntimeVersionArn", "")
        return f"INIT_START Runtime Version: python:{major}.v{micro}\tRuntime Version ARN: {arn}\n"

    def stop(self) -> None:
        """End the process; once its invocation in flight has answered, if there is one: as on
        Lambda, an update (or a deletion) lets it finish on the code it started with."""
        with self._state:
            if self._invoking:
                self._stop_when_done = True
                return
            handler, self._handler = self._handler, None
        if handler:
            handler.kill()

    # --- invocation ---------------------------------------------------------------------

    def invoke(self, payload: dict[str, str]) -> InvocationResult:
        with self._state:
            self._invoking = True
        try:
            return self._invoke(payload)
        finally:
            with self._state:
                self._invoking = False
                stop, self._stop_when_done = self._stop_when_done, False
            if stop:
                self.stop()

    def _invoke(self, payload: dict[str, str]) -> InvocationResult:
        request_id = payload["invoke-id"]
        timeout_s = self.function_version.config.timeout
        if self._init_exit is None and (
            self._handler is None or self._handler.exit_status() is not None
        ):
            # The last invocation timed out or crashed the process: start afresh, as Lambda does.
            self._start_process()
        if self._init_exit is not None:
            (status, logs), self._init_exit = self._init_exit, None
            return self._exited(request_id, status, logs, 0)
        handler = self._handler
        started = time.monotonic()
        deadline = started + timeout_s
        trace = own_segment(payload.get("trace-id"))
        handler.send(
            {
                "request_id": request_id,
                "invoked_function_arn": payload["invoked-function-arn"],
                "payload": payload["payload"],
                "trace_id": trace,
                "deadline_ms": int(processes.now() * 1000 + timeout_s * 1000),
            }
        )
        # IAM's journal names this invocation in a denial of a call sent with its trace.
        with attribution.invocation_running(trace, request_id):
            answer = handler.receive(deadline)
        duration_ms = (time.monotonic() - started) * 1000
        if answer is None:
            # Before the deadline, no answer means the process ended: wait for its status.
            ended = time.monotonic() < deadline
            status = handler.ended_with(STOP_DEADLINE_S) if ended else handler.exit_status()
            handler.kill()
            self._handler = None
            logs = handler.take_logs(None, 0)
            if status is None:
                message = (
                    f"RequestId: {request_id} Error: Task timed out after {timeout_s:.2f} seconds"
                )
                error = {"errorType": "Sandbox.Timedout", "errorMessage": message}
                logs += f"{message}\n"
                payload = json.dumps(error).encode()
                return self._result(request_id, payload, True, logs, duration_ms, None)
            return self._exited(request_id, status, logs, duration_ms)
        marker = f"\x1elocal-cloud-end {request_id}\x1e\n".encode()
        logs = handler.take_logs(marker, time.monotonic() + 2)
        is_error = answer["type"] == "error"
        if "payload_base64" in answer:
            payload = base64.b64decode(answer["payload_base64"])
        else:
            payload = answer["payload"].encode()
        if not is_error and len(payload) > MAX_RESPONSE_BYTES:
            # As Lambda: the function ran, its answer is replaced by this error.
            is_error = True
            payload = json.dumps(
                {
                    "errorMessage": "Response payload size exceeded maximum allowed payload "
                    f"size ({MAX_RESPONSE_BYTES} bytes).",
                    "errorType": "Function.ResponseSizeTooLarge",
                }
            ).encode()
        return self._result(
            request_id, payload, is_error, logs, duration_ms, handler.peak_memory_mb()
        )

    def _exited(self, request_id: str, status: int, logs: str, duration_ms: float):
        """The answer for a runtime that ended (sys.exit, a crash) at init or in the handler."""
        message = f"RequestId: {request_id} Error: {exit_message(status)}"
        error = {"errorType": "Runtime.ExitError", "errorMessage": message}
        logs += f"{message}\nRuntime.ExitError\n"
        return self._result(request_id, json.dumps(error).encode(), True, logs, duration_ms, None)

    def _result(
        self,
        request_id: str,
        payload: bytes,
        is_error: bool,
        logs: str,
        duration_ms: float,
        peak_memory_mb: int | None,
    ) -> InvocationResult:
        config_ = self.function_version.config
        report = (
            f"REPORT RequestId: {request_id}\tDuration: {duration_ms:.2f} ms\t"
            f"Billed Duration: {max(1, round(duration_ms))} ms\t"
            f"Memory Size: {config_.memory_size} MB\t"
        )
        if peak_memory_mb is not None:
            report += f"Max Memory Used: {peak_memory_mb} MB\t"
        if self._init_ms is not None:
            report += f"Init Duration: {self._init_ms:.2f} ms\t"
            self._init_ms = None
        init_start, self._init_start = self._init_start, ""
        logs = (
            f"{init_start}"
            f"START RequestId: {request_id} Version: {self.function_version.id.qualifier}\n"
            f"{logs}"
            f"END RequestId: {request_id}\n"
            f"{report}\n"
        )
        self._last_logs = logs
        return InvocationResult(request_id, payload, is_error=is_error, logs=logs)

    def get_logs(self) -> str:
        return self._last_logs

    # --- addresses (the handler process talks to LocalStack's gateway on loopback) -----

    def get_address(self) -> str:
        return "127.0.0.1"

    def get_endpoint_from_executor(self) -> str:
        return "127.0.0.1"

    def get_runtime_endpoint(self) -> str:
        return f"http://127.0.0.1:{config.GATEWAY_LISTEN[0].port}/_localstack_lambda/{self.id}"

    # --- versions -----------------------------------------------------------------------

    @classmethod
    def prepare_version(cls, function_version: FunctionVersion) -> None:
        interpreter_for(function_version.config.runtime)
        if function_version.config.code:
            function_version.config.code.prepare_for_execution()
        for layer in function_version.config.layers:
            layer.code.prepare_for_execution()

    @classmethod
    def cleanup_version(cls, function_version: FunctionVersion) -> None:
        pass

    @classmethod
    def validate_environment(cls) -> bool:
        return True


def own_segment(trace_header: str | None) -> str | None:
    """The trace header as the invocation sees it: Parent is its own function segment, as on
    Lambda, so an invocation made from another function's (same Root) is told apart."""
    if not trace_header:
        return trace_header
    fields = [f for f in trace_header.split(";") if f and not f.startswith("Parent=")]
    root = [f for f in fields if f.startswith("Root=")]
    rest = [f for f in fields if not f.startswith("Root=")]
    return ";".join([*root, f"Parent={os.urandom(8).hex()}", *rest])
