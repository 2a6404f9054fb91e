"""The importer's image on AWS: built from containers/importer/ and pushed to the stack's ECR
repository (output ImportsRepositoryUri) by `make deploy`, which then needs Docker.

The local cloud needs no image: it runs containers/importer/ as host processes
(localstack/localcloud/ecs/).
"""

from __future__ import annotations

import base64
import subprocess
import tomllib

from devkit import PROJECT

SOURCE = PROJECT / "containers" / "importer"
TAG = "latest"  # the task definition's ImportsImageTag default


def stack_name(env: str) -> str:
    config = tomllib.loads((PROJECT / "samconfig.toml").read_text())
    return config[env]["deploy"]["parameters"]["stack_name"]


def push(env: str) -> str:
    """Build the image and push it to the deployed stack's repository; its URI with tag."""
    import boto3  # real AWS, with the deployer's own credentials

    stack = boto3.client("cloudformation").describe_stacks(StackName=stack_name(env))["Stacks"][0]
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}
    image = f"{outputs['ImportsRepositoryUri']}:{TAG}"
    registry = image.split("/", 1)[0]
    token = boto3.client("ecr").get_authorization_token()["authorizationData"][0]
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
    return image
