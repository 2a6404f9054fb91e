"""A pre-loaded parent for Lambda handler processes: one per runtime and set of layers.

It imports the heavy modules every handler of those layers would import anyway (the AWS SDK,
pydantic, Powertools), then forks a child per execution environment on request. A child shares
those pages with its parent copy-on-write and starts in milliseconds, then becomes exactly what
bootstrap.py makes of a fresh interpreter: the function's own environment variables, code
folder, layers and import path.

What it imports comes only from the runtime and the layers the key names, never from a
function's code; the executor falls back to a fresh interpreter for a function whose code would
shadow a module loaded here, or whose environment sets a variable read at import time.

Protocol, on the SOCK_SEQPACKET socket whose descriptor is argv[1] (one JSON message each):
- to the executor: {"type": "ready", "modules": [top-level names loaded]} once, then
  {"type": "spawned", "pid": n} per request and {"type": "exited", "pid": n, "status": code}
  per child that ended (negative: killed by that signal);
- from the executor: {"env": {...}} with three descriptors (the child's request pipe, its
  response pipe and its log pipe for stdout and stderr).
Standard library only, like bootstrap.py.
"""

import contextlib
import gc
import importlib
import importlib.util
import json
import os
import select
import signal
import socket
import sys
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))


def _load(name: str):
    # -I leaves this script's folder off sys.path: load the runtime's modules by their files.
    spec = importlib.util.spec_from_file_location(name, os.path.join(HERE, f"{name}.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def preload(layers: list[str], modules: list[str]) -> None:
    """Import what a handler of these layers would, from the same folders it would."""
    version = "python{}.{}".format(*sys.version_info[:2])
    base = list(sys.path)
    for layer in reversed(layers):
        sys.path[:0] = [f"{layer}/python/lib/{version}/site-packages", f"{layer}/python"]
    for name in modules:
        # One not in this runtime or these layers is left for the child to import, or not.
        with contextlib.suppress(Exception):
            importlib.import_module(name)
    sys.path[:] = base
    importlib.invalidate_caches()


def _send(control: socket.socket, message: dict) -> None:
    control.send(json.dumps(message).encode())


def _become_handler(bootstrap, sandboxed, control, wake, request: dict, fds) -> None:
    """In the child: drop the parent's plumbing, take the function's world, run the runtime."""
    signal.set_wakeup_fd(-1)
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    control.close()
    for fd in wake:
        os.close(fd)
    request_read, response_write, logs = fds
    os.dup2(logs, 1)
    os.dup2(logs, 2)
    os.close(logs)
    os.environ.clear()
    os.environ.update(request["env"])
    os.environ["_LOCAL_CLOUD_REQUEST_FD"] = str(request_read)
    os.environ["_LOCAL_CLOUD_RESPONSE_FD"] = str(response_write)
    time.tzset()  # TZ is the function's now
    sys.argv = [bootstrap.__file__]
    bootstrap.main(runtime_entered=sandboxed)


def main() -> None:
    control = socket.socket(fileno=int(sys.argv[1]))
    layers, modules = json.loads(sys.argv[2]), json.loads(sys.argv[3])
    bootstrap = _load("bootstrap")
    try:
        bootstrap.load_sandbox().enter_runtime(sys.prefix, HERE, layers)
        sandboxed, layers = True, ["/opt"] if layers else []
    except OSError as error:
        print(f"Lambda folders not made ({error}): functions see host paths", file=sys.stderr)
        sandboxed = False
    preload(layers, modules)
    # Objects alive now are never collected: a child's collector leaves their pages shared.
    gc.freeze()
    loaded = sorted({name.partition(".")[0] for name in sys.modules})
    _send(control, {"type": "ready", "modules": loaded})

    wake = os.pipe()
    os.set_blocking(wake[1], False)
    signal.set_wakeup_fd(wake[1])
    signal.signal(signal.SIGCHLD, lambda *_: None)
    while True:
        readable, _, _ = select.select([control, wake[0]], [], [])
        if wake[0] in readable:
            os.read(wake[0], 4096)
        if control in readable:
            message, fds, _, _ = socket.recv_fds(control, 1 << 20, 3)
            if not message:
                return  # the executor is gone; its process group ends the children
            pid = os.fork()
            if pid == 0:
                code = 0
                try:
                    _become_handler(bootstrap, sandboxed, control, wake, json.loads(message), fds)
                except SystemExit as exit_:  # as a fresh interpreter would end
                    if isinstance(exit_.code, int) or exit_.code is None:
                        code = exit_.code or 0
                    else:
                        print(exit_.code, file=sys.stderr)
                        code = 1
                except BaseException:
                    traceback.print_exc()
                    code = 1
                finally:
                    sys.stdout.flush()
                    sys.stderr.flush()
                os._exit(code)
            for fd in fds:
                os.close(fd)
            _send(control, {"type": "spawned", "pid": pid})
        while True:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                break
            if pid == 0:
                break
            code = os.waitstatus_to_exitcode(status)
            _send(control, {"type": "exited", "pid": pid, "status": code})


if __name__ == "__main__":
    main()
