#!/usr/bin/env python3
"""Set up, start and stop the local cloud: localstack-core on the host, with our plugins.

Standard library only, so any python3 can run it before a virtual environment exists.

    python3 localstack/cloud.py setup    # virtual environments for LocalStack and the runtimes
    python3 localstack/cloud.py up       # start on 127.0.0.1:4566 and wait until healthy
    python3 localstack/cloud.py down     # SIGTERM, then SIGKILL after a deadline
    python3 localstack/cloud.py status
    python3 localstack/cloud.py python   # print the path of a Python 3.13 interpreter

Settings come from the environment: LOCAL_CLOUD_PORT (4566), LOCAL_CLOUD_HOME (.local-cloud
in the project) and LOCAL_CLOUD_PYTHON_RUNTIMES (the Lambda runtimes prepared and offered: "all",
the default, for every one whose Python is installed, or names such as "python3.12 python3.13").
Virtual environments live in LOCAL_CLOUD_HOME; each port's instance keeps its state, pid, log
and Step Functions mock file in LOCAL_CLOUD_HOME/<port>/, so instances on different ports run
side by side.
"""

from __future__ import annotations

import contextlib
import functools
import glob
import hashlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from localcloud.support import procfs  # beside this file: /proc only, no LocalStack

PROJECT = Path(__file__).resolve().parent.parent
PLUGINS = PROJECT / "localstack"
PYTHON_VERSION = (3, 13)
# The Python runtimes Lambda offers for new functions, and the interpreter version each needs.
RUNTIMES = {f"python3.{minor}": (3, minor) for minor in (10, 11, 12, 13, 14)}

START_DEADLINE_S = 90
STOP_DEADLINE_S = float(os.environ.get("LOCAL_CLOUD_STOP_DEADLINE", "10"))


def home() -> Path:
    return Path(os.environ.get("LOCAL_CLOUD_HOME", PROJECT / ".local-cloud")).resolve()


def port() -> int:
    return int(os.environ.get("LOCAL_CLOUD_PORT", "4566"))


def instance() -> Path:
    return home() / str(port())


def say(message: str) -> None:
    print(f"[local-cloud] {message}", flush=True)


def fail(message: str) -> None:
    print(f"[local-cloud] error: {message}", file=sys.stderr, flush=True)
    sys.exit(1)


# --- finding Python --------------------------------------------------------------------------


def _is_version(python: str, version: tuple[int, int]) -> bool:
    try:
        out = subprocess.run(
            [python, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
            capture_output=True,
            text=True,
            timeout=20,
        ).stdout.strip()
    except (OSError, subprocess.TimeoutExpired):
        return False
    return out == "{}.{}".format(*version)


def _pyenv_root() -> str:
    return os.environ.get("PYENV_ROOT", str(Path.home() / ".pyenv"))


@functools.cache
def locate_python(version: tuple[int, int]) -> str | None:
    """A real interpreter path (not a pyenv shim) of the given version, if one is installed.
    Looked for once per command: each candidate is asked its version (a process each), and
    `up` needs the runtimes for set-up and again for LocalStack's environment."""
    name = "python{}.{}".format(*version)
    candidates = sorted(
        glob.glob(f"{_pyenv_root()}/versions/{version[0]}.{version[1]}.*/bin/{name}")
    )
    for directory in os.environ.get("PATH", "").split(os.pathsep):
        path = Path(directory) / name
        if path.exists() and "shims" not in directory:
            candidates.append(str(path))
    return next((c for c in candidates if _is_version(c, version)), None)


def how_to_install(version: tuple[int, int]) -> str:
    return (
        f"install Python {version[0]}.{version[1]} (e.g. 'pyenv install {version[0]}.{version[1]}'"
        f" or 'apt-get install python{version[0]}.{version[1]}')"
    )


def find_python(version: tuple[int, int] = PYTHON_VERSION) -> str:
    """A real interpreter path of the given version, or exit naming what is missing."""
    python = locate_python(version)
    if python is None:
        fail(
            "no python{}.{} found (looked in {}/versions and on PATH): {}.".format(
                *version, _pyenv_root(), how_to_install(version)
            )
        )
    return python


def selected_runtimes() -> dict[str, str]:
    """The Lambda runtimes to prepare, each with its interpreter (LOCAL_CLOUD_PYTHON_RUNTIMES)."""
    setting = os.environ.get("LOCAL_CLOUD_PYTHON_RUNTIMES", "all").replace(",", " ").split()
    if setting in ([], ["all"]):
        found = {runtime: locate_python(version) for runtime, version in RUNTIMES.items()}
        return {runtime: python for runtime, python in found.items() if python}
    unknown = [runtime for runtime in setting if runtime not in RUNTIMES]
    if unknown:
        fail(
            f"LOCAL_CLOUD_PYTHON_RUNTIMES names {', '.join(unknown)}; Lambda's Python runtimes "
            f"are {', '.join(RUNTIMES)} (or 'all')"
        )
    return {runtime: find_python(RUNTIMES[runtime]) for runtime in setting}


# --- set-up ----------------------------------------------------------------------------------


def _fingerprint(*files: Path) -> str:
    digest = hashlib.sha256()
    for file in files:
        digest.update(file.read_bytes())
    return digest.hexdigest()


def _venv(path: Path, python: str, requirements: list[Path], extra: list[str], label: str) -> None:
    """A virtual environment with exactly these pins; rebuilt only when they change."""
    marker = path / ".installed"
    wanted = _fingerprint(*requirements) + " ".join(extra)
    if marker.exists() and marker.read_text() == wanted and (path / "bin" / "python").exists():
        return
    say(f"installing {label} into {path} (once; about a minute)")
    shutil.rmtree(path, ignore_errors=True)
    subprocess.run([python, "-m", "venv", str(path)], check=True)
    pip = [
        str(path / "bin" / "python"),
        "-m",
        "pip",
        "install",
        "--quiet",
        "--disable-pip-version-check",
    ]
    args = [arg for req in requirements for arg in ("-r", str(req))]
    subprocess.run([*pip, *args, *extra], check=True)
    marker.write_text(wanted)
    say(f"{label} ready")


# Debian packages set-up installs when their command is missing: graphviz lays out the console's
# drawings; chromium and its driver run the console's browser tests.
SYSTEM_TOOLS = {"dot": "graphviz", "chromium": "chromium", "chromedriver": "chromium-driver"}


def _system_tools() -> None:
    missing = [pkg for command, pkg in SYSTEM_TOOLS.items() if shutil.which(command) is None]
    if not missing:
        return
    if shutil.which("apt-get") is None:
        say(f"cannot install {', '.join(missing)} (no apt-get): install them with your OS's tools")
        return
    sudo = [] if os.geteuid() == 0 else ["sudo", "-n"]
    install = [*sudo, "apt-get", "install", "-y", "--no-install-recommends", *missing]
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    say(f"installing {', '.join(missing)} from Debian (once)")
    if subprocess.run(install, env=env, stdout=subprocess.DEVNULL).returncode != 0:
        subprocess.run([*sudo, "apt-get", "update"], env=env, stdout=subprocess.DEVNULL)
        if subprocess.run(install, env=env, stdout=subprocess.DEVNULL).returncode != 0:
            say(f"could not install {', '.join(missing)} with apt-get; install them yourself")


def setup() -> None:
    _system_tools()
    python = find_python()
    venv = home() / "venv"
    _venv(venv, python, [PLUGINS / "requirements.txt"], [], "localstack-core")
    # The plugins install editable: code changes apply at the next start; only new entry points
    # (pyproject.toml) need this again.
    marker = venv / ".plugins-installed"
    wanted = _fingerprint(PLUGINS / "pyproject.toml")
    if not marker.exists() or marker.read_text() != wanted:
        say("installing the project's LocalStack plugins")
        # LocalStack's plugin loader reads entry points from the egg-info an editable install
        # leaves beside the sources; a stale one would hide new plugins.
        shutil.rmtree(PLUGINS / "localcloud.egg-info", ignore_errors=True)
        subprocess.run(
            [
                str(venv / "bin" / "python"),
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
                "--no-deps",
                "-e",
                str(PLUGINS),
            ],
            check=True,
        )
        # LocalStack's plugin loader keeps an index of entry points; drop it so new ones load.
        shutil.rmtree(home() / "cache", ignore_errors=True)
        marker.write_text(wanted)
    for runtime, python in selected_runtimes().items():
        _runtime_venv(runtime, python, venv)
    _container_venvs(python)
    _localstack_files(venv)
    # The peer make bench BENCH=peers runs beside the local cloud (bench/peers.py).
    peer = [PROJECT / "bench" / "peers-requirements.txt"]
    _venv(home() / "peers" / "ministack", python, peer, [], "MiniStack, the benchmarks' peer")


def _localstack_files(venv: Path) -> None:
    """The files LocalStack makes the first time it needs them, made once per pinned LocalStack
    (`prepared_files()`): its index of every AWS service's API and its TLS certificate. Each
    start wipes LocalStack's folders, so every instance made them again: the index at its first
    AWS request, from all of botocore's service specs (4.4 s, and the 440 MB of specs it loaded
    stayed loaded), the certificate's RSA key at every start."""
    root = _prepared_root()
    marker = root / ".installed"
    wanted = _fingerprint(PLUGINS / "requirements.txt")
    if marker.exists() and marker.read_text() == wanted:
        return
    say("preparing LocalStack's index of AWS APIs and its certificate (once)")
    shutil.rmtree(root, ignore_errors=True)
    make = (
        "from localstack import config; from localstack.aws import spec; "
        "from localstack.utils import ssl; config.dirs.mkdirs(); spec.main(); ssl.create_ssl_cert()"
    )
    env = {**environment(), "FILESYSTEM_ROOT": str(root)}
    subprocess.run([str(venv / "bin" / "python"), "-c", make], env=env, check=True)
    marker.write_text(wanted)


def _prepared_root() -> Path:
    return home() / "localstack-files"


def prepared_files() -> list[Path]:
    """Set-up's copies of what LocalStack would make at each start, relative to its folders'
    root (FILESYSTEM_ROOT): the API index and the certificate (not the key and certificate
    files LocalStack splits it into at each start: each instance writes its own)."""
    root = _prepared_root()
    found = [*root.rglob("service-catalog-*.dill"), *root.rglob("server.test.pem")]
    return [path.relative_to(root) for path in found]


def _container_venvs(python: str) -> None:
    """Each image of the project's containers/<name>/ as the local cloud runs it: a virtual
    environment from its pinned requirements.txt, made once, so a task never downloads."""
    for requirements in sorted((PROJECT / "containers").glob("*/requirements.txt")):
        name = requirements.parent.name
        _venv(home() / "containers" / name, python, [requirements], [], f"the {name} container")


def _runtime_venv(runtime: str, python: str, tools: Path) -> None:
    """A Lambda runtime's environment: the interpreter and the runtime's pinned boto3, nothing
    else. The pins are pure-Python wheels: downloaded once, installed into each runtime by the
    tools' pip (no pip in the runtime, no index look-up), then compiled by the runtime's own
    interpreter so a cold start does not compile botocore. About 10 s a runtime."""
    requirements = PLUGINS / "runtime-requirements.txt"
    path = home() / "runtimes" / runtime
    marker = path / ".installed"
    wanted = _fingerprint(requirements) + python
    if marker.exists() and marker.read_text() == wanted and (path / "bin" / "python").exists():
        return
    pip = [str(tools / "bin" / "python"), "-m", "pip", "--disable-pip-version-check", "--quiet"]
    wheels = home() / "runtime-wheels"
    downloaded = wheels / ".downloaded"
    if not downloaded.exists() or downloaded.read_text() != _fingerprint(requirements):
        shutil.rmtree(wheels, ignore_errors=True)
        subprocess.run(
            [*pip, "download", "--no-deps", "--dest", str(wheels), "-r", str(requirements)],
            check=True,
        )
        downloaded.write_text(_fingerprint(requirements))
    say(f"preparing the {runtime} Lambda runtime (boto3 only) in {path}")
    shutil.rmtree(path, ignore_errors=True)
    subprocess.run([python, "-m", "venv", "--without-pip", str(path)], check=True)
    site_packages = path / "lib" / runtime / "site-packages"
    subprocess.run(
        [
            *pip,
            "install",
            "--no-index",
            "--find-links",
            str(wheels),
            "--no-deps",
            "--no-compile",
            "--target",
            str(site_packages),
            "-r",
            str(requirements),
        ],
        check=True,
    )
    subprocess.run(
        [str(path / "bin" / "python"), "-m", "compileall", "-q", "-j", "0", str(site_packages)],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    marker.write_text(wanted)


# --- lifecycle -------------------------------------------------------------------------------


def _health(timeout: float = 1.0) -> dict | None:
    try:
        with urllib.request.urlopen(
            f"http://127.0.0.1:{port()}/_localstack/health", timeout=timeout
        ) as response:
            return json.load(response)
    except (urllib.error.URLError, OSError, ValueError):
        return None


def _pid_file() -> Path:
    return instance() / "localstack.pid"


def _running_pid() -> int | None:
    try:
        pid = int(_pid_file().read_text())
    except (OSError, ValueError):
        return None
    try:
        os.kill(pid, 0)
    except OSError:
        return None
    # A reused pid would not be a LocalStack of ours.
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return None
    return pid if b"localstack.runtime.main" in cmdline else None


def _port_taken() -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port()))
        except OSError:
            return True
    return False


def environment() -> dict[str, str]:
    state = instance() / "state"
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("AWS_", "PYTHON", "VIRTUAL_ENV", "PYENV_VERSION"))
    }
    env.update(
        {
            # The host looks like a container to LocalStack; without this it writes to /var/lib.
            "OVERRIDE_IN_DOCKER": "0",
            "XDG_CACHE_HOME": str(home() / "cache"),
            # What the plugins keep across starts (localcloud/support/patching.py).
            "LOCAL_CLOUD_CACHE": str(home() / "cache" / "localcloud"),
            "FILESYSTEM_ROOT": str(state),
            # Unpacked Lambda code and S3 objects go under the temp dir: keep them in our state.
            "TMPDIR": str(state / "tmp"),
            "GATEWAY_LISTEN": f"127.0.0.1:{port()}",
            # Twisted (LocalStack's fastest) bound to the host above: see
            # localcloud/support/server.py.
            "GATEWAY_SERVER": "twisted-loopback",
            "LOCALSTACK_HOST": f"127.0.0.1:{port()}",
            "SQS_ENDPOINT_STRATEGY": "path",
            "DNS_ADDRESS": "0",
            "DISABLE_EVENTS": "1",
            "LOCALSTACK_TELEMETRY": "0",
            "SKIP_SSL_CERT_DOWNLOAD": "1",
            # Internal calls (Step Functions -> Lambda, metrics, logs) skip the HTTP round trip.
            "IN_MEMORY_CLIENT": "1",
            "LAMBDA_RUNTIME_EXECUTOR": "host",
            "LOCAL_CLOUD_RUNTIMES": str(home() / "runtimes"),
            # Only these are offered; a function on another runtime fails to create.
            "LOCAL_CLOUD_PREPARED_RUNTIMES": " ".join(selected_runtimes()),
            "PROVIDER_OVERRIDE_DYNAMODB": "moto",
            "PROVIDER_OVERRIDE_DYNAMODBSTREAMS": "moto",
            "PROVIDER_OVERRIDE_KINESIS": "moto",
            # ECS tasks run as host processes: images from the project's containers/, each
            # with the environment set-up prepared (localcloud/ecs/images.py).
            "PROVIDER_OVERRIDE_ECS": "localcloud",
            "LOCAL_CLOUD_CONTAINER_SOURCES": str(PROJECT / "containers"),
            "LOCAL_CLOUD_CONTAINERS": str(home() / "containers"),
            # glibc's malloc gives threads arenas of their own (up to 8 per core) and keeps what
            # is freed in each: LocalStack runs hundreds of threads. Two arenas took the payroll
            # bench's peak from 1,525-1,607 MiB PSS to 1,381 MiB, at the same paystubs/s.
            "MALLOC_ARENA_MAX": "2",
            # An idle event source mapping polls again within a second (AWS polls a stream's
            # shard every second and long-polls a queue); LocalStack backed off to 10 s (up to
            # 15 s with its jitter), so a message on a quiet queue waited that long.
            "LAMBDA_EVENT_SOURCE_MAPPING_MAX_BACKOFF_ON_EMPTY_POLL_SEC": "1",
        }
    )
    # Step Functions Local-format mock cases; LocalStack re-reads the file when it changes, so
    # tests install their cases into it while the cloud runs.
    env["SFN_MOCK_CONFIG"] = str(instance() / "sfn-mock-config.json")
    # IAM enforcement's journal (denials, actions used) goes in the instance's folder.
    env["LOCAL_CLOUD_INSTANCE"] = str(instance())
    return env


def installed_localstack_version(venv: Path) -> str | None:
    found = sorted(venv.glob("lib/python*/site-packages/localstack_core-*.dist-info"))
    if not found:
        return None
    return found[0].name.removeprefix("localstack_core-").removesuffix(".dist-info")


def check_localstack_version() -> None:
    """Refuse to start a LocalStack the plugins were not written for."""
    sys.path.insert(0, str(PLUGINS))
    from localcloud import LOCALSTACK_VERSION

    installed = installed_localstack_version(home() / "venv")
    if installed != LOCALSTACK_VERSION:
        fail(
            f"localstack-core {installed or '(none)'} is installed in {home() / 'venv'}, but the "
            f"plugins in localstack/localcloud/ were written for {LOCALSTACK_VERSION}: run 'make "
            "setup', or port the plugins and change the pin in localstack/requirements.txt and "
            "localcloud/__init__.py together"
        )


def plugins_stamp() -> str:
    """The plugins' sources as they are now (each file's path, size and time): LocalStack reads
    them once, at its start."""
    digest = hashlib.sha256()
    for source in sorted([*PLUGINS.rglob("*.py"), PLUGINS / "pyproject.toml"]):
        status = source.stat()
        digest.update(
            f"{source.relative_to(PLUGINS)} {status.st_size} {status.st_mtime_ns}\n".encode()
        )
    return digest.hexdigest()


def _stamp_file() -> Path:
    return instance() / "plugins.stamp"


def up() -> None:
    setup()
    check_localstack_version()
    if _running_pid() and _health():
        started_with = _stamp_file().read_text() if _stamp_file().exists() else None
        if started_with == plugins_stamp():
            say(f"already running on 127.0.0.1:{port()} (pid {_running_pid()})")
            say(f"console: http://127.0.0.1:{port()}/_console/")
            return
        # Else tests would run against the plugins as they were (an edit not yet in effect).
        say("the local cloud's plugins changed since it started: restarting it")
        down()
    stale = _running_pid()
    if stale:
        say(f"pid {stale} does not answer health checks: stopping it")
        down()
    if _port_taken():
        fail(
            f"port {port()} on 127.0.0.1 is already in use by another program. Stop it, or set "
            "LOCAL_CLOUD_PORT to a free port."
        )
    # No persistence: every start is a clean slate, whatever a crash left behind.
    state = instance() / "state"
    shutil.rmtree(state, ignore_errors=True)
    (state / "tmp").mkdir(parents=True)
    for relative in prepared_files():
        (state / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(_prepared_root() / relative, state / relative)
    log_path = instance() / "localstack.log"
    stamp = plugins_stamp()  # before the start: an edit made during it restarts it next time
    say(f"starting LocalStack on 127.0.0.1:{port()} (log: {log_path})")
    started = time.monotonic()
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [str(home() / "venv" / "bin" / "python"), "-m", "localstack.runtime.main"],
            cwd=state,
            env=environment(),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: 'down' stops it and its Lambdas
        )
    _pid_file().write_text(str(process.pid))
    _stamp_file().write_text(stamp)
    deadline = started + START_DEADLINE_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            tail = log_path.read_text(errors="replace").splitlines()[-20:]
            fail("LocalStack exited during start-up:\n" + "\n".join(tail))
        health = _health(timeout=0.5)
        if health and health.get("services"):
            say(f"ready in {time.monotonic() - started:.1f} s")
            say(f"console: http://127.0.0.1:{port()}/_console/")
            return
        time.sleep(0.02)  # a refused connection costs nothing; the start is what is waited for
    down()
    fail(f"LocalStack was not healthy within {START_DEADLINE_S} s; see {log_path}")


def down() -> None:
    pid = _running_pid()
    if pid is None:
        _pid_file().unlink(missing_ok=True)
        say("not running")
        return
    say(f"stopping pid {pid}")
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, signal.SIGTERM)
    started = time.monotonic()
    while time.monotonic() < started + STOP_DEADLINE_S and _alive(pid):
        time.sleep(0.05)
    if _alive(pid):
        say(f"still running after {STOP_DEADLINE_S} s: killing")
    else:
        say(f"exited on SIGTERM in {time.monotonic() - started:.1f} s")
        if outlived := procfs.group_members(pid):
            say(f"{len(outlived)} of its processes outlived it (pids {outlived}): killing them")
    # Lambda processes left in the group go too.
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, signal.SIGKILL)
    while _alive(pid):
        time.sleep(0.05)
    _pid_file().unlink(missing_ok=True)
    say("stopped")


def _alive(pid: int) -> bool:
    try:
        waited, _ = os.waitpid(pid, os.WNOHANG)
        if waited:
            return False
    except ChildProcessError:
        pass
    return procfs.running(pid)


def status() -> None:
    pid = _running_pid()
    health = _health()
    if pid and health:
        say(f"running on 127.0.0.1:{port()} (pid {pid})")
        return
    say("not running")
    sys.exit(3)


def main(argv: list[str]) -> None:
    commands = {"setup": setup, "up": up, "down": down, "status": status}
    if len(argv) != 2 or argv[1] not in [*commands, "python"]:
        fail(f"usage: {argv[0]} {{{','.join([*commands, 'python'])}}}")
    if argv[1] == "python":
        print(find_python())
        return
    commands[argv[1]]()


if __name__ == "__main__":
    main(sys.argv)
