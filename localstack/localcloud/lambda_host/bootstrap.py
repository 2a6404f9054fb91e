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
import importlib
import json
import logging
import os
import sys
import time
import traceback

LOG_MARKER = "\x1elocal-cloud-end {request_id}\x1e\n"
# Lambda's Python runtime writes non-ASCII characters as they are from python3.12 on, and as
# \\u escapes before.
ENSURE_ASCII = sys.version_info < (3, 12)


class LambdaContext:
    """The context object the Lambda Python runtime passes to a handler."""

    def __init__(self, request: dict) -> None:
        self.aws_request_id = request["request_id"]
        self.invoked_function_arn = request["invoked_function_arn"]
        self.function_name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME", "")
        self.function_version = os.environ.get("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        self.memory_limit_in_mb = int(os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128"))
        self.log_group_name = os.environ.get("AWS_LAMBDA_LOG_GROUP_NAME", "")
        self.log_stream_name = os.environ.get("AWS_LAMBDA_LOG_STREAM_NAME", "")
        self.identity = None
        self.client_context = None
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
        """What the runtime logs for an unhandled error, as Lambda logs it."""
        lines = traceback.format_list(self.frames(error, skip))
        print(
            f"[ERROR] {type(error).__name__}: {self.show_in(str(error))}\n"
            "Traceback (most recent call last):\n" + "".join(lines),
            end="",
            file=sys.stderr,
        )


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


def _set_import_path(layers: list[str]) -> None:
    """As in Lambda: the function's code first, then each layer's python folders."""
    task_root = os.environ["LAMBDA_TASK_ROOT"]
    version = "python{}.{}".format(*sys.version_info[:2])
    paths = [task_root]
    for layer in layers:
        paths += [f"{layer}/python/lib/{version}/site-packages", f"{layer}/python"]
    sys.path[:0] = paths
    os.chdir(task_root)


def _configure_logging() -> None:
    # The runtime's root handler: what a handler logs with the logging module reaches the logs.
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(
        logging.Formatter(
            "[%(levelname)s]\t%(asctime)s.%(msecs)03dZ\t%(message)s", "%Y-%m-%dT%H:%M:%S"
        )
    )
    logging.Formatter.converter = time.gmtime
    logging.getLogger().addHandler(handler)


def main() -> None:
    requests = os.fdopen(int(os.environ.pop("_LOCAL_CLOUD_REQUEST_FD")), "rb")
    responses = os.fdopen(int(os.environ.pop("_LOCAL_CLOUD_RESPONSE_FD")), "wb")

    def send(message: dict) -> None:
        responses.write(json.dumps(message).encode() + b"\n")
        responses.flush()

    layers = json.loads(os.environ.pop("_LOCAL_CLOUD_LAYERS", "[]"))
    paths = LambdaPaths(os.environ["LAMBDA_TASK_ROOT"], layers)
    _set_import_path(layers)
    _configure_logging()
    init_error = None
    try:
        handler = load_handler(os.environ["_HANDLER"])
    except InitError as error:
        init_error = error
        init_frames = paths.frames(error.__cause__) if error.__cause__ else None
        print(f"[ERROR] {error.error_type}: {error}", file=sys.stderr, flush=True)
    send({"type": "ready"})

    for line in requests:
        request = json.loads(line)
        request_id = request["request_id"]
        os.environ["_X_AMZN_TRACE_ID"] = request.get("trace_id") or ""
        answer = None
        if init_error is not None:
            answer = error_payload(init_error.error_type, str(init_error), request_id, init_frames)
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
