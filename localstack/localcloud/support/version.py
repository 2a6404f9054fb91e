"""The local cloud refuses to start on a localstack-core other than the one the plugins fit.

cloud.py checks before starting LocalStack; this hook checks again inside the process (first of
the start hooks), for a LocalStack started some other way.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from localstack.runtime import hooks

from localcloud import LOCALSTACK_VERSION
from localcloud.support.patching import stop_the_local_cloud


def version_problem(installed: str | None) -> str | None:
    if installed == LOCALSTACK_VERSION:
        return None
    found = f"localstack-core {installed}" if installed else "no localstack-core"
    return (
        f"{found} is installed, but the local cloud's plugins (localstack/localcloud/) were "
        f"written for localstack-core {LOCALSTACK_VERSION}: reinstall it with 'make setup', or "
        "port the plugins and change the pin in localstack/requirements.txt and "
        "localcloud/__init__.py together"
    )


@hooks.on_infra_start(priority=100)
def refuse_other_localstack_versions():
    try:
        installed = version("localstack-core")
    except PackageNotFoundError:
        installed = None
    if problem := version_problem(installed):
        stop_the_local_cloud(problem)
