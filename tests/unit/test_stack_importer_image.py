"""The importer image's tag (a digest of containers/importer/) and `make deploy`'s order: the
image pushed before sam deploy, once per tag (the repository's tags are immutable)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

from devkit import importer_image, stack

STACK = "serverless-workflows-dev"  # samconfig.toml's dev stack
REPOSITORY = f"{STACK}/importer"


@pytest.fixture
def importer(tmp_path: Path) -> Path:
    copy = tmp_path / "importer"
    shutil.copytree(importer_image.SOURCE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    return copy


def test_the_same_files_make_the_same_tag(importer: Path, tmp_path: Path):
    # GIVEN two copies of the importer, one with what running it leaves behind
    other = shutil.copytree(importer, tmp_path / "other")
    (other / "importer" / "__pycache__").mkdir()
    (other / "importer" / "__pycache__" / "rows.cpython-313.pyc").write_bytes(b"\x00compiled")
    # THEN both have the tag of the project's own folder
    assert importer_image.tag(importer) == importer_image.tag(other)
    assert importer_image.tag(importer) == importer_image.tag()
    assert importer_image.tag(importer).startswith("src-")


@pytest.mark.parametrize(
    "edit",
    [
        lambda folder: (folder / "importer" / "rows.py").write_text("# edited\n", "utf-8"),
        lambda folder: (folder / "requirements.txt").write_text("boto3==1.0.0\n", "utf-8"),
        lambda folder: (folder / "importer" / "extra.py").write_text("", "utf-8"),
        lambda folder: (folder / "importer" / "rows.py").rename(folder / "importer" / "lines.py"),
    ],
    ids=["code", "requirements", "new file", "renamed file"],
)
def test_any_edit_of_the_importer_makes_a_new_tag(importer: Path, edit):
    before = importer_image.tag(importer)
    # WHEN a file of the importer changes
    edit(importer)
    # THEN so does the tag
    assert importer_image.tag(importer) != before


class Deployer:
    """subprocess.run as `make deploy` calls it: docker and sam, recorded in order, none run.
    sam deploy makes the stack's repository as CloudFormation would."""

    def __init__(self):
        self.calls: list[list[str]] = []
        self.real_run = subprocess.run

    def __call__(self, command, *args, **kwargs):
        program = Path(command[0]).name
        if program not in ("docker", "sam"):
            return self.real_run(command, *args, **kwargs)
        self.calls.append([program, *command[1:]])
        if program == "sam" and command[1] == "deploy":
            deployed_stack()
        return subprocess.CompletedProcess(command, 0, stdout="")

    def steps(self) -> list[str]:
        return [" ".join(call[:2]) for call in self.calls]


def deployed_stack() -> None:
    ecr = boto3.client("ecr")
    if not ecr.describe_repositories()["repositories"]:
        ecr.create_repository(repositoryName=REPOSITORY, imageTagMutability="IMMUTABLE")


@pytest.fixture
def deployer(monkeypatch: pytest.MonkeyPatch) -> Deployer:
    with mock_aws():
        recorder = Deployer()
        monkeypatch.setattr(subprocess, "run", recorder)
        yield recorder


def test_the_image_is_pushed_before_the_stack_is_deployed(deployer: Deployer):
    # GIVEN a deployed stack whose repository lacks this content's tag
    deployed_stack()
    # WHEN make deploy deploys
    stack.deploy("dev")
    # THEN the image is built and pushed under the content's tag, then the stack names it
    assert deployer.steps() == ["docker login", "docker build", "docker push", "sam deploy"]
    tag = importer_image.tag()
    assert deployer.calls[2][-1].endswith(f"/{REPOSITORY}:{tag}")
    deploy = deployer.calls[3]
    assert f"ImportsImageTag={tag}" in deploy
    assert "Stage=dev" in deploy  # samconfig's own overrides are kept


def test_a_tag_already_in_the_repository_is_not_pushed_again(deployer: Deployer):
    # GIVEN a stack whose repository holds this content's image already
    deployed_stack()
    boto3.client("ecr").put_image(
        repositoryName=REPOSITORY,
        imageManifest=json.dumps(
            {
                "schemaVersion": 2,
                "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
                "layers": [],
            }
        ),
        imageTag=importer_image.tag(),
    )
    # WHEN make deploy deploys again
    stack.deploy("dev")
    # THEN nothing is built or pushed; the stack still names that tag
    assert deployer.steps() == ["sam deploy"]
    assert f"ImportsImageTag={importer_image.tag()}" in deployer.calls[0]


def test_a_first_deploy_pushes_once_the_repository_exists(deployer: Deployer):
    # GIVEN no stack yet (sam deploy creates the repository)
    # WHEN make deploy deploys
    stack.deploy("dev")
    # THEN the image goes into the repository the deploy made
    assert deployer.steps() == ["sam deploy", "docker login", "docker build", "docker push"]
    assert deployer.calls[-1][-1].endswith(f":{importer_image.tag()}")
