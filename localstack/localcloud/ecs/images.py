"""How a container image becomes code on the host: the project's `containers/<name>/`.

An image's repository name ends with the name of a folder of the project's `containers/`
(`<account>.dkr.ecr.<region>.amazonaws.com/<stack>/importer:latest` is `containers/importer/`).
Set-up prepares each folder's virtual environment once from its pinned `requirements.txt`
(`localstack/cloud.py setup`), so nothing is downloaded when a task starts. The image's
`ENTRYPOINT`, `CMD` and `ENV` come from the folder's Dockerfile (exec form only), as Docker
would build them; the task runs in the folder, its environment's `bin/` first on the PATH.
"""

from __future__ import annotations

import json
import os
import shlex
from dataclasses import dataclass, field
from pathlib import Path


class ImageNotMapped(Exception):
    """No project folder, or no prepared environment, for an image."""


@dataclass(frozen=True)
class LocalImage:
    name: str
    source: Path  # containers/<name>/, the working directory
    environment: Path  # its prepared virtual environment
    entry_point: list[str] = field(default_factory=list)
    command: list[str] = field(default_factory=list)
    variables: dict[str, str] = field(default_factory=dict)


def sources_dir() -> Path:
    return Path(os.environ.get("LOCAL_CLOUD_CONTAINER_SOURCES", Path.cwd() / "containers"))


def environments_dir() -> Path:
    return Path(os.environ.get("LOCAL_CLOUD_CONTAINERS", Path.cwd() / "container-envs"))


def repository_folder(image: str) -> str:
    """`registry/path/name:tag` or `...@sha256:...` -> `name`."""
    without_digest = image.split("@", 1)[0]
    last = without_digest.rsplit("/", 1)[-1]
    return last.split(":", 1)[0]


def local_image(image: str) -> LocalImage:
    name = repository_folder(image)
    source = sources_dir() / name
    environment = environments_dir() / name
    if not (source / "Dockerfile").is_file():
        raise ImageNotMapped(f"no containers/{name}/Dockerfile in the project")
    if not (environment / "bin" / "python").exists():
        raise ImageNotMapped(f"containers/{name}/ has no prepared environment (run make setup)")
    entry_point, command, variables = dockerfile_settings((source / "Dockerfile").read_text())
    return LocalImage(name, source, environment, entry_point, command, variables)


def dockerfile_settings(text: str) -> tuple[list[str], list[str], dict[str, str]]:
    """The ENTRYPOINT, CMD (exec form) and ENV of a Dockerfile's last stage."""
    entry_point: list[str] = []
    command: list[str] = []
    variables: dict[str, str] = {}
    for line in text.replace("\\\n", " ").splitlines():
        instruction, _, rest = line.strip().partition(" ")
        match instruction.upper():
            case "FROM":  # a new stage starts afresh
                entry_point, command, variables = [], [], {}
            case "ENTRYPOINT":
                entry_point = json.loads(rest)
            case "CMD":
                command = json.loads(rest)
            case "ENV":
                for pair in shlex.split(rest):
                    key, _, value = pair.partition("=")
                    variables[key] = value
    return entry_point, command, variables
