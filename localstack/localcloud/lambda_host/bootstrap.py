"""The Lambda Python runtime, played by a host process.

Runs on the function's own interpreter (a virtual environment holding only what the Lambda
runtime provides), so it uses the standard library alone. It imports the handler once, tells
the executor it is ready, then answers one invocation at a time:

- requests arrive as JSON lines on the file descriptor named by _LOCAL_CLOUD_REQUEST_FD;
- answers leave as JSON lines on _LOCAL_CLOUD_RESPONSE_FD: {"type": "ready"}, then per
  invocation {"type": "response" | "error", "payload": "<JSON text>"}, or for a handler that
  returned bytes {"type": "response", "payload_base64": "..."} (Lambda passes bytes on as they
  are);
- stdout and stderr are the function's logs; after each invocation a marker line tells the
  executor where that invocation's logs end.
"""

import base64
import decimal
import functools
import importlib
import importlib.util
import json
import logging
import os
import sys
import time
import traceback

LOG_MARKER = "\x1elocal-cloud-end {request_id}\x1e\n"
# Stands for a line break inside one log event (a logging record, an error's traceback), which
# Lambda's runtime sends to CloudWatch Logs as one event; the executor's log store splits events
# on the other line breaks, as Lambda does for what a function prints.
EVENT_LINE_BREAK = "\x1d"
# Lambda's Python runtime writes non-ASCII characters as they are from python3.12 on, and as
# \\u escapes before.
ENSURE_ASCII = sys.version_info < (3, 12)


class CognitoIdentity:
    cognito_identity_id = None
    cognito_identity_pool_id = None


class LambdaContext:
    """The context object the Lambda Python runtime (its runtime interface client) passes to a
    handler: the same fields, with the same types (the memory size is the variable's text)."""

    def __init__(self, request: dict) -> None:
        self.aws_request_id = request["request_id"]
        self.log_group_name = os.environ.get("AWS_LAMBDA_LOG_GROUP_NAME")
        self.log_stream_name = os.environ.get("AWS_LAMBDA_LOG_STREAM_NAME")
        self.function_name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME")
        self.memory_limit_in_mb = os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE")
        self.function_version = os.environ.get("AWS_LAMBDA_FUNCTION_VERSION")
        self.invoked_function_arn = request["invoked_function_arn"]
        self.tenant_id = None
        self.client_context = None
        self.identity = CognitoIdentity()
        self._deadline_ms = request["deadline_ms"]

    def get_remaining_time_in_millis(self) -> int:
        return max(int(self._deadline_ms - time.time() * 1000), 0)

    def log(self, message: str) -> None:
        sys.stdout.write(message)


class InitError(Exception):
    def __init__(self, error_type: str, message: str) -> None:
        super().__init__(message)
        self.error_type = error_type


def load_handler(handler: str):
    try:
        module_name, function_name = handler.rsplit(".", 1)
    except ValueError as error:
        raise InitError(
            "Runtime.MalformedHandlerName", f"Bad handler '{handler}': {error}"
        ) from None
    module_name = module_name.replace("/", ".")
    try:
        module = importlib.import_module(module_name)
    except ImportError as error:
        raise InitError(
            "Runtime.ImportModuleError", f"Unable to import module '{module_name}': {error}"
        ) from None
    except SyntaxError as error:
        raise InitError(
            "Runtime.UserCodeSyntaxError", f"Syntax error in module '{module_name}': {error}"
        ) from None
    except Exception as error:
        raise InitError(type(error).__name__, str(error)) from error
    function = getattr(module, function_name, None)
    if function is None:
        raise InitError(
            "Runtime.HandlerNotFound",
            f"Handler '{function_name}' missing on module '{module_name}'",
        )
    return function


class LambdaPaths:
    """Host folders shown as the folders Lambda has: /var/task for the function's code, /opt for
    its layers, /var/lang for the interpreter, /var/runtime for this runtime. An error answer
    must not carry the machine's layout."""

    def __init__(self, task_root: str, layers: list[str]) -> None:
        runtime = {sys.prefix, sys.base_prefix, os.path.realpath(sys.base_prefix)}
        pairs = [(task_root, "/var/task")] + [(layer, "/opt") for layer in layers]
        pairs += [(prefix, "/var/lang") for prefix in runtime]
        pairs.append((os.path.dirname(os.path.abspath(__file__)), "/var/runtime"))
        # Longest first: a layer or the code may sit below a runtime folder.
        self._pairs = sorted(
            ((os.path.join(host, ""), lambda_ + "/") for host, lambda_ in pairs),
            key=lambda pair: -len(pair[0]),
        )

    def show(self, path: str) -> str:
        for host, lambda_ in self._pairs:
            if path.startswith(host):
                return lambda_ + path[len(host) :]
        return path

    def show_in(self, text: str) -> str:
        """A message with every host folder in it replaced (a file error names its path)."""
        for host, lambda_ in self._pairs:
            text = text.replace(host, lambda_)
        return text

    def frames(self, error: BaseException, skip: int = 0) -> traceback.StackSummary:
        frames = traceback.extract_tb(error.__traceback__)[skip:]
        for frame in frames:
            frame.filename = self.show(frame.filename)
        return frames

    def print_exception(self, error: BaseException, skip: int = 0) -> None:
        """What the runtime logs for an unhandled error."""
        log_error(type(error).__name__, self.show_in(str(error)), self.frames(error, skip))


def log_error(error_type: str, message: str, frames=None) -> None:
    """An error as Lambda's runtime logs it: one log event, the trace's indentation in
    no-break spaces."""
    lines = [f"[ERROR] {error_type}: {message}", "Traceback (most recent call last):"]
    for entry in traceback.format_list(frames or []):
        for line in entry.splitlines():
            stripped = line.lstrip(" ")
            lines.append("\u00a0" * (len(line) - len(stripped)) + stripped)
    write_event("\n".join(lines), sys.stderr)


def write_event(text: str, stream) -> None:
    """One CloudWatch Logs event, whatever line breaks it holds."""
    stream.write(text.replace("\n", EVENT_LINE_BREAK) + "\n")
    stream.flush()


def error_payload(error_type: str, message: str, request_id: str, frames=None) -> dict:
    return {
        "errorMessage": message,
        "errorType": error_type,
        "requestId": request_id,
        "stackTrace": traceback.format_list(frames) if frames else [],
    }


def _to_json(value) -> str:
    """The Lambda Python runtime's encoding: decimals as their digits, NaN allowed."""
    raw: list[str] = []
    nonce = os.urandom(8).hex()  # placeholders no string of the handler's can collide with

    def default(obj):
        if isinstance(obj, decimal.Decimal):
            if obj.is_nan():
                return float("nan")
            raw.append(str(obj))
            return f"\x00{nonce}:{len(raw) - 1}"
        raise TypeError(f"Object of type {type(obj).__name__} is not JSON serializable")

    text = json.dumps(value, default=default, ensure_ascii=ENSURE_ASCII)
    for index, digits in enumerate(raw):
        text = text.replace(f'"\\u0000{nonce}:{index}"', digits, 1)
    return text


def marshal(result) -> tuple[str, str]:
    """The handler's result as the answer's key and value (bytes pass as they are)."""
    if isinstance(result, bytes):
        return "payload_base64", base64.b64encode(result).decode()
    return "payload", _to_json(result)


def _set_import_path(task_root: str, layers: list[str]) -> None:
    """As in Lambda: the function's code first, then each layer's python folders."""
    version = "python{}.{}".format(*sys.version_info[:2])
    paths = [task_root]
    for layer in layers:
        paths += [f"{layer}/python/lib/{version}/site-packages", f"{layer}/python"]
    sys.path[:0] = paths
    os.chdir(task_root)


class _RequestLogHandler(logging.Handler):
    """The runtime's root handler: each record one log event, with the request's id."""

    request_id = ""

    def emit(self, record: logging.LogRecord) -> None:
        record.aws_request_id = self.request_id
        try:
            write_event(self.format(record) + "\n", sys.stdout)
        except Exception:
            self.handleError(record)


def _configure_logging() -> _RequestLogHandler:
    handler = _RequestLogHandler()
    handler.setFormatter(
        logging.Formatter(
            "[%(levelname)s]\t%(asctime)s.%(msecs)03dZ\t%(aws_request_id)s\t%(message)s",
            "%Y-%m-%dT%H:%M:%S",
        )
    )
    logging.Formatter.converter = time.gmtime
    logging.getLogger().addHandler(handler)
    return handler


@functools.cache
def load_sandbox():
    # Run as a script with -I (or loaded by its file by zygote.py): its folder is not on sys.path.
    here = os.path.dirname(os.path.abspath(__file__))
    spec = importlib.util.spec_from_file_location("sandbox", os.path.join(here, "sandbox.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def linked_sources(*folders: str) -> list[str]:
    """Where the symbolic links at the top of these code folders (and of a layer's python/)
    lead: a hot-reload overlay links into the working tree, which may be under the host's /tmp,
    the folder the function's own /tmp covers."""
    found = []
    for folder in folders:
        for top in (folder, os.path.join(folder, "python")):
            if os.path.isdir(top):
                found += [
                    os.path.realpath(entry.path) for entry in os.scandir(top) if entry.is_symlink()
                ]
    return found


def _enter_lambda_folders(
    code: str, layers: list[str], tmp_mb: int, runtime_entered: bool | None
) -> bool:
    """/var/task, /opt and /tmp as Lambda has them (sandbox.py); False where the host cannot
    make them (no user namespaces), and the function then sees host paths."""
    if runtime_entered is False:
        return False
    sandbox = load_sandbox()
    here = os.path.dirname(os.path.abspath(__file__))
    try:
        if runtime_entered is None:
            sandbox.enter_runtime(sys.prefix, here, layers)
        needed = [sys.prefix, sys.base_prefix, here, *layers, *linked_sources(code, *layers)]
        sandbox.enter_function(code, tmp_mb, [*needed, *_clock_folders()])
    except OSError:
        return False
    return True


def _run_exec_wrapper() -> None:
    """As Lambda: AWS_LAMBDA_EXEC_WRAPPER's script starts the runtime, given its command line
    (a missing or unrunnable script ends it with the shell's 127)."""
    wrapper = os.environ["AWS_LAMBDA_EXEC_WRAPPER"]
    for name in ("_LOCAL_CLOUD_REQUEST_FD", "_LOCAL_CLOUD_RESPONSE_FD"):
        os.set_inheritable(int(os.environ[name]), True)
    os.environ["_LOCAL_CLOUD_WRAPPED"] = "1"
    command = ["/var/lang/bin/python", "-I", "-u", "/var/runtime/bootstrap.py"]
    try:
        os.execv(wrapper, [wrapper, *command])  # noqa: S606 (the wrapper is the function's)
    except OSError as error:
        print(f"{wrapper}: {error.strerror}", file=sys.stderr, flush=True)
        os._exit(127)


def _clock_folders() -> list[str]:
    """What keeps the function and the programs it starts on the local cloud's clock: the folder
    of the clock's offset, which libfaketime rereads (rewritten on each move: the folder, not
    the file, must stay the host's), and libfaketime's own, preloaded into each program."""
    offset = os.environ.get("FAKETIME_TIMESTAMP_FILE")
    library = os.environ.get("LD_PRELOAD")
    return [os.path.dirname(offset), os.path.dirname(library)] if offset and library else []


def _import_path_from_wrapper() -> list[str]:
    """What an exec wrapper put on PYTHONPATH (the runtime runs with -I, so it reads it)."""
    entries = os.environ.get("PYTHONPATH", "").split(":")
    return [entry for entry in entries if entry and entry != "/var/runtime"]


# What starts a process on the local cloud's clock (localcloud/clock/processes.py): not Lambda's.
CLOCK_VARIABLES = (
    "LD_PRELOAD",
    "FAKETIME_TIMESTAMP_FILE",
    "FAKETIME_CACHE_DURATION",
    "FAKETIME_DONT_FAKE_MONOTONIC",
)


def _hide_the_clock_variables() -> None:
    """The function's view of its environment is Lambda's alone; the clock's variables stay in
    the process's own (C) environment, which what the handler starts inherits, so a child
    process runs on the same clock. (os.environ's mapping is the view: dropping a key from it
    alone leaves the process environment as it is.)"""
    for name in CLOCK_VARIABLES:
        os.environ._data.pop(os.environ.encodekey(name), None)


def main(runtime_entered: bool | None = None) -> None:
    """runtime_entered: whether the zygote this process forked from made the runtime's part of
    the Lambda folders (None: a fresh interpreter, which makes them all)."""
    wrapped = os.environ.pop("_LOCAL_CLOUD_WRAPPED", None) == "1"
    layers = json.loads(os.environ.pop("_LOCAL_CLOUD_LAYERS", "[]"))
    code = os.environ.pop("_LOCAL_CLOUD_CODE")
    tmp_mb = int(os.environ.pop("_LOCAL_CLOUD_TMP_MB", "512"))
    if wrapped or _enter_lambda_folders(code, layers, tmp_mb, runtime_entered):
        code, layers = "/var/task", ["/opt"] if layers else []
        if not wrapped and os.environ.get("AWS_LAMBDA_EXEC_WRAPPER"):
            os.environ.update(_LOCAL_CLOUD_CODE=code, _LOCAL_CLOUD_LAYERS=json.dumps(layers))
            _run_exec_wrapper()
    requests = os.fdopen(int(os.environ.pop("_LOCAL_CLOUD_REQUEST_FD")), "rb")
    responses = os.fdopen(int(os.environ.pop("_LOCAL_CLOUD_RESPONSE_FD")), "wb")
    _hide_the_clock_variables()

    def send(message: dict) -> None:
        responses.write(json.dumps(message).encode() + b"\n")
        responses.flush()

    paths = LambdaPaths(code, layers)
    _set_import_path(code, layers)
    sys.path[1:1] = _import_path_from_wrapper() if wrapped else []
    log_handler = _configure_logging()
    init_error = None
    try:
        handler = load_handler(os.environ["_HANDLER"])
    except InitError as error:
        init_error = error
        init_frames = paths.frames(error.__cause__) if error.__cause__ else None
        log_error(error.error_type, str(error), init_frames)
    send({"type": "ready", "version": "{}.{}.{}".format(*sys.version_info[:3])})

    for line in requests:
        request = json.loads(line)
        request_id = request["request_id"]
        os.environ["_X_AMZN_TRACE_ID"] = request.get("trace_id") or ""
        log_handler.request_id = request_id
        answer = None
        if init_error is not None:
            # As Lambda: an error of the init phase belongs to no request.
            answer = error_payload(init_error.error_type, str(init_error), "", init_frames)
        else:
            try:
                event = json.loads(request["payload"]) if request["payload"] else {}
                result = handler(event, LambdaContext(request))
            except Exception as error:
                answer = error_payload(
                    type(error).__name__,
                    paths.show_in(str(error)),
                    request_id,
                    paths.frames(error, skip=1),
                )
                paths.print_exception(error, skip=1)
            else:
                try:
                    key, value = marshal(result)
                except (TypeError, ValueError, OverflowError) as error:
                    message = f"Unable to marshal response: {error}"
                    answer = error_payload("Runtime.MarshalError", message, request_id)
                    print(f"[ERROR] Runtime.MarshalError: {message}", file=sys.stderr)
        sys.stdout.flush()
        sys.stderr.flush()
        os.write(1, LOG_MARKER.format(request_id=request_id).encode())
        if answer is None:
            send({"type": "response", key: value})
        else:
            send({"type": "error", "payload": json.dumps(answer)})


if __name__ == "__main__":
    main()
