"""The importer's image on AWS: built from containers/importer/ and pushed to the stack's ECR
repository (output ImportsRepositoryUri) by `make deploy`, which then needs Docker.

The repository's tags are immutable, so an image's tag names its content: a digest of the
files of containers/importer/. The same files make the same tag, which is pushed once; any
edit makes a new tag, which the deploy passes to the task definition (ImportsImageTag).
The local cloud needs no image: it runs containers/importer/ as host processes whatever the
tag (localstack/localcloud/ecs/).
"""

from __future__ import annotations

import base64
import hashlib
import subprocess
from pathlib import Path

from devkit import PROJECT

SOURCE = PROJECT / "containers" / "importer"
# What Python leaves beside the sources when they run: not part of the image's content.
NOT_CONTENT = {"__pycache__", ".pytest_cache", ".ruff_cache"}


def tag(source: Path = SOURCE) -> str:
    """`src-<digest>`: sha256 over every file's path (inside source) and bytes, in path order."""
    digest = hashlib.sha256()
    for path in sorted(source.rglob("*"), key=lambda p: p.relative_to(source).parts):
        inside = path.relative_to(source)
        if not path.is_file() or NOT_CONTENT.intersection(inside.parts) or path.suffix == ".pyc":
            continue
        digest.update(inside.as_posix().encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return f"src-{digest.hexdigest()[:20]}"


def repository_uri(ecr, stack_name: str) -> str | None:
    """The stack's ImportsRepository (functions/imports/template.yaml names it
    `<stack>/importer`); None before the stack's first deploy creates it."""
    try:
        found = ecr.describe_repositories(repositoryNames=[f"{stack_name}/importer"])
    except ecr.exceptions.RepositoryNotFoundException:
        return None
    return found["repositories"][0]["repositoryUri"]


def is_pushed(ecr, uri: str, image_tag: str) -> bool:
    repository = uri.split("/", 1)[1]
    try:
        ecr.describe_images(repositoryName=repository, imageIds=[{"imageTag": image_tag}])
    except ecr.exceptions.ImageNotFoundException:
        return False
    return True


def push(ecr, uri: str, image_tag: str) -> str:
    """Build the image and push it as uri:image_tag, unless that tag is there already (an
    immutable tag refuses a second push); the image's name either way."""
    image = f"{uri}:{image_tag}"
    if is_pushed(ecr, uri, image_tag):
        print(f"[stack] importer image {image} is in the repository already", flush=True)
        return image
    registry = uri.split("/", 1)[0]
    token = ecr.get_authorization_token()["authorizationData"][0]
    user, password = base64.b64decode(token["authorizationToken"]).decode().split(":", 1)
    subprocess.run(
        ["docker", "login", "--username", user, "--password-stdin", registry],
        input=password.encode(),
        check=True,
    )
    subprocess.run(
        ["docker", "build", "--platform", "linux/amd64", "--tag", image, str(SOURCE)], check=True
    )
    subprocess.run(["docker", "push", image], check=True)
    print(f"[stack] importer image pushed: {image}", flush=True)
    return image
