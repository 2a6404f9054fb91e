"""The Lambda Python runtime, played by a host process.

Runs on the function's own interpreter (a virtual environment holding only what the Lambda
runtime provides), so it uses the standard library alone. It imports the handler once, tells
the executor it is ready, then answers one invocation at a time:

- requests arrive as JSON lines on the file descriptor named by _LOCAL_CLOUD_REQUEST_FD;
- answers leave as JSON lines on _LOCAL_CLOUD_RESPONSE_FD: {"type": "ready"}, then per
  invocation {"type": "response" | "error", "payload": "<JSON text>"};
- stdout and stderr are the function's logs; after each invocation a marker line tells the
  executor where that invocation's logs end.
"""

import decimal
import importlib
import json
import logging
import os
import sys
import time
import traceback

LOG_MARKER = "\x1elocal-cloud-end {request_id}\x1e\n"


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


def error_payload(error_type: str, message: str, request_id: str, trace=None) -> dict:
    return {
        "errorMessage": message,
        "errorType": error_type,
        "requestId": request_id,
        "stackTrace": traceback.format_list(trace) if trace else [],
    }


def _to_json(value) -> str:
    def default(obj):
        if isinstance(obj, decimal.Decimal):
            return int(obj) if obj == obj.to_integral_value() else float(obj)
        raise TypeError(f"Object of type {type(obj).__name__} is not JSON serializable")

    return json.dumps(value, default=default)


def _set_import_path() -> None:
    """As in Lambda: the function's code first, then each layer's python folders."""
    task_root = os.environ["LAMBDA_TASK_ROOT"]
    layers = json.loads(os.environ.pop("_LOCAL_CLOUD_LAYERS", "[]"))
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

    _set_import_path()
    _configure_logging()
    init_error = None
    try:
        handler = load_handler(os.environ["_HANDLER"])
    except InitError as error:
        init_error = error
        print(f"[ERROR] {error.error_type}: {error}", file=sys.stderr, flush=True)
    send({"type": "ready"})

    for line in requests:
        request = json.loads(line)
        request_id = request["request_id"]
        os.environ["_X_AMZN_TRACE_ID"] = request.get("trace_id") or ""
        kind, payload = "response", None
        if init_error is not None:
            kind = "error"
            payload = error_payload(init_error.error_type, str(init_error), request_id)
        else:
            try:
                event = json.loads(request["payload"]) if request["payload"] else {}
                result = handler(event, LambdaContext(request))
                try:
                    payload = _to_json(result)
                except (TypeError, ValueError) as error:
                    kind = "error"
                    payload = error_payload(
                        "Runtime.MarshalError", f"Unable to marshal response: {error}", request_id
                    )
            except Exception as error:
                kind = "error"
                trace = traceback.extract_tb(error.__traceback__)[1:]  # drop this frame
                payload = error_payload(type(error).__name__, str(error), request_id, trace)
                print(f"[ERROR] {type(error).__name__}: {error}", file=sys.stderr)
                traceback.print_exception(error, file=sys.stderr)
        sys.stdout.flush()
        sys.stderr.flush()
        os.write(1, LOG_MARKER.format(request_id=request_id).encode())
        send({"type": kind, "payload": payload if isinstance(payload, str) else _to_json(payload)})


if __name__ == "__main__":
    main()
