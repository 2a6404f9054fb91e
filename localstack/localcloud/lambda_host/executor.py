"""Runs a Lambda function's handler in a host process (no container), one process per
execution environment, kept warm between invocations as LocalStack decides.

LocalStack owns the environment's life cycle (one environment per concurrent invocation,
keep-alive, shutdown); this executor owns the process: it starts the function's interpreter on
bootstrap.py, hands it invocations over a pipe, enforces the function's timeout, and collects
each invocation's stdout and stderr as its logs.
"""

from __future__ import annotations

import base64
import contextlib
import json
import logging
import os
import select
import signal
import subprocess
import threading
import time
from pathlib import Path

from localstack.services.lambda_.invocation.lambda_models import FunctionVersion, InvocationResult
from localstack.services.lambda_.invocation.runtime_executor import (
    LambdaRuntimeException,
    RuntimeExecutor,
)

from localstack import config

LOG = logging.getLogger(__name__)

BOOTSTRAP = Path(__file__).with_name("bootstrap.py")
STARTUP_DEADLINE_S = 30
# What a handler process may inherit from the host; the rest of its environment is the
# function's own, as LocalStack computed it.
HOST_VARIABLES = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR")
# Lambda's limit on a synchronous response ("6 MB"), as the figure its error message names.
MAX_RESPONSE_BYTES = 6291556


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


class HandlerProcess:
    """One interpreter running bootstrap.py, and the pipes to it."""

    def __init__(self, python: Path, code_dir: str, layers: list[str], env: dict[str, str]):
        request_read, self._request_write = os.pipe()
        self._response_read, response_write = os.pipe()
        env = {
            **env,
            "LAMBDA_TASK_ROOT": code_dir,
            "_LOCAL_CLOUD_LAYERS": json.dumps(layers),
            "_LOCAL_CLOUD_REQUEST_FD": str(request_read),
            "_LOCAL_CLOUD_RESPONSE_FD": str(response_write),
        }
        # -I: no PYTHONPATH, no user site, no script folder: the handler sees its artifact,
        # its layers and the runtime's boto3, never the emulator's packages.
        self.process = subprocess.Popen(
            [str(python), "-I", "-u", str(BOOTSTRAP)],
            cwd=code_dir,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            pass_fds=(request_read, response_write),
        )
        os.close(request_read)
        os.close(response_write)
        self._buffer = b""
        self._logs = bytearray()
        self._logs_changed = threading.Condition()
        self._reader = threading.Thread(target=self._read_logs, daemon=True)
        self._reader.start()

    def _read_logs(self) -> None:
        stream = self.process.stdout
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
        os.write(self._request_write, json.dumps(message).encode() + b"\n")

    def receive(self, deadline: float) -> dict | None:
        """The next message from the process; None when the deadline passes or it exits."""
        while b"\n" not in self._buffer:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return None
            readable, _, _ = select.select([self._response_read], [], [], remaining)
            if not readable:
                return None
            chunk = os.read(self._response_read, 1 << 20)
            if not chunk:
                return None  # the process exited
            self._buffer += chunk
        line, _, self._buffer = self._buffer.partition(b"\n")
        return json.loads(line)

    def exit_status(self) -> int | None:
        return self.process.poll()

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
        for fd in (self._request_write, self._response_read):
            with contextlib.suppress(OSError):
                os.close(fd)


class HostRuntimeExecutor(RuntimeExecutor):
    """LAMBDA_RUNTIME_EXECUTOR=host: handlers run as processes on this machine."""

    def __init__(self, id: str, function_version: FunctionVersion) -> None:
        super().__init__(id=id, function_version=function_version)
        self._env: dict[str, str] = {}
        self._handler: HandlerProcess | None = None
        self._last_logs = ""
        self._init_ms: float | None = None  # reported once, by the first invocation after it

    # --- life cycle ---------------------------------------------------------------------

    def start(self, env_vars: dict[str, str]) -> None:
        self._env = {key: str(value) for key, value in env_vars.items()}
        for key in HOST_VARIABLES:
            if key in os.environ and key not in self._env:
                self._env[key] = os.environ[key]
        # The community local cloud has no X-Ray: with the SDK off, traced handlers run the same
        # code but open no UDP socket towards a daemon that is not there.
        self._env.setdefault("AWS_XRAY_SDK_ENABLED", "false")
        self._start_process()

    def _start_process(self) -> None:
        version = self.function_version.config
        python = interpreter_for(version.runtime)
        layers = [str(layer.code.get_unzipped_code_location()) for layer in version.layers]
        started = time.monotonic()
        handler = HandlerProcess(
            python, str(version.code.get_unzipped_code_location()), layers, self._env
        )
        ready = handler.receive(started + STARTUP_DEADLINE_S)
        if not ready or ready.get("type") != "ready":
            logs = handler.take_logs(None, 0)
            handler.kill()
            raise LambdaRuntimeException(f"Handler process did not start: {logs[-2000:]}")
        self._handler = handler
        self._init_ms = (time.monotonic() - started) * 1000

    def stop(self) -> None:
        if self._handler:
            self._handler.kill()
            self._handler = None

    # --- invocation ---------------------------------------------------------------------

    def invoke(self, payload: dict[str, str]) -> InvocationResult:
        request_id = payload["invoke-id"]
        timeout_s = self.function_version.config.timeout
        if self._handler is None or self._handler.exit_status() is not None:
            # The last invocation timed out or crashed the process: start afresh, as Lambda does.
            self._start_process()
        handler = self._handler
        started = time.monotonic()
        deadline = started + timeout_s
        handler.send(
            {
                "request_id": request_id,
                "invoked_function_arn": payload["invoked-function-arn"],
                "payload": payload["payload"],
                "trace_id": payload.get("trace-id"),
                "deadline_ms": int(time.time() * 1000 + timeout_s * 1000),
            }
        )
        answer = handler.receive(deadline)
        duration_ms = (time.monotonic() - started) * 1000
        if answer is None:
            status = handler.exit_status()
            handler.kill()
            self._handler = None
            logs = handler.take_logs(None, 0)
            if status is None:
                message = (
                    f"RequestId: {request_id} Error: Task timed out after {timeout_s:.2f} seconds"
                )
                error = {"errorType": "Sandbox.Timedout", "errorMessage": message}
            else:
                message = f"RequestId: {request_id} Error: Runtime exited with error: "
                message += f"exit status {status}"
                error = {"errorType": "Runtime.ExitError", "errorMessage": message}
            logs += f"{message}\n"
            payload = json.dumps(error).encode()
            return self._result(request_id, payload, True, logs, duration_ms, None)
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
            f"Memory Size: {config_.memory_size} MB"
        )
        if peak_memory_mb is not None:
            report += f"\tMax Memory Used: {peak_memory_mb} MB"
        if self._init_ms is not None:
            report += f"\tInit Duration: {self._init_ms:.2f} ms"
            self._init_ms = None
        logs = (
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
