"""Build the SAM application and deploy it, to the local cloud or to AWS.

    devkit stack build
    devkit stack deploy-local       # the 'local' samconfig environment
    devkit stack deploy dev         # real AWS: dev | staging | prod
    devkit stack validate           # template.yaml (rendered) and every nested template
    devkit stack outputs

The Makefile and the tests both come through here, so there is one way to build and deploy.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
import time
import tomllib
import zipfile
from collections import Counter
from functools import cache
from pathlib import Path

from devkit import PROJECT, deploy_record, hot_reload, importer_image, routes
from devkit.local_cloud import CLOUD, botocore_client, endpoint, local_aws

LOCAL_STACK_NAME = "serverless-workflows-local"
LOCAL_ARTIFACT_BUCKET = "sam-artifacts-local"


def say(message: str) -> None:
    print(f"[stack] {message}", flush=True)


@cache
def runtime_python_dir() -> str:
    python = subprocess.run(
        [sys.executable, str(CLOUD), "python"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    return str(Path(python).parent)


def sam_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    venv_bin = str(Path(sys.executable).parent)
    return {
        **os.environ,
        # sam builds python3.13 functions with a python3.13 found on PATH.
        "PATH": os.pathsep.join([runtime_python_dir(), venv_bin, os.environ.get("PATH", "")]),
        "SAM_CLI_TELEMETRY": "0",
        "SAM_CLI_POLL_DELAY": "0.5",
        # Function dependencies come from the wheels 'make setup' downloaded: no network.
        "PIP_NO_INDEX": "1",
        "PIP_FIND_LINKS": str(PROJECT / ".local-cloud" / "wheels"),
        **(extra or {}),
    }


class SamError(Exception):
    """sam build or sam deploy failed (its own output says why)."""


def verbose() -> bool:
    """VERBOSE=1: SAM's own output in full (upload progress, change sets, its next steps)."""
    return os.environ.get("VERBOSE", "") not in ("", "0")


def sam(
    *args: str,
    template: Path | None = None,
    build_dir: Path | None = None,
    quiet: bool = False,
    cwd: Path = PROJECT,
    **env,
) -> str:
    """Run sam; a quiet run keeps its output (returned, and printed only if it fails) unless
    VERBOSE is set. Interactive runs (an AWS deploy confirms its change set) are never quiet."""
    command = [str(Path(sys.executable).parent / "sam"), *args]
    if template:
        command += ["--template-file", str(template)]
    if build_dir:
        command += ["--build-dir", str(build_dir)]
    return run_sam(command, sam_env(env), quiet=quiet and not verbose(), cwd=cwd)


def run_sam(command: list[str], env: dict[str, str], quiet: bool, cwd: Path = PROJECT) -> str:
    ran = subprocess.run(
        command,
        cwd=cwd,
        env=env,
        text=True,
        stdout=subprocess.PIPE if quiet else None,
        stderr=subprocess.STDOUT if quiet else None,
    )
    if ran.returncode:
        if quiet:
            print(ran.stdout, end="", flush=True)
        raise SamError(
            f"{Path(command[0]).name} {command[1]} failed (exit status {ran.returncode})"
        )
    return ran.stdout or ""


# sam deploy's change-set table: one line per resource, "+ Add", "* Modify" or "- Delete".
CHANGE = re.compile(r"^\s*[+*-] (Add|Modify|Delete)\s", re.M)
CHANGE_WORDS = (("Add", "added"), ("Modify", "modified"), ("Delete", "deleted"))


def changes_made(deploy_output: str) -> str:
    """What a deploy changed, from sam deploy's change-set table: "3 added, 1 modified"."""
    counts = Counter(CHANGE.findall(deploy_output))
    said = [f"{counts[op]} {word}" for op, word in CHANGE_WORDS if counts[op]]
    return ", ".join(said) or "nothing changed"


def default_build_dir() -> Path | None:
    # Set SAM_BUILD_DIR to keep parallel builds (several checkouts' worth of work) apart.
    value = os.environ.get("SAM_BUILD_DIR")
    return Path(value).resolve() if value else None


def build(template: Path | None = None, build_dir: Path | None = None) -> None:
    build_dir = build_dir or default_build_dir()
    args = ["build", "--cached", "--parallel"]
    cwd = PROJECT
    if build_dir:
        args += ["--cache-dir", str(build_dir.parent / f"{build_dir.name}-cache")]
        # sam keeps dependencies in .aws-sam/deps under its working folder and, once built,
        # deletes every folder there that its own build did not make: builds running side by
        # side (test workers) each need a working folder of their own.
        cwd = build_dir.parent / f"{build_dir.name}-work"
        cwd.mkdir(parents=True, exist_ok=True)
    # The project's template is built with its routes filled in from the routes files.
    template = routes.rendered(template or PROJECT / "template.yaml")
    started = time.monotonic()
    sam(*args, template=template, build_dir=build_dir, quiet=True, cwd=cwd)
    say(f"sam build: {time.monotonic() - started:.1f} s")


def deploy_local(
    stack_name: str = LOCAL_STACK_NAME,
    template: Path | None = None,
    build_dir: Path | None = None,
    parameter_overrides: dict[str, str] | None = None,
) -> dict[str, str]:
    """Build, then deploy into the local cloud; returns the stack's outputs by name.

    What the deploy was made from is recorded (deploy_record), so make invoke and make watch
    know what the stack runs."""
    from devkit import local_issuer  # jwt and cryptography: imported only when they are needed

    build_dir = build_dir or default_build_dir()
    if template is not None and build_dir is None:
        # Another application's build never replaces the project's own.
        build_dir = template.resolve().parent / ".aws-sam" / "build"
    overrides = local_overrides(parameter_overrides)
    source_template = (template or PROJECT / "template.yaml").resolve()
    taken = deploy_record.snapshot(source_template, stack_name, overrides)
    build(template, build_dir)
    s3 = botocore_client("s3")
    if LOCAL_ARTIFACT_BUCKET not in {b["Name"] for b in s3.list_buckets()["Buckets"]}:
        s3.create_bucket(Bucket=LOCAL_ARTIFACT_BUCKET)
    # The staff authorizer trusts the local issuer's keys, published where the stack looks.
    local_issuer.publish(s3)
    # Its private key, for the local-only token endpoint that signs service tokens.
    local_issuer.store_signing_key(botocore_client("secretsmanager"))
    started = time.monotonic()
    args = ["deploy", "--config-file", str(PROJECT / "samconfig.toml"), "--config-env", "local"]
    args += ["--stack-name", stack_name]
    built = shared_code_template(build_dir or PROJECT / ".aws-sam" / "build")
    args += ["--template-file", str(built)]
    args += ["--parameter-overrides", *[_override(key, value) for key, value in overrides.items()]]
    said = sam(*args, quiet=True, **local_aws())
    elapsed = f"{time.monotonic() - started:.1f} s"
    if verbose():
        say(f"deployed {stack_name} into the local cloud in {elapsed}")
    else:
        say(
            f"deployed {stack_name} into the local cloud in {elapsed}: {changes_made(said)} "
            "(VERBOSE=1 for SAM's full output)"
        )
    deploy_record.record_deploy(
        stack_name, source_template, (build_dir or PROJECT / ".aws-sam" / "build").resolve(), taken
    )
    hot_reload.refresh_overlays(stack_name)
    return outputs(stack_name)


def local_overrides(parameter_overrides: dict[str, str] | None = None) -> dict[str, str]:
    """The parameters a local deploy passes: samconfig's local ones, the stage, this instance's
    address, then the caller's."""
    # Given on the command line, overrides replace samconfig's: start from the local env's.
    return {
        **config_overrides("local"),
        "Stage": "local",
        # Links and URLs the stack builds (ApiUrl, emailed links) must name this instance's port.
        "LocalCloudUrl": endpoint(),
        **(parameter_overrides or {}),
    }


def shared_code_template(build_dir: Path) -> Path:
    """The built template for a local deploy, every function's and layer's code in a zip made
    here, once per build SAM made (functions SAM built as one share one zip); returns its path,
    beside the built template.

    sam build copies one build's output into a folder per function, and sam deploy compresses
    every folder it is given, even one whose zip it has just uploaded: payroll's five functions
    were five deflations of the same 28 MB, the slowest part of a local deploy. Given a zip, sam
    deploy uploads it as it is, and skips an upload whose content is already there. The zips
    are stored, not compressed (the local cloud unpacks them on the same disk), and made the same
    from the same files (fixed dates, sorted names), so an unchanged function keeps its S3 key
    and a redeploy leaves it alone. Only local deploys use this; AWS gets SAM's own packaging.
    A group is only shared when its folders hold the same files (names and sizes), so a partial
    or stale build is deployed as it is.
    """
    first_of = {}
    for group in _build_definitions(build_dir):
        functions = [name for name in group.get("functions", []) if (build_dir / name).is_dir()]
        if len(functions) > 1 and _same_files(build_dir, functions):
            first_of.update(dict.fromkeys(functions[1:], functions[0]))
    return _with_stored_zips(build_dir / "template.yaml", build_dir, first_of, {})


def _with_stored_zips(
    built: Path, build_dir: Path, first_of: dict[str, str], zips: dict[str, Path]
) -> Path:
    # One built template (the root's, or a nested application's below it) with its code as zips.
    here = built.parent
    lines = []
    for line in built.read_text().splitlines(True):
        key, _, value = line.partition(":")
        value = value.strip()
        if key.strip() in ("CodeUri", "ContentUri") and value and (here / value).is_dir():
            source = first_of.get(str((here / value).relative_to(build_dir)))
            folder = build_dir / source if source else here / value
            if folder not in zips:
                zips[folder] = _stored_zip(folder)
            line = f"{key}: {os.path.relpath(zips[folder], here)}\n"
        elif key.strip() == "Location" and (here / value).is_file():
            # A nested application's built template: its code as zips too.
            nested = _with_stored_zips(here / value, build_dir, first_of, zips)
            line = f"{key}: {nested.relative_to(here)}\n"
        lines.append(line)
    shared = built.with_name("template.shared-code.yaml")
    shared.write_text("".join(lines))
    return shared


def _build_definitions(build_dir: Path) -> list[dict]:
    # SAM's build graph: which functions one build produced (it sits beside the build folder).
    graph = build_dir.parent / "build.toml"
    if not graph.exists():
        return []
    return list(tomllib.loads(graph.read_text()).get("function_build_definitions", {}).values())


def _same_files(build_dir: Path, functions: list[str]) -> bool:
    def listing(name: str) -> set[tuple[str, int]]:
        return {(inside, os.stat(path).st_size) for inside, path in _files(build_dir / name)}

    first = listing(functions[0])
    return all(listing(name) == first for name in functions[1:])


def _files(folder: Path) -> list[tuple[str, str]]:
    """(name inside folder, path) of every file below folder, in path order. Plain strings:
    Path.relative_to over the layer's thousands of files was half of a deploy's zipping time."""
    found = []
    for root, _, names in os.walk(folder):
        inside = os.path.relpath(root, folder)
        for name in names:
            path = os.path.join(root, name)
            if os.path.isfile(path):
                found.append((name if inside == "." else f"{inside}/{name}", path))
    return sorted(found, key=lambda file: file[0].split("/"))


def _stored_zip(folder: Path) -> Path:
    """folder as folder.zip beside it: every file, uncompressed, with a fixed date and its
    permissions, in name order, so the same files always make the same bytes."""
    target = folder.with_name(f"{folder.name}.zip")
    with zipfile.ZipFile(target, "w", zipfile.ZIP_STORED) as archive:
        for inside, path in _files(folder):
            info = zipfile.ZipInfo(inside, date_time=(1980, 1, 1, 0, 0, 0))
            info.external_attr = (os.stat(path).st_mode & 0xFFFF) << 16
            info.create_system = 3  # Unix, so the permissions above are read back
            with open(path, "rb") as file:
                archive.writestr(info, file.read())
    return target


def _override(key: str, value: str) -> str:
    # sam reads Key=Value, with a value that holds spaces in double quotes: rate(1 minute).
    return f'{key}="{value}"' if any(c.isspace() for c in value) else f"{key}={value}"


def config_overrides(env: str) -> dict[str, str]:
    """The parameter_overrides of one of samconfig.toml's environments, by name."""
    config = tomllib.loads((PROJECT / "samconfig.toml").read_text())
    text = (
        config.get(env, {}).get("deploy", {}).get("parameters", {}).get("parameter_overrides", "")
    )
    return dict(item.split("=", 1) for item in shlex.split(text) if "=" in item)


def physical_id(logical_id: str, stack_name: str = LOCAL_STACK_NAME) -> str:
    """A resource's physical id by its logical id, in the stack or one of its nested stacks
    (each workflow is a nested application: functions/<workflow>/template.yaml)."""
    for resource in deploy_record.stack_resources(stack_name):
        if resource["LogicalResourceId"] == logical_id:
            return resource["PhysicalResourceId"]
    raise KeyError(f"no resource {logical_id} in {stack_name} or its nested stacks")


def templates() -> list[Path]:
    """template.yaml as it is built (routes filled in) and the workflows' nested templates."""
    root = routes.rendered(PROJECT / "template.yaml")
    return [root, *sorted(PROJECT.glob("functions/*/template.yaml"))]


def outputs(stack_name: str = LOCAL_STACK_NAME) -> dict[str, str]:
    stack = botocore_client("cloudformation").describe_stacks(StackName=stack_name)["Stacks"][0]
    return {output["OutputKey"]: output["OutputValue"] for output in stack.get("Outputs", [])}


def config_stack_name(env: str) -> str:
    config = tomllib.loads((PROJECT / "samconfig.toml").read_text())
    return config[env]["deploy"]["parameters"]["stack_name"]


def deploy(env: str) -> None:
    """sam deploy to an AWS stage (the deployer's own credentials), the importer's image pushed
    first, so the task definition never names an image the repository lacks. Only a stack's
    first deploy creates the repository: its image is pushed right after, before any upload."""
    import boto3  # real AWS

    ecr = boto3.client("ecr")
    stack_name = config_stack_name(env)
    image_tag = importer_image.tag()
    uri = importer_image.repository_uri(ecr, stack_name)
    if uri:
        importer_image.push(ecr, uri, image_tag)
    # Given on the command line, overrides replace samconfig's: start from the env's own.
    overrides = {**config_overrides(env), "ImportsImageTag": image_tag}
    args = ["--parameter-overrides", *[_override(key, value) for key, value in overrides.items()]]
    sam("deploy", "--config-env", env, *args)
    if not uri:  # the stack's first deploy made the repository
        importer_image.push(ecr, importer_image.repository_uri(ecr, stack_name), image_tag)


def main(arguments: list[str]) -> None:
    match arguments:
        case ["build"]:
            build()
        case ["deploy-local"]:
            for key, value in deploy_local().items():
                print(f"{key:32} {value}")
        case ["deploy", env]:
            build()
            deploy(env)
        case ["validate"]:
            for template in templates():
                sam("validate", "--lint", template=template)
        case ["outputs"]:
            for key, value in outputs().items():
                print(f"{key:32} {value}")
        case _:
            sys.exit(__doc__)
